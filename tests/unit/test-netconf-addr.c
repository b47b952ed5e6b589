// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netconf/'s address kind: its target texts, signs, values and explanations
 * without the kernel; then addresses one by one against the real kernel, in a
 * network namespace of this process's own (netconf-fixture.h).
 */
#include "netconf-fixture.h"

static bool find_addr(struct netconf *nc, const char *target,
		      struct netconf_addr *out)
{
	struct netconf_addr *v = NULL;
	unsigned char a[16], plen;
	char dev[IF_NAMESIZE];
	size_t n;
	int family;
	bool found = false;

	assert_int_equal(netconf_addr_parse_target(target, &family, a, &plen, dev), 0);
	assert_int_equal(netconf_dump_addrs(nc, family, &v, &n), 0);
	for (size_t i = 0; i < n && !found; i++) {
		assert_int_equal(v[i].family, family);
		if (v[i].ifindex == (int)if_nametoindex(dev) &&
		    v[i].prefixlen == plen &&
		    memcmp(&v[i].addr, a, family == AF_INET ? 4 : 16) == 0) {
			*out = v[i];
			found = true;
		}
	}
	free(v);
	return found;
}

/* ---- pure: target texts */

static void test_target_format(void **state)
{
	static const struct target_case t[] = {
		{ AF_INET, "192.0.2.1", 32, "lo", 96, 0, "192.0.2.1/32 dev lo" },
		{ AF_INET, "198.51.100.7", 24, "eth0.100", 96, 0,
		  "198.51.100.7/24 dev eth0.100" },
		{ AF_INET6, "2001:db8::1", 128, "lo", 96, 0, "2001:db8::1/128 dev lo" },
		{ AF_INET6, "2001:0DB8:0:0:0:0:0:0001", 128, "lo", 96, 0,
		  "2001:db8::1/128 dev lo" },
		{ AF_INET6, "2001:db8:1:2:3:4:5:6", 64, "abcdefghijklmno", 96, 0,
		  "2001:db8:1:2:3:4:5:6/64 dev abcdefghijklmno" },
		{ AF_INET, "192.0.2.1", 33, "lo", 96, -EINVAL, NULL },
		{ AF_INET6, "2001:db8::1", 129, "lo", 96, -EINVAL, NULL },
		{ AF_INET, "192.0.2.1", 32, "", 96, -EINVAL, NULL },
		{ AF_INET, "192.0.2.1", 32, "abcdefghijklmnop", 96, -EINVAL, NULL },
		{ AF_INET, "192.0.2.1", 32, "a b", 96, -EINVAL, NULL },
		{ AF_INET, "192.0.2.1", 32, "a/b", 96, -EINVAL, NULL },
		{ AF_INET, "192.0.2.1", 32, "..", 96, -EINVAL, NULL },
		{ AF_INET, "192.0.2.1", 32, "lo", 19, -ENAMETOOLONG, NULL },
		{ AF_INET, "192.0.2.1", 32, "lo", 20, 0, "192.0.2.1/32 dev lo" },
	};

	check_targets(netconf_addr_target, t, ARRAY_SIZE(t));
	assert_int_equal(netconf_addr_target(AF_PACKET, "x", 0, "lo", (char[96]){ 0 }, 96),
			 -EINVAL);
}

