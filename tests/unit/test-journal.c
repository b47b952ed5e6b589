// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent/journal.c and journal-read.c beyond the basics of test-agent.c:
 * format 2 (JSON Lines, a json-c object a line); format 1 (one document)
 * still read; odd strings survive; a journal cut at any byte, with a wrong
 * count or with any line damaged is damaged as a whole, with the line and
 * the reason, never half read by journal_load; journal_load_readable keeps
 * the steps before the damage and says what is left unread; the header
 * binds a journal to its network namespace and boot; the step index, the
 * checklist's text pool (lib/step.c), 10,000 steps.
 */
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

/* A journal of n address steps 198.51.100.I/32 dev DEV saved to path; its
 * text (malloc'd) and length. */
static char *save_vips(struct journal *j, int n, const char *dev, size_t *len)
{
	for (int i = 0; i < n; i++) {
		char t[64];
		struct step s;

		snprintf(t, sizeof(t), "198.51.100.%d/32 dev %s", i + 1, dev);
		s = mkstep(&netconf_addr_ops, STEP_ORDER_VIP, t, "absent", "present");
		assert_int_equal(steplist_add(&j->steps, &s), 0);
	}
	assert_int_equal(journal_save(path, j), 0);
	return read_text(len);
}

#define HEAD(n) "{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\"," \
		"\"created\":1,\"updated\":2,\"steps\":" #n "}\n"
#define STEP "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\"," \
		"\"order\":30,\"want\":\"present\",\"prior\":\"absent\"}\n"

/* A journal of this text is damaged as a whole: err one line that names
 * the journal and holds `why`; no step of it is kept. */
static void assert_damaged(const char *text, size_t len, const char *why)
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

static void assert_loads(const char *text, size_t len, size_t steps)
{
	struct journal k;
	char err[512] = "";

	write_text(text, len);
	if (journal_load(path, &k, err, sizeof(err)) != 0)
		fail_msg("not read: %s", err);
	assert_int_equal(k.steps.n, steps);
	journal_done(&k);
}

/* Format 2: a header, then one line per step, each as json-c reads it. */
static void test_format_2_lines(void **state)
{
	struct journal j = { 0 };
	struct step s[2] = {
		mkstep(&arp_sysctl_ops, STEP_ORDER_ARP,
		       "net/ipv4/conf/all/arp_ignore", "0", "1"),
		mkstep(&netconf_addr_ops, STEP_ORDER_VIP,
		       "192.0.2.1/32 dev lo", "absent", "present"),
	};
	static const char *const keys[] = { "kind", "target", "order", "want", "prior" };
	char *text, *line, *save = NULL;
	json_object *o, *v;
	size_t len, n = 0;

	snprintf(j.config, sizeof(j.config), "/etc/lvs-rs-agent/agent.conf");
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(steplist_add(&j.steps, &s[i]), 0);
	assert_int_equal(journal_save(path, &j), 0);
	text = read_text(&len);
	assert_int_equal(text[len - 1], '\n');
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		o = json_tokener_parse(line);
		assert_true(json_object_is_type(o, json_type_object));
		if (n == 0) {
			assert_true(json_object_object_get_ex(o, "format", &v));
			assert_string_equal(json_object_get_string(v), "lvs-rs-agent journal");
			assert_true(json_object_object_get_ex(o, "version", &v));
			assert_int_equal(json_object_get_int(v), 2);
			assert_true(json_object_object_get_ex(o, "steps", &v));
			assert_int_equal(json_object_get_int(v), 2);
			assert_true(json_object_object_get_ex(o, "config", &v));
			assert_string_equal(json_object_get_string(v), j.config);
			assert_true(json_object_object_get_ex(o, "created", &v));
			assert_int_equal(json_object_get_int64(v), j.created);
			assert_true(json_object_object_get_ex(o, "updated", &v));
			assert_int_equal(json_object_get_int64(v), j.updated);
		} else {
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
				assert_true(json_object_object_get_ex(o, keys[k], NULL));
			assert_true(json_object_object_get_ex(o, "target", &v));
			assert_string_equal(json_object_get_string(v), s[n - 1].target);
			assert_true(json_object_object_get_ex(o, "order", &v));
			assert_int_equal(json_object_get_int(v), s[n - 1].order);
		}
		json_object_put(o);
	}
	assert_int_equal(n, 3);
	free(text);
	journal_done(&j);
}

/* Format 1 as json-c wrote it (one line, slashes escaped), as the streaming
 * writer wrote it, and by hand: keys in another order, unknown keys, white
 * space, \u escapes, "order" a string (json_object_get_int read it). */
