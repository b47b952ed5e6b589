// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * revert and forget: the journal's steps back to their prior values, or the
 * journal dropped with what revert would have done told; both from the one
 * revert plan (plan_revert()) that status shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "revert.h"
#include "exit.h"
#include "file.h"
#include "journal.h"
#include "plan.h"
#include "report.h"
#include "state.h"
#include "../netconf/netconf.h"

void revert_show(const struct steplist *l, struct report *r)
{
	free(r->revert);
	r->n_revert = 0;
	r->revert = calloc(l->n ? l->n : 1, sizeof(*r->revert));
	r->revert_unknown = !r->revert;
	if (r->revert)
		plan_revert(l, r->revert, &r->n_revert);
}

/*
 * revert --force: the agent's marked objects that the journal (its readable
 * steps) does not hold join it, to be removed; without --force, when there
 * is no journal, they are told and the run stops (exit 3): plain revert
 * undoes only what a journal records. Returns an exit code.
 */
static int revert_marked(struct netconf *nc, const char *state, bool force,
			 struct report *r, struct journal *j)
{
	struct steplist marks = { 0 };
	char text[512];
	int k, ret = AGENT_EXIT_OK;

	k = state_unrecorded(nc, &j->steps, NULL, &marks);
	if (k < 0) {
		report_error(r, "revert: cannot read the agent's marked objects: %s (%s)",
			     strerror(-k), netconf_error(nc));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	if (!marks.n)
		goto out;
	state_list_text(&marks, NULL, NULL, text, sizeof(text));
	if (!force) {
		report_error(r, "revert: no journal %s, yet %zu of the agent's own objects are live "
			     "(%s): the journal that recorded them is gone; revert --force removes "
			     "them (sysctls and addresses carry no mark: what an apply changed of "
			     "them cannot be told, and is left)", state, marks.n, text);
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	report_warning(r, "revert --force: removing %zu of the agent's own objects that no journal "
		       "step records (%s); sysctls and addresses carry no mark: those an apply "
		       "changed without a journal step are left as they are", marks.n, text);
	for (size_t i = 0; i < marks.n && k == 0; i++) {
		snprintf(marks.v[i].prior, sizeof(marks.v[i].prior), STEP_ABSENT);
		memcpy(marks.v[i].want, marks.v[i].now, sizeof(marks.v[i].want));
		k = steplist_add(&j->steps, &marks.v[i]);
	}
	if (k < 0) {
		report_error(r, "revert: %s", strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	steplist_done(&marks);
	return ret;
}

int revert_run(struct netconf *nc, const char *state, bool force, struct report *r)
{
	_cleanup_free_ struct action *acts = NULL;
	struct journal j = { 0 };
	char damage[512];
	size_t n_acts = 0;
	bool gone;
	int ret, k;

	ret = state_load(state, r, "revert", force ? STATE_READABLE : 0, &j, damage,
			 sizeof(damage), &gone);
	if (ret)
		goto out;
	if (damage[0])
		report_warning(r, "revert --force: %s: reverting the %zu step%s before it; what the "
			       "%zu line%s from line %zu on recorded (the header counts %zu step%s) "
			       "is left as it is", damage, j.steps.n, j.steps.n == 1 ? "" : "s",
			       j.unread_lines, j.unread_lines == 1 ? "" : "s", j.unread_from,
			       j.counted, j.counted == 1 ? "" : "s");
	/* Without a whole journal, the agent's marks tell what is its own. */
	if (force || !j.found) {
		ret = revert_marked(nc, state, force, r, &j);
		if (ret)
			goto out;
	}
	if (j.steps.n) {
		/* The steps stay where they are until the end: each target is
		 * parsed once for all the walks. */
		netconf_run_begin(nc);
		ret = act_observe_for(nc, r, "revert", &j.steps);
		if (ret)
			goto out;
		acts = calloc(j.steps.n, sizeof(*acts));
		if (!acts) {
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
		plan_revert(&j.steps, acts, &n_acts);
		if (act_record(r, acts, n_acts) < 0) {
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
		ret = act(nc, r, "revert", acts, n_acts, &j.steps);
		if (ret != AGENT_EXIT_OK)
			goto out;
	}
	if (!j.found && !gone)
		goto out;
	k = journal_remove(state);
	if (k < 0) {
		report_error(r, "revert: done, but cannot remove the journal %s: %s",
			     state, agent_file_strerror(k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	netconf_run_end(nc);
	journal_done(&j);
	return ret;
}

int revert_forget(struct netconf *nc, const char *state, struct report *r)
{
	_cleanup_free_ struct action *plan = NULL;
	struct netconf_netns self;
	struct journal j = { 0 };
	char damage[512];
	size_t n = 0;
	bool gone;
	int ret, k;

	ret = state_load(state, r, "forget", STATE_READABLE | STATE_FOREIGN, &j, damage,
			 sizeof(damage), &gone);
	if (ret || (!j.found && !gone))
		goto out;
	if (damage[0])
		report_warning(r, "forget: %s: what the %zu line%s from line %zu on recorded (the "
			       "header counts %zu step%s, %zu read) is left in the kernel too, "
			       "unknown", damage, j.unread_lines, j.unread_lines == 1 ? "" : "s",
			       j.unread_from, j.counted, j.counted == 1 ? "" : "s", j.steps.n);
	(void)netconf_netns_self(&self);
	plan = calloc(j.steps.n ? j.steps.n : 1, sizeof(*plan));
	if (!plan) {
		report_error(r, "forget: %s", strerror(ENOMEM));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	if (journal_owner(&j, &self) == JOURNAL_OTHER_NETNS) {
		/* Not here to look at: what the journal says was done stays. */
		for (size_t i = 0; i < j.steps.n; i++)
			memcpy(j.steps.v[i].now, j.steps.v[i].want, sizeof(j.steps.v[i].now));
	} else if (j.steps.n) {
		ret = act_observe_for(nc, r, "forget", &j.steps);
		if (ret)
			goto out;
	}
	/* What revert would do now: what forgetting leaves undone. */
	plan_revert(&j.steps, plan, &n);
	if (act_record(r, plan, n) < 0) {
		report_error(r, "forget: %s", strerror(ENOMEM));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = r->n_changes - n; i < r->n_changes; i++)
		r->changes[i].state = CHANGE_LEFT;
	k = journal_remove(state);
	if (k < 0) {
		report_error(r, "forget: cannot remove the journal %s: %s", state, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
	r->forgot = k == 0;
out:
	journal_done(&j);
	return ret;
}
