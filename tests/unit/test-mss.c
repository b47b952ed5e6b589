// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* unshare */
/*
 * tunnel/mss: the MSS clamp's kind. Its steps from configs (fixed, off,
 * auto from the way back's MTU and the tunnel's overhead, the refusals),
 * its targets' one spelling and its values; and against a real kernel in
 * a private network namespace (unshare): the table made as nft makes it
 * of the same words (its text and JSON), nothing to do again, every kind
 * of damage read as such and rebuilt in one nf_tables generation, an edit
 * in one generation, a foreign table left alone, an injected fault that
 * changes nothing, and the revert that leaves no table.
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

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "conf/conf.h"
#include "lib/steplist.h"
#include "netconf/netconf.h"
#include "netconf/nft-table.h"
#include "netconf/nl.h"
#include "tunnel/tunnel.h"

#define T TUNNEL_MSS_TARGET

static bool have_netns, have_nft;

#define NEED_KERNEL()                                                          \
	do {                                                                   \
		if (!have_netns || !have_nft) {                                \
			print_message("skipped: %s\n", !have_netns ?           \
				      "no network namespace of our own (root needed)" : \
				      "no nft(8) to read the table back with");  \
			skip();                                                \
		}                                                              \
	} while (0)

static const struct step_ops *ops = &tunnel_mss_ops;

static struct conf *config(const char *text)
{
	struct conf *c = conf_new();

	assert_non_null(c);
	assert_int_equal(conf_parse_string(c, "test.conf", text, strlen(text), NULL), 0);
	assert_int_equal(conf_validate(c, NULL), 0);
	return c;
}

/* The kind's steps for c: its build's result, its error line in err. */
static int build_conf(const struct conf *c, struct netconf *nc, struct steplist *out,
		      char *err, size_t errlen)
{
	struct kind_ctx ctx = { .conf = c, .nc = nc, .verb = "test", .err = err, .errlen = errlen };

	err[0] = '\0';
	return ops->build(&ctx, out);
}

