// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: arbitrary bytes through conf_parse_string() and
 * conf_validate(), with the invariants a caller relies on checked after each
 * run (ASan and UBSan catch the memory errors and leaks).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errors(const struct conf_errors *e, int r)
{
	/* -EINVAL exactly when there is something to tell */
	if ((r == -EINVAL) != (e->n > 0))
		abort();
	if (e->n > CONF_ERRORS_MAX + 1)
		abort();
	for (size_t i = 0; i < e->n; i++) {
		const char *s = e->v[i];

		if (strncmp(s, "fuzz.conf:", 10) != 0)
			abort();
		/* user text is escaped: one printable line per error */
		for (; *s; s++)
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				abort();
	}
}

static void check_conf(const struct conf *c)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		const struct conf_group *g = &c->groups[i];

		if (!g->name[0] || !g->device[0] || g->n_vips == 0 || !g->file)
			abort();
		for (size_t j = 0; j < g->n_vips; j++)
			if ((g->vips[j].family != AF_INET &&
			     g->vips[j].family != AF_INET6) ||
			    g->vips[j].line < 1 || !g->vips[j].file)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors err = { 0 };
	struct conf *c = conf_new();
	int r, v;

	if (!c)
		return 0;
	r = conf_parse_string(c, "fuzz.conf", (const char *)data, size, &err);
	v = conf_validate(c, &err);
	/* 0 or a config error: anything else is a bug */
	if (r != 0 && r != -EINVAL)
		abort();
	if (v != 0 && v != -EINVAL)
		abort();
	check_errors(&err, r < 0 ? r : v);
	if (r == 0 && v == 0)
		check_conf(c);
	conf_errors_done(&err);
	conf_free(c);
	return 0;
}
