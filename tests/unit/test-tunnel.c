// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* unshare */
/*
 * tunnel/: the steps of a tunnel device, the conf/all/rp_filter rule, the
 * effective rp_filter check and the link kind, against a real kernel in a
 * private network namespace (unshare), never the host's.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "lib/steplist.h"
#include "netconf/netconf.h"
#include "tunnel/tunnel.h"

static bool have_netns;

/* The config of text, parsed and validated. */
static struct conf *config(const char *text)
{
	struct conf *c = conf_new();

	assert_non_null(c);
	assert_int_equal(conf_parse_string(c, "test.conf", text, strlen(text), NULL), 0);
	assert_int_equal(conf_validate(c, NULL), 0);
	return c;
}

/* The steps kind ops builds for text, without kernel access. */
static void build(const struct step_ops *ops, const char *text, struct steplist *out)
{
	struct conf *c = config(text);
	char err[256] = "";
	struct kind_ctx ctx = { .conf = c, .verb = "test", .err = err, .errlen = sizeof(err) };

	assert_int_equal(ops->build(&ctx, out), 0);
	assert_string_equal(err, "");
	conf_free(c);
}

static void test_dev_steps(void **state)
{
	static const char text[] =
		"[vip a]\nmode = tun\naddress = 192.0.2.1\n"
		"[vip b]\naddress = 192.0.2.2 2001:db8::2\n"
		"[vip c]\nmode = tun\naddress = 2001:db8::1\n"
		"[vip d]\nmode = tun\naddress = 192.0.2.3\n";
	struct steplist l = { 0 };

	/* The devices up, each once: the TUN groups' first, then lo. */
	build(&tunnel_link_ops, text, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].target, "tunl0");
	assert_string_equal(l.v[1].target, "ip6tnl0");
	assert_string_equal(l.v[2].target, "lo");
	for (size_t i = 0; i < l.n; i++) {
		assert_ptr_equal(l.v[i].ops, &tunnel_link_ops);
		assert_string_equal(l.v[i].want, "up");
		assert_int_equal(l.v[i].order, STEP_ORDER_TUNNEL);
	}
	steplist_done(&l);
	/* rp_filter of the IPv4 tunnel device only (IPv6 has none), and no
	 * conf/all step without kernel access. */
	build(&tunnel_sysctl_ops, text, &l);
	assert_int_equal(l.n, 1);
	assert_ptr_equal(l.v[0].ops, &tunnel_sysctl_ops);
	assert_string_equal(l.v[0].target, "net/ipv4/conf/tunl0/rp_filter");
	assert_string_equal(l.v[0].want, "2");
	/* The device's sysctl exists only once the device does. */
	assert_true(l.v[0].order > STEP_ORDER_TUNNEL && l.v[0].order < STEP_ORDER_VIP);
	steplist_done(&l);
	/* A DR-only config: lo, and no rp_filter. */
	build(&tunnel_link_ops, "[vip b]\naddress = 192.0.2.2\n", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].target, "lo");
	steplist_done(&l);
	build(&tunnel_sysctl_ops, "[agent]\nrp_filter = 0\n[vip a]\nmode = tun\naddress = 192.0.2.1\n",
	      &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].want, "0");
	steplist_done(&l);
	/* The journal's sysctls: each kind knows its own. */
	assert_true(tunnel_sysctl_ops.valid_target("net/ipv4/conf/tunl0/rp_filter"));
	assert_true(tunnel_sysctl_ops.valid_target("net/ipv4/conf/all/rp_filter"));
	assert_false(tunnel_sysctl_ops.valid_target("net/ipv4/conf/all/arp_ignore"));
	assert_true(tunnel_sysctl_ops.valid_value("net/ipv4/conf/tunl0/rp_filter", STEP_PRIOR,
						   "missing"));
	assert_false(tunnel_sysctl_ops.valid_value("net/ipv4/conf/all/rp_filter", STEP_PRIOR,
						    "missing"));
	assert_false(tunnel_sysctl_ops.valid_value("net/ipv4/conf/all/rp_filter", STEP_WANT, "1"));
	assert_string_equal(tunnel_fallback_kind("tunl0"), "ipip");
	assert_string_equal(tunnel_fallback_kind("ip6tnl0"), "ip6tnl");
	assert_null(tunnel_fallback_kind("eth0"));
	assert_non_null(strstr(tunnel_support_name("tunl0"), "CONFIG_NET_IPIP / module ipip"));
	assert_non_null(strstr(tunnel_support_name("ip6tnl0"),
			       "CONFIG_IPV6_TUNNEL / module ip6_tunnel"));
}

