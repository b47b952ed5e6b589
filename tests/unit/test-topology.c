// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent/topology.c: the config against a made-up host's links and
 * addresses, one table row per case: what apply refuses (FILE:LINE of the
 * key) and what verify checks. No kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/topology.h"
#include "lib/steplist.h"
#include "conf/conf.h"
#include "netconf/netconf.h"

/*
 * lo 127.0.0.1/8 ::1 203.0.113.5/32 (a VIP of an earlier apply), eth0 (veth)
 * 192.0.2.2/24 2001:db8:1::2/64, eth1 (NOARP, no address), tunl0 (ipip),
 * ip6tnl0 (ip6tnl), sit1 (sit), br0 (bridge) 198.51.100.1/24.
 */
static struct netconf_link links[] = {
	{ .ifindex = 1, .name = "lo", .flags = IFF_UP | IFF_LOOPBACK },
	{ .ifindex = 2, .name = "eth0", .flags = IFF_UP, .kind = "veth" },
	{ .ifindex = 3, .name = "eth1", .flags = IFF_UP | IFF_NOARP },
	{ .ifindex = 4, .name = "tunl0", .flags = IFF_NOARP, .kind = "ipip" },
	{ .ifindex = 5, .name = "ip6tnl0", .flags = IFF_NOARP, .kind = "ip6tnl" },
	{ .ifindex = 6, .name = "sit1", .flags = IFF_NOARP, .kind = "sit" },
	{ .ifindex = 7, .name = "br0", .flags = IFF_UP, .kind = "bridge" },
};
static const struct {
	int ifindex;
	const char *addr;
	unsigned char plen;
} addr_rows[] = {
	{ 1, "127.0.0.1", 8 },       { 1, "::1", 128 },
	{ 1, "203.0.113.5", 32 },    { 2, "192.0.2.2", 24 },
	{ 2, "2001:db8:1::2", 64 },  { 7, "198.51.100.1", 24 },
};
static struct netconf_addr addrs[ARRAY_SIZE(addr_rows)];
static struct netconf_host host = { links, ARRAY_SIZE(links), addrs, ARRAY_SIZE(addrs) };

static int setup(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(addr_rows); i++) {
		addrs[i].ifindex = addr_rows[i].ifindex;
		addrs[i].prefixlen = addr_rows[i].plen;
		addrs[i].family = strchr(addr_rows[i].addr, ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(addrs[i].family, addr_rows[i].addr, &addrs[i].addr), 1);
	}
	return 0;
}

/* Each finding as one line: "FILE:LINE KIND TARGET FOUND" for apply,
 * "ok|FAIL KIND TARGET FOUND" for verify. */
struct collected {
	bool verify;
	char out[2048];
};

static int collect(const struct topo_finding *f, void *data)
{
	struct collected *x = data;
	size_t o = strlen(x->out);

	/* apply hands on only refusals */
	assert_true(x->verify || !f->ok);
	if (x->verify)
		snprintf(x->out + o, sizeof(x->out) - o, "%s %s %s %s\n",
			 f->ok ? "ok" : "FAIL", f->kind, f->target, f->found);
	else
		snprintf(x->out + o, sizeof(x->out) - o, "%s:%d %s %s %s\n", f->file,
			 f->line, f->kind, f->target, f->found);
	/* Every failing finding says why, and names the key to change. */
	assert_true(f->ok || strlen(f->why) > 40);
	assert_non_null(f->key);
	return 0;
}

