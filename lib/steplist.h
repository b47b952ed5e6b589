/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lists of steps: a growable array of owned copies, and an index by kind and
 * target for the lists of 10,000 VIPs.
 */
#ifndef LVS_LIB_STEPLIST_H
#define LVS_LIB_STEPLIST_H

#include <stddef.h>
#include <stdint.h>

#include "step.h"

/* A growable list of steps (owned copies). */
struct steplist {
	struct step *v;
	size_t n, cap;
};
int steplist_add(struct steplist *l, const struct step *s);
void steplist_done(struct steplist *l);
/* The step of that kind and target; target NULL: the first of that kind;
 * ops NULL: of any kind. */
struct step *steplist_find(const struct steplist *l, const struct step_ops *ops,
			   const char *target);
/*
 * steplist_find in O(1) for big lists (10,000 VIPs): an index of l->v[0..n)
 * by kind and target, n = l->n at build time. It keeps indexes, not
 * pointers, so l may grow afterwards (new steps are not indexed).
 */
struct stepindex {
	const struct steplist *l;
	size_t n;
	uint32_t *slot; /* UINT32_MAX: empty */
	size_t mask;
};
int stepindex_build(struct stepindex *x, const struct steplist *l);
/* As steplist_find over the indexed steps (target NULL: a linear scan). */
struct step *stepindex_find(const struct stepindex *x,
			    const struct step_ops *ops, const char *target);
void stepindex_done(struct stepindex *x);

#endif
