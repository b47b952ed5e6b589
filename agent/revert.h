/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * revert and forget, from the one revert plan (plan_revert()) that status
 * shows too.
 */
#ifndef LVS_AGENT_REVERT_H
#define LVS_AGENT_REVERT_H

#include <stdbool.h>

struct netconf;
struct report;
struct steplist;

/*
 * revert: put back the journal's steps (observed) to their prior values,
 * newest first, and remove the journal. force: also with a damaged journal
 * (the steps before the damage) and removing the agent's marked objects
 * that no journal step holds. The caller holds the lock. An exit code.
 */
int revert_run(struct netconf *nc, const char *state, bool force, struct report *r);
/*
 * forget: remove the journal, saying what revert would have changed (each
 * change CHANGE_LEFT); change nothing in the kernel. The caller holds the
 * lock. An exit code.
 */
int revert_forget(struct netconf *nc, const char *state, struct report *r);
/*
 * status: what revert would do now, from the journal's steps as observed,
 * into r->revert (r->revert_unknown without memory).
 */
void revert_show(const struct steplist *l, struct report *r);

#endif
