/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARP suppression: the arp_ignore / arp_announce sysctl policy, its check by
 * effective value, and (later) the nf_tables arp table.
 */
#ifndef LVS_ARP_H
#define LVS_ARP_H

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

#endif
