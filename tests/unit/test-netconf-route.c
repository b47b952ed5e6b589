// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netconf/'s local routes (AnyIP): target texts, prefixes, signs and
 * explanations without the kernel; then routes one by one and in batches
 * against the real kernel, in a network namespace of this process's own
 * (netconf-fixture.h).
 */
#include "netconf-fixture.h"

/* ---- pure: route targets and prefixes */

static void test_route_target(void **state)
{
	static const struct target_case t[] = {
		{ AF_INET, "198.51.100.0", 24, "lo", 96, 0,
		  "local 198.51.100.0/24 dev lo table local" },
		{ AF_INET, "203.0.113.7", 32, "lo", 96, 0,
		  "local 203.0.113.7/32 dev lo table local" },
		{ AF_INET, "203.0.0.0", 8, "tunl0", 96, 0,
		  "local 203.0.0.0/8 dev tunl0 table local" },
		{ AF_INET6, "2001:DB8:200:0::", 120, "lo", 96, 0,
		  "local 2001:db8:200::/120 dev lo table local" },
		{ AF_INET6, "2001:db8::1", 128, "ip6tnl0", 96, 0,
		  "local 2001:db8::1/128 dev ip6tnl0 table local" },
		/* host bits set: the kernel would refuse the route */
		{ AF_INET, "198.51.100.1", 24, "lo", 96, -EINVAL, NULL },
		{ AF_INET, "198.51.100.128", 24, "lo", 96, -EINVAL, NULL },
		{ AF_INET6, "2001:db8:200::1", 120, "lo", 96, -EINVAL, NULL },
		{ AF_INET6, "2001:db8:200::100", 119, "lo", 96, -EINVAL, NULL },
		{ AF_INET, "198.51.100.0", 33, "lo", 96, -EINVAL, NULL },
		{ AF_INET, "198.51.100.0", 24, "a/b", 96, -EINVAL, NULL },
		{ AF_INET, "198.51.100.0", 24, "", 96, -EINVAL, NULL },
		{ AF_INET, "198.51.100.0", 24, "lo", 40, -ENAMETOOLONG, NULL },
		{ AF_INET, "198.51.100.0", 24, "lo", 41, 0,
		  "local 198.51.100.0/24 dev lo table local" },
	};

	check_targets(netconf_route_target, t, ARRAY_SIZE(t));
}

/* One line each: family, outer prefix, inner prefix, contained. */
static const struct {
	int family;
	const char *outer, *inner;
	bool in;
} contains_cases[] = {
	{ AF_INET, "192.0.2.0/24", "192.0.2.0/24", true },
	{ AF_INET, "192.0.2.0/24", "192.0.2.7/32", true },
	{ AF_INET, "192.0.2.0/24", "192.0.2.128/25", true },
	{ AF_INET, "192.0.2.0/23", "192.0.3.0/24", true },
	{ AF_INET, "192.0.2.0/24", "192.0.3.1/32", false },
	{ AF_INET, "192.0.2.128/25", "192.0.2.0/24", false }, /* wider */
	{ AF_INET, "192.0.2.0/25", "192.0.2.128/32", false },
	{ AF_INET, "192.0.2.0/31", "192.0.2.1/32", true },
	{ AF_INET, "192.0.2.2/32", "192.0.2.2/32", true },
	{ AF_INET, "192.0.2.2/32", "192.0.2.3/32", false },
	{ AF_INET, "0.0.0.0/0", "203.0.113.9/32", true },
	{ AF_INET, "192.0.2.9/24", "192.0.2.200/32", true }, /* host bits */
	{ AF_INET6, "2001:db8:1::/64", "2001:db8:1::2/128", true },
	{ AF_INET6, "2001:db8:1::/64", "2001:db8:1:0:8000::/65", true },
	{ AF_INET6, "2001:db8:1::/64", "2001:db8:2::/64", false },
	{ AF_INET6, "2001:db8:1::/65", "2001:db8:1:0:8000::1/128", false },
	{ AF_INET6, "2001:db8::/32", "2001:db8:ffff::/48", true },
	{ AF_INET6, "2001:db8::1/128", "2001:db8::1/128", true },
};

static void parse_prefix(int family, const char *text, void *addr, unsigned *len)
{
	char buf[64];
	const char *slash = strchr(text, '/');

	assert_non_null(slash);
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - text), text);
	assert_int_equal(inet_pton(family, buf, addr), 1);
	*len = (unsigned)atoi(slash + 1);
}

