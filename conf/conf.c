// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * struct conf's lifecycle and the error lines. Nothing in conf/ prints:
 * every problem becomes one "FILE:LINE: message" line in struct conf_errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- struct conf */

struct conf *conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->arp_suppress = CONF_ARP_SYSCTL;
	c->arp_ignore = 1;
	c->arp_announce = 2;
	c->rip_auto = true;
	c->rp_filter = 2;
	c->max_vips = CONF_MAX_VIPS_DEFAULT;
	c->sysctl_dropin[0] = '\0';
	return c;
}

struct conf *conf_free(struct conf *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_groups; i++) {
		for (size_t j = 0; j < c->groups[i].n_vips; j++)
			free(c->groups[i].vips[j].spelling);
		free(c->groups[i].vips);
	}
	free(c->groups);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
	return NULL;
}

const char *cf_add_file(struct conf *c, const char *name)
{
	char **v = realloc(c->files, (c->n_files + 1) * sizeof(*v));
	char *s;

	if (!v)
		return NULL;
	c->files = v;
	s = strdup(name);
	if (!s)
		return NULL;
	c->files[c->n_files++] = s;
	return s;
}

int cf_grow(void **v, size_t n, size_t size)
{
	void *nv;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return 0;
	nv = realloc(*v, (n < 4 ? 4 : 2 * n) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

/* ---- error lines */

void conf_errors_done(struct conf_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static int errors_push(struct conf_errors *e, char *msg)
{
	char **v = realloc(e->v, (e->n + 1) * sizeof(*v));

	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	e->v = v;
	e->v[e->n++] = msg;
	return 0;
}

_printf_(4, 0) static int verrorf(struct conf_errors *e, const char *file,
				  int line, const char *fmt, va_list ap)
{
	char *msg = NULL, *out = NULL;
	int r;

	if (!e || e->n > CONF_ERRORS_MAX)
		return 0;
	if (e->n == CONF_ERRORS_MAX)
		return asprintf(&out, "%s: too many errors, only the first %d are listed",
				file, CONF_ERRORS_MAX) < 0 ? -ENOMEM :
							     errors_push(e, out);
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	if (line > 0)
		r = asprintf(&out, "%s:%d: %s", file, line, msg);
	else
		r = asprintf(&out, "%s: %s", file, msg);
	free(msg);
	if (r < 0)
		return -ENOMEM;
	return errors_push(e, out);
}

int cf_errorf(struct conf_errors *e, const char *file, int line,
	      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = verrorf(e, file, line, fmt, ap);
	va_end(ap);
	return r;
}

const char *cf_quote(char buf[static QBUF], const char *s, size_t n)
{
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			snprintf(buf + o, 5, "\\x%02x", ch);
			o += 4;
		} else {
			buf[o++] = ch;
		}
	}
	buf[o++] = '"';
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *cf_quotes(char buf[static QBUF], const char *s)
{
	return cf_quote(buf, s, strlen(s));
}

/* ---- errors on the line being read */

void cf_note(struct parser *p, int r)
{
	if (r < 0 && p->ret == 0)
		p->ret = r;
}

struct conf_group *cf_cur_group(struct parser *p)
{
	return p->sec == SEC_VIP ? &p->c->groups[p->group] : NULL;
}

/* "FILE:LINE: [vip "NAME": ][KEY: ]message" for the current line. */
_printf_(4, 0) static void vperr(struct parser *p, const struct conf_key *k,
				 bool with_group, const char *fmt, va_list ap)
{
	struct conf_group *g = cf_cur_group(p);
	char pre[CONF_NAME_MAX + 32] = "";
	char *msg = NULL;
	size_t o = 0;

	p->n_errors++;
	if (g)
		g->has_errors = true;
	if (!p->err)
		return;
	if (g && with_group)
		o = snprintf(pre, sizeof(pre), "vip \"%s\": ", g->name);
	if (k)
		snprintf(pre + o, sizeof(pre) - o, "%s: ", k->name);
	if (vasprintf(&msg, fmt, ap) < 0) {
		cf_note(p, -ENOMEM);
		return;
	}
	cf_note(p, cf_errorf(p->err, p->file, p->line, "%s%s", pre, msg));
	free(msg);
}

void cf_lerr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, NULL, false, fmt, ap);
	va_end(ap);
}

void cf_gerr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, NULL, true, fmt, ap);
	va_end(ap);
}

void cf_kerr(struct parser *p, const struct conf_key *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, k, true, fmt, ap);
	va_end(ap);
}