static void test_reads_format_1(void **state)
{
	static const char by_hand[] =
		"{ \"version\": 1, \"future\": {\"a\": [1, 2.5e3, true, null, \"x\"]},\n"
		"  \"steps\": [\n"
		"    {\"want\":\"1\",\"prior\":\"0\",\"order\":10,\"kind\":\"sysctl\","
		"\"target\":\"net\\/ipv4\\/conf\\/all\\/arp_ignore\"},\n"
		"    {\"kind\":\"address\",\"target\":\"198.51.100.1\\/32 dev \\u006co\","
		"\"order\":\"30\",\"prior\":\"absent\",\"want\":\"present\",\"new\":[{}]}\n"
		"  ],\n"
		"  \"config\": \"\\/etc\\/lvs-rs-agent\\/agent.conf\", \"created\": 1700000000,"
		" \"updated\": 1700000100 }\n\n";
	static const char json_c[] =
		"{\"version\":1,\"config\":\"\\/etc\\/lvs-rs-agent\\/agent.conf\","
		"\"created\":1700000000,\"updated\":1700000100,\"steps\":["
		"{\"kind\":\"sysctl\",\"target\":\"net\\/ipv4\\/conf\\/all\\/arp_ignore\","
		"\"order\":10,\"prior\":\"0\",\"want\":\"1\"},"
		"{\"kind\":\"address\",\"target\":\"198.51.100.1\\/32 dev lo\","
		"\"order\":30,\"prior\":\"absent\",\"want\":\"present\"}]}\n";
	static const char streamed[] =
		"{\"version\":1,\"config\":\"/etc/lvs-rs-agent/agent.conf\","
		"\"created\":1700000000,\"updated\":1700000100,\"steps\":["
		"{\"kind\":\"sysctl\",\"target\":\"net/ipv4/conf/all/arp_ignore\","
		"\"order\":10,\"prior\":\"0\",\"want\":\"1\"},"
		"{\"kind\":\"address\",\"target\":\"198.51.100.1/32 dev lo\","
		"\"order\":30,\"prior\":\"absent\",\"want\":\"present\"}]}\n";
	static const char *const texts[] = { by_hand, json_c, streamed };
	struct journal j;
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		write_text(texts[i], strlen(texts[i]));
		assert_int_equal(journal_load(path, &j, err, sizeof(err)), 0);
		assert_int_equal(j.steps.n, 2);
		assert_ptr_equal(j.steps.v[0].ops, &arp_sysctl_ops);
		assert_string_equal(j.steps.v[0].target, "net/ipv4/conf/all/arp_ignore");
		assert_int_equal(j.steps.v[0].order, 10);
		assert_string_equal(j.steps.v[0].prior, "0");
		assert_string_equal(j.steps.v[0].want, "1");
		assert_ptr_equal(j.steps.v[1].ops, &netconf_addr_ops);
		assert_string_equal(j.steps.v[1].target, "198.51.100.1/32 dev lo");
		assert_int_equal(j.steps.v[1].order, 30);
		assert_string_equal(j.steps.v[1].prior, "absent");
		assert_string_equal(j.steps.v[1].want, "present");
		assert_string_equal(j.config, "/etc/lvs-rs-agent/agent.conf");
		assert_int_equal(j.created, 1700000000);
		assert_int_equal(j.updated, 1700000100);
		journal_done(&j);
	}

	/* The next save writes format 2, with the same steps. */
	write_text(json_c, strlen(json_c));
	assert_int_equal(journal_load(path, &j, err, sizeof(err)), 0);
	assert_int_equal(journal_save(path, &j), 0);
	{
		struct journal k;
		size_t len;
		char *text = read_text(&len);

		assert_non_null(strstr(text, "\"version\":2"));
		assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
		assert_int_equal(k.steps.n, 2);
		assert_string_equal(k.steps.v[1].target, "198.51.100.1/32 dev lo");
		assert_int_equal(k.created, 1700000000);
		free(text);
		journal_done(&k);
	}
	journal_done(&j);
}

/* Format 1 damaged: cut anywhere, text after it, a bad step. */
static void test_format_1_damaged(void **state)
{
	static const char doc[] =
		"{\"version\":1,\"config\":\"/c\",\"created\":1,\"updated\":2,\"steps\":["
		"{\"kind\":\"sysctl\",\"target\":\"net/ipv4/conf/all/arp_ignore\","
		"\"order\":10,\"prior\":\"0\",\"want\":\"1\"}]}\n";
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "{\"steps\": 3}", "damaged: not the agent's JSON" },
		{ "{\"version\":1}", "damaged: not the agent's JSON" },
		{ "[]\n", "damaged: not the agent's JSON" },
		{ "{\"steps\":[]}\n{}\n", "line 2: damaged: text after the JSON document" },
		{ "{\"steps\":[]} x\n", "line 1: damaged: not JSON" },
		{ "{\"steps\":[]}\n\n  x", "line 3: damaged: text after the JSON document" },
		{ "{\"steps\":[\n{}\n", "line 2: damaged: the JSON text is cut short" },
		{ "{\"steps\":[],}", "line 1: damaged: not JSON" },
		{ "{\"version\":\"1\",\"steps\":[]}", "line 1: damaged: \"version\" is not 1 or 2" },
		{ "{\"steps\":[],\"created\":\"x\"}", "damaged: \"created\" is not an integer" },
		{ "{\"steps\":[{\"kind\":\"sysctl\",\"target\":\"a\\u0000b\","
		  "\"prior\":\"0\",\"want\":\"1\"}]}", "step 1: damaged: \"target\" holds a NUL" },
		{ "{\"steps\":[{\"kind\":\"sysctl\",\"target\":\"a\",\"prior\":\"0\","
		  "\"want\":\"1\"},{\"kind\":\"bogus\",\"target\":\"x\",\"prior\":\"a\","
		  "\"want\":\"b\"}]}", "step 2: damaged: unknown kind \"bogus\"" },
		{ "{\"steps\":[{\"kind\":\"sysctl\",\"target\":\"a\",\"order\":\"x\","
		  "\"prior\":\"0\",\"want\":\"1\"}]}", "step 1: damaged: \"order\" is not an integer" },
		{ "{\"steps\":[{\"kind\":\"sysctl\",\"target\":\"a\",\"want\":\"1\"}]}",
		  "step 1: damaged: \"prior\" is missing" },
	};
	size_t len = strlen(doc);

	assert_loads(doc, len, 1);
	/* The newline ends it: without it, the document is whole. */
	assert_loads(doc, len - 1, 1);
	for (size_t cut = 0; cut + 1 < len; cut++)
		assert_damaged(doc, cut, "damaged");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_damaged(bad[i].text, strlen(bad[i].text), bad[i].why);
}

