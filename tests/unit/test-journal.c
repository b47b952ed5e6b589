// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent/journal.c beyond the basics of test-agent.c: the streamed JSON
 * reader and writer (journals of earlier versions, written by json-c, still
 * read; odd strings survive; a torn file is damaged, never half read), the
 * step index, the checklist's text pool (lib/step.c), and 10,000 steps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "netconf/netconf.h"

static char dir[] = "/tmp/test-journal.XXXXXX";
static char path[256];

static void write_text(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_text(size_t *len)
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

static struct step mkstep(const struct step_ops *ops, int order,
			  const char *target, const char *prior,
			  const char *want)
{
	struct step s = { .ops = ops, .order = order };

	assert_int_equal(STEP_SET(s.target, target), 0);
	assert_int_equal(STEP_SET(s.prior, prior), 0);
	assert_int_equal(STEP_SET(s.want, want), 0);
	return s;
}

/* As json-c wrote it before (slashes escaped), with keys in another order,
 * unknown keys, white space and a \u escape. */
static void test_reads_earlier_journals(void **state)
{
	static const char text[] =
		"{ \"version\": 1, \"future\": {\"a\": [1, 2.5e3, true, null, \"x\"]},\n"
		"  \"steps\": [\n"
		"    {\"want\":\"1\",\"prior\":\"0\",\"order\":10,\"kind\":\"sysctl\","
		"\"target\":\"net\\/ipv4\\/conf\\/all\\/arp_ignore\"},\n"
		"    {\"kind\":\"address\",\"target\":\"198.51.100.1\\/32 dev \\u006co\","
		"\"order\":\"30\",\"prior\":\"absent\",\"want\":\"present\",\"new\":[{}]}\n"
		"  ],\n"
		"  \"config\": \"\\/etc\\/lvs-rs-agent\\/agent.conf\", \"created\": 1700000000,"
		" \"updated\": 1700000100 }\n";
	struct journal j;
	char err[256];

	write_text(text, sizeof(text) - 1);
	assert_int_equal(journal_load(path, &j, err, sizeof(err)), 0);
	assert_int_equal(j.steps.n, 2);
	assert_ptr_equal(j.steps.v[0].ops, &netconf_sysctl_ops);
	assert_string_equal(j.steps.v[0].target, "net/ipv4/conf/all/arp_ignore");
	assert_int_equal(j.steps.v[0].order, 10);
	assert_string_equal(j.steps.v[0].prior, "0");
	assert_string_equal(j.steps.v[0].want, "1");
	assert_ptr_equal(j.steps.v[1].ops, &netconf_addr_ops);
	assert_string_equal(j.steps.v[1].target, "198.51.100.1/32 dev lo");
	assert_int_equal(j.steps.v[1].order, 30);
	assert_string_equal(j.config, "/etc/lvs-rs-agent/agent.conf");
	assert_int_equal(j.created, 1700000000);
	assert_int_equal(j.updated, 1700000100);
	journal_done(&j);
}

/* Quotes, backslashes, control characters and UTF-8 come back as written. */
static void test_odd_strings_round_trip(void **state)
{
	static const char config[] = "/etc/a \"b\" \\c\td\x01\x1f/é日本.conf";
	struct journal j = { 0 }, k;
	struct step s = mkstep(&netconf_addr_ops, STEP_ORDER_VIP,
			       "192.0.2.1/32 dev a\"b\\c", "absent", "present");
	char err[256];

	snprintf(j.config, sizeof(j.config), "%s", config);
	assert_int_equal(steplist_add(&j.steps, &s), 0);
	assert_int_equal(journal_save(path, &j), 0);
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_string_equal(k.config, config);
	assert_int_equal(k.steps.n, 1);
	assert_string_equal(k.steps.v[0].target, s.target);
	assert_int_equal(k.created, j.created);
	assert_int_equal(k.updated, j.updated);
	journal_done(&j);
	journal_done(&k);
}

/* A journal cut anywhere is damaged as a whole: no step of it is taken. */
static void test_torn_journal_is_damaged(void **state)
{
	struct journal j = { 0 }, k;
	char err[256], *text;
	size_t len;

	for (int i = 0; i < 3; i++) {
		char t[64];
		struct step s;

		snprintf(t, sizeof(t), "198.51.100.%d/32 dev lo", i + 1);
		s = mkstep(&netconf_addr_ops, STEP_ORDER_VIP, t, "absent", "present");
		assert_int_equal(steplist_add(&j.steps, &s), 0);
	}
	assert_int_equal(journal_save(path, &j), 0);
	text = read_text(&len);
	assert_true(len > 100);
	/* The last byte is the newline: the text without it is whole. */
	for (size_t cut = 0; cut + 1 < len; cut++) {
		write_text(text, cut);
		err[0] = '\0';
		assert_int_equal(journal_load(path, &k, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "damaged"));
		assert_int_equal(k.steps.n, 0);
	}
	/* Trailing garbage, a NUL inside a string: damaged too. */
	text[len - 1] = 'x';
	write_text(text, len);
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), -EBADMSG);
	{
		static const char nul[] = "{\"steps\":[{\"kind\":\"sysctl\","
			"\"target\":\"a\\u0000b\",\"prior\":\"0\",\"want\":\"1\"}]}";

		write_text(nul, sizeof(nul) - 1);
	}
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "step 1 is damaged"));
	free(text);
	journal_done(&j);
}