static void test_prefix_contains(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(contains_cases); i++) {
		union netconf_inaddr o, n;
		unsigned ol, nl;
		int f = contains_cases[i].family;

		parse_prefix(f, contains_cases[i].outer, &o, &ol);
		parse_prefix(f, contains_cases[i].inner, &n, &nl);
		if (netconf_prefix_contains(f, &o, ol, &n, nl) != contains_cases[i].in)
			fail_msg("%s in %s: expected %d", contains_cases[i].inner,
				 contains_cases[i].outer, contains_cases[i].in);
		/* overlap: one inside the other, either way round */
		assert_int_equal(netconf_prefix_overlaps(f, &o, ol, &n, nl),
				 contains_cases[i].in ||
				 netconf_prefix_contains(f, &n, nl, &o, ol));
		assert_int_equal(netconf_prefix_overlaps(f, &n, nl, &o, ol),
				 netconf_prefix_overlaps(f, &o, ol, &n, nl));
	}
	/* lengths beyond the family, and unknown families */
	{
		struct in_addr a = { 0 };

		assert_false(netconf_prefix_contains(AF_INET, &a, 33, &a, 33));
		assert_false(netconf_prefix_contains(AF_INET, &a, 0, &a, 40));
		assert_false(netconf_prefix_contains(AF_UNSPEC, &a, 0, &a, 0));
	}
}

static void test_prefix_text(void **state)
{
	static const struct {
		int family;
		const char *addr;
		unsigned plen;
		bool network;
		const char *text;
	} rows[] = {
		{ AF_INET, "192.0.2.7", 32, false, "192.0.2.7" },
		{ AF_INET, "192.0.2.7", 24, false, "192.0.2.7/24" },
		{ AF_INET, "192.0.2.7", 24, true, "192.0.2.0/24" },
		{ AF_INET, "192.0.2.7", 30, true, "192.0.2.4/30" },
		{ AF_INET, "192.0.2.7", 32, true, "192.0.2.7" },
		{ AF_INET, "192.0.2.7", 0, true, "0.0.0.0/0" },
		{ AF_INET6, "2001:db8:1::2", 64, true, "2001:db8:1::/64" },
		{ AF_INET6, "2001:db8:1:ff::2", 57, true, "2001:db8:1:80::/57" },
		{ AF_INET6, "2001:db8:1::2", 128, false, "2001:db8:1::2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		union netconf_inaddr a;
		char buf[INET6_ADDRSTRLEN + 4];

		assert_int_equal(inet_pton(rows[i].family, rows[i].addr, &a), 1);
		netconf_prefix_text(rows[i].family, &a, rows[i].plen, rows[i].network, buf,
				    sizeof(buf));
		assert_string_equal(buf, rows[i].text);
	}
}

static void test_route_parse(void **state)
{
	static const char *const good[] = {
		"local 198.51.100.0/24 dev lo table local",
		"local 203.0.113.7/32 dev lo table local",
		"local 0.0.0.0/0 dev lo table local",
		"local 2001:db8:200::/120 dev lo table local",
		"local 2001:db8::1/128 dev veth-rs_1 table local",
		"local 198.51.100.0/24 dev abcdefghijklmno table local",
	};
	static const char *const bad[] = {
		"",
		"local",
		"local  table local",
		"198.51.100.0/24 dev lo table local",
		"local 198.51.100.0/24 dev lo",
		"local 198.51.100.0/24 dev lo table main",
		"local 198.51.100.0/24 dev lo table 255",
		"local 198.51.100.0/24 dev lo table local ",
		" local 198.51.100.0/24 dev lo table local",
		"unicast 198.51.100.0/24 dev lo table local",
		"local 198.51.100.1/24 dev lo table local",
		"local 198.51.100.0/024 dev lo table local",
		"local 198.51.100.0/33 dev lo table local",
		"local 198.51.100.0 dev lo table local",
		"local 198.51.100.0/24 table local",
		"local 198.51.100.0/24 dev table local",
		"local 198.51.100.0/24 dev a/b table local",
		"local 2001:DB8:200::/120 dev lo table local",
		"local 2001:db8:200:0::/120 dev lo table local",
		"local 2001:db8:200::1/120 dev lo table local",
		"local 2001:db8::/129 dev lo table local",
		"local 192.0.2.1/32 dev lo table local table local",
	};
	unsigned char a[16], plen;
	char dev[IF_NAMESIZE];
	int family;

	check_parses(netconf_route_parse_target, netconf_route_target, good, ARRAY_SIZE(good), bad,
		     ARRAY_SIZE(bad));
	assert_int_equal(netconf_route_parse_target(good[0], &family, a, &plen, dev), 0);
	assert_int_equal(family, AF_INET);
	assert_int_equal(plen, 24);
	assert_string_equal(dev, "lo");
}

static void test_route_sign_explain(void **state)
{
	struct step s;
	char buf[320];

	assert_string_equal(netconf_route_ops.kind, "route");
	assert_int_equal(step_sign(&netconf_route_ops, "absent", "present"), '+');
	assert_int_equal(step_sign(&netconf_route_ops, "present", "absent"), '-');
	assert_int_equal(step_sign(&netconf_route_ops, "", "present"), '~');
	mkstep(&s, &netconf_route_ops, "local 198.51.100.0/24 dev lo table local",
	       "present", "absent");
	netconf_route_ops.explain(&s, buf, sizeof(buf));
	assert_string_equal(buf, "no local route for 198.51.100.0/24 on lo: packets for the VIPs "
			    "are not accepted locally, so the director's packets for them are dropped");
	mkstep(&s, &netconf_route_ops, "local 2001:db8::1/128 dev lo table local",
	       "present", "absent");
	netconf_route_ops.explain(&s, buf, sizeof(buf));
	assert_string_equal(buf, "no local route for 2001:db8::1/128 on lo: packets for the VIP "
			    "are not accepted locally, so the director's packets for it are dropped");
	mkstep(&s, &netconf_route_ops, "local 203.0.113.7/32 dev lo table local",
	       "absent", "present");
	netconf_route_ops.explain(&s, buf, sizeof(buf));
	assert_string_equal(buf, "local route for 203.0.113.7/32 still in table local: "
			    "the RS accepts traffic for it");
}

/* ---- kernel: local routes (AnyIP) */

/* A local route in table local with another protocol, as `ip route add
 * local PREFIX dev DEV table local` (proto boot) makes it. */
static int foreign_route(struct netconf *nc, bool add, int family,
			 const char *addr, unsigned char plen, const char *dev)
{
	char buf[256] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	unsigned char a[16];

	assert_int_equal(inet_pton(family, addr, a), 1);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_LOCAL;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = add ? RT_SCOPE_HOST : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_LOCAL;
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, a);
	mnl_attr_put_u32(nlh, RTA_OIF, if_nametoindex(dev));
	return netconf_talk(nc, nlh, add ? "RTM_NEWROUTE" : "RTM_DELROUTE");
}