/* One line each: tunnel type, kind, family of the VIPs, decapsulates to it. */
static const struct {
	enum conf_tun_type type;
	const char *kind;
	int family;
	bool carries;
} kind_cases[] = {
	{ CONF_TUN_IPIP, "ipip", AF_INET, true },     /* tunl0 */
	{ CONF_TUN_IPIP, "ipip", AF_INET6, false },
	{ CONF_TUN_IPIP, "ip6tnl", AF_INET6, true },  /* ip6tnl0 */
	{ CONF_TUN_IPIP, "ip6tnl", AF_INET, false },  /* its mode is not in the kind */
	{ CONF_TUN_IPIP, "sit", AF_INET6, true },     /* IPv6 in IPv4 */
	{ CONF_TUN_IPIP, "sit", AF_INET, false },
	{ CONF_TUN_IPIP, "veth", AF_INET, false },
	{ CONF_TUN_IPIP, "bridge", AF_INET6, false },
	{ CONF_TUN_IPIP, "dummy", AF_INET, false },
	{ CONF_TUN_IPIP, "gre", AF_INET, false },     /* GRE is a tunnel type of its own */
	{ CONF_TUN_IPIP, "", AF_INET, false },        /* lo, a physical NIC: no kind */
	{ CONF_TUN_IPIP, "ipipx", AF_INET, false },
	/* fou hands GUE's inner packet on as IP-in-IP */
	{ CONF_TUN_GUE, "ipip", AF_INET, true },
	{ CONF_TUN_GUE, "sit", AF_INET6, true },
	{ CONF_TUN_GUE, "ip6tnl", AF_INET6, true },
	{ CONF_TUN_GUE, "gre", AF_INET, false },
	/* GRE carries either family over either outer header */
	{ CONF_TUN_GRE, "gre", AF_INET, true },
	{ CONF_TUN_GRE, "gre", AF_INET6, true },
	{ CONF_TUN_GRE, "ip6gre", AF_INET, true },
	{ CONF_TUN_GRE, "ip6gre", AF_INET6, true },
	{ CONF_TUN_GRE, "gretap", AF_INET, false },   /* Ethernet over GRE */
	{ CONF_TUN_GRE, "ipip", AF_INET, false },
	{ CONF_TUN_GRE, "sit", AF_INET6, false },
};

