// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * The reconcile: build, observe, probe, plan, journal first, act, read
 * back, roll back, journal after. It names no kind: the registry's hooks
 * do each kind's part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "engine.h"
#include "exit.h"
#include "file.h"
#include "journal.h"
#include "kinds.h"
#include "plan.h"
#include "report.h"
#include "signal.h"
#include "state.h"
#include "topology.h"
#include "../conf/conf.h"
#include "../netconf/netconf.h"

int engine_build(const struct conf *c, struct netconf *nc, const struct steplist *journal,
		 const char *verb, struct steplist *out, struct report *r)
{
	char err[512] = "";
	struct kind_ctx ctx = {
		.conf = c, .nc = nc, .journal = journal, .verb = verb,
		.err = err, .errlen = sizeof(err),
	};
	const struct step_ops *ops;

	for (size_t i = 0; (ops = kinds_at(i)); i++) {
		int k = ops->build ? ops->build(&ctx, out) : 0;

		if (k < 0) {
			if (err[0])
				report_error(r, "%s", err);
			else
				report_error(r, "%s: %s steps: %s", verb, ops->kind, strerror(-k));
			return k;
		}
	}
	return 0;
}

/* ---- the config against the host (topology.c) */

struct refusals {
	struct conf_errors lines; /* the first CONF_ERRORS_MAX */
	size_t more;
};

static int refusal_cb(const struct topo_finding *f, void *data)
{
	struct refusals *x = data;
	char *line, **v;

	if (f->ok)
		return 0;
	if (x->lines.n >= CONF_ERRORS_MAX) {
		x->more++;
		return 0;
	}
	if (asprintf(&line, "%s:%d: %s%s%s%s: %s", f->file, f->line,
		     f->group ? "vip \"" : "", f->group ? f->group : "",
		     f->group ? "\": " : "", f->key, f->why) < 0)
		return -ENOMEM;
	v = realloc(x->lines.v, (x->lines.n + 1) * sizeof(*v));
	if (!v) {
		free(line);
		return -ENOMEM;
	}
	x->lines.v = v;
	v[x->lines.n++] = line;
	return 0;
}

/*
 * A config that the host's links and addresses make wrong for LVS
 * (agent_topology()) is refused before anything changes, each finding one
 * FILE:LINE line. journal: the agent's own steps (its stale addresses are
 * no finding). Returns an exit code.
 */
static int refuse_topology(const struct engine *e, const struct steplist *journal,
			   struct report *r, const char *verb)
{
	struct netconf_host host;
	struct refusals x = { 0 };
	int k, ret = AGENT_EXIT_OK;

	k = netconf_host_load(e->nc, &host);
	if (k < 0) {
		report_error(r, "%s: cannot list the interfaces and addresses: %s (%s)", verb,
			     strerror(-k), netconf_error(e->nc));
		return AGENT_EXIT_RUNTIME;
	}
	k = agent_topology(e->conf, &host, TOPO_APPLY, journal, refusal_cb, &x);
	if (k < 0) {
		report_error(r, "%s: %s", verb, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	} else if (x.lines.n) {
		report_config_errors(r, x.lines.v, x.lines.n, x.more, "");
		ret = AGENT_EXIT_USAGE;
	}
	conf_errors_done(&x.lines);
	netconf_host_done(&host);
	return ret;
}

/*
 * Before anything changes: whether the kernel can have what apply is about
 * to make, each kind asked with its desired steps (plan: without asking the
 * kernel anything that could change it). Returns an exit code; *probed
 * when a kind asked the kernel.
 */
static int probe(const struct engine *e, struct plan *p, const char *verb,
		 struct report *r, bool *probed)
{
	_cleanup_free_ struct step **v = malloc((p->n_want ? p->n_want : 1) * sizeof(*v));
	char err[512] = "";
	struct kind_ctx ctx = {
		.conf = e->conf, .nc = e->nc, .verb = verb, .dry_run = e->dry_run,
		.err = err, .errlen = sizeof(err),
	};
	const struct step_ops *ops;

