// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step.h"

const char *step_value(const struct step *s, enum step_field f)
{
	switch (f) {
	case STEP_WANT:
		return s->want;
	case STEP_PRIOR:
		return s->prior;
	case STEP_WAS:
		return s->was;
	}
	return s->want;
}

bool step_same(const struct step *s, const char *a, const char *b)
{
	if (s->ops && s->ops->same)
		return s->ops->same(a, b);
	return strcmp(a, b) == 0;
}

bool step_is_absent(const struct step_ops *ops, const char *v)
{
	if (ops && ops->is_absent)
		return ops->is_absent(v);
	return strcmp(v, STEP_ABSENT) == 0;
}

char step_sign(const struct step_ops *ops, const char *from, const char *to)
{
	bool f = step_is_absent(ops, from), t = step_is_absent(ops, to);

	if (f && !t)
		return '+';
	if (t && !f)
		return '-';
	return '~';
}

void step_display(const struct step *s, char *buf, size_t len)
{
	if (s->ops && s->ops->display)
		s->ops->display(s->target, buf, len);
	else
		snprintf(buf, len, "%s", s->target);
}

bool step_restorable(const struct step *s, const char *to)
{
	if (s->ops && s->ops->restorable)
		return s->ops->restorable(s, to);
	return !step_same(s, s->now, to);
}

int step_set(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Blocks of texts; a text never moves once written. */
struct text_pool {
	struct text_pool *next;
	size_t used, size;
	char data[];
};

#define POOL_BLOCK 65536

const char *text_pool_copy(struct text_pool **pool, const char *src, size_t max,
			   const char *prev)
{
	size_t n = src ? strnlen(src, max - 1) : 0;
	struct text_pool *p = *pool;
	char *dst;

	if (n == 0)
		return "";
	if (prev && strlen(prev) == n && memcmp(prev, src, n) == 0)
		return prev;
	if (!p || p->size - p->used < n + 1) {
		size_t size = n + 1 > POOL_BLOCK ? n + 1 : POOL_BLOCK;

		p = malloc(sizeof(*p) + size);
		if (!p)
			return NULL;
		p->next = *pool;
		p->used = 0;
		p->size = size;
		*pool = p;
	}
	dst = p->data + p->used;
	memcpy(dst, src, n);
	dst[n] = '\0';
	p->used += n + 1;
	return dst;
}

void text_pool_free(struct text_pool **pool)
{
	while (*pool) {
		struct text_pool *p = *pool;

		*pool = p->next;
		free(p);
	}
}

int checklist_add(struct checklist *l, bool ok, const char *kind,
		  const char *target, const char *expected, const char *found,
		  const char *detail, const char *why, ...)
{
	struct check c = { .ok = ok };
	const struct check *last;
	char text[CHECK_WHY_MAX] = "";

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct check *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (why) {
		va_list ap;

		va_start(ap, why);
		vsnprintf(text, sizeof(text), why, ap);
		va_end(ap);
	}
	last = l->n ? &l->v[l->n - 1] : NULL;
	c.kind = kind;
	/* 10,000 checks of addresses expect and find "present" alike. */
	c.target = text_pool_copy(&l->pool, target, CHECK_TARGET_MAX, last ? last->target : NULL);
	c.expected = text_pool_copy(&l->pool, expected, CHECK_EXPECTED_MAX,
				    last ? last->expected : NULL);
	c.found = text_pool_copy(&l->pool, found, CHECK_FOUND_MAX, last ? last->found : NULL);
	c.detail = text_pool_copy(&l->pool, detail, CHECK_DETAIL_MAX, last ? last->detail : NULL);
	c.why = text_pool_copy(&l->pool, text, CHECK_WHY_MAX, last ? last->why : NULL);
	if (!c.target || !c.expected || !c.found || !c.detail || !c.why)
		return -ENOMEM;
	l->v[l->n++] = c;
	return 0;
}

void check_subject(const struct check *c, char *buf, size_t len)
{
	if (*c->target)
		snprintf(buf, len, "%s %s", c->kind, c->target);
	else
		snprintf(buf, len, "%s", c->kind);
}

void checklist_done(struct checklist *l)
{
	text_pool_free(&l->pool);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

size_t checklist_failed(const struct checklist *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !l->v[i].ok;
	return n;
}
