// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "checks.h"
#include "lomgr.h"
#include "engine.h"
#include "exit.h"
#include "journal.h"
#include "kinds.h"
#include "report.h"
#include "state.h"
#include "topology.h"
#include "../netconf/netconf.h"

static void check_step(const struct step *s, struct report *r)
{
	char target[STEP_TARGET_MAX + 16], why[320] = "";
	bool ok = step_same(s, s->now, s->want);

	step_display(s, target, sizeof(target));
	if (!ok && s->ops->explain)
		s->ops->explain(s, why, sizeof(why));
	else if (!ok)
		snprintf(why, sizeof(why), "apply sets it to %s; the effective checks tell what breaks",
			 s->want);
	checklist_add(&r->checks, ok, s->ops->kind, target, s->want, s->now, NULL,
		      ok ? NULL : "%s", why);
}

void checks_steps(const struct steplist *l, struct report *r)
{
	for (size_t i = 0; i < l->n; i++)
		check_step(&l->v[i], r);
}

/* Steps given back at a time: a few pages each. */
#define GIVE_BACK 1024

/*
 * checks_steps of l, l emptied as it goes: the checks are made from the
 * last step back, and every GIVE_BACK of them the steps checked are given
 * back, so that the steps and their checks are never all held at once
 * (10,000 VIPs: 2 MB of steps, half a MB of checks). The checks come out
 * in l's order all the same.
 */
static void checks_steps_consume(struct steplist *l, struct report *r)
{
	size_t first = r->checks.n;

	for (size_t i = l->n; i-- > 0;) {
		check_step(&l->v[i], r);
		if (i && i % GIVE_BACK == 0) {
			struct step *v = realloc(l->v, i * sizeof(*v));

			l->n = i;
			if (v) {
				l->v = v;
				l->cap = i;
			}
		}
	}
	for (size_t a = first, b = r->checks.n; a + 1 < b; a++, b--) {
		struct check c = r->checks.v[a];

		r->checks.v[a] = r->checks.v[b - 1];
		r->checks.v[b - 1] = c;
	}
	steplist_done(l);
}

/* A topology finding as a check of verify. */
static int check_cb(const struct topo_finding *f, void *data)
{
	return checklist_add(data, f->ok, f->kind, f->target, f->expected, f->found,
			     f->detail, f->ok ? NULL : "%s", f->why);
}

int checks_config(const struct conf *c, struct netconf *nc, struct report *r,
		  const char *verb)
{
	struct steplist want = { 0 };
	struct netconf_host host = { 0 };
	char err[512] = "";
	struct kind_ctx ctx = {
		.conf = c, .nc = nc, .host = &host, .verb = verb,
		.err = err, .errlen = sizeof(err),
	};
	const struct step_ops *ops;
	int ret = AGENT_EXIT_OK, k;

	k = engine_build(c, nc, NULL, verb, &want, r);
	if (k < 0) {
		ret = k == -EOPNOTSUPP ? AGENT_EXIT_USAGE : AGENT_EXIT_RUNTIME;
		goto out;
	}
	ret = act_observe_for(nc, r, verb, &want);
	if (ret)
		goto out;
	/* Its memory serves the checks, and then the host's addresses. */
	checks_steps_consume(&want, r);
	k = netconf_host_load(nc, &host);
	if (k < 0) {
		report_error(r, "%s: cannot list the interfaces and addresses: %s", verb,
			     strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; (ops = kinds_at(i)); i++) {
		k = ops->check ? ops->check(&ctx, &r->checks) : 0;
		if (k < 0) {
			report_error(r, "%s", err[0] ? err : strerror(-k));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
	}
	k = agent_topology(c, &host, TOPO_VERIFY, NULL, check_cb, &r->checks);
	if (k == 0)
		k = agent_lo_managers(c, &r->checks);
	if (k < 0) {
		report_error(r, "%s: %s", verb, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	netconf_host_done(&host);
	steplist_done(&want);
	return ret;
}

/*
 * Which journal steps verify's checks covered already: the checks sorted
 * once by kind and target, then a binary search per step, not a scan of
 * the checks per step (n^2: 10^8 string compares at 10,000 VIPs).
 */
struct subjects {
	const struct check **v;
	size_t n;
};

static int cmp_subject(const void *a, const void *b)
{
	const struct check *x = *(const struct check *const *)a;
	const struct check *y = *(const struct check *const *)b;
	int k = strcmp(x->kind, y->kind);

	return k ? k : strcmp(x->target, y->target);
}

/* The checks stay the checklist's: only pointers to them are kept, and
 * the checklist does not grow while they are used. */
static int subjects_of(const struct checklist *l, struct subjects *x)
{
	x->n = 0;
	x->v = calloc(l->n ? l->n : 1, sizeof(*x->v));
	if (!x->v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		x->v[i] = &l->v[i];
	x->n = l->n;
	qsort(x->v, x->n, sizeof(*x->v), cmp_subject);
	return 0;
}

static bool checked(const struct subjects *x, const char *kind, const char *target)
{
	struct check key = { .kind = kind, .target = target };
	const struct check *k = &key;

	return bsearch(&k, x->v, x->n, sizeof(*x->v), cmp_subject);
}

/* A failed check for each object that carries the agent's mark and that the
 * journal does not hold: revert would leave it. Returns an exit code. */
static int unrecorded_checks(struct netconf *nc, struct report *r,
			     const struct journal *j)
{
	struct steplist marks = { 0 };
	int k;

	k = state_unrecorded(nc, &j->steps, NULL, &marks);
	if (k < 0) {
		steplist_done(&marks);
		report_error(r, "status: cannot read the agent's marked objects: %s (%s)",
			     strerror(-k), netconf_error(nc));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < marks.n; i++) {
		char t[STEP_TARGET_MAX + 16];

		step_display(&marks.v[i], t, sizeof(t));
		checklist_add(&r->checks, false, marks.v[i].ops->kind, t, "recorded", "unrecorded",
			      marks.v[i].now, "it carries the agent's mark, but %s: revert leaves "
			      "it; revert --force removes it", j->found ? "the journal has no step "
			      "for it" : "there is no journal (lost)");
	}
	r->journal_lost = marks.n && !j->found;
	steplist_done(&marks);
	return AGENT_EXIT_OK;
}

int checks_journal(struct netconf *nc, struct report *r, const struct journal *j)
{
	struct steplist rest = { 0 };
	struct subjects done = { 0 };

	if (subjects_of(&r->checks, &done) < 0) {
		report_error(r, "status: %s", strerror(ENOMEM));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];
		char target[STEP_TARGET_MAX + 16];

		step_display(s, target, sizeof(target));
		if (!checked(&done, s->ops->kind, target) && steplist_add(&rest, s) < 0) {
			free(done.v);
			steplist_done(&rest);
			report_error(r, "status: %s", strerror(ENOMEM));
			return AGENT_EXIT_RUNTIME;
		}
	}
	free(done.v);
	checks_steps(&rest, r);
	steplist_done(&rest);
	return unrecorded_checks(nc, r, j);
}