static void test_target_parse(void **state)
{
	static const char *const good[] = {
		"192.0.2.1/32 dev lo",
		"203.0.113.255/24 dev eth0",
		"0.0.0.0/0 dev lo",
		"2001:db8::1/128 dev lo",
		"2001:db8::/32 dev veth-rs_1",
		"::/0 dev lo",
		"2001:db8:1:2:3:4:5:6/127 dev abcdefghijklmno",
	};
	static const char *const bad[] = {
		"",
		"192.0.2.1",
		"192.0.2.1/32",
		"192.0.2.1/32 dev",
		"192.0.2.1/32 dev ",
		"192.0.2.1 dev lo",
		"/32 dev lo",
		"192.0.2.1/33 dev lo",
		"192.0.2.1/032 dev lo",
		"192.0.2.1/-1 dev lo",
		"192.0.2.1/+3 dev lo",
		"192.0.2.1/ 32 dev lo",
		"192.0.2.1/32dev lo",
		"192.0.2.1/32  dev lo",
		"192.0.2.1/32 dev lo ",
		"192.0.2.1/32 dev lo extra",
		"192.0.2.1/32 dev a/b",
		"192.0.2.1/32 dev abcdefghijklmnop",
		"192.0.2.1/32 dev ..",
		"300.0.2.1/32 dev lo",
		"192.0.2/32 dev lo",
		"2001:db8::1/129 dev lo",
		"2001:db8::g/128 dev lo",
		"2001:db8::1/1280 dev lo",
		"2001:db8:::1/128 dev lo",
		"192.0.2.1/32 DEV lo",
	};
	unsigned char a[16], plen;
	char dev[IF_NAMESIZE], buf[STEP_TARGET_MAX];
	int family;

	check_parses(netconf_addr_parse_target, netconf_addr_target, good, ARRAY_SIZE(good), bad,
		     ARRAY_SIZE(bad));
	/* Other spellings of an address parse to the canonical target. */
	assert_int_equal(netconf_addr_parse_target("2001:DB8:0:0::1/128 dev lo",
						   &family, a, &plen, dev), 0);
	assert_int_equal(family, AF_INET6);
	assert_int_equal(plen, 128);
	assert_string_equal(dev, "lo");
	assert_int_equal(netconf_addr_target(family, a, plen, dev, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::1/128 dev lo");
}

/* ---- pure: signs and explanations */

static void test_sign(void **state)
{
	static const struct {
		const char *from, *to;
		char sign;
	} t[] = {
		{ "absent", "present", '+' },
		{ "absent", "preferred", '+' },
		{ "present", "absent", '-' },
		{ "preferred", "absent", '-' },
		{ "present", "preferred", '~' },
		{ "preferred", "present", '~' },
		{ "", "present", '~' },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(step_sign(&netconf_addr_ops, t[i].from, t[i].to), t[i].sign);
	assert_int_equal(step_sign(&sysctl_kind, "0", "1"), '~');
	assert_int_equal(step_sign(&sysctl_kind, "missing", "1"), '~');
	assert_string_equal(netconf_addr_ops.kind, "address");
	assert_string_equal(sysctl_kind.kind, "sysctl");
	assert_null(sysctl_kind.explain);
}

/* Whole IPv6 addresses: one spelling each; equal when their flags and the
 * kind of each lifetime (0, finite, forever) are, as lifetimes count down. */
static void test_addr_values(void **state)
{
	static const struct {
		const char *a, *b;
		bool same;
	} t[] = {
		{ "present", "present", true },
		{ "absent", "absent", true },
		{ "present", "preferred", false },
		{ "preferred", "preferred", true },
		{ "2/3600/1800", "2/3599/1799", true },
		{ "212/999999999/7", "212/5/4", true },
		{ "2/3600/1800", "2/3600/0", false },
		{ "2/3600/1800", "2/forever/1800", false },
		{ "2/forever/forever", "2/forever/1", false },
		{ "2/forever/forever", "preferred", false },
		{ "200/forever/forever", "202/forever/forever", false },
		{ "0/forever/0", "0/forever/0", true },
		/* Not values of the kind: equal only as the same text. */
		{ "0/forever/forever", "preferred", false },
		{ "02/forever/forever", "2/forever/forever", false },
		{ "2/100/200", "2/100/200", true },
		{ "2/100/200", "2/100/199", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (netconf_addr_ops.same(t[i].a, t[i].b) != t[i].same)
			fail_msg("same(\"%s\", \"%s\") is not %d", t[i].a, t[i].b, t[i].same);
	assert_int_equal(step_sign(&netconf_addr_ops, "absent", "212/3600/1800"), '+');
	assert_int_equal(step_sign(&netconf_addr_ops, "present", "212/3600/1800"), '~');
	assert_int_equal(step_sign(&netconf_addr_ops, "212/3600/1800", "absent"), '-');
}

static void test_explain(void **state)
{
	static const struct {
		const char *target, *want, *now, *why;
	} t[] = {
		{ "192.0.2.1/32 dev lo", "present", "absent",
		  "VIP not on lo: the director's packets for it are dropped" },
		{ "2001:db8::1/128 dev tunl0", "present", "absent",
		  "VIP not on tunl0: the director's packets for it are dropped" },
		{ "2001:db8::1/128 dev lo", "present", "preferred",
		  "IPv6 VIP usable as source address: the RS may open connections from the VIP" },
		{ "192.0.2.1/32 dev lo", "absent", "present",
		  "address still on lo: the RS accepts traffic for it" },
	};
	struct step s;
	char buf[320];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		mkstep(&s, &netconf_addr_ops, t[i].target, t[i].want, t[i].now);
		netconf_addr_ops.explain(&s, buf, sizeof(buf));
		assert_string_equal(buf, t[i].why);
	}
}

/* ---- kernel: addresses one by one */

static void test_addr_v4(void **state)
{
	struct netconf *nc = *state;
	struct netconf_addr a;
	struct step s, *v[] = { &s };
	int res[1] = { 99 };

	NEED_KERNEL();
	mkstep(&s, &netconf_addr_ops, "192.0.2.1/32 dev lo", "present", NULL);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_WANT, res), 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "present");

	assert_true(find_addr(nc, "192.0.2.1/32 dev lo", &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(a.prefixlen, 32);
	assert_int_equal(a.valid, UINT32_MAX);
	/* Same address, other prefix length: another step, absent. */
	mkstep(&s, &netconf_addr_ops, "192.0.2.1/24 dev lo", "present", NULL);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");

	mkstep(&s, &netconf_addr_ops, "192.0.2.1/32 dev lo", "present", "present");
	assert_int_equal(STEP_SET(s.prior, "absent"), 0);
	res[0] = 99;
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	assert_false(find_addr(nc, "192.0.2.1/32 dev lo", &a));
}

static void test_addr_v6(void **state)
{
	struct netconf *nc = *state;
	const char *tg = "2001:db8::1/128 dev lo";
	struct netconf_addr a;
	struct step s, *v[] = { &s };
	int res[1];

	NEED_KERNEL();
	mkstep(&s, &netconf_addr_ops, tg, "present", NULL);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_WANT, res), 0);
	assert_int_equal(res[0], 0);
	assert_true(find_addr(nc, tg, &a));
	assert_true(a.flags & IFA_F_NODAD);
	assert_true(a.flags & IFA_F_DEPRECATED);
	assert_int_equal(a.preferred, 0);
	assert_int_equal(a.valid, UINT32_MAX);
	assert_int_equal(a.scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "present");

	/* present -> preferred: usable as a source again, NODAD gone */
	assert_int_equal(STEP_SET(s.prior, "preferred"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_int_equal(res[0], 0);
	assert_true(find_addr(nc, tg, &a));
	assert_false(a.flags & IFA_F_NODAD);
	assert_false(a.flags & IFA_F_DEPRECATED);
	assert_int_equal(a.preferred, UINT32_MAX);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "preferred");

	/* preferred -> present */
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_WANT, res), 0);
	assert_int_equal(res[0], 0);
	assert_true(find_addr(nc, tg, &a));
	assert_true(a.flags & IFA_F_NODAD);
	assert_true(a.flags & IFA_F_DEPRECATED);
	assert_int_equal(a.preferred, 0);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "present");

	/* present -> absent */
	assert_int_equal(STEP_SET(s.prior, "absent"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_int_equal(res[0], 0);
	assert_false(find_addr(nc, tg, &a));

	/* absent -> preferred, then preferred -> absent */
	assert_int_equal(STEP_SET(s.now, "absent"), 0);
	assert_int_equal(STEP_SET(s.prior, "preferred"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_true(find_addr(nc, tg, &a));
	assert_false(a.flags & IFA_F_DEPRECATED);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "preferred");
	assert_int_equal(STEP_SET(s.prior, "absent"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_false(find_addr(nc, tg, &a));
}

/* tg is on lo as "212/3600/1800" makes it: nodad home noprefixroute, not
 * deprecated, lifetimes counting down from 3600 and 1800 s. */
static void assert_whole_212(struct netconf *nc, const char *tg)
{
	struct netconf_addr a;

	assert_true(find_addr(nc, tg, &a));
	assert_int_equal(a.flags & (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_NOPREFIXROUTE |
				    IFA_F_DEPRECATED),
			 IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_NOPREFIXROUTE);
	assert_in_range(a.valid, 3590, 3600);
	assert_in_range(a.preferred, 1790, 1800);
}

/*
 * A pre-existing IPv6 address with flags and finite lifetimes is observed
 * whole; made the agent's VIP it keeps its own flags, and put back it gets
 * all of them and its lifetimes again, not a plain forever/forever address.
 */
static void test_addr_v6_whole(void **state)
{
	struct netconf *nc = *state;
	const char *tg = "2001:db8::7/128 dev lo";
	static const char *const bad[] = {
		"1/forever/forever",	/* not a flag RTM_NEWADDR takes */
		"2/0/0",		/* no valid lifetime */
		"2/100/200",		/* preferred past valid */
		"2/forever/x",
		"02/forever/forever",	/* one spelling */
		"0/forever/forever",	/* that is "preferred" */
		"2/1000000000/forever",
		"2/forever/",
	};
	struct netconf_addr a;
	struct step s, *v[] = { &s };
	int res[1];

	NEED_KERNEL();
	mkstep(&s, &netconf_addr_ops, tg, "present", "absent");
	/* nodad home noprefixroute, valid 3600 s, preferred 1800 s */
	assert_int_equal(STEP_SET(s.prior, "212/3600/1800"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_whole_212(nc, tg);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_true(netconf_addr_ops.same(s.now, "212/3600/1800"));
	assert_int_equal(s.now[0], '2');

	/* The agent's form: NODAD, deprecated, forever; its flags stay. */
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_WANT, res), 0);
	assert_true(find_addr(nc, tg, &a));
	assert_true(a.flags & IFA_F_DEPRECATED);
	assert_true(a.flags & IFA_F_HOMEADDRESS);
	assert_true(a.flags & IFA_F_NOPREFIXROUTE);
	assert_int_equal(a.preferred, 0);
	assert_int_equal(a.valid, UINT32_MAX);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "present");

	/* Back: exactly the address that was. */
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_whole_212(nc, tg);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_true(netconf_addr_ops.same(s.now, s.prior));

	/* Not DEPRECATED but no NODAD, forever: the plain one, "preferred". */
	assert_int_equal(STEP_SET(s.prior, "200/forever/forever"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "200/forever/forever");
	assert_true(find_addr(nc, tg, &a));
	assert_false(a.flags & (IFA_F_NODAD | IFA_F_HOMEADDRESS));

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(STEP_SET(s.prior, bad[i]), 0);
		res[0] = 0;
		assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), -EINVAL);
		assert_int_equal(res[0], -EINVAL);
	}
	/* IPv4 has no such value. */
	mkstep(&s, &netconf_addr_ops, "192.0.2.7/32 dev lo", "present", "absent");
	assert_int_equal(STEP_SET(s.prior, "2/forever/forever"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), -EINVAL);

	mkstep(&s, &netconf_addr_ops, tg, "present", "200/forever/forever");
	assert_int_equal(STEP_SET(s.prior, "absent"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_false(find_addr(nc, tg, &a));
}

static void test_addr_refusals(void **state)
{
	struct netconf *nc = *state;
	struct step s[6], *v[6];
	int res[6];

	NEED_KERNEL();
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		v[i] = &s[i];
	/* No such device: observed absent, not an error. */
	mkstep(&s[0], &netconf_addr_ops, "192.0.2.9/32 dev nosuch0", "present", NULL);
	assert_int_equal(netconf_addr_ops.observe(nc, v, 1), 0);
	assert_string_equal(s[0].now, "absent");

	mkstep(&s[0], &netconf_addr_ops, "192.0.2.9/32 dev nosuch0", "present", "absent");
	mkstep(&s[1], &netconf_addr_ops, "192.0.2.10/32 dev lo", "present", "absent");
	mkstep(&s[2], &netconf_addr_ops, "192.0.2.11/32 dev lo", "preferred", "absent");
	mkstep(&s[3], &netconf_addr_ops, "192.0.2.12/32 dev lo", "present", "bogus");
	mkstep(&s[4], &netconf_addr_ops, "2001:db8::10/128 dev lo", "present", "absent");
	mkstep(&s[5], &netconf_addr_ops, "2001:db8::10/128 dev lo x", "present", "absent");
	assert_int_equal(netconf_addr_ops.change(nc, v, 6, STEP_WANT, res), -ENODEV);
	assert_int_equal(res[0], -ENODEV);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], -EINVAL); /* IPv4 has no "preferred" */
	assert_int_equal(res[3], -EINVAL);
	assert_int_equal(res[4], 0);
	assert_int_equal(res[5], -EINVAL);
	/* The first failure's text, not the last one's. */
	assert_string_equal(netconf_error(nc), "RTM_NEWADDR 192.0.2.9/32 dev nosuch0");
	assert_int_equal(netconf_addr_ops.observe(nc, v, 5), 0);
	assert_string_equal(s[1].now, "present");
	assert_string_equal(s[2].now, "absent");
	assert_string_equal(s[4].now, "present");

	/*
	 * A stale ->now: the kernel refuses and says why; the agent must not
	 * take an EEXIST or EADDRNOTAVAIL for success.
	 */
	mkstep(&s[0], &netconf_addr_ops, "192.0.2.10/32 dev lo", "present", "absent");
	mkstep(&s[1], &netconf_addr_ops, "192.0.2.13/32 dev lo", "absent", "present");
	mkstep(&s[2], &netconf_addr_ops, "2001:db8::10/128 dev lo", "present", "absent");
	mkstep(&s[3], &netconf_addr_ops, "2001:db8::11/128 dev lo", "absent", "present");
	assert_int_equal(netconf_addr_ops.change(nc, v, 4, STEP_WANT, res), -EEXIST);
	assert_int_equal(res[0], -EEXIST);
	assert_int_equal(res[1], -EADDRNOTAVAIL);
	assert_int_equal(res[2], -EEXIST);
	assert_int_equal(res[3], -EADDRNOTAVAIL);
	/* The kernel's own words, not our description of the request. */
	assert_string_not_equal(netconf_error(nc), "");
	assert_string_not_equal(netconf_error(nc), "RTM_NEWADDR 192.0.2.10/32 dev lo");
	print_message("kernel said: %s\n", netconf_error(nc));

	/* A raw request the kernel refuses: a device index that does not exist. */
	{
		char buf[1024] __attribute__((aligned(4))) = { 0 };
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct ifaddrmsg *ifa;
		struct in_addr a4;

		nlh->nlmsg_type = RTM_NEWADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 32;
		ifa->ifa_index = 99999;
		inet_pton(AF_INET, "192.0.2.77", &a4);
		mnl_attr_put(nlh, IFA_LOCAL, sizeof(a4), &a4);
		assert_int_equal(netconf_talk(nc, nlh, "RTM_NEWADDR 192.0.2.77/32 ifindex 99999"),
				 -ENODEV);
		assert_string_not_equal(netconf_error(nc), "");
		assert_string_not_equal(netconf_error(nc),
					"RTM_NEWADDR 192.0.2.77/32 ifindex 99999");
		print_message("kernel said: %s\n", netconf_error(nc));
	}

	mkstep(&s[0], &netconf_addr_ops, "192.0.2.10/32 dev lo", "absent", "present");
	mkstep(&s[1], &netconf_addr_ops, "2001:db8::10/128 dev lo", "absent", "present");
	assert_int_equal(netconf_addr_ops.change(nc, v, 2, STEP_WANT, res), 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
}

/* Whether 192.0.2.0/24's address a is in a dump of every address. */
static bool in_dump(struct netconf *nc, const char *a)
{
	struct netconf_addr *v = NULL;
	struct in_addr want;
	size_t n;
	bool found = false;

	assert_int_equal(inet_pton(AF_INET, a, &want), 1);
	assert_int_equal(netconf_dump_addrs(nc, AF_UNSPEC, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		found |= v[i].family == AF_INET && memcmp(&v[i].addr, &want, 4) == 0;
	free(v);
	return found;
}

/* One look: inside a snapshot the dump of every address (and of the links)
 * is the first one's, again and again; after it, the kernel's. */
static void test_addr_snapshot(void **state)
{
	struct netconf *nc = *state;
	struct netconf_link *l1 = NULL, *l2 = NULL;
	size_t n1, n2;
	struct step s, *v = &s;
	int res;

	NEED_KERNEL();
	netconf_snapshot_begin(nc);
	assert_false(in_dump(nc, "192.0.2.30"));
	assert_int_equal(netconf_dump_links(nc, &l1, &n1), 0);
	mkstep(&s, &netconf_addr_ops, "192.0.2.30/32 dev lo", "present", "absent");
	assert_int_equal(netconf_addr_ops.change(nc, &v, 1, STEP_WANT, &res), 0);
	/* The copy is the first dump's: the new address is not in it, and
	 * a family's own dump is not kept. */
	assert_false(in_dump(nc, "192.0.2.30"));
	assert_true(find_addr(nc, "192.0.2.30/32 dev lo", &(struct netconf_addr){ 0 }));
	assert_int_equal(netconf_dump_links(nc, &l2, &n2), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(l1, l2, n1 * sizeof(*l1));
	assert_ptr_not_equal(l1, l2);
	free(l1);
	free(l2);
	netconf_snapshot_end(nc);
	assert_true(in_dump(nc, "192.0.2.30"));
	/* Ended twice, begun again: a new look. */
	netconf_snapshot_end(nc);
	netconf_snapshot_begin(nc);
	assert_true(in_dump(nc, "192.0.2.30"));
	netconf_snapshot_end(nc);
	mkstep(&s, &netconf_addr_ops, "192.0.2.30/32 dev lo", "absent", "present");
	assert_int_equal(netconf_addr_ops.change(nc, &v, 1, STEP_WANT, &res), 0);
	assert_false(in_dump(nc, "192.0.2.30"));
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_target_format),
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_addr_values),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_addr_v6_whole),
		cmocka_unit_test(test_addr_refusals),
		cmocka_unit_test(test_addr_snapshot),
	};

	return netconf_tests("netconf addr", pure, ARRAY_SIZE(pure), kernel, ARRAY_SIZE(kernel));
}
