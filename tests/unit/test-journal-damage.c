// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A damaged journal (agent/journal-read.c): cut at any byte, with a wrong
 * count, with any line damaged or naming what the agent never makes, it is
 * damaged as a whole, with the line and the reason, never half read by
 * journal_load; journal_load_readable keeps the steps before the damage and
 * says what is left unread.
 */
#include "journal-fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_1_damaged),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_count_mismatch),
		cmocka_unit_test(test_damaged_lines),
		cmocka_unit_test(test_readable),
		cmocka_unit_test(test_only_what_the_agent_makes),
	};

	if (journal_dir_make() < 0)
		return 1;
	return cmocka_run_group_tests_name("journal damage", tests, NULL, teardown);
}