static const struct {
	const char *conf;
	const char *apply;  /* the refusals */
	const char *verify; /* the checks */
} cases[] = {
	/* a DR VIP on lo: nothing to refuse, lo is quiet */
	{ "[vip w]\naddress = 198.51.100.100 2001:db8:100::1\n", "", "ok device lo loopback\n" },
	/* on eth0: answered in ARP, unless nft drops the requests */
	{ "[vip w]\naddress = 192.0.2.50\ndevice = eth0\n", "t.conf:3 device eth0 arp\n",
	  "FAIL device eth0 arp\n" },
	{ "[agent]\narp_suppress = nft\n[vip w]\naddress = 192.0.2.50\ndevice = eth0\n", "",
	  "ok device eth0 arp\n" },
	{ "[agent]\narp_suppress = both\n[vip w]\naddress = 192.0.2.50\ndevice = eth0\n", "",
	  "ok device eth0 arp\n" },
	{ "[agent]\narp_suppress = none\n[vip w]\naddress = 192.0.2.50\ndevice = eth0\n",
	  "t.conf:5 device eth0 arp\n", "FAIL device eth0 arp\n" },
	/* IPv6: ND answers whatever arp_suppress is */
	{ "[agent]\narp_suppress = nft\n[vip w]\naddress = 2001:db8:1::50\ndevice = eth0\n",
	  "t.conf:5 device eth0 arp\n", "FAIL device eth0 arp\n" },
	{ "[vip w]\ndevice = br0\naddress = 198.51.100.50\n", "t.conf:2 device br0 arp\n",
	  "FAIL device br0 arp\n" },
	/* a NOARP device keeps its VIPs to itself; a missing one is the
	 * link step's to report */
	{ "[vip w]\naddress = 198.51.100.50 2001:db8:100::1\ndevice = eth1\n", "",
	  "ok device eth1 noarp\n" },
	{ "[vip w]\naddress = 198.51.100.50\ndevice = eth9\n", "", "" },
	/* two groups on one device: verify checks it once, apply blames each */
	{ "[vip a]\naddress = 192.0.2.50\ndevice = eth0\n[vip b]\naddress = 192.0.2.51\ndevice = eth0\n",
	  "t.conf:3 device eth0 arp\nt.conf:6 device eth0 arp\n", "FAIL device eth0 arp\n" },

	/* arp_announce = 1 beside a VIP in a subnet: refused at its line */
	{ "[agent]\narp_announce = 1\n[vip w]\naddress = 192.0.2.100\n",
	  "t.conf:2 arp_announce eth0 1\n", "ok device lo loopback\n" },
	{ "[agent]\narp_announce = 1\n[vip w]\nanyip = yes\naddress = 198.51.100.128/25\n",
	  "t.conf:2 arp_announce br0 1\n", "ok device lo loopback\n" },
	{ "[agent]\narp_announce = 1\n[vip w]\naddress = 203.0.113.100\n", "",
	  "ok device lo loopback\n" },
	/* with both the nft output rule rewrites the sender */
	{ "[agent]\narp_announce = 1\narp_suppress = both\n[vip w]\naddress = 192.0.2.100\n", "",
	  "ok device lo loopback\n" },

	/* a VIP that is another interface's own address */
	{ "[vip w]\naddress = 192.0.2.2\n  2001:db8:1::2\n",
	  "t.conf:2 vip 192.0.2.2 eth0\nt.conf:3 vip 2001:db8:1::2 eth0\n",
	  "ok device lo loopback\nFAIL vip 192.0.2.2 eth0\nFAIL vip 2001:db8:1::2 eth0\n" },
	{ "[vip w]\nanyip = yes\naddress = 198.51.100.1/32\n", "t.conf:3 vip 198.51.100.1 br0\n",
	  "ok device lo loopback\nFAIL vip 198.51.100.1 br0\n" },
	/* ... but on its own device it is a VIP that was there already */
	{ "[vip w]\naddress = 203.0.113.5\n", "", "ok device lo loopback\n" },

	/* tun: the device must decapsulate the group's family */
	{ "[vip t]\nmode = tun\naddress = 203.0.113.10\n", "", "ok tunnel tunl0 ipip\n" },
	{ "[vip t]\nmode = tun\naddress = 2001:db8:200::1\n", "", "ok tunnel ip6tnl0 ip6tnl\n" },
	{ "[vip t]\nmode = tun\naddress = 2001:db8:200::1\ndevice = sit1\n", "",
	  "ok tunnel sit1 sit\n" },
	{ "[vip t]\nmode = tun\naddress = 203.0.113.10\ndevice = sit1\n",
	  "t.conf:4 tunnel sit1 sit\n", "FAIL tunnel sit1 sit\n" },
	{ "[vip t]\nmode = tun\naddress = 203.0.113.10\ndevice = eth0\n",
	  "t.conf:4 tunnel eth0 veth\n", "FAIL tunnel eth0 veth\n" },
	{ "[vip t]\nmode = tun\ndevice = eth1\naddress = 203.0.113.10 2001:db8:200::1\n",
	  "t.conf:3 tunnel eth1 none\nt.conf:3 tunnel eth1 none\n",
	  "FAIL tunnel eth1 none\nFAIL tunnel eth1 none\n" },
	{ "[vip t]\nmode = tun\ndevice = mytun\naddress = 203.0.113.10\n", "", "" },

	/* anyip: a prefix over the host's own networks */
	{ "[vip w]\nanyip = yes\naddress = 192.0.2.0/24\n", "t.conf:3 anyip 192.0.2.0/24 eth0\n",
	  "ok device lo loopback\nFAIL anyip 192.0.2.0/24 eth0\n" },
	{ "[vip w]\nanyip = yes\naddress = 192.0.0.0/16\n", "t.conf:3 anyip 192.0.0.0/16 eth0\n",
	  "ok device lo loopback\nFAIL anyip 192.0.0.0/16 eth0\n" },
	{ "[vip w]\nanyip = yes\naddress = 192.0.2.0/28\n", "t.conf:3 anyip 192.0.2.0/28 eth0\n",
	  "ok device lo loopback\nFAIL anyip 192.0.2.0/28 eth0\n" },
	{ "[vip w]\nanyip = yes\naddress = 192.0.2.128/25\n", "", "ok device lo loopback\n" },
	{ "[vip w]\nanyip = yes\naddress = 2001:db8:1::/64\n",
	  "t.conf:3 anyip 2001:db8:1::/64 eth0\n",
	  "ok device lo loopback\nFAIL anyip 2001:db8:1::/64 eth0\n" },
	/* lo's own VIPs inside the prefix are no finding */
	{ "[vip w]\nanyip = yes\naddress = 203.0.113.0/24\n", "", "ok device lo loopback\n" },
};