static void test_kinds(void **state)
{
	static const char *const fallbacks[][3] = {
		/* device, kind, the support it names */
		{ "tunl0", "ipip", "CONFIG_NET_IPIP / module ipip" },
		{ "ip6tnl0", "ip6tnl", "CONFIG_IPV6_TUNNEL / module ip6_tunnel" },
		{ "sit0", "sit", "CONFIG_IPV6_SIT / module sit" },
		{ "gre0", "gre", "CONFIG_NET_IPGRE / module ip_gre" },
		{ "ip6gre0", "ip6gre", "CONFIG_IPV6_GRE / module ip6_gre" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kind_cases); i++)
		if (tunnel_kind_carries(kind_cases[i].type, kind_cases[i].kind,
					kind_cases[i].family) != kind_cases[i].carries)
			fail_msg("%s kind \"%s\" for IPv%d: expected %d",
				 conf_tun_type_name(kind_cases[i].type), kind_cases[i].kind,
				 kind_cases[i].family == AF_INET ? 4 : 6,
				 kind_cases[i].carries);
	/* The names for people are the kinds taken, and only those. */
	assert_string_equal(tunnel_kinds(CONF_TUN_IPIP, AF_INET), "ipip");
	assert_string_equal(tunnel_kinds(CONF_TUN_IPIP, AF_INET6), "ip6tnl or sit");
	assert_string_equal(tunnel_kinds(CONF_TUN_GUE, AF_INET6), "ip6tnl or sit");
	assert_string_equal(tunnel_kinds(CONF_TUN_GRE, AF_INET), "gre or ip6gre");
	/* The fallback devices are of a kind their own family takes. */
	assert_true(tunnel_kind_carries(CONF_TUN_IPIP, tunnel_fallback_kind("tunl0"), AF_INET));
	assert_true(tunnel_kind_carries(CONF_TUN_IPIP, tunnel_fallback_kind("ip6tnl0"), AF_INET6));
	assert_true(tunnel_kind_carries(CONF_TUN_GUE, tunnel_fallback_kind("sit0"), AF_INET6));
	assert_true(tunnel_kind_carries(CONF_TUN_GRE, tunnel_fallback_kind("gre0"), AF_INET));
	assert_true(tunnel_kind_carries(CONF_TUN_GRE, tunnel_fallback_kind("ip6gre0"), AF_INET6));
	for (size_t i = 0; i < ARRAY_SIZE(fallbacks); i++) {
		assert_string_equal(tunnel_fallback_kind(fallbacks[i][0]), fallbacks[i][1]);
		assert_non_null(strstr(tunnel_support_name(fallbacks[i][0]), fallbacks[i][2]));
	}
	assert_null(tunnel_fallback_kind("gretap0"));
}

/* The fou kind: one step per port and outer family, its targets' one
 * spelling, the journal's values, and the signs of its changes. */
