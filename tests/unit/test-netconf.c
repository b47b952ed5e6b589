// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netconf/: target texts and sysctl paths without the kernel, then addresses,
 * batches, extack texts and sysctls against the real kernel, in a network
 * namespace of this process's own (unshare(CLONE_NEWNET) first thing in main,
 * before any socket exists). Without the privilege for that, the kernel tests
 * are skipped and say so.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "netconf/internal.h"
#include "netconf/netconf.h"

/* The members every sysctl kind shares (arp/ and tunnel/ own the tables). */
static const struct step_ops sysctl_kind = { NETCONF_SYSCTL_KIND };

static bool kernel_ok;
static int unshare_errno;

#define NEED_KERNEL()                                                          \
	do {                                                                   \
		if (!kernel_ok) {                                              \
			print_message("skipped: unshare(CLONE_NEWNET): %s: "   \
				      "the kernel tests need root\n",          \
				      strerror(unshare_errno));                \
			skip();                                                \
		}                                                              \
	} while (0)

/* ---- helpers */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sanitizers and valgrind slow everything down; the bound is for a bug. */
static double time_limit(double s)
{
	return RUNNING_ON_VALGRIND ? 30 * s : s;
}

static void fault_set(const char *n)
{
	if (n)
		setenv("LVS_RS_AGENT_FAULT", n, 1);
	else
		unsetenv("LVS_RS_AGENT_FAULT");
	netconf_fault_reset();
}

static void mkstep(struct step *s, const struct step_ops *ops,
		   const char *target, const char *want, const char *now)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	assert_int_equal(STEP_SET(s->target, target), 0);
	assert_int_equal(STEP_SET(s->want, want), 0);
	assert_int_equal(STEP_SET(s->now, now ? now : ""), 0);
}

/* Documentation addresses: 768 IPv4 in three /24s, IPv6 under 2001:db8:TAG:: */
static void v4_target(unsigned int k, char *buf, size_t len)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };

	assert_true(k < 768);
	snprintf(buf, len, "%s.%u/32 dev lo", nets[k / 256], k % 256);
}

static void v6_target(unsigned int tag, unsigned int k, char *buf, size_t len)
{
	snprintf(buf, len, "2001:db8:%x::%x:%x/128 dev lo", tag, (k + 1) >> 16,
		 (k + 1) & 0xffff);
}

/* Canonical targets: what inet_ntop makes of the text above. */
static void canon(char *target, size_t len)
{
	unsigned char a[16], plen;
	char dev[IF_NAMESIZE];
	int family;

	assert_int_equal(netconf_addr_parse_target(target, &family, a, &plen, dev), 0);
	assert_int_equal(netconf_addr_target(family, a, plen, dev, target, len), 0);
}

struct steps {
	struct step *s;
	struct step **v;
	int *res;
	size_t n;
};

static void steps_init(struct steps *st, size_t n)
{
	st->s = calloc(n, sizeof(*st->s));
	st->v = calloc(n, sizeof(*st->v));
	st->res = calloc(n, sizeof(*st->res));
	assert_non_null(st->s);
	assert_non_null(st->v);
	assert_non_null(st->res);
	for (size_t i = 0; i < n; i++)
		st->v[i] = &st->s[i];
	st->n = n;
}

static void steps_done(struct steps *st)
{
	free(st->s);
	free(st->v);
	free(st->res);
}

static size_t count_now(const struct steps *st, const char *value)
{
	size_t c = 0;

	for (size_t i = 0; i < st->n; i++)
		c += STREQ(st->s[i].now, value);
	return c;
}

