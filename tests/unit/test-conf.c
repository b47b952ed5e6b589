// SPDX-License-Identifier: GPL-2.0-or-later
/* conf/: the INI schema: values that parse, long lines. */
#include "conf-fixture.h"

/* ---- values that parse */

static void test_defaults(void **state)
{
	struct conf *c = good("");

	assert_int_equal(c->arp_suppress, CONF_ARP_SYSCTL);
	assert_int_equal(c->arp_ignore, 1);
	assert_int_equal(c->arp_announce, 2);
	assert_true(c->rip_auto);
	assert_int_equal(c->rp_filter, 2);
	assert_int_equal(c->max_vips, 10000);
	assert_int_equal(c->n_groups, 0);
	conf_free(c);
	/* max_vips VIPs exactly are taken */
	c = good("[agent]\nmax_vips = 3\n[vip a]\naddress = 192.0.2.1 192.0.2.2\n"
		 "[vip b]\naddress = 2001:db8::1\n");
	assert_int_equal(c->max_vips, 3);
	conf_free(c);

	c = good("; only comments\n# here\n\n   \n[agent]\n");
	assert_int_equal(c->arp_ignore, 1);
	conf_free(c);
	assert_null(conf_free(NULL));
	assert_string_equal(conf_arp_suppress_name(CONF_ARP_BOTH), "both");
	assert_string_equal(conf_mode_name(CONF_MODE_TUN), "tun");
}

static void test_design_example(void **state)
{
	struct conf *c = good(
		"[agent]\n"
		"arp_suppress = nft        ; sysctl (default) | nft | both | none\n"
		"arp_ignore   = 2          ; 1 (default) or 2\n"
		"arp_announce = 1\n"
		"rip          = 192.0.2.10 ; nft only\n"
		"rp_filter    = 0          ; TUN only\n"
		"\n"
		"[vip web]                 ; one section per named VIP group\n"
		"address = 192.0.2.100 2001:db8::100   ; host only\n"
		"mode    = dr              ; dr (default) | tun\n"
		"device  = lo\n"
		"\n"
		"[vip tun4]\n"
		"address = 198.51.100.1\n"
		"mode = tun\n"
		"[vip tun6]\n"
		"address = 2001:db8::200\n"
		"mode = tun\n"
		"[vip tunx]\n"
		"address = 203.0.113.1 2001:db8::300\n"
		"mode = tun\n"
		"device = tun-both\n");
	const struct conf_group *g;

	assert_int_equal(c->arp_suppress, CONF_ARP_NFT);
	assert_int_equal(c->arp_ignore, 2);
	assert_int_equal(c->arp_announce, 1);
	assert_false(c->rip_auto);
	assert_int_equal(ntohl(c->rip.s_addr), 0xc000020a);
	assert_int_equal(c->rp_filter, 0);
	assert_int_equal(c->n_groups, 4);

	g = &c->groups[0];
	assert_string_equal(g->name, "web");
	assert_int_equal(g->mode, CONF_MODE_DR);
	assert_string_equal(g->device, "lo");
	assert_true(g->device_set);
	assert_string_equal(g->file, "t.conf");
	assert_int_equal(g->line, 8);
	assert_int_equal(g->n_vips, 2);
	assert_int_equal(vip(g, 0)->family, AF_INET);
	assert_vip(vip(g, 0), "192.0.2.100");
	assert_int_equal(vip(g, 1)->family, AF_INET6);
	assert_vip(vip(g, 1), "2001:db8::100");
	assert_int_equal(vip(g, 1)->line, 9);
	assert_string_equal(vip(g, 1)->file, "t.conf");

	assert_int_equal(g->device_line, 11);
	assert_string_equal(conf_agent_where(c, "arp_announce").file, "t.conf");
	assert_int_equal(conf_agent_where(c, "arp_announce").line, 4);
	assert_int_equal(conf_agent_where(c, "arp_ignore").line, 3);
	assert_int_equal(conf_agent_where(c, "no_such_key").line, 0);

	g = &c->groups[1];
	assert_int_equal(g->mode, CONF_MODE_TUN);
	assert_false(g->device_set);
	assert_int_equal(g->device_line, 0);
	assert_string_equal(g->device, "tunl0");
	assert_string_equal(c->groups[2].device, "ip6tnl0");
	assert_string_equal(c->groups[3].device, "tun-both");
	conf_free(c);
}