/* Quotes, backslashes, control characters, UTF-8, bytes that are not
 * UTF-8, in every place a journal may hold them (the config's name, an
 * interface name: any byte the kernel takes), the longest values: all come
 * back as written. */
static void test_odd_strings_round_trip(void **state)
{
	static const char name[] =
		"/etc/a \"b\" \\c\td\x01\x1f/\xc3\xa9\xe6\x97\xa5\xff.conf";
	struct journal j = { 0 }, k;
	struct step s[5];
	char err[256];

	s[0] = mkstep(&netconf_addr_ops, STEP_ORDER_VIP,
		      "192.0.2.1/32 dev a\"b\\c", "absent", "present");
	/* 15 bytes, the longest name */
	s[1] = mkstep(&netconf_addr_ops, STEP_ORDER_VIP,
		      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128 dev "
		      "\x01\x02\x08\x0e\x1f\x7f\"\\\xc3\xa9\xe6\x97\xa5\xff\xfe",
		      "preferred", "present");
	s[2] = mkstep(&tunnel_sysctl_ops, INT_MIN, "net/ipv4/conf/\x01\\\xff.b/rp_filter",
		      "-2147483648", "2");
	s[3] = mkstep(&tunnel_sysctl_ops, INT_MAX, "net/ipv4/conf/tunl\"0/rp_filter",
		      NETCONF_MISSING, "0");
	s[4] = mkstep(&arp_nft_ops, -1, "arp lvs_rs_agent output \x1f\"\\", "absent",
		      "255.255.255.255");
	/* Full, and each of its last bytes escaped by json-c as \u001f */
	memset(j.config, '\x1f', sizeof(j.config) - 1);
	memcpy(j.config, name, sizeof(name) - 1);
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		assert_int_equal(steplist_add(&j.steps, &s[i]), 0);
	assert_int_equal(journal_save(path, &j), 0);
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_string_equal(k.config, j.config);
	assert_int_equal(k.created, j.created);
	assert_int_equal(k.updated, j.updated);
	assert_int_equal(k.steps.n, ARRAY_SIZE(s));
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		assert_ptr_equal(k.steps.v[i].ops, s[i].ops);
		assert_int_equal(k.steps.v[i].order, s[i].order);
		assert_string_equal(k.steps.v[i].target, s[i].target);
		assert_string_equal(k.steps.v[i].prior, s[i].prior);
		assert_string_equal(k.steps.v[i].want, s[i].want);
	}
	journal_done(&j);
	journal_done(&k);
}

/* A journal cut at any byte is damaged as a whole: no step of it is taken. */
static void test_every_truncation(void **state)
{
	struct journal j = { 0 };
	char *text, *last;
	size_t len;

	text = save_vips(&j, 3, "\"lo\\", &len);
	assert_true(len > 300);
	assert_loads(text, len, 3);
	for (size_t cut = 0; cut < len; cut++)
		assert_damaged(text, cut, "damaged");
	/* Cut after a whole line: the header's count tells. */
	last = text + len - 1;
	while (last[-1] != '\n')
		last--;
	assert_damaged(text, (size_t)(last - text),
		       "line 4: damaged: missing: the header counts 3 steps, the file ends after 2");
	/* Cut within a line, or before its newline. */
	assert_damaged(text, len - 1, "line 4: damaged: cut short (no newline at its end)");
	assert_damaged(text, len - 10, "line 4: damaged: cut short");
	assert_damaged(text, (size_t)(strchr(text, '\n') - text), "line 1: damaged: cut short");
	assert_damaged(text, 10, "line 1: damaged: the JSON text is cut short");
	free(text);
	journal_done(&j);
}

/* The header's count and the step lines disagree. */
static void test_count_mismatch(void **state)
{
	assert_loads(HEAD(2) STEP STEP, strlen(HEAD(2) STEP STEP), 2);
	assert_loads(HEAD(0), strlen(HEAD(0)), 0);
	assert_damaged(HEAD(1) STEP STEP, strlen(HEAD(1) STEP STEP),
		       "line 3: damaged: a line after the 1 steps the header counts");
	assert_damaged(HEAD(3) STEP STEP, strlen(HEAD(3) STEP STEP),
		       "line 4: damaged: missing: the header counts 3 steps, the file ends after 2");
	assert_damaged(HEAD(0) STEP, strlen(HEAD(0) STEP),
		       "line 2: damaged: a line after the 0 steps");
	assert_damaged(HEAD(1) STEP "\n", strlen(HEAD(1) STEP "\n"),
		       "line 3: damaged: a line after");
	assert_damaged(HEAD(-1), strlen(HEAD(-1)), "line 1: damaged: \"steps\" is out of range");
	assert_damaged(HEAD(1.0) STEP, strlen(HEAD(1.0) STEP),
		       "line 1: damaged: \"steps\" is not an integer");
	assert_damaged(HEAD(99999999999999999999) STEP, strlen(HEAD(99999999999999999999) STEP),
		       "line 1: damaged: \"steps\" is out of range");
}

