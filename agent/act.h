/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel walks of a run: observe steps (one call per kind), make the
 * changes of a plan, read them back, and on a failure roll back what the
 * run made. Every outcome is told in the report.
 */
#ifndef LVS_AGENT_ACT_H
#define LVS_AGENT_ACT_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

struct netconf;
struct report;

/*
 * Fill ->now of v[0..n): one observe call per kind. A transactional kind
 * (the nft table) is observed whole: every step of that kind in `whole`
 * (the run's list, which v points into; NULL when v is all of it), so that
 * it can tell what its object holds beyond them. 0 or -errno.
 */
int act_observe(struct netconf *nc, struct step *const *v, size_t n,
		struct steplist *whole);
/* act_observe of every step of l. */
int act_observe_list(struct netconf *nc, struct steplist *l);
/* act_observe_list, a failure told as what `verb` could not do. An exit
 * code. */
int act_observe_for(struct netconf *nc, struct report *r, const char *verb,
		    struct steplist *l);
/* One change in the report per action, from ->now to its `to`. 0 or
 * -ENOMEM. */
int act_record(struct report *r, const struct action *acts, size_t n);
/*
 * The run ends before its first kernel change: the last n changes of the
 * report were not made, and say so (text "(not made)", JSON "not made" and
 * "changed": false). Returns AGENT_EXIT_RUNTIME.
 */
int act_not_made(struct report *r, size_t n);
/*
 * Make the changes acts[0..n) (recorded in the report by act_record(), the
 * last n changes), in order, consecutive ones of a kind and direction in
 * one change call; read them back; on any failure, or a signal, undo what
 * this run made, newest first. whole: the run's list (act_observe()).
 * Returns an exit code.
 */
int act(struct netconf *nc, struct report *r, const char *verb,
	struct action *acts, size_t n, struct steplist *whole);
/*
 * act(), where the kernel's acknowledgement of each change is taken as its
 * read-back when acked: a repair of objects whose removal the kernel has
 * just notified, where reading one back would dump every object of its
 * kind (10,000 addresses for one VIP put back).
 */
int act_acked(struct netconf *nc, struct report *r, const char *verb,
	      struct action *acts, size_t n, struct steplist *whole, bool acked);

#endif
