// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netconf/'s handle: the fault switch, a run's targets parsed once, and the
 * link dump against the real kernel, in a network namespace of this
 * process's own (netconf-fixture.h).
 */
#include "netconf-fixture.h"

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

/* ---- kernel: links */

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

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_run_targets),
		cmocka_unit_test(test_fault_point),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_dump_links),
	};

	return netconf_tests("netconf", pure, ARRAY_SIZE(pure), kernel, ARRAY_SIZE(kernel));
}