/* Every other damage, line by line, with its reason. */
static void test_damaged_lines(void **state)
{
#define T(text, why) { text, sizeof(text) - 1, why }
	static const struct {
		const char *text;
		size_t len;
		const char *why;
	} bad[] = {
		T("", "line 1: damaged: empty file"),
		T("\n", "line 1: damaged: the JSON text is cut short"),
		T("x\n", "line 1: damaged: not JSON"),
		/* The header */
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":3,\"steps\":0}\n",
		  "line 1: damaged: \"version\" is not 1 or 2"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":\"2\",\"steps\":0}\n",
		  "line 1: damaged: \"version\" is not 1 or 2"),
		T("{\"format\":\"other\",\"version\":2,\"config\":\"c\",\"created\":1,"
		  "\"updated\":2,\"steps\":0}\n", "line 1: damaged: \"format\" is \"other\""),
		T("{\"version\":2,\"config\":\"c\",\"created\":1,\"updated\":2,\"steps\":0}\n",
		  "line 1: damaged: \"format\" is missing"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\","
		  "\"created\":1,\"updated\":2}\n", "line 1: damaged: \"steps\" is missing"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":1,"
		  "\"created\":1,\"updated\":2,\"steps\":0}\n",
		  "line 1: damaged: \"config\" is not a string"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\","
		  "\"created\":-1,\"updated\":2,\"steps\":0}\n",
		  "line 1: damaged: \"created\" is out of range"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\","
		  "\"created\":1,\"updated\":null,\"steps\":0}\n",
		  "line 1: damaged: \"updated\" is not an integer"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\","
		  "\"created\":1,\"updated\":2,\"steps\":0} x\n", "line 1: damaged: not JSON"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\","
		  "\"created\":1,\"updated\":2,\"steps\":0,}\n", "line 1: damaged: not JSON"),
		T("{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"a\\u0000b\","
		  "\"created\":1,\"updated\":2,\"steps\":0}\n",
		  "line 1: damaged: \"config\" holds a NUL"),
		/* Bad JSON, trailing garbage, a NUL byte */
		T(HEAD(1) "{\"kind\":\"address\" \"target\":\"x\"}\n", "line 2: damaged: not JSON"),
		T(HEAD(1) "{\"kind\":\"address\",\n", "line 2: damaged: the JSON text is cut short"),
		T(HEAD(1) "\n", "line 2: damaged: the JSON text is cut short"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\"} {}\n", "line 2: damaged: not JSON"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\",}\n", "line 2: damaged: not JSON"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32\0dev lo\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\"}\n", "line 2: damaged: a NUL byte"),
		T(HEAD(1) STEP "\0", "line 3: damaged: a NUL byte"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32\\u0000dev lo\","
		  "\"order\":30,\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"target\" holds a NUL"),
		T(HEAD(1) "[" STEP "]\n", "line 2: damaged: the JSON text is cut short"),
		T(HEAD(1) "[1]\n", "line 2: damaged: not a JSON object"),
		/* Wrong types, missing members, an unknown kind */
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":\"30\","
		  "\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"order\" is not an integer"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30.5,"
		  "\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"order\" is not an integer"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\","
		  "\"order\":2147483648,\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"order\" is out of range"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":17,\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"target\" is not a string"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":null,\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"want\" is not a string"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":\"present\"}\n", "line 2: damaged: \"prior\" is missing"),
		T(HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\","
		  "\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"order\" is missing"),
		T(HEAD(1) "{\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"kind\" is missing"),
		T(HEAD(2) STEP "{\"kind\":\"bo\\ngus\",\"target\":\"x\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 3: damaged: unknown kind \"bo?gus\""),
		T(HEAD(1) "{\"kind\":\"addressaddressaddressaddressaddress\",\"target\":\"x\","
		  "\"order\":30,\"want\":\"present\",\"prior\":\"absent\"}\n",
		  "line 2: damaged: \"kind\" is longer than 31 bytes"),
	};
