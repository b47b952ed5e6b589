// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steplist.h"

int steplist_add(struct steplist *l, const struct step *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct step *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

void steplist_done(struct steplist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct step *steplist_find(const struct steplist *l, const struct step_ops *ops,
			   const char *target)
{
	for (size_t i = 0; i < l->n; i++)
		if ((!ops || l->v[i].ops == ops) &&
		    (!target || strcmp(l->v[i].target, target) == 0))
			return &l->v[i];
	return NULL;
}

/* ---- an index by kind and target */

/* FNV-1a over the target, mixed with the kind's ops table. */
static uint32_t step_hash(const struct step_ops *ops, const char *target)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)ops;

	for (const unsigned char *p = (const unsigned char *)target; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

int stepindex_build(struct stepindex *x, const struct steplist *l)
{
	size_t size = 16;

	memset(x, 0, sizeof(*x));
	x->l = l;
	if (l->n >= UINT32_MAX / 4)
		return -E2BIG;
	/* At most half full: short probe sequences. */
	while (size < 2 * l->n)
		size *= 2;
	x->slot = malloc(size * sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	memset(x->slot, 0xff, size * sizeof(*x->slot));
	x->mask = size - 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct step *s = &l->v[i];
		size_t k = step_hash(s->ops, s->target) & x->mask;

		for (;; k = (k + 1) & x->mask) {
			const struct step *o;

			if (x->slot[k] == UINT32_MAX) {
				x->slot[k] = (uint32_t)i;
				break;
			}
			/* Keep the first of duplicates, as steplist_find. */
			o = &l->v[x->slot[k]];
			if (o->ops == s->ops && strcmp(o->target, s->target) == 0)
				break;
		}
	}
	x->n = l->n;
	return 0;
}

struct step *stepindex_find(const struct stepindex *x,
			    const struct step_ops *ops, const char *target)
{
	if (!target) {
		for (size_t i = 0; i < x->n; i++)
			if (x->l->v[i].ops == ops)
				return &x->l->v[i];
		return NULL;
	}
	if (!x->slot)
		return NULL;
	for (size_t k = step_hash(ops, target) & x->mask;
	     x->slot[k] != UINT32_MAX; k = (k + 1) & x->mask) {
		struct step *s = &x->l->v[x->slot[k]];

		if (s->ops == ops && strcmp(s->target, target) == 0)
			return s;
	}
	return NULL;
}

void stepindex_done(struct stepindex *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}
