/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify's checks: each step of the config against the kernel, each kind's
 * effective checks, the config against the host's links and addresses; and
 * status's checks of the journal beyond them.
 */
#ifndef LVS_AGENT_CHECKS_H
#define LVS_AGENT_CHECKS_H

struct conf;
struct journal;
struct netconf;
struct report;
struct steplist;

/* A check per step of l (observed): ->now against ->want, and for a
 * failure why it breaks LVS (the kind's explain). */
void checks_steps(const struct steplist *l, struct report *r);
/*
 * verify's checks into r->checks: the config's steps against the kernel,
 * then the kinds' effective checks on the host (the ARP policy on every
 * interface holding IPv4, the rp_filter of the tunnel devices), then the
 * VIPs against the host's links and addresses (agent_topology()). Returns
 * an exit code; a failed check is not an error.
 */
int checks_config(const struct conf *c, struct netconf *nc, struct report *r,
		  const char *verb);
/*
 * status: a check for each journal step that the checks so far did not
 * cover (a VIP dropped from the config but not yet by an apply, a config
 * that is gone), and a failed one for each object that carries the
 * agent's mark but no journal step (revert would leave it). Sets
 * r->journal_lost. Returns an exit code.
 */
int checks_journal(struct netconf *nc, struct report *r, const struct journal *j);

#endif