#undef T
	/* A value longer than its field is damage, never cut to fit. One byte
	 * shorter, it is read, and then refused as no target or value of the
	 * kind (shorter), or taken (NULL). */
	static const struct {
		const char *before, *after;
		size_t n;
		const char *why, *shorter;
	} longer[] = {
		{ HEAD(1) "{\"kind\":\"address\",\"target\":\"", "\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\"}\n", STEP_TARGET_MAX,
		  "line 2: damaged: \"target\" is longer than 95 bytes",
		  "line 2: damaged: address \"xxxxx" },
		{ HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":\"", "\",\"prior\":\"absent\"}\n", STEP_VALUE_MAX,
		  "line 2: damaged: \"want\" is longer than 23 bytes",
		  "\" is not a value of address 192.0.2.1/32 dev lo" },
		{ HEAD(1) "{\"kind\":\"address\",\"target\":\"192.0.2.1/32 dev lo\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"", "\"}\n", STEP_VALUE_MAX,
		  "line 2: damaged: \"prior\" is longer than 23 bytes",
		  "\" is not a value of address 192.0.2.1/32 dev lo" },
		{ "{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"",
		  "\",\"created\":1,\"updated\":2,\"steps\":0}\n",
		  sizeof(((struct journal *)0)->config),
		  "line 1: damaged: \"config\" is longer than 255 bytes", NULL },
		/* Past any line journal_save writes */
		{ HEAD(1) "{\"kind\":\"address\",\"target\":\"x\",\"order\":30,"
		  "\"want\":\"present\",\"prior\":\"absent\",\"pad\":\"", "\"}\n", 5000,
		  "line 2: damaged: longer than 4096 bytes", NULL },
	};

	assert_loads(HEAD(1) STEP, strlen(HEAD(1) STEP), 1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_damaged(bad[i].text, bad[i].len, bad[i].why);
	for (size_t i = 0; i < ARRAY_SIZE(longer); i++) {
		char *text, *v = malloc(longer[i].n + 1);

		assert_non_null(v);
		/* One byte shorter fits */
		memset(v, 'x', longer[i].n - 1);
		v[longer[i].n - 1] = '\0';
		assert_true(asprintf(&text, "%s%s%s", longer[i].before, v, longer[i].after) > 0);
		if (longer[i].shorter)
			assert_damaged(text, strlen(text), longer[i].shorter);
		else if (longer[i].n < 1000)
			assert_loads(text, strlen(text), strstr(text, "\"steps\":0") ? 0 : 1);
		free(text);
		memset(v, 'x', longer[i].n);
		v[longer[i].n] = '\0';
		assert_true(asprintf(&text, "%s%s%s", longer[i].before, v, longer[i].after) > 0);
		assert_damaged(text, strlen(text), longer[i].why);
		free(text);
		free(v);
	}
}

/*
 * journal_load_readable: a journal cut at any byte keeps exactly the whole
 * step lines before the cut (none when the header is cut), and says from
 * which line on, and how many lines, it could not read; a corrupted line
 * in the middle keeps the steps before it.
 */
static void test_readable(void **state)
{
	struct journal j = { 0 }, k;
	char *text, err[512];
	size_t len, head_end;

	text = save_vips(&j, 4, "lo", &len);
	head_end = (size_t)(strchr(text, '\n') - text) + 1;
	for (size_t cut = 0; cut <= len; cut++) {
		size_t whole = 0, lines = 0, partial;

		/* Whole step lines before the cut, and the lines in it. */
		for (size_t b = 0; b < cut; b++)
			if (text[b] == '\n') {
				lines++;
				if (b >= head_end)
					whole++;
			}
		partial = cut && text[cut - 1] != '\n';
		write_text(text, cut);
		err[0] = '\0';
		if (cut == len) {
			assert_int_equal(journal_load_readable(path, &k, err, sizeof(err)), 0);
			assert_int_equal(k.steps.n, 4);
			assert_int_equal(k.unread_from, 0);
			journal_done(&k);
			continue;
		}
		assert_int_equal(journal_load_readable(path, &k, err, sizeof(err)), -EBADMSG);
		assert_true(k.found);
		if (!strstr(err, "damaged") || strchr(err, '\n'))
			fail_msg("cut %zu: err \"%s\"", cut, err);
		if (cut < head_end) {
			/* No header: nothing readable, every line unread. */
			assert_int_equal(k.steps.n, 0);
			assert_int_equal(k.unread_from, 1);
			assert_int_equal(k.unread_lines, lines + partial);
			assert_int_equal(k.counted, 0);
		} else {
			assert_int_equal(k.steps.n, whole);
			assert_int_equal(k.counted, 4);
			assert_int_equal(k.unread_from, whole + 2);
			assert_int_equal(k.unread_lines, partial);
			for (size_t i = 0; i < whole; i++)
				assert_string_equal(k.steps.v[i].target, j.steps.v[i].target);
		}
		journal_done(&k);
	}
	free(text);

	/* A corrupted line in the middle: the one step before it. */
	write_text(HEAD(3) STEP "{\"kind\":\"address\",\"tar\n" STEP,
		   strlen(HEAD(3) STEP "{\"kind\":\"address\",\"tar\n" STEP));
	assert_int_equal(journal_load_readable(path, &k, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "line 3: damaged"));
	assert_int_equal(k.steps.n, 1);
	assert_int_equal(k.unread_from, 3);
	assert_int_equal(k.unread_lines, 2);
	assert_string_equal(k.config, "c");
	journal_done(&k);
	/* Format 1 is one document: nothing of a damaged one. */
	write_text("{\"version\":1,\"steps\":[\n{}\n", strlen("{\"version\":1,\"steps\":[\n{}\n"));
	assert_int_equal(journal_load_readable(path, &k, err, sizeof(err)), -EBADMSG);
	assert_int_equal(k.steps.n, 0);
	assert_int_equal(k.unread_from, 1);
	assert_int_equal(k.unread_lines, 2);
	journal_done(&k);
	/* journal_load keeps nothing of the same. */
	assert_damaged(HEAD(3) STEP "x\n" STEP, strlen(HEAD(3) STEP "x\n" STEP), "line 3");
	journal_done(&j);
}

