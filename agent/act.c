// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "act.h"
#include "exit.h"
#include "report.h"
#include "signal.h"
#include "../netconf/netconf.h"

/* ---- observing */

int act_observe(struct netconf *nc, struct step *const *v, size_t n,
		struct steplist *whole)
{
	_cleanup_free_ struct step **group = NULL;
	/* The kinds observed already; past the last place a kind is
	 * observed again, which costs a dump, not a wrong value. */
	const struct step_ops *seen[32];
	size_t n_seen = 0;

	if (n == 0)
		return 0;
	group = malloc((n + (whole ? whole->n : 0)) * sizeof(*group));
	if (!group)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct step_ops *ops = v[i]->ops;
		size_t k = 0, j;
		int ret;

		for (j = 0; j < n_seen; j++)
			if (seen[j] == ops)
				break;
		if (j < n_seen)
			continue;
		if (n_seen < ARRAY_SIZE(seen))
			seen[n_seen++] = ops;
		if (ops->transactional && whole) {
			for (j = 0; j < whole->n; j++)
				if (whole->v[j].ops == ops)
					group[k++] = &whole->v[j];
		} else {
			for (j = i; j < n; j++)
				if (v[j]->ops == ops)
					group[k++] = v[j];
		}
		ret = ops->observe(nc, group, k);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int act_observe_list(struct netconf *nc, struct steplist *l)
{
	_cleanup_free_ struct step **v = NULL;

	if (l->n == 0)
		return 0;
	v = malloc(l->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	return act_observe(nc, v, l->n, NULL);
}

int act_observe_for(struct netconf *nc, struct report *r, const char *verb,
		    struct steplist *l)
{
	int k = act_observe_list(nc, l);

	if (k < 0) {
		report_error(r, "%s: cannot read the kernel's state: %s (%s)", verb,
			     strerror(-k), netconf_error(nc));
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

/* ---- acting */

static void describe(const struct step *s, const char *from, const char *to,
		     char *buf, size_t len)
{
	char t[STEP_TARGET_MAX + 16];
	char op = step_sign(s->ops, from, to);

	step_display(s, t, sizeof(t));
	if (op == '+')
		snprintf(buf, len, "adding %s %s", s->ops->kind, t);
	else if (op == '-')
		snprintf(buf, len, "removing %s %s", s->ops->kind, t);
	else
		snprintf(buf, len, "setting %s %s from %s to %s", s->ops->kind, t,
			 from, to);
}

/* Columns of an error line, "lvs-rs-agent: " included, that a message
 * keeps to where it can. */
#define MESSAGE_COLUMNS 100

/*
 * An error and, in parentheses, what tells more: on one line when both fit,
 * else the parenthesis on a second.
 */
static void report_error_more(struct report *r, const char *what, const char *more)
{
	size_t n = strlen("lvs-rs-agent: ") + strlen(what) + strlen(more) + 3;

	report_error(r, "%s%s(%s)", what, n <= MESSAGE_COLUMNS ? " " : "\n", more);
}

static void report_failure(struct netconf *nc, struct report *r,
			   const char *verb, const struct action *a)
{
	char what[256], line[512], more[320];
	const char *kmsg = netconf_error(nc);

	describe(a->s, a->s->now, step_value(a->s, a->to), what, sizeof(what));
	snprintf(line, sizeof(line), "%s: %s: %s", verb, what, strerror(-a->res));
	if (a->res == -EPERM || a->res == -EACCES) {
		report_error_more(r, line, "the agent needs CAP_NET_ADMIN in this network namespace");
	} else if (kmsg && *kmsg) {
		snprintf(more, sizeof(more), "kernel: %s", kmsg);
		report_error_more(r, line, more);
	} else {
		report_error(r, "%s", line);
	}
}

/*
 * Run the actions in order, batching consecutive actions of the same kind and
 * direction into one ops->change call. Stops after the first batch with a
 * failure; returns the index of the first failed action, or -1.
 */
static ssize_t execute(struct netconf *nc, struct action *acts, size_t n)
{
	_cleanup_free_ struct step **v = NULL;
	_cleanup_free_ int *res = NULL;

	if (n == 0)
		return -1;
	v = malloc(n * sizeof(*v));
	res = malloc(n * sizeof(*res));
	if (!v || !res) {
		acts[0].res = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i, k = 0;
		ssize_t failed = -1;

		while (j < n && acts[j].s->ops == acts[i].s->ops &&
		       acts[j].to == acts[i].to)
			j++;
		for (size_t x = i; x < j; x++) {
			v[k] = acts[x].s;
			res[k++] = 0;
		}
		acts[i].s->ops->change(nc, v, k, acts[i].to, res);
		for (size_t x = i; x < j; x++) {
			acts[x].res = res[x - i];
			acts[x].done = res[x - i] == 0;
			if (!acts[x].done && failed < 0)
				failed = x;
		}
		if (failed >= 0)
			return failed;
		i = j;
	}
	return -1;
}

/*
 * Undo the done actions of this run, newest first, back to the values seen at
 * its start. Returns 0, or the number of steps left changed (listed in r).
 */
static int rollback(struct netconf *nc, struct action *acts, size_t n,
		    struct steplist *whole, struct report *r)
{
	_cleanup_free_ struct step **v = NULL;
	_cleanup_free_ struct action *back = NULL;
	size_t k;
	int left = 0;

	v = malloc((n ? n : 1) * sizeof(*v));
	back = malloc((n ? n : 1) * sizeof(*back));
	if (!v || !back)
		return -ENOMEM;
	k = plan_done_steps(acts, n, v);
	if (k == 0)
		return 0;
	if (act_observe(nc, v, k, whole) == 0) {
		size_t m = plan_undo(v, k, back);

		execute(nc, back, m);
		/* Keep going after a failed batch: undo as much as possible. */
		for (size_t i = 0; i < m; i++)
			if (!back[i].done && back[i].res == 0)
				execute(nc, &back[i], 1);
	}
	if (act_observe(nc, v, k, whole) < 0) {
		report_error(r, "rollback: cannot read the kernel back; left changed, possibly: all %zu steps of this run", k);
		return (int)k;
	}
	for (size_t i = 0; i < k; i++) {
		char t[STEP_TARGET_MAX + 16];

		if (!step_restorable(v[i], v[i]->was))
			continue;
		step_display(v[i], t, sizeof(t));
		report_error(r, "rollback failed: %s %s is left %s (was %s)",
			     v[i]->ops->kind, t, v[i]->now, v[i]->was);
		left++;
	}
	return left;
}

int act(struct netconf *nc, struct report *r, const char *verb,
	struct action *acts, size_t n, struct steplist *whole)
{
	return act_acked(nc, r, verb, acts, n, whole, false);
}

int act_acked(struct netconf *nc, struct report *r, const char *verb,
	      struct action *acts, size_t n, struct steplist *whole, bool acked)
{
	_cleanup_free_ struct step **v = NULL;
	char cause[32];
	size_t made = 0;
	ssize_t failed;
	int left, sig;

	if (n == 0)
		return AGENT_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		memcpy(acts[i].s->was, acts[i].s->now, sizeof(acts[i].s->was));
	failed = execute(nc, acts, n);
	/* Stopped by a signal before a change (one caught after the last
	 * change leaves the run done). */
	sig = failed >= 0 && acts[failed].res == -EINTR ? agent_interrupted() : 0;
	if (failed < 0 && acked)
		return AGENT_EXIT_OK;
	if (failed < 0) {
		/* Read back: never report success without asking the kernel. */
		v = malloc(n * sizeof(*v));
		if (!v)
			return AGENT_EXIT_RUNTIME;
		for (size_t i = 0; i < n; i++)
			v[i] = acts[i].s;
		if (act_observe(nc, v, n, whole) < 0) {
			report_error(r, "%s: cannot read the kernel back: %s", verb,
				     netconf_error(nc));
			failed = 0;
		} else {
			for (size_t i = 0; i < n; i++) {
				const char *want = step_value(acts[i].s, acts[i].to);
				char t[STEP_TARGET_MAX + 16];

				if (step_same(acts[i].s, acts[i].s->now, want))
					continue;
				step_display(acts[i].s, t, sizeof(t));
				report_error(r, "%s: %s %s reads back as %s, not %s",
					     verb, acts[i].s->ops->kind, t,
					     acts[i].s->now, want);
				failed = i;
				break;
			}
		}
		if (failed < 0)
			return AGENT_EXIT_OK;
	} else if (failed >= 0 && !sig) {
		report_failure(nc, r, verb, &acts[failed]);
	}
	/* A second signal does not stop the rollback. */
	agent_stop_no_more();
	left = rollback(nc, acts, n, whole, r);
	r->changes_undone = true;
	/* The report holds one change per action, in the same order. A change
	 * the signal stopped was not refused: it was not made. */
	for (size_t i = 0; i < n && r->n_changes >= n; i++) {
		struct change *c = &r->changes[r->n_changes - n + i];

		c->state = acts[i].done ? CHANGE_UNDONE :
			   acts[i].res && !(sig && acts[i].res == -EINTR) ? CHANGE_FAILED :
			   CHANGE_SKIPPED;
		made += acts[i].done;
	}
	snprintf(cause, sizeof(cause), "%s%s", sig ? "interrupted by " : "",
		 sig ? agent_signal_name(sig) : "");
	if (left != 0) {
		report_error(r, "%s: %s%sthe rollback left %d step%s changed (listed above)",
			     verb, cause, sig ? ": " : "", left, left == 1 ? "" : "s");
		return AGENT_EXIT_ROLLBACK;
	}
	if (sig && made == 0)
		report_error(r, "%s: %s: nothing was changed", verb, cause);
	else
		report_error(r, "%s: %s%severy change of this run was rolled back", verb,
			     cause, sig ? ": " : "");
	return AGENT_EXIT_RUNTIME;
}

int act_record(struct report *r, const struct action *acts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int k = report_change(r, acts[i].s, acts[i].s->now,
				      step_value(acts[i].s, acts[i].to));
		if (k < 0)
			return k;
	}
	return 0;
}

int act_not_made(struct report *r, size_t n)
{
	for (size_t i = r->n_changes >= n ? r->n_changes - n : 0; i < r->n_changes; i++)
		r->changes[i].state = CHANGE_SKIPPED;
	return AGENT_EXIT_RUNTIME;
}
