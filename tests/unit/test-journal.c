// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent/journal.c and journal-read.c beyond the basics of test-agent.c:
 * format 2 (JSON Lines, a json-c object a line); format 1 (one document)
 * still read; odd strings survive; the header binds a journal to its network
 * namespace and boot; the step index, the checklist's text pool
 * (lib/step.c), 10,000 steps. Damaged journals: test-journal-damage.c.
 */
#include "journal-fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_2_lines),
		cmocka_unit_test(test_reads_format_1),
		cmocka_unit_test(test_odd_strings_round_trip),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_stepindex),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_checklist_texts),
	};

	if (journal_dir_make() < 0)
		return 1;
	return cmocka_run_group_tests_name("journal", tests, NULL, teardown);
}
