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

int step_set(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

static void copy_trunc(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int checklist_add(struct checklist *l, bool ok, const char *subject,
		  const char *expected, const char *found, const char *why, ...)
{
	struct check *c;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct check *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->ok = ok;
	copy_trunc(c->subject, sizeof(c->subject), subject);
	copy_trunc(c->expected, sizeof(c->expected), expected);
	copy_trunc(c->found, sizeof(c->found), found);
	if (why) {
		va_list ap;

		va_start(ap, why);
		vsnprintf(c->why, sizeof(c->why), why, ap);
		va_end(ap);
	}
	return 0;
}

void checklist_done(struct checklist *l)
{
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
