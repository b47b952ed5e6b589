// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the journal unit tests share: a journal file in a directory of the
 * test's own, its text written and read back, steps, and the assertions
 * that a text loads or is damaged as a whole.
 */
#ifndef LVS_TESTS_JOURNAL_FIXTURE_H
#define LVS_TESTS_JOURNAL_FIXTURE_H

#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/journal.h"
#include "arp/arp.h"
#include "netconf/netconf.h"
#include "tunnel/tunnel.h"

#include "lib/macro.h"

_unused_ static char dir[] = "/tmp/test-journal.XXXXXX";
_unused_ static char path[256];

static inline void write_text(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline char *read_text(size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static inline struct step mkstep(const struct step_ops *ops, int order, const char *target,
				 const char *prior, const char *want)
{
	struct step s = { .ops = ops, .order = order };

	assert_int_equal(STEP_SET(s.target, target), 0);
	assert_int_equal(STEP_SET(s.prior, prior), 0);
	assert_int_equal(STEP_SET(s.want, want), 0);
	return s;
}

#define HEAD(n) "{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\"," \
		"\"created\":1,\"updated\":2,\"steps\":" #n "}\n"
#define STEP "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\"," \
		"\"order\":30,\"want\":\"present\",\"prior\":\"absent\"}\n"

/* A journal of this text is damaged as a whole: err one line that names
 * the journal and holds `why`; no step of it is kept. */
static inline void assert_damaged(const char *text, size_t len, const char *why)
{
	struct journal k;
	char err[512], head[300];

	write_text(text, len);
	err[0] = '\0';
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), -EBADMSG);
	snprintf(head, sizeof(head), "journal %s: ", path);
	if (strncmp(err, head, strlen(head)) != 0 || !strstr(err, why) ||
	    !strstr(err, "damaged") || strchr(err, '\n'))
		fail_msg("err \"%s\" does not tell \"%s\"", err, why);
	assert_int_equal(k.steps.n, 0);
	assert_null(k.steps.v);
	assert_string_equal(k.config, "");
}

static inline void assert_loads(const char *text, size_t len, size_t steps)
{
	struct journal k;
	char err[512] = "";

	write_text(text, len);
	if (journal_load(path, &k, err, sizeof(err)) != 0)
		fail_msg("not read: %s", err);
	assert_int_equal(k.steps.n, steps);
	journal_done(&k);
}

static inline int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The directory and the journal's path in it; -1 if it cannot be made. */
static inline int journal_dir_make(void)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/state", dir);
	return 0;
}

#endif
