// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int plan_merge(struct plan *p, struct steplist *desired, const struct steplist *journal)
{
	int k;

	k = stepindex_build(&p->oldx, journal);
	if (k < 0)
		return k;
	/* The desired steps are all's first ones: desired hands over its
	 * array, and lookups go through indexes (10,000 VIPs: no copies, no
	 * n^2 scans). */
	p->all = *desired;
	*desired = (struct steplist){ 0 };
	p->n_want = p->all.n;
	for (size_t i = 0; i < p->all.n; i++) {
		struct step *s = &p->all.v[i];
		const struct step *j = stepindex_find(&p->oldx, s->ops, s->target);

		if (j)
			memcpy(s->prior, j->prior, sizeof(s->prior));
	}
	/* wantx: the desired steps only, all.v[0..n_want). */
	k = stepindex_build(&p->wantx, &p->all);
	for (size_t i = 0; k == 0 && i < journal->n; i++)
		if (!stepindex_find(&p->wantx, journal->v[i].ops, journal->v[i].target))
			k = steplist_add(&p->all, &journal->v[i]);
	return k;
}

bool plan_stale(const struct plan *p, const struct step *s)
{
	return (size_t)(s - p->all.v) >= p->n_want;
}

bool plan_journaled(const struct plan *p, const struct step *s)
{
	return stepindex_find(&p->oldx, s->ops, s->target) != NULL;
}

bool plan_wanted(const struct plan *p, const struct step *s)
{
	return stepindex_find(&p->wantx, s->ops, s->target) != NULL;
}

void plan_priors(struct plan *p)
{
	for (size_t i = 0; i < p->n_want; i++)
		if (!plan_journaled(p, &p->all.v[i]))
			memcpy(p->all.v[i].prior, p->all.v[i].now, sizeof(p->all.v[i].prior));
}

/* By order class, then by kind, so each kind's actions of a class are
 * consecutive (one change call), then as listed. */
static int cmp_order_asc(const void *a, const void *b)
{
	const struct action *x = a, *y = b;
	int k;

	if (x->s->order != y->s->order)
		return x->s->order - y->s->order;
	k = strcmp(x->s->ops->kind, y->s->ops->kind);
	if (k)
		return k;
	return (x->s > y->s) - (x->s < y->s);
}

static int cmp_order_desc(const void *a, const void *b)
{
	return -cmp_order_asc(a, b);
}

/* The transactional kinds of which a step is wanted: a stale part of
 * theirs goes in the same change as the wanted parts. */
struct wholes {
	const struct step_ops *v[8];
	size_t n;
};

static bool in_wholes(const struct wholes *w, const struct step_ops *ops)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i] == ops)
			return true;
	return false;
}

/* A stale part of a whole that stays, to go with the wanted parts. */
static bool joins(const struct wholes *w, const struct step *s)
{
	return s->order < STEP_ORDER_VIP && s->ops->transactional &&
	       in_wholes(w, s->ops) && step_restorable(s, s->prior);
}

static void add(struct plan *p, struct step *s, enum step_field to)
{
	p->acts[p->n_acts++] = (struct action){ .s = s, .to = to };
}

int plan_actions(struct plan *p)
{
	struct step *v = p->all.v;
	struct wholes w = { .n = 0 };
	size_t a1, a2;

	for (size_t i = 0; i < p->n_want; i++)
		if (v[i].ops->transactional && !in_wholes(&w, v[i].ops) &&
		    w.n < ARRAY_SIZE(w.v))
			w.v[w.n++] = v[i].ops;
	stepindex_done(&p->oldx);
	stepindex_done(&p->wantx);
	p->acts = calloc(p->all.n + 1, sizeof(*p->acts));
	if (!p->acts)
		return -ENOMEM;
	p->n_acts = 0;
	for (size_t i = p->n_want; i < p->all.n; i++)
		if (v[i].order >= STEP_ORDER_VIP && step_restorable(&v[i], v[i].prior))
			add(p, &v[i], STEP_PRIOR);
	qsort(p->acts, p->n_acts, sizeof(*p->acts), cmp_order_desc);
	a1 = p->n_acts;
	for (size_t i = 0; i < p->n_want; i++)
		if (!step_same(&v[i], v[i].now, v[i].want))
			add(p, &v[i], STEP_WANT);
	/* Its `want` becomes its prior value; the final journal drops it. */
	for (size_t i = p->n_want; i < p->all.n; i++)
		if (joins(&w, &v[i])) {
			memcpy(v[i].want, v[i].prior, sizeof(v[i].want));
			add(p, &v[i], STEP_WANT);
		}
	qsort(p->acts + a1, p->n_acts - a1, sizeof(*p->acts), cmp_order_asc);
	a2 = p->n_acts;
	for (size_t i = p->n_want; i < p->all.n; i++)
		if (v[i].order < STEP_ORDER_VIP && !joins(&w, &v[i]) &&
		    step_restorable(&v[i], v[i].prior))
			add(p, &v[i], STEP_PRIOR);
	qsort(p->acts + a2, p->n_acts - a2, sizeof(*p->acts), cmp_order_desc);
	return 0;
}

void plan_final(struct plan *p)
{
	p->all.n = p->n_want;
}

void plan_done(struct plan *p)
{
	stepindex_done(&p->oldx);
	stepindex_done(&p->wantx);
	steplist_done(&p->all);
	free(p->acts);
	memset(p, 0, sizeof(*p));
}

void plan_revert(const struct steplist *l, struct action *v, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++)
		if (step_restorable(&l->v[i], l->v[i].prior))
			v[k++] = (struct action){ .s = &l->v[i], .to = STEP_PRIOR };
	qsort(v, k, sizeof(*v), cmp_order_desc);
	*n = k;
}

size_t plan_done_steps(const struct action *acts, size_t n, struct step **v)
{
	size_t k = 0;

	for (size_t i = n; i-- > 0;)
		if (acts[i].done)
			v[k++] = acts[i].s;
	return k;
}

size_t plan_undo(struct step *const *v, size_t k, struct action *back)
{
	size_t m = 0;

	for (size_t i = 0; i < k; i++)
		if (step_restorable(v[i], v[i]->was))
			back[m++] = (struct action){ .s = v[i], .to = STEP_WAS };
	return m;
}