static void test_route(void **state)
{
	struct netconf *nc = *state;
	static const char *const targets[] = {
		"local 198.51.100.0/24 dev lo table local",
		"local 203.0.113.7/32 dev lo table local",
		"local 2001:db8:200::/120 dev lo table local",
	};
	struct steps st;
	struct step s, a, *v[] = { &s }, *av[] = { &a };
	int res[1];

	NEED_KERNEL();
	steps_init(&st, ARRAY_SIZE(targets));
	for (size_t i = 0; i < st.n; i++)
		mkstep(&st.s[i], &netconf_route_ops, targets[i], "present", NULL);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, st.n), 0);
	assert_int_equal(count_now(&st, "absent"), st.n);
	/* One kernel change each: the /24 is one request. */
	fault_set("4");
	assert_int_equal(netconf_route_ops.change(nc, st.v, st.n, STEP_WANT, st.res), 0);
	fault_set(NULL);
	for (size_t i = 0; i < st.n; i++)
		assert_int_equal(st.res[i], 0);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, st.n), 0);
	assert_int_equal(count_now(&st, "present"), st.n);
	/* Adding again: the kernel refuses, with its own words. */
	assert_int_equal(STEP_SET(st.s[0].now, "absent"), 0);
	assert_int_equal(netconf_route_ops.change(nc, st.v, 1, STEP_WANT, st.res), -EEXIST);
	print_message("kernel said: %s\n", netconf_error(nc));
	assert_string_not_equal(netconf_error(nc), "");

	/* Another prefix length, another device: other steps, absent. */
	mkstep(&s, &netconf_route_ops, "local 198.51.100.0/25 dev lo table local",
	       "present", NULL);
	assert_int_equal(netconf_route_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	mkstep(&s, &netconf_route_ops, "local 198.51.100.0/24 dev lvst-v0 table local",
	       "present", NULL);
	assert_int_equal(netconf_route_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	mkstep(&s, &netconf_route_ops, "local 198.51.100.0/24 dev nonexistent0 table local",
	       "present", NULL);
	assert_int_equal(netconf_route_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	assert_int_equal(netconf_route_ops.change(nc, v, 1, STEP_WANT, res), -ENODEV);

	/* An address's own local route (proto kernel) is the address's. */
	mkstep(&a, &netconf_addr_ops, "192.0.2.9/32 dev lo", "present", "absent");
	assert_int_equal(netconf_addr_ops.change(nc, av, 1, STEP_WANT, res), 0);
	mkstep(&s, &netconf_route_ops, "local 192.0.2.9/32 dev lo table local",
	       "present", NULL);
	assert_int_equal(netconf_route_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	assert_int_equal(STEP_SET(a.now, "present"), 0);
	assert_int_equal(STEP_SET(a.prior, "absent"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, av, 1, STEP_PRIOR, res), 0);

	/*
	 * Someone else's local route counts as present (pre-existing for the
	 * journal), and the agent's delete, which names its own protocol,
	 * never removes it.
	 */
	assert_int_equal(foreign_route(nc, true, AF_INET, "192.0.2.128", 25, "lo"), 0);
	mkstep(&s, &netconf_route_ops, "local 192.0.2.128/25 dev lo table local",
	       "absent", NULL);
	assert_int_equal(netconf_route_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "present");
	assert_int_equal(netconf_route_ops.change(nc, v, 1, STEP_WANT, res), -ESRCH);
	assert_int_equal(netconf_route_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "present");
	assert_int_equal(foreign_route(nc, false, AF_INET, "192.0.2.128", 25, "lo"), 0);

	/* Back to absent, as revert does. */
	for (size_t i = 0; i < st.n; i++)
		assert_int_equal(STEP_SET(st.s[i].prior, "absent"), 0);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, st.n), 0);
	assert_int_equal(netconf_route_ops.change(nc, st.v, st.n, STEP_PRIOR, st.res), 0);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, st.n), 0);
	assert_int_equal(count_now(&st, "absent"), st.n);
	steps_done(&st);
}