/* Move every step to `to` from what observe says, as the agent does. */
static int settle(struct netconf *nc, struct steps *st, const char *to)
{
	struct step **todo = calloc(st->n, sizeof(*todo));
	int *res = calloc(st->n, sizeof(*res));
	size_t m = 0;
	int r;

	assert_non_null(todo);
	assert_non_null(res);
	assert_int_equal(netconf_addr_ops.observe(nc, st->v, st->n), 0);
	for (size_t i = 0; i < st->n; i++) {
		assert_int_equal(STEP_SET(st->s[i].prior, to), 0);
		if (!STREQ(st->s[i].now, to))
			todo[m++] = &st->s[i];
	}
	r = m ? netconf_addr_ops.change(nc, todo, m, STEP_PRIOR, res) : 0;
	free(todo);
	free(res);
	return r;
}

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

static int link_set_up(struct netconf *nc, int ifindex)
{
	/* Zeroed: libmnl leaves the padding after a string attribute as is. */
	char buf[1024] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return netconf_talk(nc, nlh, "RTM_NEWLINK up");
}

static int veth_add(struct netconf *nc, const char *name, const char *peer)
{
	/* Zeroed: libmnl leaves the padding after a string attribute as is. */
	char buf[1024] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	(void)ifi;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, peerinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return netconf_talk(nc, nlh, "RTM_NEWLINK veth");
}

/* ---- pure: target texts */