static void test_vip_defaults(void **state)
{
	struct conf *c = good("[vip a]\naddress = 192.0.2.1\n"
			      "[vip b]\naddress = 2001:db8::1\n");

	assert_int_equal(c->groups[0].mode, CONF_MODE_DR);
	assert_string_equal(c->groups[0].device, "lo");
	assert_string_equal(c->groups[1].device, "lo");
	assert_int_equal(conf_agent_where(c, "arp_announce").line, 0);
	conf_free(c);
}

/* tun_type's default device per family, and the port of gue. */
static void test_tun_types(void **state)
{
	struct conf *c = good("[vip g4]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 192.0.2.1\n"
			      "[vip g6]\nmode = tun\ntun_type = gue\ntun_port = 6081\naddress = 2001:db8::1\n"
			      "[vip s6]\nmode = tun\ntun_type = gue\ntun_port = 6080\ndevice = sit0\n"
			      "address = 2001:db8::2\n"
			      "[vip r4]\nmode = tun\ntun_type = gre\naddress = 192.0.2.2\n"
			      "[vip r6]\nmode = tun\ntun_type = gre\naddress = 2001:db8::3\n"
			      "[vip rx]\nmode = tun\ntun_type = gre\ndevice = gre0\n"
			      "address = 192.0.2.3 2001:db8::4\n"
			      "[vip i4]\nmode = tun\ntun_type = ipip\naddress = 192.0.2.4\n"
			      "[vip d]\naddress = 192.0.2.5\n");
	static const struct {
		const char *dev;
		enum conf_tun_type type;
		unsigned port;
	} want[] = {
		{ "tunl0", CONF_TUN_GUE, 6080 }, { "ip6tnl0", CONF_TUN_GUE, 6081 },
		{ "sit0", CONF_TUN_GUE, 6080 }, { "gre0", CONF_TUN_GRE, 0 },
		{ "ip6gre0", CONF_TUN_GRE, 0 }, { "gre0", CONF_TUN_GRE, 0 },
		{ "tunl0", CONF_TUN_IPIP, 0 }, { "lo", CONF_TUN_IPIP, 0 },
	};

	(void)state;
	assert_int_equal(c->n_groups, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(c->groups[i].device, want[i].dev);
		assert_int_equal(c->groups[i].tun_type, want[i].type);
		assert_int_equal(c->groups[i].tun_port, want[i].port);
	}
	assert_string_equal(conf_tun_type_name(CONF_TUN_IPIP), "ipip");
	assert_string_equal(conf_tun_type_name(CONF_TUN_GUE), "gue");
	assert_string_equal(conf_tun_type_name(CONF_TUN_GRE), "gre");
	conf_free(c);
}


/* mss: auto by default in tun groups, off in dr groups, or N. */
static void test_mss(void **state)
{
	struct conf *c = good("[vip d]\naddress = 192.0.2.1\n"
			      "[vip t]\nmode = tun\naddress = 192.0.2.2\n"
			      "[vip n]\nmss = 1400\nmode = tun\naddress = 192.0.2.3\n"
			      "[vip o]\nmode = tun\nmss = off\naddress = 192.0.2.4\n"
			      "[vip a]\nmode = tun\nmss = auto\naddress = 192.0.2.5\n"
			      "[vip lo]\nmode = tun\nmss = 536\naddress = 192.0.2.6\n"
			      "[vip hi]\nmode = tun\nmss = 65495\naddress = 192.0.2.7\n");

	assert_int_equal(c->groups[0].mss, CONF_MSS_OFF);
	assert_int_equal(c->groups[1].mss, CONF_MSS_AUTO);
	assert_int_equal(c->groups[1].mss_line, 0);
	assert_int_equal(c->groups[2].mss, 1400);
	assert_int_equal(c->groups[2].mss_line, 7);
	assert_int_equal(c->groups[3].mss, CONF_MSS_OFF);
	assert_int_equal(c->groups[4].mss, CONF_MSS_AUTO);
	assert_int_equal(c->groups[5].mss, 536);
	assert_int_equal(c->groups[6].mss, 65495);
	for (size_t i = 0; i < c->n_groups; i++)
		assert_int_equal(c->groups[i].tun_type, CONF_TUN_IPIP);
	conf_free(c);
}