static void test_stepindex(void **state)
{
	struct steplist l = { 0 };
	struct stepindex x;
	struct step s;

	s = mkstep(&netconf_sysctl_ops, 10, "net/ipv4/conf/all/arp_ignore", "0", "1");
	assert_int_equal(steplist_add(&l, &s), 0);
	s = mkstep(&netconf_addr_ops, 30, "192.0.2.1/32 dev lo", "absent", "present");
	assert_int_equal(steplist_add(&l, &s), 0);
	/* A duplicate: the first one is found, as with steplist_find. */
	s = mkstep(&netconf_addr_ops, 30, "192.0.2.1/32 dev lo", "present", "present");
	assert_int_equal(steplist_add(&l, &s), 0);
	assert_int_equal(stepindex_build(&x, &l), 0);
	assert_ptr_equal(stepindex_find(&x, &netconf_addr_ops, "192.0.2.1/32 dev lo"), &l.v[1]);
	assert_null(stepindex_find(&x, &netconf_sysctl_ops, "192.0.2.1/32 dev lo"));
	assert_null(stepindex_find(&x, &netconf_addr_ops, "192.0.2.2/32 dev lo"));
	assert_ptr_equal(stepindex_find(&x, &netconf_addr_ops, NULL), &l.v[1]);
	/* The list grows (and moves): indexed steps are still found there,
	 * new ones are not indexed. */
	for (int i = 0; i < 100; i++) {
		s = mkstep(&netconf_addr_ops, 30, "198.51.100.9/32 dev lo", "absent", "present");
		assert_int_equal(steplist_add(&l, &s), 0);
	}
	assert_ptr_equal(stepindex_find(&x, &netconf_sysctl_ops,
					"net/ipv4/conf/all/arp_ignore"), &l.v[0]);
	assert_null(stepindex_find(&x, &netconf_addr_ops, "198.51.100.9/32 dev lo"));
	stepindex_done(&x);
	/* An empty list. */
	steplist_done(&l);
	assert_int_equal(stepindex_build(&x, &l), 0);
	assert_null(stepindex_find(&x, &netconf_addr_ops, "192.0.2.1/32 dev lo"));
	assert_null(stepindex_find(&x, &netconf_addr_ops, NULL));
	stepindex_done(&x);
}

/* 10,000 VIPs: the journal holds them all, the index finds each. */
static void test_ten_thousand(void **state)
{
	struct journal j = { 0 }, k;
	struct stepindex x;
	char err[256];

	for (int i = 0; i < 10000; i++) {
		char t[64];
		struct step s;

		snprintf(t, sizeof(t), "198.18.%d.%d/32 dev lo", i / 250, i % 250 + 1);
		s = mkstep(&netconf_addr_ops, STEP_ORDER_VIP, t, "absent", "present");
		assert_int_equal(steplist_add(&j.steps, &s), 0);
	}
	assert_int_equal(journal_save(path, &j), 0);
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_int_equal(k.steps.n, 10000);
	assert_int_equal(stepindex_build(&x, &k.steps), 0);
	for (size_t i = 0; i < j.steps.n; i++) {
		const struct step *s = stepindex_find(&x, &netconf_addr_ops,
						      j.steps.v[i].target);

		assert_ptr_equal(s, &k.steps.v[i]);
		assert_string_equal(s->prior, "absent");
	}
	stepindex_done(&x);
	journal_done(&j);
	journal_done(&k);
}

/* The checks keep their texts in the checklist's pool, cut as before. */
static void test_checklist_texts(void **state)
{
	struct checklist l = { 0 };
	char big[1000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 5000; i++)
		assert_int_equal(checklist_add(&l, i % 3 != 0, "address 192.0.2.1/32 dev lo",
					       "present", i % 3 ? "present" : "absent",
					       i % 3 ? NULL : "why %d", i), 0);
	assert_int_equal(checklist_add(&l, true, big, big, big, "%s", big), 0);
	assert_int_equal(l.n, 5001);
	assert_int_equal(checklist_failed(&l), 1667);
	assert_string_equal(l.v[0].why, "why 0");
	assert_string_equal(l.v[1].why, "");
	assert_string_equal(l.v[4998].found, "absent");
	assert_string_equal(l.v[4999].subject, "address 192.0.2.1/32 dev lo");
	assert_int_equal(strlen(l.v[5000].subject), CHECK_SUBJECT_MAX - 1);
	assert_int_equal(strlen(l.v[5000].expected), CHECK_EXPECTED_MAX - 1);
	assert_int_equal(strlen(l.v[5000].found), CHECK_FOUND_MAX - 1);
	assert_int_equal(strlen(l.v[5000].why), CHECK_WHY_MAX - 1);
	checklist_done(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_earlier_journals),
		cmocka_unit_test(test_odd_strings_round_trip),
		cmocka_unit_test(test_torn_journal_is_damaged),
		cmocka_unit_test(test_stepindex),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_checklist_texts),
	};

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/state", dir);
	return cmocka_run_group_tests_name("journal", tests, NULL, teardown);
}
