// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the netconf/ unit tests share: step and target builders, the
 * fault switch, and a network namespace of the process's own. Each test
 * program calls netns_enter() first thing in main, before any socket
 * exists; without the privilege for it, the kernel tests are skipped and
 * say so.
 */
#ifndef LVS_TESTS_NETCONF_FIXTURE_H
#define LVS_TESTS_NETCONF_FIXTURE_H

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

#include "lib/macro.h"

/* The members every sysctl kind shares (arp/ and tunnel/ own the tables). */
_unused_ static const struct step_ops sysctl_kind = { NETCONF_SYSCTL_KIND };

_unused_ static bool kernel_ok;
_unused_ static int unshare_errno;

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

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sanitizers and valgrind slow everything down; the bound is for a bug. */
static inline double time_limit(double s)
{
	return RUNNING_ON_VALGRIND ? 30 * s : s;
}

static inline void fault_set(const char *n)
{
	if (n)
		setenv("LVS_RS_AGENT_FAULT", n, 1);
	else
		unsetenv("LVS_RS_AGENT_FAULT");
	netconf_fault_reset();
}

static inline void mkstep(struct step *s, const struct step_ops *ops, const char *target,
			  const char *want, const char *now)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	assert_int_equal(STEP_SET(s->target, target), 0);
	assert_int_equal(STEP_SET(s->want, want), 0);
	assert_int_equal(STEP_SET(s->now, now ? now : ""), 0);
}

/* Documentation addresses: 768 IPv4 in three /24s, IPv6 under 2001:db8:TAG:: */
static inline void v4_target(unsigned int k, char *buf, size_t len)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };

	assert_true(k < 768);
	snprintf(buf, len, "%s.%u/32 dev lo", nets[k / 256], k % 256);
}

static inline void v6_target(unsigned int tag, unsigned int k, char *buf, size_t len)
{
	snprintf(buf, len, "2001:db8:%x::%x:%x/128 dev lo", tag, (k + 1) >> 16,
		 (k + 1) & 0xffff);
}

/* Canonical targets: what inet_ntop makes of the text above. */
static inline void canon(char *target, size_t len)
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

static inline void steps_init(struct steps *st, size_t n)
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

static inline void steps_done(struct steps *st)
{
	free(st->s);
	free(st->v);
	free(st->res);
}

static inline size_t count_now(const struct steps *st, const char *value)
{
	size_t c = 0;

	for (size_t i = 0; i < st->n; i++)
		c += STREQ(st->s[i].now, value);
	return c;
}

/* Move every step of one kind to `to` from what observe says, as the agent does. */
static inline int settle(struct netconf *nc, const struct step_ops *ops, struct steps *st,
			 const char *to)
{
	struct step **todo = calloc(st->n, sizeof(*todo));
	int *res = calloc(st->n, sizeof(*res));
	size_t m = 0;
	int r;

	assert_non_null(todo);
	assert_non_null(res);
	assert_int_equal(ops->observe(nc, st->v, st->n), 0);
	for (size_t i = 0; i < st->n; i++) {
		assert_int_equal(STEP_SET(st->s[i].prior, to), 0);
		if (!STREQ(st->s[i].now, to))
			todo[m++] = &st->s[i];
	}
	r = m ? ops->change(nc, todo, m, STEP_PRIOR, res) : 0;
	free(todo);
	free(res);
	return r;
}

static inline int link_set_up(struct netconf *nc, int ifindex)
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

static inline int kernel_setup(void **state)
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

static inline int kernel_teardown(void **state)
{
	netconf_close(*state);
	return 0;
}

/* One case of a target's text: from family, addr, plen and dev into a buffer
 * of len bytes, the result ret and, when it is 0, the text. */
struct target_case {
	int family;
	const char *addr;
	unsigned char plen;
	const char *dev;
	size_t len;
	int ret;
	const char *text;
};

typedef int target_fn(int family, const void *addr, unsigned char prefixlen, const char *dev,
		      char *buf, size_t len);

static inline void check_targets(target_fn *fn, const struct target_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char a[16];
		char buf[96];

		assert_int_equal(inet_pton(t[i].family, t[i].addr, a), 1);
		if (fn(t[i].family, a, t[i].plen, t[i].dev, buf, t[i].len) != t[i].ret)
			fail_msg("case %zu: %s/%u dev %s", i, t[i].addr, t[i].plen, t[i].dev);
		if (t[i].text)
			assert_string_equal(buf, t[i].text);
	}
}

typedef int parse_fn(const char *target, int *family, void *addr, unsigned char *prefixlen,
		     char *dev);

/* Each good target parses and spells back the same; each bad one is refused
 * with -EINVAL, the outputs untouched. */
static inline void check_parses(parse_fn *parse, target_fn *spell, const char *const *good,
				size_t n_good, const char *const *bad, size_t n_bad)
{
	unsigned char a[16], plen;
	char dev[IF_NAMESIZE], buf[STEP_TARGET_MAX];
	int family;

	for (size_t i = 0; i < n_good; i++) {
		if (parse(good[i], &family, a, &plen, dev) != 0)
			fail_msg("refused good target \"%s\"", good[i]);
		assert_int_equal(spell(family, a, plen, dev, buf, sizeof(buf)), 0);
		assert_string_equal(buf, good[i]);
	}
	for (size_t i = 0; i < n_bad; i++) {
		family = 77;
		plen = 77;
		memcpy(dev, "unchanged", 10);
		if (parse(bad[i], &family, a, &plen, dev) != -EINVAL)
			fail_msg("accepted bad target \"%s\"", bad[i]);
		assert_int_equal(family, 77);
		assert_int_equal(plen, 77);
		assert_string_equal(dev, "unchanged");
	}
}

/*
 * A namespace of our own with only lo, up, so nothing here can touch the
 * host's network; the fault switch off. -1 when the tests cannot run.
 */
static inline int netns_enter(void)
{
	if (unshare(CLONE_NEWNET) == 0) {
		struct netconf *nc = NULL;

		kernel_ok = true;
		if (netconf_open(&nc) < 0 || link_set_up(nc, (int)if_nametoindex("lo")) < 0) {
			fprintf(stderr, "cannot bring lo up in the new namespace: %s\n",
				netconf_error(nc));
			netconf_close(nc);
			return -1;
		}
		netconf_close(nc);
	} else if (errno == EPERM) {
		unshare_errno = errno;
	} else {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	unsetenv("LVS_RS_AGENT_FAULT");
	unsetenv("LVS_RS_AGENT_DELAY_US");
	netconf_fault_reset();
	return 0;
}

/*
 * A test program's main: the namespace, then "NAME pure" (no kernel) and
 * "NAME kernel" (a handle each in *state); either may be empty. 0, or 1
 * when a test failed or the namespace could not be made.
 */
static inline int netconf_tests(const char *name, const struct CMUnitTest *pure, size_t n_pure,
				const struct CMUnitTest *kernel, size_t n_kernel)
{
	char group[64];
	int failed = 0;

	if (netns_enter() < 0)
		return 1;
	snprintf(group, sizeof(group), "%s pure", name);
	if (n_pure)
		failed += _cmocka_run_group_tests(group, pure, n_pure, NULL, NULL);
	snprintf(group, sizeof(group), "%s kernel", name);
	if (n_kernel)
		failed += _cmocka_run_group_tests(group, kernel, n_kernel, kernel_setup,
						  kernel_teardown);
	return failed ? 1 : 0;
}

#endif