/* A journal names the network namespace (and boot) it was written in. */
static void test_netns(void **state)
{
	struct journal j = { 0 }, k;
	struct netconf_netns self, other;
	struct step s = mkstep(&netconf_addr_ops, STEP_ORDER_VIP, "192.0.2.1/32 dev lo",
			       "absent", "present");
	char err[512], line[512], *text;
	size_t len;

	assert_int_equal(netconf_netns_self(&self), 0);
	assert_true(self.ino != 0);
	assert_true(self.boot_id[0] != '\0');
	assert_int_equal(steplist_add(&j.steps, &s), 0);
	assert_int_equal(journal_save(path, &j), 0);
	assert_memory_equal(&j.ns, &self, sizeof(self));
	text = read_text(&len);
	snprintf(line, sizeof(line), "\"netns_inode\":%llu,\"netns_dev\":%llu,\"boot_id\":\"%s\"}",
		 (unsigned long long)self.ino, (unsigned long long)self.dev, self.boot_id);
	if (!strstr(text, line))
		fail_msg("header lacks %s: %s", line, text);
	free(text);
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_memory_equal(&k.ns, &self, sizeof(self));
	assert_int_equal(journal_owner(&k, &self), JOURNAL_OURS);
	other = self;
	other.cookie = self.cookie + 1;
	other.ino = self.ino + 1;
	assert_int_equal(journal_owner(&k, &other), JOURNAL_OTHER_NETNS);
	/* Without cookies: by inode and device. */
	k.ns.cookie = other.cookie = 0;
	assert_int_equal(journal_owner(&k, &other), JOURNAL_OTHER_NETNS);
	other.ino = self.ino;
	assert_int_equal(journal_owner(&k, &other), JOURNAL_OURS);
	/* Another boot: whatever the namespace numbers say. */
	snprintf(other.boot_id, sizeof(other.boot_id), "00000000-0000-0000-0000-000000000000");
	assert_int_equal(journal_owner(&k, &other), JOURNAL_OTHER_BOOT);
	journal_done(&k);

	/* An older agent's header: nothing to tell. */
	assert_loads(HEAD(1) STEP, strlen(HEAD(1) STEP), 1);
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_int_equal(journal_owner(&k, &self), JOURNAL_UNBOUND);
	journal_done(&k);
#define H(extra) "{\"format\":\"lvs-rs-agent journal\",\"version\":2,\"config\":\"c\"," \
		"\"created\":1,\"updated\":2,\"steps\":0," extra "}\n"
	assert_loads(H("\"netns_cookie\":5,\"boot_id\":\"ab-12\""), strlen(H("\"netns_cookie\":5,\"boot_id\":\"ab-12\"")), 0);
	assert_damaged(H("\"netns_cookie\":-1"), strlen(H("\"netns_cookie\":-1")),
		       "line 1: damaged: \"netns_cookie\" is out of range");
	assert_damaged(H("\"netns_inode\":\"5\""), strlen(H("\"netns_inode\":\"5\"")),
		       "line 1: damaged: \"netns_inode\" is not an integer");
	assert_damaged(H("\"boot_id\":\"x y\""), strlen(H("\"boot_id\":\"x y\"")),
		       "line 1: damaged: \"boot_id\" is not a boot id");
	assert_damaged(H("\"boot_id\":7"), strlen(H("\"boot_id\":7")),
		       "line 1: damaged: \"boot_id\" is not a string");
#undef H
	journal_done(&j);
}

/*
 * A journal names only what the agent itself makes: each kind's targets in
 * their canonical form, each kind's values. Anything else is damage, the
 * whole journal refused (root's revert must never write kernel/hostname
 * because a journal another user wrote says so).
 */
