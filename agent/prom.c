// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * verify --prometheus FILE: the checks as metrics for node_exporter's textfile
 * collector, so a fleet can alert on drift. The file is replaced atomically
 * (tmp file in the same directory, fsync, rename, fsync of the directory): the
 * collector reads it at any moment and must never see half of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "prom.h"
#include "../lib/macro.h"

/* Length of the well-formed UTF-8 sequence at s (Unicode 3-7), 0 if none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf; /* up to U+10FFFF */

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/*
 * A label value as the text format wants it: backslash, double quote and
 * line feed escaped. The format is UTF-8 and Prometheus rejects the whole
 * file for one bad byte; interface names are bytes, so an invalid sequence
 * becomes U+FFFD rather than costing the fleet every metric of this host.
 */
static void put_label_value(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			fputs("\xef\xbf\xbd", f);
			p++;
		} else if (*p == '\\') {
			fputs("\\\\", f);
			p++;
		} else if (*p == '"') {
			fputs("\\\"", f);
			p++;
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}

char *agent_prom_escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	put_label_value(f, s);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * One series per subject: a subject checked twice (status checks a journal
 * step and verify's check of it) is one series that holds if all hold, at
 * the place of its first check. Sorting the checks by subject, then by
 * position, puts each subject's checks together with its first in front:
 * n log n, where a scan of the earlier checks per check was n^2 (10,000
 * VIPs: 100 million string compares).
 */
struct series_key {
	const struct check *c;
	size_t i;
};

static int cmp_subject(const struct check *x, const struct check *y)
{
	int c = strcmp(x->kind, y->kind);

	return c ? c : strcmp(x->target, y->target);
}

static int cmp_series_key(const void *a, const void *b)
{
	const struct series_key *x = a, *y = b;
	int c = cmp_subject(x->c, y->c);

	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* What agent_prom_format prints for check i: nothing (an earlier check has
 * its subject), or its subject's series, failed or holding. */
enum series { SERIES_NONE, SERIES_FAILS, SERIES_HOLDS };

/* *ret: one entry per check (at least one), for the caller to free. */
static int series_of(const struct checklist *l, unsigned char **ret)
{
	size_t n = l->n ? l->n : 1, a, b;
	_cleanup_free_ struct series_key *keys = calloc(n, sizeof(*keys));
	_cleanup_free_ unsigned char *v = calloc(n, 1);

	if (!keys || !v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		keys[i] = (struct series_key){ &l->v[i], i };
	qsort(keys, l->n, sizeof(*keys), cmp_series_key);
	for (a = 0; a < l->n; a = b) {
		bool ok = true;

		for (b = a; b < l->n &&
		     cmp_subject(keys[b].c, keys[a].c) == 0; b++)
			ok = ok && l->v[keys[b].i].ok;
		v[keys[a].i] = ok ? SERIES_HOLDS : SERIES_FAILS;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

static void gauge(FILE *f, const char *name, const char *help, long long v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help,
		name, name, v);
}

int agent_prom_format(FILE *f, const struct checklist *checks, bool success,
		      time_t when)
{
	_cleanup_free_ unsigned char *series_v = NULL;
	size_t series = 0, failed = 0;
	int r;

	r = series_of(checks, &series_v);
	if (r < 0)
		return r;
	fputs("# HELP lvs_rs_agent_check_ok Whether a check of lvs-rs-agent verify holds (1) or fails (0).\n"
	      "# TYPE lvs_rs_agent_check_ok gauge\n", f);
	for (size_t i = 0; i < checks->n; i++) {
		bool ok = series_v[i] == SERIES_HOLDS;

		if (series_v[i] == SERIES_NONE)
			continue;
		fputs("lvs_rs_agent_check_ok{kind=\"", f);
		put_label_value(f, checks->v[i].kind);
		fputs("\",subject=\"", f);
		put_label_value(f, checks->v[i].target);
		fprintf(f, "\"} %d\n", ok);
		series++;
		failed += !ok;
	}
	gauge(f, "lvs_rs_agent_checks", "Number of checks lvs-rs-agent verify ran.",
	      (long long)series);
	gauge(f, "lvs_rs_agent_checks_failed", "Number of checks of lvs-rs-agent verify that fail.",
	      (long long)failed);
	gauge(f, "lvs_rs_agent_verify_success",
	      "1 when lvs-rs-agent verify exited 0 (every check holds), else 0 (a check fails, or it could not check).",
	      success);
	gauge(f, "lvs_rs_agent_last_verify_timestamp_seconds",
	      "Unix time of the lvs-rs-agent verify run that wrote this file.",
	      (long long)when);
	return ferror(f) ? -EIO : 0;
}

struct prom_args {
	const struct checklist *checks;
	bool success;
	time_t when;
};

static int put_prom(FILE *f, void *data)
{
	const struct prom_args *a = data;

	return agent_prom_format(f, a->checks, a->success, a->when);
}

int agent_prom_write(const char *path, const struct checklist *checks,
		     bool success, time_t when)
{
	struct prom_args a = { checks, success, when };
	_cleanup_free_ char *tmp = NULL;

	/* The collector reads only *.prom: a name ending .tmp.PID is ignored,
	 * and the PID keeps two concurrent runs from writing one tmp file. */
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	return agent_replace_file(path, tmp, put_prom, &a);
}
