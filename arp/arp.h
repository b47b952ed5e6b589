/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP suppression: the arp_ignore / arp_announce sysctl policy, its check by
 * effective value, and the nf_tables arp table (arp/nft.c).
 */
#ifndef LVS_ARP_H
#define LVS_ARP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "../lib/step.h"

struct conf;
struct netconf;
struct netconf_host;
struct netconf_link;
struct netconf_addr;

/*
 * The sysctl ARP policy, kind "sysctl" (netconf's, NETCONF_SYSCTL_KIND):
 * net/ipv4/conf/{all,lo}/{arp_ignore,arp_announce}, order STEP_ORDER_ARP,
 * built when the config has an IPv4 VIP and arp_suppress is sysctl or
 * both (want 1 or 2). Its check: the effective values on the host
 * (arp_check_sysctl()), or with arp_suppress = none a warning.
 */
extern const struct step_ops arp_sysctl_ops;

#define ARP_SYSCTL_STEPS 4

/*
 * Fill out[0..3] with the sysctl steps (conf/{all,lo}/arp_ignore and
 * arp_announce, order STEP_ORDER_ARP). Returns the count.
 */
size_t arp_sysctl_steps(int arp_ignore, int arp_announce, struct step *out);

/*
 * Whether the config asks to suppress ARP for its IPv4 VIPs by nf_tables
 * (nft) or else by sysctls: it has an IPv4 VIP, and arp_suppress names that
 * way (or both).
 */
bool arp_suppresses(const struct conf *c, bool nft);

/* An IPv4 VIP, or an anyip prefix of VIPs (prefixlen < 32). */
struct arp_vip {
	struct in_addr addr; /* the network address of the prefix */
	unsigned char prefixlen;
};

/* The IPv4 VIPs and anyip prefixes of c; *ret is malloc'd. 0 or -ENOMEM. */
int arp_vips(const struct conf *c, struct arp_vip **ret, size_t *n);

/*
 * arp_announce = 1 avoids as ARP sender only local addresses outside the
 * target's subnet: a VIP inside a subnet of the outgoing interface is sent
 * as the sender of its requests to neighbours of that subnet, and they
 * learn VIP -> this host's MAC. For link l of h: whether l does ARP (not
 * loopback, not IFF_NOARP) and one of its IPv4 subnets (an address shorter
 * than /32) overlaps a VIP or prefix; then *addr and *vip name the first
 * such pair.
 */
bool arp_announce_exposed(const struct netconf_host *h,
			  const struct netconf_link *l,
			  const struct arp_vip *vips, size_t n_vips,
			  const struct netconf_addr **addr,
			  const struct arp_vip **vip);

/*
 * Checks by effective value, max(conf/all, conf/DEV), on every interface of
 * h that holds an IPv4 address and on each VIP device: arp_ignore must be in
 * [want_ignore, 2], arp_announce at least want_announce, and 2 on an
 * interface where arp_announce_exposed() finds a VIP in a subnet (vips
 * NULL: not checked, as when the nft output rule rewrites the sender).
 * Appends to out.
 */
int arp_check_sysctl(const struct netconf_host *h, int want_ignore,
		     int want_announce, const char *const *vip_devs,
		     size_t n_vip_devs, const struct arp_vip *vips,
		     size_t n_vips, struct checklist *out);

/*
 * nf_tables ARP suppression, kind "nft": the table "arp lvs_rs_agent" with a
 * set "vips", chain "input" (drop ARP requests for a VIP) and chain "output"
 * (rewrite the sender of ARP requests from a VIP). Targets and values:
 *   "arp lvs_rs_agent"       present | interval | absent | foreign | incomplete
 *       present: the agent's table whole, its set of plain elements;
 *       interval: the same with a set of intervals (NFT_SET_INTERVAL),
 *       wanted when a VIP is an anyip prefix. A set's flags are fixed when
 *       it is made: going from one to the other rebuilds the table in the
 *       same batch, carrying its elements over.
 *       foreign: a table of that name that the agent did not create (no
 *       marker comment): change() refuses to create over it or delete it.
 *       incomplete: the agent's table, damaged: its set, a chain, a hook
 *       or a rule missing or altered, a table flag (dormant) set, or
 *       anything the agent does not make in it (another chain, set or
 *       rule; an element or output rule no step names: observe gets
 *       every step of the kind). apply deletes it and makes it again in
 *       one batch; meanwhile its other steps read "incomplete" as well,
 *       as its content is not vouched for, and apply writes all of it.
 *   "arp lvs_rs_agent vip 198.51.100.10"  present | absent (set element;
 *       in an interval set the interval 198.51.100.10-198.51.100.10)
 *   "arp lvs_rs_agent vip 198.51.100.0/24"  present | absent (an interval:
 *       its first address, and the one after its last flagged
 *       NFT_SET_ELEM_INTERVAL_END, as nft writes a prefix)
 *   "arp lvs_rs_agent output eth0"     the address the rule writes as ARP
 *       sender for requests out of eth0 (rip = auto), or absent
 *   "arp lvs_rs_agent output *"        the same without oifname (fixed rip)
 * Every change() call is one nf_tables batch: all or nothing in the kernel,
 * one netconf_fault_point() each. marked() lists the table when it carries
 * the marker comment, and, while it is whole, its elements and output rules.
 * Built (order STEP_ORDER_ARP) when the config has an IPv4 VIP and
 * arp_suppress is nft or both: the table ("interval" when a VIP is a
 * prefix), an element per VIP or prefix, and the output rules: "output *"
 * writing a fixed rip, or with rip = auto one per interface other than
 * loopback that holds an IPv4 address (its primary one, VIPs excluded;
 * none without kernel access, as for check-config).
 */
extern const struct step_ops arp_nft_ops;

#define ARP_NFT_TABLE "lvs_rs_agent"

/*
 * The table arp lvs_rs_agent, when it is whole, made the handle's own
 * (netconf_set_nft_table_flags(): owned and persistent): an orphan that a
 * watch left is taken over, one made without an owner is made again owned
 * with all it holds, in the transaction that deletes it. 1 when it changed
 * hands, 0 when there is nothing to do (no flags asked for, no table, the
 * handle's already, or a table a reconcile must mend first), -errno with
 * netconf_error() set (-EPERM: another live process owns it).
 */
struct netconf;
int arp_nft_own(struct netconf *nc);
/*
 * Whether the kernel keeps an owned table when its owner ends (Linux 6.9):
 * then the handle makes its tables owned and persistent from now on. 1
 * yes, 0 no, -errno with netconf_error() set.
 */
int arp_nft_probe_own(struct netconf *nc);
#define ARP_NFT_TARGET "arp " ARP_NFT_TABLE
#define ARP_NFT_FOREIGN "foreign"
#define ARP_NFT_INCOMPLETE "incomplete"
#define ARP_NFT_INTERVAL "interval"

#endif