static void build(const char *text, struct netconf *nc, struct steplist *out)
{
	struct conf *c = config(text);
	char err[512];

	assert_int_equal(build_conf(c, nc, out, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	conf_free(c);
}

/* What `cmd` prints (stderr too), and its exit status in *rc. */
static char *run(const char *cmd, int *rc)
{
	static char out[16384];
	FILE *f = popen(cmd, "r");
	size_t n;
	int st;

	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	st = pclose(f);
	if (rc)
		*rc = st;
	return out;
}

static void sh(const char *cmd)
{
	int rc;
	char *out = run(cmd, &rc);

	if (rc != 0)
		fail_msg("%s: %s", cmd, out);
}

/* ---- without the kernel */

static void test_targets_values(void **state)
{
	static const char *const good[] = {
		T, T " vip 198.51.100.10", T " vip 198.51.100.0/24", T " vip 2001:db8::10",
		T " vip 2001:db8:1::/64", T " vip 10.0.0.0/8",
	};
	static const char *const bad[] = {
		"", T " ", T "x", "arp lvs_rs_agent", T " vip", T " vip ", T " vip x",
		T " vip 198.51.100.010", T " vip 198.51.100.1/24", T " vip 198.51.100.10/32",
		T " vip 198.51.100.0/024", T " vip 198.51.100.0/", T " vip 2001:DB8::10",
		T " vip 2001:db8:0::10", T " vip 2001:db8::/128", T " vip 198.51.100.10 ",
		T " output 198.51.100.10",
	};
	static const char *const vip_ok[] = { "536", "1440", "65495", "absent", "incomplete" };
	static const char *const vip_bad[] = {
		"", "0", "535", "65496", "01440", "1440 ", "+1440", "present", "foreign", "99999",
	};
	static const char *const table_ok[] = { "present", "absent", "foreign", "incomplete" };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!ops->valid_target(good[i]))
			fail_msg("refused: \"%s\"", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ops->valid_target(bad[i]))
			fail_msg("taken: \"%s\"", bad[i]);
	for (size_t i = 0; i < ARRAY_SIZE(vip_ok); i++) {
		assert_true(ops->valid_value(T " vip 198.51.100.10", STEP_WANT, vip_ok[i]));
		assert_true(ops->valid_value(T " vip 2001:db8::10", STEP_PRIOR, vip_ok[i]));
		assert_false(ops->valid_value(T, STEP_WANT, vip_ok[i]) &&
			     strcmp(vip_ok[i], "absent") && strcmp(vip_ok[i], "incomplete"));
	}
	for (size_t i = 0; i < ARRAY_SIZE(vip_bad); i++)
		if (ops->valid_value(T " vip 198.51.100.10", STEP_WANT, vip_bad[i]))
			fail_msg("value taken: \"%s\"", vip_bad[i]);
	for (size_t i = 0; i < ARRAY_SIZE(table_ok); i++)
		assert_true(ops->valid_value(T, STEP_PRIOR, table_ok[i]));
	assert_false(ops->valid_value(T, STEP_WANT, "interval"));
	assert_false(ops->valid_value("arp lvs_rs_agent", STEP_WANT, "present"));
	/* + when a clamp appears, - when it goes, ~ when it changes. */
	assert_int_equal(step_sign(ops, "absent", "1440"), '+');
	assert_int_equal(step_sign(ops, "1440", "absent"), '-');
	assert_int_equal(step_sign(ops, "1440", "1400"), '~');
	assert_int_equal(step_sign(ops, "absent", "present"), '+');
}

static void test_build(void **state)
{
	static const char text[] =
		"[vip t]\nmode = tun\nmss = 1400\naddress = 198.51.100.10 198.51.100.11\n"
		"[vip dr]\naddress = 192.0.2.1\n"
		"[vip off]\nmode = tun\nmss = off\naddress = 203.0.113.1\n"
		"[vip auto]\nmode = tun\naddress = 203.0.113.2\n"
		"[vip six]\nmode = tun\nanyip = yes\nmss = 1380\naddress = 2001:db8:1::/64\n";
	struct steplist l = { 0 };

	build(text, NULL, &l);
	/* The table, then each VIP of a tun group with a fixed MSS: none for
	 * dr, off, or auto without the kernel (check-config). */
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].target, T);
	assert_string_equal(l.v[0].want, "present");
	assert_string_equal(l.v[1].target, T " vip 198.51.100.10");
	assert_string_equal(l.v[1].want, "1400");
	assert_string_equal(l.v[2].target, T " vip 198.51.100.11");
	assert_string_equal(l.v[3].target, T " vip 2001:db8:1::/64");
	assert_string_equal(l.v[3].want, "1380");
	for (size_t i = 0; i < l.n; i++) {
		assert_ptr_equal(l.v[i].ops, ops);
		assert_int_equal(l.v[i].order, STEP_ORDER_TUNNEL);
		assert_true(ops->valid_target(l.v[i].target));
		assert_true(ops->valid_value(l.v[i].target, STEP_WANT, l.v[i].want));
	}
	steplist_done(&l);
	/* Nothing to clamp: no table. */
	build("[vip dr]\naddress = 192.0.2.1\n[vip off]\nmode = tun\nmss = off\naddress = 203.0.113.1\n",
	      NULL, &l);
	assert_int_equal(l.n, 0);
	steplist_done(&l);
}

/* ---- auto, against the private namespace's routes */

struct auto_case {
	const char *name, *text;
	enum conf_tun_type type;
	int mss; /* 0: refused */
	const char *err; /* the refusal's start */
};

static void check_auto(struct netconf *nc, const struct auto_case *a)
{
	struct conf *c = config(a->text);
	struct steplist l = { 0 };
	char err[512];
	int r;

	print_message("auto: %s\n", a->name);
	for (size_t i = 0; i < c->n_groups; i++)
		c->groups[i].tun_type = a->type;
	r = build_conf(c, nc, &l, err, sizeof(err));
	if (a->mss) {
		char want[16];

		if (r != 0)
			fail_msg("%s: %d: %s", a->name, r, err);
		snprintf(want, sizeof(want), "%d", a->mss);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.v[1].want, want);
	} else {
		assert_int_equal(r, -EOPNOTSUPP);
		if (strncmp(err, a->err, strlen(a->err)) != 0)
			fail_msg("%s: \"%s\" does not begin \"%s\"", a->name, err, a->err);
	}
	steplist_done(&l);
	conf_free(c);
}