static void test_fou(void **state)
{
	static const char text[] =
		"[vip a]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 192.0.2.1\n"
		"[vip b]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 192.0.2.2\n"
		"[vip c]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 2001:db8::1\n"
		"[vip d]\nmode = tun\ntun_type = gue\ntun_port = 5555\ndevice = sit0\n"
		"address = 2001:db8::2\n"
		"[vip e]\nmode = tun\ntun_type = gre\naddress = 192.0.2.3\n"
		"[vip f]\nmode = tun\naddress = 192.0.2.4\n"
		"[vip g]\naddress = 192.0.2.5\n";
	static const char *const bad_targets[] = {
		"gue 6080", "gue 6080 inet4", "gue 06080 inet", "gue 0 inet", "gue 65536 inet",
		"gue 6080 inet ", " gue 6080 inet", "GUE 6080 inet", "fou 6080 inet",
		"gue -1 inet", "gue 6080  inet", "gue 6080 inet6x", "gue 99999999999999999999 inet",
		"", "gue  inet",
	};
	struct steplist l = { 0 };
	char buf[STEP_TARGET_MAX];
	uint16_t port;
	int family;

	(void)state;
	build(&tunnel_fou_ops, text, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].target, "gue 6080 inet");
	assert_string_equal(l.v[1].target, "gue 6080 inet6"); /* ip6tnl0: IPv6 outer */
	assert_string_equal(l.v[2].target, "gue 5555 inet");  /* sit0: IPv4 outer */
	for (size_t i = 0; i < l.n; i++) {
		assert_string_equal(l.v[i].want, "present");
		assert_int_equal(l.v[i].order, STEP_ORDER_TUNNEL);
		assert_true(tunnel_fou_ops.valid_target(l.v[i].target));
	}
	steplist_done(&l);
	/* The devices come up with it: tunl0, ip6tnl0, sit0, gre0, (tunl0), lo. */
	build(&tunnel_link_ops, text, &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.v[0].target, "tunl0");
	assert_string_equal(l.v[1].target, "ip6tnl0");
	assert_string_equal(l.v[2].target, "sit0");
	assert_string_equal(l.v[3].target, "gre0");
	assert_string_equal(l.v[4].target, "lo");
	steplist_done(&l);
	/* rp_filter on the devices of IPv4 VIPs: tunl0 and gre0. */
	build(&tunnel_sysctl_ops, text, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].target, "net/ipv4/conf/tunl0/rp_filter");
	assert_string_equal(l.v[1].target, "net/ipv4/conf/gre0/rp_filter");
	steplist_done(&l);
	/* No GUE group: no fou step. */
	build(&tunnel_fou_ops, "[vip e]\nmode = tun\ntun_type = gre\naddress = 192.0.2.3\n", &l);
	assert_int_equal(l.n, 0);
	steplist_done(&l);

	/* Targets: one spelling, both ways. */
	assert_int_equal(tunnel_fou_target(6080, AF_INET6, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "gue 6080 inet6");
	assert_int_equal(tunnel_fou_parse_target("gue 65535 inet6", &port, &family), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(family, AF_INET6);
	assert_int_equal(tunnel_fou_parse_target("gue 1 inet", &port, &family), 0);
	assert_int_equal(port, 1);
	assert_int_equal(family, AF_INET);
	assert_int_equal(tunnel_fou_target(0, AF_INET, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(tunnel_fou_target(80, AF_UNSPEC, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(tunnel_fou_target(6080, AF_INET, buf, 8), -ENAMETOOLONG);
	for (size_t i = 0; i < ARRAY_SIZE(bad_targets); i++) {
		port = 7;
		family = 9;
		if (tunnel_fou_ops.valid_target(bad_targets[i]) ||
		    tunnel_fou_parse_target(bad_targets[i], &port, &family) == 0)
			fail_msg("target \"%s\" taken", bad_targets[i]);
		assert_int_equal(port, 7);
		assert_int_equal(family, 9);
	}
	assert_int_equal(tunnel_fou_family("ip6tnl0"), AF_INET6);
	assert_int_equal(tunnel_fou_family("tunl0"), AF_INET);
	assert_int_equal(tunnel_fou_family("sit0"), AF_INET);

	/* The journal: apply asks present; a prior is absent or present. */
	assert_true(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_WANT, "present"));
	assert_false(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_WANT, "absent"));
	assert_true(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_PRIOR, "absent"));
	assert_true(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_PRIOR, "present"));
	assert_false(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_PRIOR, "direct 4"));
	assert_false(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_PRIOR, "gue bound"));
	assert_false(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_PRIOR, "up"));
	assert_false(tunnel_fou_ops.valid_value("gue 6080 inet", STEP_PRIOR, ""));

	/* Signs: a port appears, goes; another receiver is a change. */
	assert_int_equal(step_sign(&tunnel_fou_ops, "absent", "present"), '+');
	assert_int_equal(step_sign(&tunnel_fou_ops, "present", "absent"), '-');
	assert_int_equal(step_sign(&tunnel_fou_ops, "direct 4", "present"), '~');
}

/* verify's words for a fou port and the devices GUE and GRE need. */
static void test_fou_explain(void **state)
{
	struct step s = { .ops = &tunnel_fou_ops, .target = "gue 6080 inet", .want = "present",
			  .now = "absent" };
	char buf[320];

	(void)state;
	tunnel_fou_ops.explain(&s, buf, sizeof(buf));
	assert_string_equal(buf, "the director's GUE packets to UDP 6080 (IPv4) are dropped: "
			    "nothing receives them");
	snprintf(s.now, sizeof(s.now), "direct 4");
	tunnel_fou_ops.explain(&s, buf, sizeof(buf));
	assert_non_null(strstr(buf, "UDP 6080 (IPv4) has a fou receiver of another kind (direct 4)"));
	/* Only between absent and the agent's receiver. */
	assert_false(tunnel_fou_ops.restorable(&s, "absent"));
	assert_false(tunnel_fou_ops.restorable(&s, "present"));
	snprintf(s.now, sizeof(s.now), "present");
	assert_true(tunnel_fou_ops.restorable(&s, "absent"));
	snprintf(s.now, sizeof(s.now), "absent");
	assert_true(tunnel_fou_ops.restorable(&s, "present"));

	s = (struct step){ .ops = &tunnel_link_ops, .target = "gre0", .want = "up", .now = "down" };
	tunnel_link_ops.explain(&s, buf, sizeof(buf));
	assert_string_equal(buf, "the VIPs of this mode = tun group live on gre0: unless it is "
			    "up, the kernel drops the director's GRE packets");
}