static void test_target_format(void **state)
{
	static const struct {
		int family;
		const char *addr;
		unsigned char plen;
		const char *dev;
		size_t len;
		int ret;
		const char *text;
	} t[] = {
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

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		unsigned char a[16];
		char buf[96];

		assert_int_equal(inet_pton(t[i].family, t[i].addr, a), 1);
		assert_int_equal(netconf_addr_target(t[i].family, a, t[i].plen,
						     t[i].dev, buf, t[i].len),
				 t[i].ret);
		if (t[i].text)
			assert_string_equal(buf, t[i].text);
	}
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

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(netconf_addr_parse_target(good[i], &family, a,
							   &plen, dev), 0);
		assert_int_equal(netconf_addr_target(family, a, plen, dev, buf,
						     sizeof(buf)), 0);
		assert_string_equal(buf, good[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Outputs stay untouched on failure. */
		family = 77;
		plen = 77;
		memcpy(dev, "unchanged", 10);
		if (netconf_addr_parse_target(bad[i], &family, a, &plen, dev) != -EINVAL)
			fail_msg("accepted bad target \"%s\"", bad[i]);
		assert_int_equal(family, 77);
		assert_int_equal(plen, 77);
		assert_string_equal(dev, "unchanged");
	}
	/* Other spellings of an address parse to the canonical target. */
	assert_int_equal(netconf_addr_parse_target("2001:DB8:0:0::1/128 dev lo",
						   &family, a, &plen, dev), 0);
	assert_int_equal(family, AF_INET6);
	assert_int_equal(plen, 128);
	assert_string_equal(dev, "lo");
	assert_int_equal(netconf_addr_target(family, a, plen, dev, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::1/128 dev lo");
}

static void test_route_target(void **state)
{
	static const struct {
		int family;
		const char *addr;
		unsigned char plen;
		const char *dev;
		size_t len;
		int ret;
		const char *text;
	} t[] = {
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

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		unsigned char a[16];
		char buf[96];

		assert_int_equal(inet_pton(t[i].family, t[i].addr, a), 1);
		if (netconf_route_target(t[i].family, a, t[i].plen, t[i].dev, buf,
					 t[i].len) != t[i].ret)
			fail_msg("case %zu: %s/%u dev %s", i, t[i].addr, t[i].plen,
				 t[i].dev);
		if (t[i].text)
			assert_string_equal(buf, t[i].text);
	}
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
	char dev[IF_NAMESIZE], buf[STEP_TARGET_MAX];
	int family;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (netconf_route_parse_target(good[i], &family, a, &plen, dev) != 0)
			fail_msg("refused good target \"%s\"", good[i]);
		assert_int_equal(netconf_route_target(family, a, plen, dev, buf,
						      sizeof(buf)), 0);
		assert_string_equal(buf, good[i]);
	}
	assert_int_equal(netconf_route_parse_target(good[0], &family, a, &plen, dev), 0);
	assert_int_equal(family, AF_INET);
	assert_int_equal(plen, 24);
	assert_string_equal(dev, "lo");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Outputs stay untouched on failure. */
		family = 77;
		plen = 77;
		memcpy(dev, "unchanged", 10);
		if (netconf_route_parse_target(bad[i], &family, a, &plen, dev) != -EINVAL)
			fail_msg("accepted bad target \"%s\"", bad[i]);
		assert_int_equal(family, 77);
		assert_int_equal(plen, 77);
		assert_string_equal(dev, "unchanged");
	}
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

/* ---- pure: sysctl texts and paths */

static void test_sysctl_display(void **state)
{
	static const struct {
		const char *path;
		size_t len;
		const char *text;
	} t[] = {
		{ "net/ipv4/conf/all/arp_ignore", 64, "net.ipv4.conf.all.arp_ignore" },
		{ "net/ipv4/conf/eth0.100/rp_filter", 64, "net.ipv4.conf.eth0.100.rp_filter" },
		{ "kernel", 64, "kernel" },
		{ "", 64, "" },
		{ "net/ipv4", 5, "net." },
		{ "net/ipv4", 1, "" },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		netconf_sysctl_display(t[i].path, buf, t[i].len);
		assert_string_equal(buf, t[i].text);
	}
	buf[0] = 'x';
	netconf_sysctl_display("net/ipv4", buf, 0);
	assert_int_equal(buf[0], 'x');
}

static void test_sysctl_bad_paths(void **state)
{
	static const char *const bad[] = {
		"",
		"/proc/sys/net/ipv4/conf/lo/arp_ignore",
		"../../etc/passwd",
		"net/ipv4/../../../etc/passwd",
		"net/ipv4/conf/lo/arp ignore",
		"net/ipv4/conf/lo/arp_ignore\n",
		"net/ipv4/conf/./arp_ignore",
		"net/ipv4/conf//arp_ignore",
		"net/ipv4/conf/lo/",
		"net/ipv4/conf/l\to/arp_ignore",
	};
	/* Names an interface can have: no such file, but not refused. */
	static const char *const odd[] = {
		"net/ipv4/conf/q\"x\\y/arp_ignore",
		"net/ipv4/conf/l*/arp_ignore",
		"net/ipv4/conf/a..b/arp_ignore",
	};
	char buf[64];
	int v;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(netconf_sysctl_write(NULL, bad[i], "1"), -EINVAL);
		assert_int_equal(netconf_sysctl_read(bad[i], buf, sizeof(buf)), -EINVAL);
		assert_int_equal(netconf_sysctl_read_int(bad[i], &v), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		assert_int_equal(netconf_sysctl_read(odd[i], buf, sizeof(buf)), -ENOENT);
	assert_int_equal(netconf_sysctl_write(NULL, NULL, "1"), -EINVAL);
	/* Nothing outside /proc/sys/net is written (read, it may be). */
	assert_int_equal(netconf_sysctl_write(NULL, "kernel/hostname", "x"), -EINVAL);
	assert_int_equal(netconf_sysctl_write(NULL, "netx/a", "1"), -EINVAL);
	assert_int_equal(netconf_sysctl_read("kernel/ostype", buf, sizeof(buf)), 0);
	/* Values: one non-empty line. Checked before any file is opened. */
	assert_int_equal(netconf_sysctl_write(NULL, "net/ipv4/conf/lo/arp_ignore", ""),
			 -EINVAL);
	assert_int_equal(netconf_sysctl_write(NULL, "net/ipv4/conf/lo/arp_ignore", "1\n2"),
			 -EINVAL);
	assert_int_equal(netconf_sysctl_read("net/ipv4/conf/nonexistent0/arp_ignore",
					     buf, sizeof(buf)), -ENOENT);
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

/* ---- fault switch (no kernel change: fault points only) */

static void test_fault_point(void **state)
{
	struct netconf *nc = NULL;
	double t0;

	assert_int_equal(netconf_open(&nc), 0);
	fault_set("3");
	for (int i = 1; i <= 5; i++) {
		int r = netconf_fault_point(nc);

		assert_int_equal(r, i == 3 ? -EIO : 0);
		if (i == 3)
			assert_string_equal(netconf_error(nc),
					    "injected fault at kernel change 3");
	}
	/* Garbage and 0 mean no fault. */
	fault_set("3x");
	for (int i = 1; i <= 5; i++)
		assert_int_equal(netconf_fault_point(nc), 0);
	fault_set("0");
	assert_int_equal(netconf_fault_point(nc), 0);
	/* Read once: a later change of the environment does not count. */
	fault_set(NULL);
	assert_int_equal(netconf_fault_point(nc), 0);
	setenv("LVS_RS_AGENT_FAULT", "2", 1);
	assert_int_equal(netconf_fault_point(nc), 0);
	fault_set(NULL);

	setenv("LVS_RS_AGENT_DELAY_US", "20000", 1);
	netconf_fault_reset();
	t0 = now_s();
	for (int i = 0; i < 3; i++)
		assert_int_equal(netconf_fault_point(nc), 0);
	assert_true(now_s() - t0 >= 0.06);
	unsetenv("LVS_RS_AGENT_DELAY_US");
	netconf_fault_reset();

	assert_null(netconf_close(nc));
	assert_null(netconf_close(NULL));
	assert_string_equal(netconf_error(NULL), "");
}

/* ---- kernel: links */

static int kernel_setup(void **state)
{
	struct netconf *nc = NULL;

	*state = NULL;
	if (!kernel_ok)
		return 0;
	if (netconf_open(&nc) < 0)
		return -1;
	*state = nc;
	return 0;
}

static int kernel_teardown(void **state)
{
	netconf_close(*state);
	return 0;
}

static void test_dump_links(void **state)
{
	struct netconf *nc = *state;
	struct netconf_link *v = NULL;
	size_t n;
	bool lo = false, v0 = false, v1 = false;

	NEED_KERNEL();
	assert_int_equal(veth_add(nc, "lvst-v0", "lvst-v1"), 0);
	assert_int_equal(netconf_dump_links(nc, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (STREQ(v[i].name, "lo")) {
			lo = true;
			assert_int_equal(v[i].ifindex, (int)if_nametoindex("lo"));
			assert_true(v[i].flags & IFF_UP);
			assert_true(v[i].flags & IFF_LOOPBACK);
			assert_string_equal(v[i].kind, "");
		} else if (STREQ(v[i].name, "lvst-v0")) {
			v0 = true;
			assert_string_equal(v[i].kind, "veth");
			assert_false(v[i].flags & IFF_UP);
		} else if (STREQ(v[i].name, "lvst-v1")) {
			v1 = true;
			assert_string_equal(v[i].kind, "veth");
		}
	}
	free(v);
	assert_true(lo && v0 && v1);
	/*
	 * A second one of the same name: refused; this kernel gives no text
	 * for it, so the error names the request.
	 */
	assert_int_equal(veth_add(nc, "lvst-v0", "lvst-v2"), -EEXIST);
	assert_string_not_equal(netconf_error(nc), "");
	print_message("error text: %s\n", netconf_error(nc));
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

/* ---- kernel: batches */

/*
 * 2,000 steps, IPv4 and IPv6, in a handful of sendmsg calls: one step faulted
 * (never sent), one refused by the kernel in the middle of a batch, and all
 * the others done; res[] says exactly which.
 */
static void test_addr_batch(void **state)
{
	struct netconf *nc = *state;
	const size_t n = 2000, faulted = 1500, refused = 500;
	struct steps st;
	struct step pre, *pv[] = { &pre };
	int pres[1];
	double t0;

	NEED_KERNEL();
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX];

		if (i < 768)
			v4_target((unsigned int)i, t, sizeof(t));
		else
			v6_target(0xb, (unsigned int)i, t, sizeof(t));
		canon(t, sizeof(t));
		mkstep(&st.s[i], &netconf_addr_ops, t, "present", NULL);
	}
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	/* Someone else adds one behind our back after observe. */
	pre = st.s[refused];
	assert_int_equal(netconf_addr_ops.change(nc, pv, 1, STEP_WANT, pres), 0);

	/* The faulted step is the 1501st change of the call. */
	fault_set("1501");
	t0 = now_s();
	assert_int_equal(netconf_addr_ops.change(nc, st.v, n, STEP_WANT, st.res),
			 -EEXIST);
	print_message("2000 addresses in %.3f s\n", now_s() - t0);
	fault_set(NULL);
	for (size_t i = 0; i < n; i++) {
		int want = i == faulted ? -EIO : i == refused ? -EEXIST : 0;

		if (st.res[i] != want)
			fail_msg("res[%zu] = %d, expected %d (%s)", i, st.res[i],
				 want, st.s[i].target);
	}
	/* Step 500 failed first: its text, not the fault's. */
	assert_string_not_equal(netconf_error(nc), "injected fault at kernel change 1501");
	assert_string_not_equal(netconf_error(nc), "");

	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "present"), n - 1);
	assert_string_equal(st.s[faulted].now, "absent");

	/* A fault in a batch of deletions: the 3rd message is not sent. */
	fault_set("3");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(STEP_SET(st.s[i].prior, "absent"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, st.v, faulted, STEP_PRIOR, st.res),
			 -EIO);
	fault_set(NULL);
	for (size_t i = 0; i < faulted; i++)
		assert_int_equal(st.res[i], i == 2 ? -EIO : 0);
	assert_string_equal(netconf_error(nc), "injected fault at kernel change 3");

	assert_int_equal(settle(nc, &st, "absent"), 0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	steps_done(&st);
}

/*
 * The receive buffer squeezed to its minimum behind the batching's back: the
 * kernel drops most acks (ENOBUFS). Every step must still come out right,
 * from a fresh dump, and none may be reported done that was not.
 */
static void test_addr_lost_acks(void **state)
{
	struct netconf *nc = NULL;
	const size_t n = 300, faulted = 150;
	struct steps st;

	NEED_KERNEL();
	assert_int_equal(netconf_open(&nc), 0);
	assert_int_equal(netconf_fault_squeeze_rcvbuf(nc, 1), 0);
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX];

		v6_target(0xc, (unsigned int)i, t, sizeof(t));
		canon(t, sizeof(t));
		mkstep(&st.s[i], &netconf_addr_ops, t, "present", "absent");
	}
	fault_set("151");
	assert_int_equal(netconf_addr_ops.change(nc, st.v, n, STEP_WANT, st.res), -EIO);
	fault_set(NULL);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(st.res[i], i == faulted ? -EIO : 0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "present"), n - 1);
	assert_string_equal(st.s[faulted].now, "absent");

	assert_int_equal(settle(nc, &st, "absent"), 0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	steps_done(&st);
	netconf_close(nc);
}

/*
 * Observe 10,000 steps against a table of thousands of addresses: one dump,
 * sorted lookups, milliseconds. The kernel itself is slow to add and above
 * all to remove many IPv6 addresses (each deletion walks every route), so by
 * default 768 IPv4 and 2,000 IPv6 of the steps are real VIPs;
 * LVS_TEST_VIPS=10000 makes them all real (about 30 s here).
 */
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

/* Move every route step to `to`, as settle() does for addresses. */
static int settle_routes(struct netconf *nc, struct steps *st, const char *to)
{
	struct step **todo = calloc(st->n, sizeof(*todo));
	int *res = calloc(st->n, sizeof(*res));
	size_t m = 0;
	int r;

	assert_non_null(todo);
	assert_non_null(res);
	assert_int_equal(netconf_route_ops.observe(nc, st->v, st->n), 0);
	for (size_t i = 0; i < st->n; i++) {
		assert_int_equal(STEP_SET(st->s[i].prior, to), 0);
		if (!STREQ(st->s[i].now, to))
			todo[m++] = &st->s[i];
	}
	r = m ? netconf_route_ops.change(nc, todo, m, STEP_PRIOR, res) : 0;
	free(todo);
	free(res);
	return r;
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
	assert_int_equal(settle_routes(nc, &st, "absent"), 0);

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
	assert_int_equal(settle_routes(tight, &st, "absent"), 0);
	assert_int_equal(netconf_route_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	netconf_close(tight);
	steps_done(&st);
}

static void test_addr_many(void **state)
{
	struct netconf *nc = *state;
	const size_t n = 10000;
	const char *env = getenv("LVS_TEST_VIPS");
	size_t real = env ? strtoul(env, NULL, 10) : 2768;
	struct steps st, sub;
	double t0, dt;

	NEED_KERNEL();
	if (real > n)
		real = n;
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX];

		if (real < n && i < 768)
			v4_target((unsigned int)i, t, sizeof(t));
		else
			v6_target(0xd, (unsigned int)i, t, sizeof(t));
		canon(t, sizeof(t));
		mkstep(&st.s[i], &netconf_addr_ops, t, "present", NULL);
	}
	t0 = now_s();
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	dt = now_s() - t0;
	print_message("observe %zu steps, all absent: %.3f s\n", n, dt);
	assert_true(dt < time_limit(1.0));
	assert_int_equal(count_now(&st, "absent"), n);

	/* The first `real` steps become VIPs, in one change (many batches). */
	sub = st;
	sub.n = real;
	t0 = now_s();
	assert_int_equal(netconf_addr_ops.change(nc, sub.v, real, STEP_WANT, sub.res), 0);
	print_message("add %zu: %.3f s\n", real, now_s() - t0);
	for (size_t i = 0; i < real; i++)
		assert_int_equal(sub.res[i], 0);

	t0 = now_s();
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	dt = now_s() - t0;
	print_message("observe %zu steps, %zu present: %.3f s\n", n, real, dt);
	assert_true(dt < time_limit(1.0));
	assert_int_equal(count_now(&st, "present"), real);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(st.s[i].now, i < real ? "present" : "absent");

	t0 = now_s();
	assert_int_equal(settle(nc, &sub, "absent"), 0);
	print_message("observe + delete %zu: %.3f s\n", real, now_s() - t0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	steps_done(&st);
}

/* ---- kernel: sysctls of this namespace */

static void test_sysctl(void **state)
{
	struct netconf *nc = *state;
	const char *path = "net/ipv4/conf/lo/arp_ignore";
	char self[64] = "", init[64] = "", buf[64];
	struct step s[3], *v[3] = { &s[0], &s[1], &s[2] };
	int res[3], old, val;

	NEED_KERNEL();
	/* Belt and braces: never write a sysctl of the host's namespace. */
	assert_true(readlink("/proc/self/ns/net", self, sizeof(self) - 1) > 0);
	if (readlink("/proc/1/ns/net", init, sizeof(init) - 1) > 0 && STREQ(self, init))
		fail_msg("still in the host's network namespace");

	assert_int_equal(netconf_sysctl_read_int(path, &old), 0);
	assert_int_equal(netconf_sysctl_read(path, buf, sizeof(buf)), 0);
	assert_null(strchr(buf, '\n'));
	assert_int_equal(netconf_sysctl_read(path, buf, 1), -EOVERFLOW);
	/* Several fields on one line (a tab inside): read as one value. */
	assert_int_equal(netconf_sysctl_read("net/ipv4/ip_local_port_range", buf,
					     sizeof(buf)), 0);
	assert_non_null(strchr(buf, '\t'));

	mkstep(&s[0], &sysctl_kind, path, old == 2 ? "1" : "2", NULL);
	mkstep(&s[1], &sysctl_kind, "net/ipv4/conf/lo/arp_announce", "2", NULL);
	mkstep(&s[2], &sysctl_kind, "net/ipv4/conf/nosuch0/arp_ignore", "1", NULL);
	assert_int_equal(sysctl_kind.observe(nc, v, 3), 0);
	snprintf(buf, sizeof(buf), "%d", old);
	assert_string_equal(s[0].now, buf);
	assert_string_equal(s[2].now, "missing");
	assert_int_equal(STEP_SET(s[0].was, s[0].now), 0);
	assert_int_equal(STEP_SET(s[1].was, s[1].now), 0);

	assert_int_equal(sysctl_kind.change(nc, v, 3, STEP_WANT, res), -ENOENT);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], -ENOENT);
	assert_string_equal(netconf_error(nc),
			    "write \"1\" to /proc/sys/net/ipv4/conf/nosuch0/arp_ignore");
	assert_int_equal(netconf_sysctl_read_int(path, &val), 0);
	assert_int_equal(val, old == 2 ? 1 : 2);
	assert_int_equal(netconf_sysctl_read_int("net/ipv4/conf/lo/arp_announce", &val), 0);
	assert_int_equal(val, 2);

	/* The kernel refuses a value: its errno, our text. */
	assert_int_equal(netconf_sysctl_write(nc, path, "abc"), -EINVAL);
	assert_string_equal(netconf_error(nc),
			    "write \"abc\" to /proc/sys/net/ipv4/conf/lo/arp_ignore");
	assert_int_equal(netconf_sysctl_write(nc, "net/ipv4/conf/nosuch0/arp_ignore", "1"),
			 -ENOENT);

	/* Back to the start, the second write faulted: the first still done. */
	fault_set("2");
	assert_int_equal(sysctl_kind.change(nc, v, 2, STEP_WAS, res), -EIO);
	fault_set(NULL);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], -EIO);
	assert_string_equal(netconf_error(nc), "injected fault at kernel change 2");
	assert_int_equal(netconf_sysctl_read_int(path, &val), 0);
	assert_int_equal(val, old);
	assert_int_equal(sysctl_kind.change(nc, v + 1, 1, STEP_WAS, res), 0);
	assert_int_equal(sysctl_kind.observe(nc, v, 2), 0);
	assert_string_equal(s[1].now, s[1].was);

	/* "missing" cannot be written. */
	assert_int_equal(STEP_SET(s[0].prior, "missing"), 0);
	assert_int_equal(sysctl_kind.change(nc, v, 1, STEP_PRIOR, res), -EINVAL);
	assert_int_equal(res[0], -EINVAL);
}