/* rip and rp_filter are accepted with a mode they do not apply to. */
static void test_unused_keys_accepted(void **state)
{
	struct conf *c = good("[agent]\narp_suppress = sysctl\nrip = 192.0.2.9\n"
			      "rp_filter = 0\n[vip a]\naddress = 192.0.2.1\n");

	assert_false(c->rip_auto);
	assert_int_equal(c->rp_filter, 0);
	conf_free(c);
	c = good("[agent]\nrip = auto\n");
	assert_true(c->rip_auto);
	conf_free(c);
}

static void test_host_prefix_is_same_vip(void **state)
{
	struct conf *c = good("[vip a]\naddress = 192.0.2.1/32 2001:DB8:0:0::1/128\n"
			      "  192.0.2.2 ; more\n");
	const struct conf_group *g = &c->groups[0];

	assert_int_equal(g->n_vips, 3);
	assert_vip(vip(g, 0), "192.0.2.1");
	assert_vip(vip(g, 1), "2001:db8::1");
	assert_vip(vip(g, 2), "192.0.2.2");
	conf_free(c);
	/* valid, if odd: site-local and 240/4 are not refused */
	c = good("[vip a]\naddress = fec0::1 240.0.0.1 192.0.2.255\n");
	assert_int_equal(c->groups[0].n_vips, 3);
	conf_free(c);
}

static void assert_prefix(const struct conf_vip *v, const char *addr,
			  unsigned prefixlen)
{
	assert_vip(v, addr);
	assert_int_equal(v->prefixlen, prefixlen);
	assert_null(v->spelling);
}

static void test_anyip(void **state)
{
	struct conf *c = good("[vip any]\n"
			      "anyip = yes\n"
			      "address = 198.51.100.0/24 203.0.113.7 2001:db8:200::/120\n"
			      "  203.0.113.8/32 2001:db8:300::1/128 2001:db8:400::/64\n"
			      "[vip plain]\n"
			      "address = 192.0.2.1 2001:db8::1/128\n"
			      "[vip off]\n"
			      "anyip = no\n"
			      "address = 192.0.2.2\n");
	const struct conf_group *g = &c->groups[0];

	assert_true(g->anyip);
	assert_int_equal(g->n_vips, 6);
	assert_prefix(vip(g, 0), "198.51.100.0", 24);
	assert_prefix(vip(g, 1), "203.0.113.7", 32);
	assert_prefix(vip(g, 2), "2001:db8:200::", 120);
	assert_prefix(vip(g, 3), "203.0.113.8", 32);
	assert_prefix(vip(g, 4), "2001:db8:300::1", 128);
	assert_prefix(vip(g, 5), "2001:db8:400::", 64);
	g = &c->groups[1];
	assert_false(g->anyip);
	assert_prefix(vip(g, 0), "192.0.2.1", 32);
	assert_prefix(vip(g, 1), "2001:db8::1", 128);
	assert_false(c->groups[2].anyip);
	conf_free(c);

	/* the bounds, and prefixes that touch without overlapping */
	c = good("[vip a]\nanyip = yes\naddress = 203.0.0.0/8 198.51.100.0/25\n"
		 "[vip b]\nanyip = yes\naddress = 198.51.100.128/25 2001:db8::/64\n"
		 "[vip c]\naddress = 204.0.0.0 202.255.255.255 2001:db8:0:1::\n");
	assert_prefix(vip(&c->groups[0], 0), "203.0.0.0", 8);
	assert_prefix(vip(&c->groups[1], 0), "198.51.100.128", 25);
	assert_prefix(vip(&c->groups[1], 1), "2001:db8::", 64);
	conf_free(c);
}