static void test_link_step(void **state)
{
	struct step s;

	assert_int_equal(tunnel_link_step("lo", &s), 0);
	assert_ptr_equal(s.ops, &tunnel_link_ops);
	assert_string_equal(s.target, "lo");
	assert_string_equal(s.want, "up");
	/* After the ARP suppression, before the VIPs. */
	assert_true(s.order > STEP_ORDER_ARP && s.order < STEP_ORDER_VIP);
	assert_int_equal(tunnel_link_step("0123456789abcdef0123456789abcdef0123456789abcdef"
					  "0123456789abcdef0123456789abcdef0123456789abcdef", &s),
			 -ENAMETOOLONG);
}

/* A fake root: ROOT/sys/module and ROOT/lib/modules/REL/modules.{builtin,dep}. */
static void put_file(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_kernel_has(void **state)
{
	char root[] = "/tmp/lvs-tunnel-test-XXXXXX", cmd[600];

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys/module %s/lib/modules/9.9", root, root);
	assert_int_equal(system(cmd), 0);
	/* Nothing anywhere: the kernel cannot have it. */
	assert_int_equal(tunnel_kernel_has("tunl0", root, "9.9"), 0);
	/* Near misses are not the module. */
	put_file(root, "lib/modules/9.9/modules.dep",
		 "kernel/net/ipv4/ipip6.ko.xz: kernel/net/ipv4/ip_tunnel.ko.xz\n"
		 "kernel/net/ipv4/ip_tunnel.ko.xz:\n");
	assert_int_equal(tunnel_kernel_has("tunl0", root, "9.9"), 0);
	assert_int_equal(tunnel_kernel_has("ip6tnl0", root, "9.9"), 0);
	/* Installed as a module (compressed or not). */
	put_file(root, "lib/modules/9.9/modules.dep",
		 "kernel/net/ipv4/ipip.ko.xz: kernel/net/ipv4/ip_tunnel.ko.xz\n"
		 "kernel/net/ipv6/ip6_tunnel.ko: kernel/net/ipv6/tunnel6.ko\n");
	assert_int_equal(tunnel_kernel_has("tunl0", root, "9.9"), 1);
	assert_int_equal(tunnel_kernel_has("ip6tnl0", root, "9.9"), 1);
	/* Another release has its own lists. */
	assert_int_equal(tunnel_kernel_has("tunl0", root, "9.8"), 0);
	/* Built in. */
	put_file(root, "lib/modules/9.9/modules.dep", "");
	put_file(root, "lib/modules/9.9/modules.builtin", "kernel/net/ipv4/ipip.ko\n");
	assert_int_equal(tunnel_kernel_has("tunl0", root, "9.9"), 1);
	assert_int_equal(tunnel_kernel_has("ip6tnl0", root, "9.9"), 0);
	/* Loaded. */
	snprintf(cmd, sizeof(cmd), "mkdir %s/sys/module/ip6_tunnel", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tunnel_kernel_has("ip6tnl0", root, "9.9"), 1);
	/* Not a fallback device. */
	assert_int_equal(tunnel_kernel_has("eth0", root, "9.9"), -EINVAL);
	/* fou by name; loaded on demand only with its family's alias (6.1's has
	 * none). */
	put_file(root, "lib/modules/9.9/modules.dep",
		 "kernel/net/ipv4/fou.ko: kernel/net/ipv4/ip_tunnel.ko\n");
	assert_int_equal(tunnel_module_has("fou", root, "9.9"), 1);
	assert_int_equal(tunnel_module_has("fou6", root, "9.9"), 0);
	assert_int_equal(tunnel_module_alias("net-pf-16-proto-16-family-fou", root, "9.9"), 0);
	put_file(root, "lib/modules/9.9/modules.alias",
		 "alias rtnl-link-ipip ipip\nalias net-pf-16-proto-16-family-fou2 x\n");
	assert_int_equal(tunnel_module_alias("net-pf-16-proto-16-family-fou", root, "9.9"), 0);
	put_file(root, "lib/modules/9.9/modules.alias",
		 "alias rtnl-link-ipip ipip\nalias net-pf-16-proto-16-family-fou fou\n");
	assert_int_equal(tunnel_module_alias("net-pf-16-proto-16-family-fou", root, "9.9"), 1);
	assert_int_equal(tunnel_module_alias("rtnl-link-ipip", root, "9.9"), 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void set_all(int v)
{
	char val[8];

	snprintf(val, sizeof(val), "%d", v);
	assert_int_equal(netconf_sysctl_write(NULL, TUNNEL_ALL_RP_FILTER, val), 0);
}

/* conf/all/rp_filter: lowered only when above, and only to the target. */
static const struct {
	int all, target;
	const char *journal_prior;
	int ret;
} all_rows[] = {
	{ 1, 0, NULL, 1 },  /* above: lower to 0 */
	{ 2, 0, NULL, 1 },
	{ 0, 0, NULL, 0 },  /* not above: no step */
	{ 1, 2, NULL, 0 },  /* max(1, 2) = 2 is loose already */
	{ 2, 2, NULL, 0 },
	{ 0, 0, "1", 1 },   /* an earlier apply lowered it from 1: keep it */
	{ 0, 0, "0", 0 },   /* it was not above: nothing to keep */
	{ 0, 2, "1", 0 },   /* target raised to 2: 1 is fine, revert restores it */
};

static void test_all_step(void **state)
{
	if (!have_netns)
		skip();
	for (size_t i = 0; i < sizeof(all_rows) / sizeof(all_rows[0]); i++) {
		struct step s;
		char want[8];

		set_all(all_rows[i].all);
		assert_int_equal(tunnel_all_rp_filter_step(all_rows[i].target,
							   all_rows[i].journal_prior, &s),
				 all_rows[i].ret);
		if (!all_rows[i].ret)
			continue;
		snprintf(want, sizeof(want), "%d", all_rows[i].target);
		assert_string_equal(s.target, TUNNEL_ALL_RP_FILTER);
		assert_string_equal(s.want, want);
		assert_ptr_equal(s.ops, &tunnel_sysctl_ops);
	}
}

static const struct check *find(const struct checklist *l, const char *kind,
				const char *target)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].kind, kind) == 0 && strcmp(l->v[i].target, target) == 0)
			return &l->v[i];
	return NULL;
}

