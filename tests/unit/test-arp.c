// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* unshare */
/*
 * arp/: the sysctl steps, the effective-value checks, and the nft kind's
 * transaction whose acks are lost, against a real kernel in a private
 * network namespace (unshare), never the host's.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <cmocka.h>

#include "arp/arp.h"
#include "netconf/netconf.h"
#include "netconf/nl.h"

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
		assert_ptr_equal(s[i].ops, &arp_sysctl_ops);
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
		struct netconf_host h;
		const struct check *c;

		set(nc, "all", "arp_ignore", rows[i].all_ignore);
		set(nc, "lo", "arp_ignore", rows[i].lo_ignore);
		set(nc, "all", "arp_announce", rows[i].all_announce);
		set(nc, "lo", "arp_announce", rows[i].lo_announce);
		assert_int_equal(netconf_host_load(nc, &h), 0);
		assert_int_equal(arp_check_sysctl(&h, rows[i].want_ignore,
						  rows[i].want_announce, devs, 1, NULL, 0,
						  &l), 0);
		netconf_host_done(&h);
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

/* A host made up: eth0 192.0.2.2/24 and 2001:db8:1::2/64, lo with a VIP,
 * eth1 NOARP with 203.0.113.1/24, eth2 with a point-to-point /32. */
static struct netconf_link host_links[] = {
	{ .ifindex = 1, .name = "lo", .flags = IFF_UP | IFF_LOOPBACK },
	{ .ifindex = 2, .name = "eth0", .flags = IFF_UP, .kind = "veth" },
	{ .ifindex = 3, .name = "eth1", .flags = IFF_UP | IFF_NOARP },
	{ .ifindex = 4, .name = "eth2", .flags = IFF_UP },
};
static struct netconf_addr host_addrs[8];
static struct netconf_host host = { host_links, 4, host_addrs, 0 };

static void host_addr(int ifindex, const char *text, unsigned char plen)
{
	struct netconf_addr *a = &host_addrs[host.n_addrs++];

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->prefixlen = plen;
	a->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a->family, text, &a->addr), 1);
}

static struct arp_vip avip(const char *text, unsigned char plen)
{
	struct arp_vip v = { .prefixlen = plen };

	assert_int_equal(inet_pton(AF_INET, text, &v.addr), 1);
	return v;
}

/* One line each: a VIP or prefix, the interface, exposed there. */
static const struct {
	const char *vip;
	unsigned char plen;
	int link; /* index into host_links */
	bool exposed;
} exposed_rows[] = {
	{ "192.0.2.100", 32, 1, true },    /* the seed's layout: VIP beside the RIP */
	{ "198.51.100.10", 32, 1, false }, /* another network: level 1 avoids it */
	{ "192.0.2.96", 28, 1, true },     /* an anyip prefix inside the subnet */
	{ "192.0.0.0", 16, 1, true },      /* one that covers the subnet */
	{ "192.0.2.100", 32, 0, false },   /* lo does no ARP */
	{ "203.0.113.7", 32, 2, false },   /* nor does a NOARP device */
	{ "198.51.100.9", 32, 3, false },  /* a /32 has no subnet */
};

static void test_announce_exposed(void **state)
{
	host.n_addrs = 0;
	host_addr(1, "127.0.0.1", 8);
	host_addr(1, "192.0.2.100", 32);
	host_addr(2, "192.0.2.2", 24);
	host_addr(2, "2001:db8:1::2", 64);
	host_addr(3, "203.0.113.1", 24);
	host_addr(4, "198.51.100.9", 32);
	for (size_t i = 0; i < ARRAY_SIZE(exposed_rows); i++) {
		struct arp_vip v = avip(exposed_rows[i].vip, exposed_rows[i].plen);
		const struct netconf_addr *a = NULL;
		const struct arp_vip *w = NULL;
		bool got = arp_announce_exposed(&host, &host_links[exposed_rows[i].link],
						&v, 1, &a, &w);

		if (got != exposed_rows[i].exposed)
			fail_msg("%s/%u on %s: expected %d", exposed_rows[i].vip,
				 exposed_rows[i].plen, host_links[exposed_rows[i].link].name,
				 exposed_rows[i].exposed);
		if (got) {
			assert_ptr_equal(w, &v);
			assert_ptr_equal(a, &host_addrs[2]); /* 192.0.2.2/24 */
		}
	}
}