static void test_only_what_the_agent_makes(void **state)
{
#define L(kind, target, want, prior) \
	"{\"kind\":\"" kind "\",\"target\":\"" target "\",\"order\":10," \
	"\"want\":\"" want "\",\"prior\":\"" prior "\"}\n"
	static const struct {
		const char *line, *why; /* why NULL: taken */
	} cases[] = {
		/* The sysctls of the ARP policy and the TUN rp_filter, only */
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", "0"), NULL },
		{ L("sysctl", "net/ipv4/conf/lo/arp_announce", "2", "-1"), NULL },
		{ L("sysctl", "net/ipv4/conf/all/rp_filter", "0", "1"), NULL },
		{ L("sysctl", "net/ipv4/conf/tunl0/rp_filter", "2", "missing"), NULL },
		{ L("sysctl", "kernel/hostname", "x", "pwned"),
		  "sysctl \"kernel/hostname\" is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/all/forwarding", "1", "0"), "is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/eth0/arp_ignore", "1", "0"), "is not one the agent makes" },
		{ L("sysctl", "net/ipv6/conf/all/disable_ipv6", "1", "0"), "is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/../rp_filter", "2", "0"), "is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/a/b/rp_filter", "2", "0"), "is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/all/rp_filter/x", "2", "0"), "is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/eth 0/rp_filter", "2", "0"), "is not one the agent makes" },
		{ L("sysctl", "/proc/sys/net/ipv4/conf/all/rp_filter", "2", "0"),
		  "is not one the agent makes" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "0", "1"),
		  "\"want\" \"0\" is not a value of sysctl net/ipv4/conf/all/arp_ignore" },
		{ L("sysctl", "net/ipv4/conf/all/rp_filter", "1", "0"), "\"want\" \"1\" is not a value" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", "01"), "\"prior\" \"01\" is not" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", "+1"), "\"prior\" \"+1\" is not" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", "-0"), "\"prior\" \"-0\" is not" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", "2147483648"), "\"prior\" \"21474" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", "1\\n"), "\"prior\" \"1?\" is not" },
		{ L("sysctl", "net/ipv4/conf/all/arp_ignore", "1", ""), "\"prior\" \"\" is not" },
		{ L("sysctl", "net/ipv4/conf/all/rp_filter", "2", "missing"), "\"prior\" \"missing\"" },
		/* Addresses: a VIP, /32 or /128, as inet_ntop spells it */
		{ L("address", "2001:db8::1/128 dev lo", "present", "preferred"), NULL },
		{ L("address", "192.0.2.1/24 dev lo", "present", "absent"), "is not one the agent makes" },
		{ L("address", "2001:DB8::1/128 dev lo", "present", "absent"), "is not one the agent" },
		{ L("address", "2001:db8:0::1/128 dev lo", "present", "absent"), "is not one the agent" },
		{ L("address", "192.0.2.1/32 dev eth0/x", "present", "absent"), "is not one the agent" },
		{ L("address", "192.0.2.1/32 dev 0123456789abcdef", "present", "absent"),
		  "is not one the agent" },
		{ L("address", "192.0.2.1/32 dev lo", "present", "gone"), "\"prior\" \"gone\"" },
		/* Routes: a prefix without host bits, in table local */
		{ L("route", "local 198.51.100.0/24 dev lo table local", "present", "absent"), NULL },
		{ L("route", "local 198.51.100.1/24 dev lo table local", "present", "absent"),
		  "is not one the agent" },
		{ L("route", "local 198.51.100.0/24 dev lo table main", "present", "absent"),
		  "is not one the agent" },
		/* Links: an interface name */
		{ L("link", "tunl0", "up", "absent"), NULL },
		{ L("link", "eth 0", "up", "down"), "link \"eth 0\" is not one the agent makes" },
		{ L("link", "", "up", "down"), "link \"\" is not one the agent makes" },
		{ L("link", "tunl0", "sideways", "down"), "\"want\" \"sideways\" is not a value of link" },
		/* fou: a GUE port of one family, the agent's receiver or none */
		{ L("fou", "gue 6080 inet", "present", "absent"), NULL },
		{ L("fou", "gue 6080 inet6", "present", "present"), NULL },
		{ L("fou", "gue 06080 inet", "present", "absent"), "fou \"gue 06080 inet\" is not one the agent makes" },
		{ L("fou", "gue 6080", "present", "absent"), "is not one the agent makes" },
		{ L("fou", "gue 0 inet", "present", "absent"), "is not one the agent makes" },
		{ L("fou", "gue 65536 inet", "present", "absent"), "is not one the agent makes" },
		{ L("fou", "direct 6080 inet", "present", "absent"), "is not one the agent makes" },
		{ L("fou", "gue 6080 inet", "absent", "absent"), "\"want\" \"absent\" is not a value of fou" },
		{ L("fou", "gue 6080 inet", "present", "direct 4"), "\"prior\" \"direct 4\" is not a value" },
		{ L("fou", "gue 6080 inet", "present", "gue bound"), "\"prior\" \"gue bound\" is not" },
		/* The nft table, its elements, its rules */
		{ L("nft", "arp lvs_rs_agent", "interval", "absent"), NULL },
		{ L("nft", "arp lvs_rs_agent vip 198.51.100.0/24", "present", "absent"), NULL },
		{ L("nft", "arp lvs_rs_agent output *", "192.0.2.2", "other"), NULL },
		{ L("nft", "arp other", "present", "absent"), "is not one the agent makes" },
		{ L("nft", "arp lvs_rs_agent output eth0:1", "192.0.2.2", "absent"),
		  "is not one the agent makes" },
		{ L("nft", "arp lvs_rs_agent vip 198.51.100.1/24", "present", "absent"),
		  "is not one the agent makes" },
		{ L("nft", "arp lvs_rs_agent output *", "192.0.2.02", "absent"),
		  "\"want\" \"192.0.2.02\" is not a value" },
		{ L("nft", "arp lvs_rs_agent vip 198.51.100.1", "interval", "absent"),
		  "\"want\" \"interval\" is not a value" },
		/* The MSS clamp's table and its elements */
		{ L("mss", "inet lvs_rs_agent_mss", "present", "absent"), NULL },
		{ L("mss", "inet lvs_rs_agent_mss vip 198.51.100.0/28", "1440", "absent"), NULL },
		{ L("mss", "inet lvs_rs_agent_mss vip 2001:db8::7", "1400", "incomplete"), NULL },
		{ L("mss", "inet lvs_rs_agent_mss vip 198.51.100.1/28", "1440", "absent"),
		  "is not one the agent makes" },
		{ L("mss", "inet lvs_rs_agent_mss vip 2001:DB8::7", "1400", "absent"),
		  "is not one the agent makes" },
		{ L("mss", "inet other", "present", "absent"), "is not one the agent makes" },
		{ L("mss", "inet lvs_rs_agent_mss vip 198.51.100.7", "1440", "01440"),
		  "\"prior\" \"01440\" is not a value" },
		{ L("mss", "inet lvs_rs_agent_mss vip 198.51.100.7", "100", "absent"),
		  "\"want\" \"100\" is not a value" },
		{ L("mss", "inet lvs_rs_agent_mss", "1440", "absent"),
		  "\"want\" \"1440\" is not a value" },
	};