/* Effective = max(all, dev), checked here on lo (no tunl0 in this kernel). */
static const struct {
	int all, dev, target;
	bool ok;
	const char *found, *detail, *why;
} check_rows[] = {
	{ 0, 0, 0, true, "0", "effective: max(all 0, lo 0)", "" },
	{ 1, 0, 0, false, "1", "effective: max(all 1, lo 0)", "strict reverse-path filtering drops them" },
	{ 0, 1, 2, false, "1", "effective: max(all 0, lo 1)", "route back is via eth0" },
	{ 1, 2, 2, true, "2", "effective: max(all 1, lo 2)", "" },
	{ 2, 0, 0, false, "2", "effective: max(all 2, lo 0)", "loose reverse-path filtering" },
};

static void test_check(void **state)
{
	const char *devs[] = { "lo", "ip6tnl0", "nosuchdev0" };
	struct netconf *nc = NULL;

	if (!have_netns)
		skip();
	assert_int_equal(netconf_open(&nc), 0);
	for (size_t i = 0; i < sizeof(check_rows) / sizeof(check_rows[0]); i++) {
		struct checklist l = { 0 };
		const struct check *c;
		char val[8];

		set_all(check_rows[i].all);
		snprintf(val, sizeof(val), "%d", check_rows[i].dev);
		assert_int_equal(netconf_sysctl_write(nc, "net/ipv4/conf/lo/rp_filter", val), 0);
		assert_int_equal(tunnel_check(nc, devs, 3, check_rows[i].target, &l), 0);
		/* lo and the missing device; ip6tnl0 has no rp_filter. */
		assert_int_equal(l.n, 2);
		c = find(&l, "rp_filter", "lo");
		assert_non_null(c);
		assert_int_equal(c->ok, check_rows[i].ok);
		assert_string_equal(c->found, check_rows[i].found);
		assert_string_equal(c->detail, check_rows[i].detail);
		assert_non_null(strstr(c->why, check_rows[i].why));
		c = find(&l, "rp_filter", "nosuchdev0");
		assert_non_null(c);
		assert_false(c->ok);
		checklist_done(&l);
	}
	netconf_close(nc);
}