static void test_continuation(void **state)
{
	struct conf *c = good("[vip a]\n"
			      "address = 192.0.2.1\n"
			      "\t192.0.2.2 192.0.2.3\n"
			      "; a comment between continuation lines\n"
			      "    # and another\n"
			      "  2001:db8::1    ; with a comment\n"
			      "mode: tun\n"
			      "device = tun0\n");
	const struct conf_group *g = &c->groups[0];

	assert_int_equal(g->n_vips, 4);
	assert_int_equal(vip(g, 0)->line, 2);
	assert_int_equal(vip(g, 1)->line, 3);
	assert_int_equal(vip(g, 2)->line, 3);
	assert_vip(vip(g, 3), "2001:db8::1");
	assert_int_equal(vip(g, 3)->line, 6);
	assert_int_equal(g->mode, CONF_MODE_TUN);
	assert_string_equal(g->device, "tun0");
	conf_free(c);

	/* keys indented alike are keys; deeper lines continue them */
	c = good("[vip a]\n   address = 192.0.2.1\n     192.0.2.2\n"
		 "   mode = tun\n\tdevice = tun0\n");
	assert_int_equal(c->groups[0].n_vips, 2);
	assert_int_equal(c->groups[0].mode, CONF_MODE_TUN);
	assert_string_equal(c->groups[0].device, "tun0");
	conf_free(c);
}

static void test_crlf_bom_comments(void **state)
{
	struct conf *c = good("\xef\xbb\xbf; BOM, then CRLF\r\n"
			      "[agent]\r\n"
			      "arp_ignore = 2\r\n"
			      "# hash comment\r\n"
			      "[vip  web ]   ; spaces inside the brackets\r\n"
			      "address = 192.0.2.1\r\n"
			      "  192.0.2.2\r\n"
			      "mode = tun\r\n"
			      "device = tunl0");
	const struct conf_group *g = &c->groups[0];

	assert_int_equal(c->arp_ignore, 2);
	assert_string_equal(g->name, "web");
	assert_int_equal(g->n_vips, 2);
	assert_int_equal(g->line, 5);
	assert_string_equal(g->device, "tunl0");
	conf_free(c);

	c = good("\xef\xbb\xbf[agent]\narp_ignore=2\n");
	assert_int_equal(c->arp_ignore, 2);
	conf_free(c);
}

static void test_names(void **state)
{
	char text[256];
	struct conf *c;

	/* 63 bytes is the longest group name; 15 the longest device name */
	snprintf(text, sizeof(text),
		 "[vip %.63s]\naddress = 192.0.2.1\ndevice = abcdefghijklmno\n",
		 "A-b_c.9-0123456789012345678901234567890123456789012345678901234567");
	c = good(text);
	assert_int_equal(strlen(c->groups[0].name), 63);
	assert_string_equal(c->groups[0].device, "abcdefghijklmno");
	conf_free(c);
	c = good("[vip a]\naddress = 192.0.2.1\ndevice = \xc3\xa9th0\n");
	assert_string_equal(c->groups[0].device, "\xc3\xa9th0");
	conf_free(c);
}

/* ---- long lines: never truncated, and refused past CONF_LINE_MAX */

static size_t fill_addresses(char *buf, size_t size, const char *prefix,
			     size_t max_len, size_t *n_vips)
{
	size_t o = snprintf(buf, size, "%s", prefix);

	*n_vips = 0;
	for (unsigned i = 0;; i++) {
		char a[64];
		size_t n;

		if (i < 254)
			n = snprintf(a, sizeof(a), " 192.0.2.%u", i + 1);
		else
			n = snprintf(a, sizeof(a), " 2001:db8::%x", i);
		if (o + n > max_len)
			break;
		memcpy(buf + o, a, n + 1);
		o += n;
		(*n_vips)++;
	}
	return o;
}

