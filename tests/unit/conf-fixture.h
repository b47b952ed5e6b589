// SPDX-License-Identifier: GPL-2.0-or-later
/* What the conf/ unit tests share: a config parsed from a string, its errors. */
#ifndef LVS_TESTS_CONF_FIXTURE_H
#define LVS_TESTS_CONF_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"

/* Parses and validates text as "t.conf"; returns the first failure. */
static inline int parse_len(const char *text, size_t len, struct conf **ret,
			    struct conf_errors *err)
{
	struct conf *c = conf_new();
	int r, v;

	assert_non_null(c);
	r = conf_parse_string(c, "t.conf", text, len, err);
	v = conf_validate(c, err);
	*ret = c;
	return r < 0 ? r : v;
}

static inline int parse(const char *text, struct conf **ret, struct conf_errors *err)
{
	return parse_len(text, strlen(text), ret, err);
}

static inline bool has_error(const struct conf_errors *e, const char *want)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->v[i], want))
			return true;
	return false;
}

static inline void dump_errors(const struct conf_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("    | %s\n", e->v[i]);
}

/* A good config: no error; returns the parsed config. */
static inline struct conf *good(const char *text)
{
	struct conf_errors e = { 0 };
	struct conf *c = NULL;
	int r = parse(text, &c, &e);

	if (r != 0 || e.n != 0) {
		print_message("config:\n%s\n", text);
		dump_errors(&e);
		fail_msg("expected success, got %d with %zu errors", r, e.n);
	}
	conf_errors_done(&e);
	return c;
}

static inline const struct conf_vip *vip(const struct conf_group *g, size_t i)
{
	assert_true(i < g->n_vips);
	return &g->vips[i];
}

static inline void assert_vip(const struct conf_vip *v, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(v->family, &v->addr, buf, sizeof(buf)));
	assert_string_equal(buf, text);
}

#endif