/*
 * 768 IPv4 and 2,000 IPv6 routes in a handful of sendmsg calls, one faulted,
 * one refused in the middle (added behind our back); then the same with
 * the receive buffer squeezed so that most acks are lost.
 */
static void test_route_batch(void **state)
{
	struct netconf *nc = *state, *tight = NULL;
	const size_t n = 2768, faulted = 2500, refused = 300;
	struct steps st;
	struct step pre, *pv[] = { &pre };
	int pres[1];
	double t0;

	NEED_KERNEL();
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX], r[STEP_TARGET_MAX], dev[IF_NAMESIZE];
		unsigned char a[16], plen;
		int family;

		if (i < 768)
			v4_target((unsigned int)i, t, sizeof(t));
		else
			v6_target(0xd, (unsigned int)i, t, sizeof(t));
		assert_int_equal(netconf_addr_parse_target(t, &family, a, &plen, dev), 0);
		assert_int_equal(netconf_route_target(family, a, plen, dev, r, sizeof(r)), 0);
		mkstep(&st.s[i], &netconf_route_ops, r, "present", NULL);
	}
	t0 = now_s();
	assert_int_equal(netconf_route_ops.observe(nc, st.v, n), 0);
	print_message("observe %zu route steps: %.3f s\n", n, now_s() - t0);
	assert_int_equal(count_now(&st, "absent"), n);
	pre = st.s[refused];
	assert_int_equal(netconf_route_ops.change(nc, pv, 1, STEP_WANT, pres), 0);

	fault_set("2501");
	t0 = now_s();
	assert_int_equal(netconf_route_ops.change(nc, st.v, n, STEP_WANT, st.res), -EEXIST);
	print_message("%zu routes in %.3f s\n", n, now_s() - t0);
	fault_set(NULL);
	for (size_t i = 0; i < n; i++) {
		int want = i == faulted ? -EIO : i == refused ? -EEXIST : 0;

		if (st.res[i] != want)
			fail_msg("res[%zu] = %d, expected %d (%s)", i, st.res[i],
				 want, st.s[i].target);
	}
	assert_int_equal(netconf_route_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "present"), n - 1);
	assert_string_equal(st.s[faulted].now, "absent");
	assert_int_equal(settle(nc, &netconf_route_ops, &st, "absent"), 0);

	/* Lost acks: every step still comes out right, from a fresh dump. */
	assert_int_equal(netconf_open(&tight), 0);
	assert_int_equal(netconf_fault_squeeze_rcvbuf(tight, 1), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(STEP_SET(st.s[i].now, "absent"), 0);
	fault_set("151");
	assert_int_equal(netconf_route_ops.change(tight, st.v, n, STEP_WANT, st.res), -EIO);
	fault_set(NULL);
	for (size_t i = 0; i < n; i++)
		if (st.res[i] != (i == 150 ? -EIO : 0))
			fail_msg("lost acks: res[%zu] = %d", i, st.res[i]);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "present"), n - 1);
	assert_string_equal(st.s[150].now, "absent");
	assert_int_equal(settle(tight, &netconf_route_ops, &st, "absent"), 0);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	netconf_close(tight);
	steps_done(&st);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_route_target),
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_prefix_contains),
		cmocka_unit_test(test_prefix_text),
		cmocka_unit_test(test_route_sign_explain),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_route_batch),
	};

	return netconf_tests("netconf route", pure, ARRAY_SIZE(pure), kernel, ARRAY_SIZE(kernel));
}