static struct conf *parse(const char *text)
{
	struct conf_errors e = { 0 };
	struct conf *c = conf_new();

	assert_non_null(c);
	if (conf_parse_string(c, "t.conf", text, strlen(text), &e) < 0 ||
	    conf_validate(c, &e) < 0)
		fail_msg("config refused: %s", e.n ? e.v[0] : "?");
	conf_errors_done(&e);
	return c;
}

static void test_cases(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct conf *c = parse(cases[i].conf);
		struct collected apply = { false, "" }, verify = { true, "" };

		assert_int_equal(agent_topology(c, &host, TOPO_APPLY, NULL, collect, &apply), 0);
		assert_int_equal(agent_topology(c, &host, TOPO_VERIFY, NULL, collect, &verify), 0);
		if (strcmp(apply.out, cases[i].apply) != 0 ||
		    strcmp(verify.out, cases[i].verify) != 0)
			fail_msg("case %zu:\n%s\napply:\n%s(expected:\n%s)\nverify:\n%s(expected:\n%s)",
				 i, cases[i].conf, apply.out, cases[i].apply, verify.out,
				 cases[i].verify);
		conf_free(c);
	}
}

/* An address the journal says the agent added is no finding for apply:
 * this apply removes it as stale (a VIP moved from lo to tunl0). */
static void test_own_stale(void **state)
{
	struct conf *c = parse("[vip t]\nmode = tun\naddress = 203.0.113.5\n");
	struct steplist j = { 0 };
	struct step s = { .ops = &netconf_addr_ops, .order = STEP_ORDER_VIP };
	struct collected x = { false, "" };

	assert_int_equal(agent_topology(c, &host, TOPO_APPLY, NULL, collect, &x), 0);
	assert_string_equal(x.out, "t.conf:3 vip 203.0.113.5 lo\n");
	strcpy(s.target, "203.0.113.5/32 dev lo");
	strcpy(s.want, "present");
	strcpy(s.prior, "present"); /* there before the first apply: a finding */
	assert_int_equal(steplist_add(&j, &s), 0);
	x.out[0] = '\0';
	assert_int_equal(agent_topology(c, &host, TOPO_APPLY, &j, collect, &x), 0);
	assert_string_equal(x.out, "t.conf:3 vip 203.0.113.5 lo\n");
	strcpy(j.v[0].prior, "absent"); /* the agent's own */
	x.out[0] = '\0';
	assert_int_equal(agent_topology(c, &host, TOPO_APPLY, &j, collect, &x), 0);
	assert_string_equal(x.out, "");
	steplist_done(&j);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_own_stale),
	};

	return cmocka_run_group_tests_name("topology", tests, setup, NULL);
}