	if (!v) {
		report_error(r, "%s: %s", verb, strerror(ENOMEM));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; (ops = kinds_at(i)); i++) {
		size_t n = 0;
		int k;

		if (!ops->probe)
			continue;
		for (size_t j = 0; j < p->n_want; j++)
			if (p->all.v[j].ops == ops)
				v[n++] = &p->all.v[j];
		k = n ? ops->probe(&ctx, v, n) : 0;
		if (k > 0)
			*probed = true;
		if (k == -EINTR && agent_interrupted()) {
			report_error(r, "%s: interrupted by %s: nothing was changed", verb,
				     agent_signal_name(agent_interrupted()));
			return AGENT_EXIT_RUNTIME;
		}
		if (k < 0) {
			report_error(r, "%s", err[0] ? err : strerror(-k));
			return AGENT_EXIT_RUNTIME;
		}
	}
	return AGENT_EXIT_OK;
}

static bool wanted(const struct step *s, const void *p)
{
	return plan_wanted(p, s);
}

static bool unwanted(const struct step *s, const void *p)
{
	return !plan_wanted(p, s);
}

/*
 * Never take the agent's own objects for pre-existing. A desired step that
 * the journal does not hold but the kernel does (the journal lost, or one
 * written elsewhere) would get the kernel's value as its prior, and revert
 * would keep the object for ever: when it carries the agent's mark its
 * prior is absent instead. Marked objects that neither the journal nor the
 * config holds are told, and left. The kernel is asked only when there is
 * such a step, or no journal. Returns an exit code.
 */
static int disown_marked(struct netconf *nc, struct report *r, const char *verb,
			 const struct journal *old, struct plan *p)
{
	struct steplist marks = { 0 };
	struct stepindex mx = { 0 };
	bool need = !old->found;
	char text[512];
	size_t n;
	int k;

	for (size_t i = 0; i < p->n_want && !need; i++) {
		const struct step *s = &p->all.v[i];

		need = s->ops->marked && !step_is_absent(s->ops, s->now) &&
		       !plan_journaled(p, s);
	}
	if (!need)
		return AGENT_EXIT_OK;
	k = state_unrecorded(nc, &old->steps, &p->all, &marks);
	if (k == 0)
		k = stepindex_build(&mx, &marks);
	if (k < 0) {
		report_error(r, "%s: cannot read the agent's marked objects: %s (%s)", verb,
			     strerror(-k), netconf_error(nc));
		goto out;
	}
	for (size_t i = 0; i < p->n_want; i++) {
		struct step *s = &p->all.v[i];

		if (stepindex_find(&mx, s->ops, s->target) && !plan_journaled(p, s))
			snprintf(s->prior, sizeof(s->prior), STEP_ABSENT);
	}
	n = state_list_text(&marks, wanted, p, text, sizeof(text));
	if (n)
		report_warning(r, "%s: %s %zu of the agent's own objects that are live (%s): they "
			       "count as the agent's, not as pre-existing, so revert removes them%s",
			       verb, old->found ? "the journal has no step for" : "no journal records",
			       n, text, old->found ? "" : "; sysctls and addresses carry no mark: "
			       "their values are recorded as found");
	n = state_list_text(&marks, unwanted, p, text, sizeof(text));
	if (n)
		report_warning(r, "%s: %zu of the agent's own objects are live but in neither the "
			       "journal nor the config (%s): left as they are; revert --force "
			       "removes them", verb, n, text);
out:
	stepindex_done(&mx);
	steplist_done(&marks);
	return k < 0 ? AGENT_EXIT_RUNTIME : AGENT_EXIT_OK;
}

/*
 * The config is not the one of the last apply: what only that one asked
 * for is undone by this run (the stale steps' actions). Said before it is;
 * a config moved or switched that undoes nothing needs no word.
 */
static void warn_config_moved(const struct engine *e, struct report *r, const char *verb,
			      const struct journal *old, const struct plan *p)
{
	const struct step *v[STATE_SHOWN_MAX] = { NULL };
	char text[512];
	size_t n = 0;

	for (size_t i = 0; i < p->n_acts; i++)
		if (plan_stale(p, p->acts[i].s)) {
			if (n < STATE_SHOWN_MAX)
				v[n] = p->acts[i].s;
			n++;
		}
	if (!n)
		return;
	state_steps_text(v, n < STATE_SHOWN_MAX ? n : STATE_SHOWN_MAX, n, text, sizeof(text));
	report_warning(r, "%s: the last apply used the config %s, this run %s:\n"
		       "what only that one asked for is undone (%zu change%s: %s)", verb,
		       old->config, e->config, n, n == 1 ? "" : "s", text);
}

/* Build, observe, probe and plan: the actions of the run in p. An exit
 * code. */
static int make_plan(const struct engine *e, struct report *r, const char *verb,
		     const struct journal *old, struct plan *p)
{
	struct steplist want = { 0 };
	bool probed = false;
	int ret, k;

	/* The topology's dumps serve the observe too: one look. */
	netconf_snapshot_begin(e->nc);
	ret = refuse_topology(e, &old->steps, r, verb);
	if (ret) {
		netconf_snapshot_end(e->nc);
		return ret;
	}
	/* After the journal: a value an earlier apply lowered stays wanted. */
	k = engine_build(e->conf, e->nc, &old->steps, verb, &want, r);
	if (k < 0) {
		netconf_snapshot_end(e->nc);
		steplist_done(&want);
		return k == -EOPNOTSUPP ? AGENT_EXIT_USAGE : AGENT_EXIT_RUNTIME;
	}
	k = plan_merge(p, &want, &old->steps);
	steplist_done(&want);
	if (k < 0) {
		netconf_snapshot_end(e->nc);
		goto oom;
	}
	/* From here on the steps stay where they are: the kinds parse each
	 * target once for all the walks of the run. */
	if (!e->dry_run)
		netconf_run_begin(e->nc);
	k = act_observe_list(e->nc, &p->all);
	/* A probe may load a module: a change. */
	netconf_snapshot_end(e->nc);
	if (k == 0) {
		ret = probe(e, p, verb, r, &probed);
		if (ret)
			return ret;
		/* The priors are the kernel's state once the module is in. */
		if (probed)
			k = act_observe_list(e->nc, &p->all);
	}
	if (k < 0) {
		report_error(r, "%s: cannot read the kernel's state: %s (%s)", verb,
			     strerror(-k), netconf_error(e->nc));
		return AGENT_EXIT_RUNTIME;
	}
	plan_priors(p);
	ret = disown_marked(e->nc, r, verb, old, p);
	if (ret)
		return ret;
	k = plan_actions(p);
	if (k < 0)
		goto oom;
	return AGENT_EXIT_OK;
oom:
	report_error(r, "out of memory");
	return AGENT_EXIT_RUNTIME;
}

/* The actions e->hold() leaves out of this run, dropped from the plan. */
static void hold_actions(const struct engine *e, struct plan *p)
{
	const struct step_ops *whole[8];
	size_t n_whole = 0, n = 0;

	if (!e->hold)
		return;
	for (size_t i = 0; i < p->n_acts; i++) {
		const struct step *s = p->acts[i].s;

		if (p->acts[i].to == STEP_WANT && s->ops->transactional &&
		    n_whole < ARRAY_SIZE(whole) && e->hold(s, e->hold_data))
			whole[n_whole++] = s->ops;
	}
	for (size_t i = 0; i < p->n_acts; i++) {
		const struct step *s = p->acts[i].s;
		bool held = false;

		for (size_t k = 0; k < n_whole && !held; k++)
			held = s->ops == whole[k];
		if (!held && p->acts[i].to == STEP_WANT)
			held = e->hold(s, e->hold_data);
		if (!held)
			p->acts[n++] = p->acts[i];
	}
	p->n_acts = n;
}

/*
 * Whether the journal to write before the changes is the one on disk: the
 * same config, the same steps with the same wanted and prior values (a
 * repair makes again what the last run made). Its write and fsync are then
 * skipped: a crash leaves the same journal either way.
 */
static bool journal_unchanged(const struct journal *old, const struct plan *p,
			      const char *config)
{
	if (!old->found || !old->updated || !old->ns.ino || p->all.n != old->steps.n ||
	    !STREQ(old->config, config))
		return false;
	for (size_t i = 0; i < p->all.n; i++) {
		const struct step *a = &p->all.v[i], *b = &old->steps.v[i];

		if (a->ops != b->ops || a->order != b->order || !STREQ(a->target, b->target) ||
		    !STREQ(a->want, b->want) || !STREQ(a->prior, b->prior))
			return false;
	}
	return true;
}

int engine_reconcile(const struct engine *e, struct report *r)
{
	const char *verb = e->dry_run ? "plan" : "apply";
	struct journal loaded = { 0 }, next = { 0 };
	const struct journal *old = e->kept ? e->kept : &loaded;
	struct plan p = { 0 };
	char err[512];
	size_t n_stale;
	bool gone, config_moved;
	int ret, k;

	ret = e->kept ? AGENT_EXIT_OK :
			  state_load(e->state, r, verb, 0, &loaded, err, sizeof(err), &gone);
	if (ret == AGENT_EXIT_OK)
		ret = make_plan(e, r, verb, old, &p);
	if (ret)
		goto out;
	hold_actions(e, &p);
	config_moved = old->steps.n && old->config[0] && !state_same_file(old->config, e->config);
	if (config_moved)
		warn_config_moved(e, r, verb, old, &p);
	if (act_record(r, p.acts, p.n_acts) < 0) {
		report_error(r, "out of memory");
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	if (e->dry_run)
		goto out;
	if (agent_interrupted()) {
		report_error(r, "%s: interrupted by %s: nothing was changed", verb,
			     agent_signal_name(agent_interrupted()));
		ret = act_not_made(r, p.n_acts);
		goto out;
	}

	/* Journal first: every step of this run with its prior value, before
	 * the kernel is touched. A crash from here on leaves a journal from
	 * which revert restores the pre-agent state. */
	snprintf(next.config, sizeof(next.config), "%s", e->config);
	next.created = old->created;
	if (p.n_acts > 0 && !journal_unchanged(old, &p, e->config)) {
		/* next borrows the plan's steps for the write (owns none). */
		next.steps = p.all;
		k = journal_save(e->state, &next);
		next.steps = (struct steplist){ 0 };
		if (k < 0) {
			report_error(r, "%s: cannot write the journal %s: %s; nothing was changed",
				     verb, e->state, agent_file_strerror(k));
			ret = act_not_made(r, p.n_acts);
			goto out;
		}
	}
	ret = act(e->nc, r, verb, p.acts, p.n_acts, &p.all);
	if (ret != AGENT_EXIT_OK) {
		/* Put the journal back as it was before this run. */
		if (ret == AGENT_EXIT_RUNTIME) {
			k = old->steps.n ? journal_write(e->state, old) : journal_remove(e->state);
			if (k < 0)
				report_error(r, "cannot restore the journal %s: %s", e->state,
					     agent_file_strerror(k));
		}
		goto out;
	}
	/* The final journal: the wanted steps; stale ones are restored.
	 * Without stale steps it is the journal written before the changes,
	 * already on disk. */
	n_stale = p.all.n - p.n_want;
	plan_final(&p);
	/* The journal names the config it is of: written again when that
	 * changes, so that its warning is given once. */
	if ((p.n_acts > 0 && n_stale > 0) ||
	    (p.n_acts == 0 && (p.all.n != old->steps.n || !old->updated || config_moved))) {
		next.steps = p.all;
		k = next.steps.n ? journal_save(e->state, &next) : journal_remove(e->state);
		next.steps = (struct steplist){ 0 };
		if (k < 0) {
			report_error(r, "%s: applied, but cannot write the journal %s: %s",
				     verb, e->state, agent_file_strerror(k));
			ret = AGENT_EXIT_RUNTIME;
		}
	}
out:
	netconf_run_end(e->nc);
	plan_done(&p);
	journal_done(&loaded);
	journal_done(&next);
	return ret;
}