/* The link kind: observe, up/down, and the probe on this kernel. */
static void test_link(void **state)
{
	struct netconf *nc = NULL;
	struct step s = { .ops = &tunnel_link_ops }, t = { .ops = &tunnel_link_ops };
	struct step *v[] = { &s, &t };
	int res[2], r;

	if (!have_netns)
		skip();
	assert_int_equal(netconf_open(&nc), 0);
	strcpy(s.target, "lo");
	strcpy(t.target, "nosuchdev0");
	assert_int_equal(tunnel_link_ops.observe(nc, v, 2), 0);
	assert_string_equal(s.now, "down");
	assert_string_equal(t.now, "absent");
	strcpy(s.want, "up");
	assert_int_equal(tunnel_link_ops.change(nc, v, 1, STEP_WANT, res), 0);
	assert_int_equal(tunnel_link_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "up");
	strcpy(s.prior, "down");
	assert_int_equal(tunnel_link_ops.change(nc, v, 1, STEP_PRIOR, res), 0);
	assert_int_equal(tunnel_link_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "down");
	/* A device that is not a fallback tunnel is never created. */
	strcpy(t.want, "up");
	assert_int_equal(tunnel_link_ops.change(nc, &v[1], 1, STEP_WANT, res), -ENODEV);
	assert_non_null(strstr(netconf_error(nc), "creates only the fallback"));
	/* This development kernel has no ipip: the probe says so. */
	r = tunnel_probe(nc, "tunl0");
	if (r == 0) {
		netconf_close(nc);
		skip(); /* a kernel with ipip (the VM tests it) */
	}
	assert_int_equal(r, -EOPNOTSUPP);
	assert_int_equal(tunnel_link_ops.observe(nc, &v[1], 1), 0);
	netconf_close(nc);
}

/* The fou kind against this kernel: with no fou family every port reads
 * absent, and a change is refused with the kernel's lack, not sent. */
static void test_fou_kernel(void **state)
{
	struct netconf *nc = NULL;
	struct step s = { .ops = &tunnel_fou_ops, .target = "gue 6080 inet", .want = "present",
			  .now = "absent" };
	struct step *v[] = { &s };
	int res[1];

	(void)state;
	if (!have_netns)
		skip();
	if (system("ip fou show >/dev/null 2>&1") == 0)
		skip(); /* a kernel with fou (the VM tests it) */
	assert_int_equal(netconf_open(&nc), 0);
	strcpy(s.now, "x");
	assert_int_equal(tunnel_fou_ops.observe(nc, v, 1), 0);
	assert_string_equal(s.now, "absent");
	assert_int_equal(tunnel_fou_ops.change(nc, v, 1, STEP_WANT, res), -EOPNOTSUPP);
	assert_int_equal(res[0], -EOPNOTSUPP);
	assert_non_null(strstr(netconf_error(nc), "no fou"));
	netconf_close(nc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_steps),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_fou),
		cmocka_unit_test(test_fou_explain),
		cmocka_unit_test(test_link_step),
		cmocka_unit_test(test_kernel_has),
		cmocka_unit_test(test_all_step),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_fou_kernel),
	};

	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "test-tunnel: unshare(CLONE_NEWNET): %s: kernel tests skipped\n",
			strerror(errno));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
