/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP suppression: the arp_ignore / arp_announce sysctl policy, its check by
 * effective value, and the nf_tables arp table (arp/nft.c).
 */
#ifndef LVS_ARP_H
#define LVS_ARP_H

#include <netinet/in.h>
#include <stddef.h>

#include "../lib/step.h"

struct netconf;

#define ARP_SYSCTL_STEPS 4

/*
 * Fill out[0..3] with the sysctl steps (conf/{all,lo}/arp_ignore and
 * arp_announce, order STEP_ORDER_ARP). Returns the count.
 */
size_t arp_sysctl_steps(int arp_ignore, int arp_announce, struct step *out);

/*
 * Checks by effective value, max(conf/all, conf/DEV), on every interface that
 * holds an IPv4 address and on each VIP device: arp_ignore must be in
 * [want_ignore, 2], arp_announce at least want_announce. Appends to out.
 */
int arp_check_sysctl(struct netconf *nc, int want_ignore, int want_announce,
		     const char *const *vip_devs, size_t n_vip_devs,
		     struct checklist *out);

/*
 * nf_tables ARP suppression, kind "nft": the table "arp lvs_rs_agent" with a
 * set "vips", chain "input" (drop ARP requests for a VIP) and chain "output"
 * (rewrite the sender of ARP requests from a VIP). Targets and values:
 *   "arp lvs_rs_agent"                 present | absent | foreign | incomplete
 *       foreign: a table of that name that the agent did not create (no
 *       marker comment): change() refuses to create over it or delete it.
 *       incomplete: the agent's table with its set, a chain, a hook or the
 *       input rule missing or altered: apply rebuilds it.
 *   "arp lvs_rs_agent vip 198.51.100.10"  present | absent (set element)
 *   "arp lvs_rs_agent output eth0"     the address the rule writes as ARP
 *       sender for requests out of eth0 (rip = auto), or absent
 *   "arp lvs_rs_agent output *"        the same without oifname (fixed rip)
 * Every change() call is one nf_tables batch: all or nothing in the kernel,
 * one netconf_fault_point() each.
 */
extern const struct step_ops arp_nft_ops;

#define ARP_NFT_TABLE "lvs_rs_agent"
#define ARP_NFT_TARGET "arp " ARP_NFT_TABLE
#define ARP_NFT_FOREIGN "foreign"
#define ARP_NFT_INCOMPLETE "incomplete"

/*
 * The nft steps for the IPv4 VIPs (n_vips > 0), all order STEP_ORDER_ARP:
 * the table, one element per VIP, and the output rules: one rule "output *"
 * writing *rip, or with rip NULL (auto) one per interface other than
 * loopback that holds an IPv4 address (its primary one, VIPs excluded);
 * with nc NULL too, no rule steps (check-config). *ret is malloc'd.
 */
int arp_nft_steps(struct netconf *nc, const struct in_addr *vips,
		  size_t n_vips, const struct in_addr *rip,
		  struct step **ret, size_t *n);

#endif
