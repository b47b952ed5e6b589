// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* unshare */
/*
 * arp/: the sysctl steps, and the effective-value checks against a real
 * kernel in a private network namespace (unshare), never the host's.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arp/arp.h"
#include "netconf/netconf.h"

static bool have_netns;

static void test_steps(void **state)
{
	struct step s[ARP_SYSCTL_STEPS];
	size_t n = arp_sysctl_steps(2, 1, s);

	assert_int_equal(n, 4);
	assert_string_equal(s[0].target, "net/ipv4/conf/all/arp_ignore");
	assert_string_equal(s[0].want, "2");
	assert_string_equal(s[1].target, "net/ipv4/conf/lo/arp_ignore");
	assert_string_equal(s[2].target, "net/ipv4/conf/all/arp_announce");
	assert_string_equal(s[2].want, "1");
	assert_string_equal(s[3].target, "net/ipv4/conf/lo/arp_announce");
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(s[i].ops, &netconf_sysctl_ops);
		assert_int_equal(s[i].order, STEP_ORDER_ARP);
	}
}

static void set(struct netconf *nc, const char *dev, const char *key, int v)
{
	char path[96], val[8];

	snprintf(path, sizeof(path), "net/ipv4/conf/%s/%s", dev, key);
	snprintf(val, sizeof(val), "%d", v);
	assert_int_equal(netconf_sysctl_write(nc, path, val), 0);
}

static const struct check *find(const struct checklist *l, const char *kind,
				const char *target)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].kind, kind) == 0 && strcmp(l->v[i].target, target) == 0)
			return &l->v[i];
	return NULL;
}

/* Effective = max(all, dev): each row sets all and lo, then checks lo. */
static const struct {
	int all_ignore, lo_ignore, want_ignore;
	int all_announce, lo_announce, want_announce;
	bool ignore_ok, announce_ok;
	const char *found_ignore, *detail_ignore;
} rows[] = {
	{ 0, 0, 1, 0, 0, 2, false, false, "0", "effective: max(all 0, lo 0)" },
	{ 1, 0, 1, 2, 0, 2, true, true, "1", "effective: max(all 1, lo 0)" },
	{ 0, 1, 1, 0, 2, 2, true, true, "1", "effective: max(all 0, lo 1)" },
	{ 2, 0, 1, 1, 0, 2, true, false, "2", "effective: max(all 2, lo 0)" },
	{ 1, 0, 2, 1, 0, 1, false, true, "1", "effective: max(all 1, lo 0)" },
	{ 8, 0, 1, 2, 2, 2, false, true, "8", "effective: max(all 8, lo 0)" },
};

static void test_effective(void **state)
{
	struct netconf *nc = NULL;
	const char *devs[] = { "lo" };

	if (!have_netns)
		skip();
	assert_int_equal(netconf_open(&nc), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct checklist l = { 0 };
		const struct check *c;

		set(nc, "all", "arp_ignore", rows[i].all_ignore);
		set(nc, "lo", "arp_ignore", rows[i].lo_ignore);
		set(nc, "all", "arp_announce", rows[i].all_announce);
		set(nc, "lo", "arp_announce", rows[i].lo_announce);
		assert_int_equal(arp_check_sysctl(nc, rows[i].want_ignore,
						  rows[i].want_announce, devs, 1, &l), 0);
		c = find(&l, "arp_ignore", "lo");
		assert_non_null(c);
		assert_int_equal(c->ok, rows[i].ignore_ok);
		assert_string_equal(c->found, rows[i].found_ignore);
		assert_string_equal(c->detail, rows[i].detail_ignore);
		if (!c->ok)
			assert_true(strlen(c->why) > 20);
		c = find(&l, "arp_announce", "lo");
		assert_non_null(c);
		assert_int_equal(c->ok, rows[i].announce_ok);
		if (!c->ok)
			assert_non_null(strstr(c->why, "sender"));
		checklist_done(&l);
	}
	netconf_close(nc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_effective),
	};

	/* A private namespace before any socket: the host's is never touched. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "test-arp: unshare(CLONE_NEWNET): %s: kernel tests skipped\n",
			strerror(errno));
	return cmocka_run_group_tests_name("arp", tests, NULL, NULL);
}