#define V4 "[vip t]\nmode = tun\naddress = 198.51.100.10\n"
#define V6 "[vip t]\nmode = tun\naddress = 2001:db8:1::10\n"

static void test_auto(void **state)
{
	/* MTU 1500: IPv4 less 40 of headers, less the tunnel's outer IPv4
	 * header and what its type adds; IPv6 20 more each. */
	static const struct auto_case at1500[] = {
		{ "ipip", V4, CONF_TUN_IPIP, 1440, NULL },
		{ "gre", V4, CONF_TUN_GRE, 1432, NULL },
		{ "gue", V4, CONF_TUN_GUE, 1420, NULL },
		{ "ipv6 in ip6tnl0", V6, CONF_TUN_IPIP, 1400, NULL },
		{ "ipv6 gue over ipv6", V6, CONF_TUN_GUE, 1380, NULL },
		{ "explicit mss wins", "[vip t]\nmode = tun\nmss = 1000\naddress = 198.51.100.10\n",
		  CONF_TUN_IPIP, 1000, NULL },
	};
	struct netconf *nc;

	NEED_KERNEL();
	assert_int_equal(netconf_open(&nc), 0);
	/* No default route yet: refused, with the config's place. */
	check_auto(nc, &(struct auto_case){ "no route", V4, CONF_TUN_IPIP, 0,
		   "test.conf:1: vip \"t\": mss = auto: no IPv4 default route,\n" });
	sh("ip link add v0 type veth peer name v1 && ip link set v1 up && "
	   "ip link set v0 up mtu 1500 && ip addr add 192.0.2.2/24 dev v0 && "
	   "ip route add default via 192.0.2.1 && "
	   "ip addr add 2001:db8::2/64 dev v0 nodad && "
	   "ip -6 route add default via 2001:db8::1 dev v0");
	for (size_t i = 0; i < ARRAY_SIZE(at1500); i++)
		check_auto(nc, &at1500[i]);
	/* The route's mtu metric before the device's. */
	sh("ip route replace default via 192.0.2.1 mtu 1400");
	check_auto(nc, &(struct auto_case){ "route mtu 1400", V4, CONF_TUN_IPIP, 1340, NULL });
	/* The smallest of two default routes. */
	sh("ip link add w0 type veth peer name w1 && ip link set w1 up && "
	   "ip link set w0 up mtu 1300 && ip addr add 203.0.113.2/24 dev w0 && "
	   "ip route append default via 203.0.113.1 metric 10");
	check_auto(nc, &(struct auto_case){ "two defaults", V4, CONF_TUN_IPIP, 1240, NULL });
	/* Too small a way back: refused, with the arithmetic. */
	sh("ip link set w0 mtu 576");
	check_auto(nc, &(struct auto_case){ "mtu 576", V4, CONF_TUN_IPIP, 0,
		   "test.conf:1: vip \"t\": mss = auto gives 516, below 536:\n"
		   "the MTU 576 of w0 (IPv4 default route) less 40 of headers and 20 of tunnel; set mss = N" });
	sh("ip link del w0 && ip route replace default via 192.0.2.1");
	sh("ip -6 route del default");
	check_auto(nc, &(struct auto_case){ "no IPv6 route", V6, CONF_TUN_IPIP, 0,
		   "test.conf:1: vip \"t\": mss = auto: no IPv6 default route,\n" });
	sh("ip link del v0");
	netconf_close(nc);
}

/* ---- the table in the kernel */

static struct nl *nfnl;

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g || nftnl_gen_nlmsg_parse(nlh, g) < 0) {
		nftnl_gen_free(g);
		return -EBADMSG;
	}
	*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return 0;
}

static uint32_t generation(void)
{
	char buf[256] __attribute__((aligned(4))) = { 0 };
	uint32_t id = 0;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, 0);

	assert_int_equal(nl_talk(nfnl, nlh, gen_cb, &id, "NFT_MSG_GETGEN"), 0);
	return id;
}

static void nft(const char *script)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "nft -f - 2>&1 <<'EOF'\n%s\nEOF", script);
	sh(cmd);
}