static void test_long_lines(void **state)
{
	char line[2048], text[4096];
	struct conf_errors e = { 0 };
	size_t n_vips, n, o;
	struct conf *c;

	/* about 1000 bytes: every VIP still there */
	n = fill_addresses(line, sizeof(line), "address =", 1000, &n_vips);
	assert_true(n > 985 && n <= 1000);
	snprintf(text, sizeof(text), "[vip big]\n%s\nmode = tun\ndevice = x\n",
		 line);
	c = good(text);
	assert_int_equal(c->groups[0].n_vips, n_vips);
	snprintf(line, sizeof(line), "192.0.2.%zu", n_vips);
	assert_vip(vip(&c->groups[0], n_vips - 1), line);
	for (size_t i = 0; i < n_vips; i++)
		assert_int_equal(vip(&c->groups[0], i)->line, 2);
	assert_int_equal(c->groups[0].mode, CONF_MODE_TUN);
	conf_free(c);

	/* exactly CONF_LINE_MAX bytes, with a CRLF end: accepted */
	n = fill_addresses(line, sizeof(line), "address =", 1010, &n_vips);
	memset(line + n, ' ', CONF_LINE_MAX - n - 1);
	line[CONF_LINE_MAX - 1] = ';';
	line[CONF_LINE_MAX] = '\0';
	snprintf(text, sizeof(text), "[vip big]\r\n%s\r\n", line);
	c = good(text);
	assert_int_equal(c->groups[0].n_vips, n_vips);
	conf_free(c);

	/* a long comment after a value */
	memset(line, 'x', 900);
	line[900] = '\0';
	snprintf(text, sizeof(text), "[agent]\narp_ignore = 2     ; %s\n", line);
	c = good(text);
	assert_int_equal(c->arp_ignore, 2);
	conf_free(c);

	/* a trailing word 400 spaces on is not lost */
	memset(line, ' ', 400);
	line[400] = '\0';
	snprintf(text, sizeof(text), "[agent]\narp_ignore = 2 %s 3\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_true(has_error(&e, "t.conf:2: arp_ignore: trailing garbage after \"2\": \"3\""));
	conf_errors_done(&e);
	conf_free(c);

	/* a single-valued key with 201 words: one error */
	o = snprintf(text, sizeof(text), "[agent]\narp_ignore = 1");
	for (int i = 0; i < 200; i++)
		o += snprintf(text + o, sizeof(text) - o, " 2");
	snprintf(text + o, sizeof(text) - o, "\n");
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_true(has_error(&e, "t.conf:2: arp_ignore: trailing garbage after \"1\": \"2 2 2"));
	conf_errors_done(&e);
	conf_free(c);

	/* long lines of other kinds */
	memset(line, ' ', 300);
	line[300] = '\0';
	snprintf(text, sizeof(text), "[vip%.300s web%.300s]\naddress =%.300s192.0.2.1\n  %.300s192.0.2.2%.300s\n",
		 line, line, line, line, line);
	c = good(text);
	assert_string_equal(c->groups[0].name, "web");
	assert_int_equal(c->groups[0].n_vips, 2);
	conf_free(c);

	/* one byte more than CONF_LINE_MAX: refused, and named */
	n = fill_addresses(line, sizeof(line), "address =", 1010, &n_vips);
	memset(line + n, ' ', CONF_LINE_MAX - n);
	line[CONF_LINE_MAX] = '1';
	line[CONF_LINE_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "[vip big]\n%s\nmode = tun\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0], "t.conf:2: line is 1025 bytes long, at most 1024 are allowed");
	conf_errors_done(&e);
	conf_free(c);

	/* and the next lines still count */
	snprintf(text, sizeof(text), "[agent]\n; %s\narp_ignore = 7\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_true(has_error(&e, "t.conf:2: line is 1027 bytes long"));
	assert_true(has_error(&e, "t.conf:3: arp_ignore: 7 is not allowed"));
	conf_errors_done(&e);
	conf_free(c);

	/* a comma far into a long address line: one error for the line,
	 * quoted from its start, and no address of it kept */
	n = fill_addresses(line, sizeof(line), "address =", 900, &n_vips);
	line[n - 4] = ',';
	snprintf(text, sizeof(text), "[vip big]\n%s\n  192.0.2.254\nmode = bogus\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.v[0], "t.conf:2: vip \"big\": addresses are separated by spaces, not commas: "
				    "\"192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.\"...");
	/* the line numbers after a 900-byte line are right */
	assert_true(has_error(&e, "t.conf:4: vip \"big\": mode: \"bogus\" is not one of dr, tun"));
	assert_int_equal(c->groups[0].n_vips, 1);
	assert_int_equal(vip(&c->groups[0], 0)->line, 3);
	conf_errors_done(&e);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_vip_defaults),
		cmocka_unit_test(test_tun_types),
		cmocka_unit_test(test_unused_keys_accepted),
		cmocka_unit_test(test_mss),
		cmocka_unit_test(test_host_prefix_is_same_vip),
		cmocka_unit_test(test_anyip),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_crlf_bom_comments),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