/* ---- the nft kind when the kernel's acks are lost */

#define MANY 200

static void nft_step(struct step *s, const char *target, const char *want,
		     const char *now)
{
	memset(s, 0, sizeof(*s));
	s->ops = &arp_nft_ops;
	assert_int_equal(STEP_SET(s->target, target), 0);
	assert_int_equal(STEP_SET(s->want, want), 0);
	assert_int_equal(STEP_SET(s->now, now), 0);
}

/*
 * The receive buffer squeezed behind the layer's back: the kernel drops
 * most acks of a big transaction (ENOBUFS). Then the table tells what
 * happened: applied, and the change succeeds; or refused (an element that
 * is there already, its error ack lost with the others), and it fails
 * saying the acks were lost.
 */
static void test_nft_lost_acks(void **state)
{
	struct step s[MANY + 2], *v[MANY + 2];
	struct netconf *nc = NULL;
	int res[MANY + 2];
	char t[STEP_TARGET_MAX];
	struct nl *nf;
	int r;

	if (!have_netns)
		skip();
	assert_int_equal(netconf_open(&nc), 0);
	assert_int_equal(netconf_nl(nc, NETLINK_NETFILTER, &nf), 0);
	/* Believed big, made small. */
	assert_true(nl_set_buffers(nf, 1 << 20) > 0);
	assert_int_equal(nl_fault_squeeze_rcvbuf(nf, 1024), 0);

	/* The table, MANY VIPs, one rule: applied, the acks lost. */
	nft_step(&s[0], "arp lvs_rs_agent", "present", "absent");
	for (size_t i = 0; i < MANY; i++) {
		snprintf(t, sizeof(t), "arp lvs_rs_agent vip 198.51.100.%zu", i);
		nft_step(&s[1 + i], t, "present", "absent");
	}
	nft_step(&s[MANY + 1], "arp lvs_rs_agent output *", "192.0.2.9", "absent");
	for (size_t i = 0; i < MANY + 2; i++)
		v[i] = &s[i];
	if (arp_nft_ops.change(nc, v, MANY + 2, STEP_WANT, res) != 0)
		fail_msg("applied, acks lost: %s", netconf_error(nc));
	assert_non_null(strstr(nl_error(nf), "acknowledgements lost"));
	for (size_t i = 0; i < MANY + 2; i++)
		assert_int_equal(res[i], 0);
	assert_int_equal(arp_nft_ops.observe(nc, v, MANY + 2), 0);
	for (size_t i = 0; i < MANY + 2; i++)
		assert_string_equal(s[i].now, s[i].want);

	/* MANY new VIPs, then one that is there already (its step out of
	 * date): the kernel refuses the whole, and its answer is lost. */
	for (size_t i = 0; i < MANY; i++) {
		snprintf(t, sizeof(t), "arp lvs_rs_agent vip 203.0.113.%zu", i);
		nft_step(&s[i], t, "present", "absent");
	}
	nft_step(&s[MANY], "arp lvs_rs_agent vip 198.51.100.7", "present", "absent");
	r = arp_nft_ops.change(nc, v, MANY + 1, STEP_WANT, res);
	assert_int_equal(r, -ENOBUFS);
	for (size_t i = 0; i < MANY + 1; i++)
		assert_int_equal(res[i], r);
	assert_non_null(strstr(netconf_error(nc), "arp lvs_rs_agent: nf_tables transaction of"));
	assert_non_null(strstr(netconf_error(nc), "acknowledgements lost"));
	/* Nothing of it applied. */
	assert_int_equal(arp_nft_ops.observe(nc, v, MANY), 0);
	for (size_t i = 0; i < MANY; i++)
		assert_string_equal(s[i].now, "absent");
	netconf_close(nc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_effective),
		cmocka_unit_test(test_announce_exposed),
		cmocka_unit_test(test_nft_lost_acks),
	};

	/* A private namespace before any socket: the host's is never touched. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "test-arp: unshare(CLONE_NEWNET): %s: kernel tests skipped\n",
			strerror(errno));
	return cmocka_run_group_tests_name("arp", tests, NULL, NULL);
}