#undef L
	char text[1024];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* The bad step second: the line named is its own. */
		snprintf(text, sizeof(text), HEAD(2) STEP "%s", cases[i].line);
		if (!cases[i].why) {
			assert_loads(text, strlen(text), 2);
			continue;
		}
		assert_damaged(text, strlen(text), "line 3: damaged: ");
		assert_damaged(text, strlen(text), cases[i].why);
	}
	/* Format 1 names the step */
	snprintf(text, sizeof(text), "{\"steps\":[{\"kind\":\"sysctl\",\"target\":"
		 "\"kernel/hostname\",\"order\":10,\"want\":\"x\",\"prior\":\"y\"}]}\n");
	assert_damaged(text, strlen(text),
		       "step 1: damaged: sysctl \"kernel/hostname\" is not one the agent makes");
}

static void test_stepindex(void **state)
{
	struct steplist l = { 0 };
	struct stepindex x;
	struct step s;

	s = mkstep(&arp_sysctl_ops, 10, "net/ipv4/conf/all/arp_ignore", "0", "1");
	assert_int_equal(steplist_add(&l, &s), 0);
	s = mkstep(&netconf_addr_ops, 30, "192.0.2.1/32 dev lo", "absent", "present");
	assert_int_equal(steplist_add(&l, &s), 0);
	/* A duplicate: the first one is found, as with steplist_find. */
	s = mkstep(&netconf_addr_ops, 30, "192.0.2.1/32 dev lo", "present", "present");
	assert_int_equal(steplist_add(&l, &s), 0);
	assert_int_equal(stepindex_build(&x, &l), 0);
	assert_ptr_equal(stepindex_find(&x, &netconf_addr_ops, "192.0.2.1/32 dev lo"), &l.v[1]);
	assert_null(stepindex_find(&x, &arp_sysctl_ops, "192.0.2.1/32 dev lo"));
	assert_null(stepindex_find(&x, &netconf_addr_ops, "192.0.2.2/32 dev lo"));
	assert_ptr_equal(stepindex_find(&x, &netconf_addr_ops, NULL), &l.v[1]);
	/* The list grows (and moves): indexed steps are still found there,
	 * new ones are not indexed. */
	for (int i = 0; i < 100; i++) {
		s = mkstep(&netconf_addr_ops, 30, "198.51.100.9/32 dev lo", "absent", "present");
		assert_int_equal(steplist_add(&l, &s), 0);
	}
	assert_ptr_equal(stepindex_find(&x, &arp_sysctl_ops,
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
	{
		size_t len, lines = 0;
		char *text = read_text(&len);

		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		assert_int_equal(lines, 10001);
		free(text);
	}
	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_int_equal(k.steps.n, 10000);
	assert_int_equal(k.created, j.created);
	/* And again: what was read is written and read alike. */
	assert_int_equal(journal_save(path, &k), 0);
	journal_done(&k);
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
		assert_int_equal(checklist_add(&l, i % 3 != 0, "address", "192.0.2.1/32 dev lo",
					       "present", i % 3 ? "present" : "absent", NULL,
					       i % 3 ? NULL : "why %d", i), 0);
	assert_int_equal(checklist_add(&l, true, "big", big, big, big, big, "%s", big), 0);
	assert_int_equal(l.n, 5001);
	assert_int_equal(checklist_failed(&l), 1667);
	assert_string_equal(l.v[0].why, "why 0");
	assert_string_equal(l.v[1].why, "");
	assert_string_equal(l.v[4998].found, "absent");
	assert_string_equal(l.v[4999].kind, "address");
	assert_string_equal(l.v[4999].target, "192.0.2.1/32 dev lo");
	assert_string_equal(l.v[4999].detail, "");
	/* A text as the check before has it is shared, not copied again. */
	assert_ptr_equal(l.v[4999].expected, l.v[4998].expected);
	assert_ptr_equal(l.v[4997].found, l.v[4996].found);
	assert_string_equal(l.v[4997].found, "present");
	assert_ptr_not_equal(l.v[4998].found, l.v[4997].found);
	assert_int_equal(strlen(l.v[5000].target), CHECK_TARGET_MAX - 1);
	assert_int_equal(strlen(l.v[5000].detail), CHECK_DETAIL_MAX - 1);
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
		cmocka_unit_test(test_format_2_lines),
		cmocka_unit_test(test_reads_format_1),
		cmocka_unit_test(test_format_1_damaged),
		cmocka_unit_test(test_odd_strings_round_trip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_count_mismatch),
		cmocka_unit_test(test_damaged_lines),
		cmocka_unit_test(test_readable),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_only_what_the_agent_makes),
		cmocka_unit_test(test_stepindex),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_checklist_texts),
	};

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/state", dir);
	return cmocka_run_group_tests_name("journal", tests, NULL, teardown);
}