/* ---- a run's targets, parsed once */

static int parses;

static int counting_parse(const char *target, struct nc_target *t)
{
	parses++;
	memset(t, 0, sizeof(*t));
	return netconf_addr_parse_target(target, &t->family, &t->addr, &t->prefixlen, t->dev);
}

static void test_run_targets(void **state)
{
	static const char *const targets[] = {
		"192.0.2.1/32 dev lo", "2001:db8::1/128 dev lo", "192.0.2.2/32 dev tunl0",
	};
	struct step v[3] = { 0 }, far = { 0 };
	struct netconf *nc = NULL;
	struct nc_target t;
	char text[STEP_TARGET_MAX];

	for (size_t i = 0; i < 3; i++)
		assert_int_equal(STEP_SET(v[i].target, targets[i]), 0);
	assert_int_equal(STEP_SET(far.target, "198.51.100.1/32 dev lo"), 0);
	assert_int_equal(netconf_open(&nc), 0);
	/* Outside a run: each walk parses. */
	parses = 0;
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[0], counting_parse, &t), 0);
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[0], counting_parse, &t), 0);
	assert_int_equal(parses, 2);
	/* In one: once per step, whatever the order and the walks; the
	 * same values as parsed. */
	netconf_run_begin(nc);
	parses = 0;
	for (int walk = 0; walk < 3; walk++)
		for (size_t k = 0; k < 3; k++) {
			size_t i = walk == 1 ? 2 - k : k;

			assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[i], counting_parse, &t), 0);
			assert_int_equal(netconf_addr_target(t.family, &t.addr, t.prefixlen, t.dev,
							     text, sizeof(text)), 0);
			assert_string_equal(text, targets[i]);
		}
	assert_int_equal(parses, 3);
	/* A kind of its own: its parses are its own. */
	assert_int_equal(nc_target(nc, NC_PARSED_ROUTE, &v[0], counting_parse, &t), 0);
	assert_int_equal(parses, 4);
	/* A step of another list, anywhere: right, kept or not. */
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &far, counting_parse, &t), 0);
	assert_int_equal(netconf_addr_target(t.family, &t.addr, t.prefixlen, t.dev, text,
					     sizeof(text)), 0);
	assert_string_equal(text, "198.51.100.1/32 dev lo");
	/* A bad target is not kept. */
	assert_int_equal(STEP_SET(v[1].target, "nonsense"), 0);
	netconf_run_end(nc);
	netconf_run_begin(nc);
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[1], counting_parse, &t), -EINVAL);
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[1], counting_parse, &t), -EINVAL);
	/* The end forgets: a step that changed is parsed as it is now. */
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[0], counting_parse, &t), 0);
	netconf_run_end(nc);
	assert_int_equal(STEP_SET(v[0].target, "192.0.2.9/32 dev lo"), 0);
	parses = 0;
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[0], counting_parse, &t), 0);
	assert_int_equal(parses, 1);
	assert_int_equal(netconf_addr_target(t.family, &t.addr, t.prefixlen, t.dev, text,
					     sizeof(text)), 0);
	assert_string_equal(text, "192.0.2.9/32 dev lo");
	/* A run begun again forgets the one before. */
	netconf_run_begin(nc);
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[0], counting_parse, &t), 0);
	netconf_run_begin(nc);
	assert_int_equal(nc_target(nc, NC_PARSED_ADDR, &v[0], counting_parse, &t), 0);
	assert_int_equal(parses, 3);
	netconf_run_end(nc);
	netconf_close(nc);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_run_targets),
		cmocka_unit_test(test_target_format),
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_sysctl_display),
		cmocka_unit_test(test_sysctl_bad_paths),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_addr_values),
		cmocka_unit_test(test_route_target),
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_prefix_contains),
		cmocka_unit_test(test_prefix_text),
		cmocka_unit_test(test_route_sign_explain),
		cmocka_unit_test(test_fault_point),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_dump_links),
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_addr_v6_whole),
		cmocka_unit_test(test_addr_refusals),
		cmocka_unit_test(test_addr_batch),
		cmocka_unit_test(test_addr_lost_acks),
		cmocka_unit_test(test_addr_many),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_route_batch),
		cmocka_unit_test(test_sysctl),
	};
	int failed;

	/*
	 * First of all, before any socket exists: a namespace of our own with
	 * only lo, so nothing here can touch the host's network.
	 */
	if (unshare(CLONE_NEWNET) == 0) {
		struct netconf *nc = NULL;

		kernel_ok = true;
		if (netconf_open(&nc) < 0 || link_set_up(nc, (int)if_nametoindex("lo")) < 0) {
			fprintf(stderr, "cannot bring lo up in the new namespace: %s\n",
				netconf_error(nc));
			netconf_close(nc);
			return 1;
		}
		netconf_close(nc);
	} else if (errno == EPERM) {
		unshare_errno = errno;
	} else {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	unsetenv("LVS_RS_AGENT_FAULT");
	unsetenv("LVS_RS_AGENT_DELAY_US");
	netconf_fault_reset();

	failed = cmocka_run_group_tests_name("netconf pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("netconf kernel", kernel, kernel_setup,
					      kernel_teardown);
	return failed ? 1 : 0;
}