static char *listing(void)
{
	return run("nft list table inet " TUNNEL_MSS_TABLE " 2>&1", NULL);
}

static char *listing_json(void)
{
	return run("nft -j list table inet " TUNNEL_MSS_TABLE " 2>&1 | "
		   "sed -E 's/, \"handle\": [0-9]+//g; s/\"handle\": [0-9]+, //g'", NULL);
}

#define RULE(fam, set, mss)                                                    \
	fam " saddr @" set " tcp flags & (syn | ack) == (syn | ack) "          \
	"tcp option maxseg size > " #mss " tcp option maxseg size set " #mss "\n"
/* The table as nft makes it of its own words. */
#define REF(v4, mss4, v6)                                                      \
	"table inet " TUNNEL_MSS_TABLE " {\n"                                  \
	"comment \"" NFT_TABLE_MARKER "\"\n"                                   \
	"set v4_" #mss4 " { type ipv4_addr; flags interval; elements = { " v4 " } }\n" \
	"set v6_1380 { type ipv6_addr; flags interval; elements = { " v6 " } }\n" \
	"chain output { type filter hook output priority mangle; policy accept;\n" \
	RULE("ip", "v4_" #mss4, mss4) RULE("ip6", "v6_1380", 1380) "}\n}"

struct ref {
	char *text, *json;
};

static void reference(const char *script, struct ref *r)
{
	nft(script);
	r->text = strdup(listing());
	r->json = strdup(listing_json());
	nft("delete table inet " TUNNEL_MSS_TABLE);
	assert_non_null(r->text);
	assert_non_null(strstr(r->json, "\"maxseg\""));
}

static void ref_done(struct ref *r)
{
	free(r->text);
	free(r->json);
}

static void assert_listed(const struct ref *r)
{
	assert_string_equal(listing(), r->text);
	assert_string_equal(listing_json(), r->json);
}

static void observe(struct netconf *nc, struct steplist *l)
{
	struct step *v[16];

	assert_true(l->n <= ARRAY_SIZE(v));
	for (size_t i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	assert_int_equal(ops->observe(nc, v, l->n), 0);
}

/* change() of the steps whose ->now differs from field `to`, as the
 * engine calls it: its result and the generations it took. */
static int change(struct netconf *nc, struct steplist *l, enum step_field to,
		  uint32_t *gens)
{
	struct step *v[16];
	int res[16], r;
	size_t n = 0;
	uint32_t g = generation();

	observe(nc, l);
	for (size_t i = 0; i < l->n; i++)
		if (step_restorable(&l->v[i], step_value(&l->v[i], to)))
			v[n++] = &l->v[i];
	r = ops->change(nc, v, n, to, res);
	*gens = generation() - g;
	return r;
}

static void assert_nows(struct steplist *l, const char *table, const char *vips)
{
	for (size_t i = 0; i < l->n; i++)
		assert_string_equal(l->v[i].now, i == 0 ? table : vips ? vips : l->v[i].want);
}

#define CONF_TABLE                                                             \
	"[vip a]\nmode = tun\nanyip = yes\nmss = 1400\naddress = 198.51.100.0/28 198.51.100.20\n" \
	"[vip b]\nmode = tun\nmss = 1380\naddress = 2001:db8::10\n"

static const struct {
	const char *name, *script;
	const char *vip; /* a sound table missing only this VIP's element */
} damage[] = {
	{ .name = "rule deleted", "flush chain inet " TUNNEL_MSS_TABLE " output" },
	{ .name = "foreign rule", "add rule inet " TUNNEL_MSS_TABLE " output counter" },
	{ .name = "rule with another MSS",
	  "flush chain inet " TUNNEL_MSS_TABLE " output\n"
	  "add rule inet " TUNNEL_MSS_TABLE " output " RULE("ip", "v4_1400", 1500)
	  "add rule inet " TUNNEL_MSS_TABLE " output " RULE("ip6", "v6_1380", 1380) },
	{ .name = "chain deleted",
	  "flush chain inet " TUNNEL_MSS_TABLE " output\ndelete chain inet " TUNNEL_MSS_TABLE " output" },
	{ .name = "element added", "add element inet " TUNNEL_MSS_TABLE " v4_1400 { 192.0.2.9 }" },
	{ .name = "element removed", "delete element inet " TUNNEL_MSS_TABLE " v4_1400 { 198.51.100.20 }",
	  T " vip 198.51.100.20" },
	{ .name = "set added", "add set inet " TUNNEL_MSS_TABLE " v4_1300 { type ipv4_addr; flags interval; }" },
	{ .name = "table dormant", "add table inet " TUNNEL_MSS_TABLE " { flags dormant; }" },
	{ .name = "chain policy drop",
	  "add chain inet " TUNNEL_MSS_TABLE " output { type filter hook output priority mangle; policy drop; }" },
};

static void test_table(void **state)
{
	struct ref ref, ref_edit;
	struct steplist l = { 0 };
	struct netconf *nc;
	uint32_t gens;
	int rc;

	NEED_KERNEL();
	assert_int_equal(netconf_open(&nc), 0);
	reference(REF("198.51.100.0/28, 198.51.100.20", 1400, "2001:db8::10"), &ref);
	reference("table inet " TUNNEL_MSS_TABLE " {\n"
		  "comment \"" NFT_TABLE_MARKER "\"\n"
		  "set v4_1300 { type ipv4_addr; flags interval; elements = { 198.51.100.20 } }\n"
		  "set v4_1400 { type ipv4_addr; flags interval; elements = { 198.51.100.0/28 } }\n"
		  "set v6_1380 { type ipv6_addr; flags interval; elements = { 2001:db8::10 } }\n"
		  "chain output { type filter hook output priority mangle; policy accept;\n"
		  RULE("ip", "v4_1300", 1300) RULE("ip", "v4_1400", 1400)
		  RULE("ip6", "v6_1380", 1380) "}\n}", &ref_edit);
	build(CONF_TABLE, NULL, &l);
	assert_int_equal(l.n, 4);
	for (size_t i = 0; i < l.n; i++)
		snprintf(l.v[i].prior, sizeof(l.v[i].prior), "absent");

	/* Nothing there. */
	observe(nc, &l);
	assert_nows(&l, "absent", "absent");
	/* Made in one generation, as nft makes it. */
	assert_int_equal(change(nc, &l, STEP_WANT, &gens), 0);
	assert_int_equal(gens, 1);
	assert_listed(&ref);
	observe(nc, &l);
	assert_nows(&l, "present", NULL);
	/* Again: nothing differs. */
	for (size_t i = 0; i < l.n; i++)
		assert_false(step_restorable(&l.v[i], l.v[i].want));

	/* Damage of every kind: the table and its elements read
	 * incomplete, and one transaction makes it whole again. */
	for (size_t i = 0; i < ARRAY_SIZE(damage); i++) {
		print_message("damage: %s\n", damage[i].name);
		nft(damage[i].script);
		observe(nc, &l);
		if (!damage[i].vip) {
			assert_nows(&l, "incomplete", "incomplete");
		} else {
			/* Its element absent, the rest as it was. */
			for (size_t k = 0; k < l.n; k++)
				assert_string_equal(l.v[k].now,
						    STREQ(l.v[k].target, damage[i].vip) ? "absent" :
						    k == 0 ? "present" : l.v[k].want);
		}
		assert_int_equal(change(nc, &l, STEP_WANT, &gens), 0);
		assert_int_equal(gens, 1);
		assert_listed(&ref);
	}
	/* An element that no step names makes the whole kind's table
	 * incomplete (the engine's observe gets every step of the kind). */
	l.n--;
	observe(nc, &l);
	assert_string_equal(l.v[0].now, "incomplete");
	l.n++;

	/* An edit: one VIP's clamp lowered, the rest carried over, in one
	 * generation (ref_edit). */
	{
		struct step one = l.v[2];
		struct step *v[] = { &one };
		int res[1];
		uint32_t g = generation();

		assert_string_equal(one.target, T " vip 198.51.100.20");
		snprintf(one.want, sizeof(one.want), "1300");
		assert_int_equal(ops->change(nc, v, 1, STEP_WANT, res), 0);
		assert_int_equal(generation() - g, 1);
		assert_listed(&ref_edit);
		l.v[2] = one;
		observe(nc, &l);
		assert_nows(&l, "present", NULL);
	}

	/* An injected fault at the transaction: nothing changes. */
	setenv("LVS_RS_AGENT_FAULT", "1", 1);
	netconf_fault_reset();
	for (size_t i = 0; i < l.n; i++)
		snprintf(l.v[i].want, sizeof(l.v[i].want), "%s", i == 0 ? "present" : "1200");
	assert_int_equal(change(nc, &l, STEP_WANT, &gens), -EIO);
	assert_int_equal(gens, 0);
	assert_listed(&ref_edit);
	unsetenv("LVS_RS_AGENT_FAULT");
	netconf_fault_reset();

	/* Revert: back to the priors, no table, in one generation. */
	assert_int_equal(change(nc, &l, STEP_PRIOR, &gens), 0);
	assert_int_equal(gens, 1);
	run("nft list table inet " TUNNEL_MSS_TABLE " 2>&1", &rc);
	assert_int_not_equal(rc, 0);
	observe(nc, &l);
	assert_nows(&l, "absent", "absent");
	/* Nothing left to revert. */
	assert_int_equal(change(nc, &l, STEP_PRIOR, &gens), 0);
	assert_int_equal(gens, 0);

	steplist_done(&l);
	ref_done(&ref);
	ref_done(&ref_edit);
	netconf_close(nc);
}

static int count_cb(const struct step *s, void *data)
{
	++*(int *)data;
	return 0;
}

/* A table of that name that the agent did not make: never touched. */
static void test_foreign(void **state)
{
	struct steplist l = { 0 };
	struct netconf *nc;
	uint32_t gens;
	char *before;
	int res = 0;

	NEED_KERNEL();
	assert_int_equal(netconf_open(&nc), 0);
	nft("add table inet " TUNNEL_MSS_TABLE "\nadd chain inet " TUNNEL_MSS_TABLE " mine");
	before = strdup(listing());
	build(CONF_TABLE, NULL, &l);
	observe(nc, &l);
	assert_nows(&l, "foreign", "absent");
	assert_int_equal(change(nc, &l, STEP_WANT, &gens), -EEXIST);
	assert_int_equal(gens, 0);
	assert_non_null(strstr(netconf_error(nc), "did not create"));
	assert_string_equal(listing(), before);
	/* Nor deleted by a revert; nor marked as the agent's. */
	for (size_t i = 0; i < l.n; i++)
		snprintf(l.v[i].prior, sizeof(l.v[i].prior), "absent");
	assert_int_equal(change(nc, &l, STEP_PRIOR, &gens), -EEXIST);
	assert_string_equal(listing(), before);
	assert_int_equal(ops->marked(nc, count_cb, &res), 0);
	assert_int_equal(res, 0);
	nft("delete table inet " TUNNEL_MSS_TABLE);
	free(before);
	steplist_done(&l);
	netconf_close(nc);
}

/* marked: the agent's table and its elements, whatever a journal says. */
static void test_marked(void **state)
{
	struct steplist l = { 0 };
	struct netconf *nc;
	uint32_t gens;
	int n = 0;

	NEED_KERNEL();
	assert_int_equal(netconf_open(&nc), 0);
	build(CONF_TABLE, NULL, &l);
	assert_int_equal(change(nc, &l, STEP_WANT, &gens), 0);
	assert_int_equal(ops->marked(nc, count_cb, &n), 0);
	assert_int_equal(n, 4);
	nft("delete table inet " TUNNEL_MSS_TABLE);
	steplist_done(&l);
	netconf_close(nc);
}

static int setup(void **state)
{
	if (have_netns && nl_open(NETLINK_NETFILTER, NULL, 0, &nfnl) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	nfnl = nl_close(nfnl);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_values),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_marked),
	};

	/* A private namespace before any socket: the host's is never touched. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "test-mss: unshare(CLONE_NEWNET): %s: kernel tests skipped\n",
			strerror(errno));
	have_nft = system("nft --version >/dev/null 2>&1") == 0;
	unsetenv("LVS_RS_AGENT_FAULT");
	unsetenv("LVS_RS_AGENT_MUTE");
	unsetenv("LVS_RS_AGENT_TIMEOUT_MS");
	return cmocka_run_group_tests_name("mss", tests, setup, teardown);
}
