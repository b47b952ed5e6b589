// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* unshare */
/*
 * netconf/nft-table: the machinery of a table owned whole serves a table
 * that is not ARP's. A small table of family inet in the shape of the MSS
 * clamp (set "vips", chain output of type filter hook output priority
 * mangle, one rule lowering the MSS of SYN-ACKs from a VIP) is built,
 * compared, replaced, damaged by nft in every way a table can differ,
 * rebuilt in exactly one nf_tables generation each time, and deleted, in a
 * private network namespace (unshare) and read back with nft itself: its
 * text and its JSON (nft -j) are those of the table nft makes of the same
 * content written in its own words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <netinet/tcp.h>

#include "netconf/nft-table.h"
#include "netconf/nl.h"

#define TABLE "lvs_rs_agent"
#define VIP1 "198.51.100.10"
#define VIP2 "198.51.100.11"

static bool have_netns, have_nft;
static struct nl *nl;

#define NEED_KERNEL()                                                          \
	do {                                                                   \
		if (!have_netns || !have_nft) {                                \
			print_message("skipped: %s\n", !have_netns ?           \
				      "no network namespace of our own (root needed)" : \
				      "no nft(8) to read the table back with");  \
			skip();                                                \
		}                                                              \
	} while (0)

static const struct nft_set_spec set = {
	.name = "vips", .id = 1, .key_type = 7 /* ipv4_addr */,
	.key_len = sizeof(struct in_addr),
};
static const struct nft_chain_spec chain = {
	.name = "output", .hook = NF_INET_LOCAL_OUT, .prio = NF_IP_PRI_MANGLE,
};
static const struct nft_table_spec spec = {
	.family = NFPROTO_INET, .name = TABLE, .sets = &set, .n_sets = 1,
	.chains = &chain, .n_chains = 1,
};

/*
 * ip saddr @vips tcp flags & (syn | ack) == (syn | ack)
 *   tcp option maxseg size > MSS tcp option maxseg size set MSS
 */
static struct nftnl_rule *mss_rule(uint16_t mss)
{
	uint8_t ipv4 = NFPROTO_IPV4, tcp = IPPROTO_TCP, synack = 0x12, zero = 0;
	uint16_t be = htons(mss);
	struct nftnl_expr *e[] = {
		nft_expr_meta(NFT_META_NFPROTO, NFT_REG_1),
		nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &ipv4, 1),
		nft_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1),
		nft_expr_lookup(&set, NFT_REG_1),
		nft_expr_meta(NFT_META_L4PROTO, NFT_REG_1),
		nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &tcp, 1),
		nft_expr_payload(NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1),
		nft_expr_bitwise(NFT_REG_1, &synack, &zero, 1),
		nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &synack, 1),
		nft_expr_tcpopt(TCPOPT_MAXSEG, 2, 2, NFT_REG_1),
		nft_expr_cmp(NFT_CMP_GT, NFT_REG_1, &be, 2),
		nft_expr_data(NFT_REG_1, &be, 2),
		nft_expr_tcpopt_set(TCPOPT_MAXSEG, 2, 2, NFT_REG_1),
	};

	return nft_rule_new(&spec, "output", e, sizeof(e) / sizeof(e[0]));
}

/* The wanted content: VIPs (NULL-ended) and the clamp at mss. */
struct want {
	struct nft_elem elems[4];
	struct nft_elems list;
	struct nftnl_rule *rule;
	struct nft_table_content c;
};

static void want_init(struct want *w, const char *const *vips, uint16_t mss)
{
	size_t n = 0;

	memset(w, 0, sizeof(*w));
	for (; vips[n]; n++)
		assert_int_equal(inet_pton(AF_INET, vips[n], w->elems[n].key), 1);
	w->list.v = w->elems;
	w->list.n = n;
	w->rule = mss_rule(mss);
	assert_non_null(w->rule);
	w->c.elems = &w->list;
	w->c.rules = &w->rule;
	w->c.n_rules = 1;
}

static void want_done(struct want *w)
{
	nftnl_rule_free(w->rule);
}

/* ---- reading the kernel with the kernel's own tools */

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

/* The ruleset's generation: one more for each transaction committed. */
static uint32_t generation(void)
{
	char buf[256] __attribute__((aligned(4))) = { 0 };
	uint32_t id = 0;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, 0);

	assert_int_equal(nl_talk(nl, nlh, gen_cb, &id, "NFT_MSG_GETGEN"), 0);
	return id;
}

/* What `cmd` prints (stderr too), and its exit status in *rc. */
static char *run(const char *cmd, int *rc)
{
	static char out[8192];
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	int st;

	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	st = pclose(f);
	if (rc)
		*rc = st;
	return out;
}

static void nft(const char *script)
{
	char cmd[2048];
	int rc;

	snprintf(cmd, sizeof(cmd), "nft -f - 2>&1 <<'EOF'\n%s\nEOF", script);
	if (strcmp(run(cmd, &rc), "") != 0 || rc != 0)
		fail_msg("nft refused: %s\n%s", script, run(cmd, NULL));
}

static char *listing(void)
{
	return run("nft list table inet " TABLE " 2>&1", NULL);
}

/* nft -j's account of it, handles aside (a table made again gets new ones). */
static char *listing_json(void)
{
	return run("nft -j list table inet " TABLE " 2>&1 | "
		   "sed -E 's/, \"handle\": [0-9]+//g; s/\"handle\": [0-9]+, //g'", NULL);
}

/* The table as nft itself makes it from its own words. */
#define RULE_TEXT(mss)                                                         \
	"ip saddr @vips tcp flags & (syn | ack) == (syn | ack) "               \
	"tcp option maxseg size > " #mss " tcp option maxseg size set " #mss
#define SCRIPT(elems, mss)                                                     \
	"table inet " TABLE " {\n"                                             \
	"comment \"" NFT_TABLE_MARKER "\"\n"                                   \
	"set vips { type ipv4_addr; elements = { " elems " } }\n"              \
	"chain output { type filter hook output priority mangle; policy accept;\n" \
	RULE_TEXT(mss) "\n}\n}"

/* The listings of the table nft makes of script, text and JSON. */
struct ref {
	char *text, *json;
};

static void reference(const char *script, struct ref *ref)
{
	nft(script);
	ref->text = strdup(listing());
	ref->json = strdup(listing_json());
	nft("delete table inet " TABLE);
	assert_non_null(ref->text);
	assert_non_null(ref->json);
	assert_non_null(strstr(ref->json, "\"maxseg\""));
	assert_null(strstr(ref->json, "\"handle\""));
}

static void ref_done(struct ref *ref)
{
	free(ref->text);
	free(ref->json);
}

/* The kernel's table is the one nft makes of the reference's script. */
static void assert_listed(const struct ref *ref)
{
	assert_string_equal(listing(), ref->text);
	assert_string_equal(listing_json(), ref->json);
}

/* Whether the kernel's table is exactly w (read back by the machinery). */
static bool same(const struct want *w)
{
	struct nft_table_seen seen;
	bool ok = false;

	assert_int_equal(nft_table_read(nl, &spec, &seen), 0);
	assert_int_equal(nft_table_same(&spec, &w->c, &seen, &ok), 0);
	nft_table_seen_done(&seen);
	return ok;
}

/* sync: expect its result, and that it took `gens` generations. */
static void sync_expect(const struct want *w, int result, uint32_t gens)
{
	uint32_t g = generation();
	int r = nft_table_sync(nl, &spec, &w->c);

	if (r != result)
		fail_msg("nft_table_sync: %d, expected %d (%s)", r, result, nl_error(nl));
	assert_int_equal(generation() - g, gens);
}

/* ---- the tests */

static void test_build_replace_delete(void **state)
{
	static const char *const one[] = { VIP1, NULL }, *const two[] = { VIP1, VIP2, NULL };
	struct ref ref1, ref2;
	struct want w1, w2;
	int rc;

	NEED_KERNEL();
	reference(SCRIPT(VIP1, 1400), &ref1);
	reference(SCRIPT(VIP1 ", " VIP2, 1380), &ref2);
	want_init(&w1, one, 1400);
	want_init(&w2, two, 1380);

	/* Negative control: nothing there, nothing the same. */
	assert_false(same(&w1));
	/* Made: exactly as nft makes it from its own words, in one go. */
	sync_expect(&w1, 1, 1);
	assert_listed(&ref1);
	assert_true(same(&w1));
	assert_false(same(&w2));
	/* Again: nothing to do, no transaction. */
	sync_expect(&w1, 0, 0);
	/* Replaced whole (another element, another MSS): one generation. */
	sync_expect(&w2, 1, 1);
	assert_listed(&ref2);
	assert_true(same(&w2));
	/* A replace of a sound table is one transaction too. */
	{
		uint32_t g = generation();

		assert_int_equal(nft_table_replace(nl, &spec, &w1.c, true), 0);
		assert_int_equal(generation() - g, 1);
		assert_listed(&ref1);
	}
	/* Deleted, in one generation; then absent to nft. */
	{
		uint32_t g = generation();

		assert_int_equal(nft_table_delete(nl, &spec), 0);
		assert_int_equal(generation() - g, 1);
		run("nft list table inet " TABLE " 2>&1", &rc);
		assert_int_not_equal(rc, 0);
		assert_false(same(&w1));
	}
	want_done(&w1);
	want_done(&w2);
	ref_done(&ref1);
	ref_done(&ref2);
}

/* Damage done by hand, each row on the table as the agent made it. */
static const struct {
	const char *name;
	const char *script;
	bool shape; /* the table's shape survives the damage */
} damage[] = {
	{ "rule deleted", "flush chain inet " TABLE " output", true },
	{ "foreign rule appended", "add rule inet " TABLE " output counter", true },
	{ "foreign rule first", "insert rule inet " TABLE " output accept", true },
	{ "rule with another MSS",
	  "flush chain inet " TABLE " output\nadd rule inet " TABLE " output " RULE_TEXT(1300),
	  true },
	{ "rule twice", "add rule inet " TABLE " output " RULE_TEXT(1400), true },
	{ "element added", "add element inet " TABLE " vips { 192.0.2.1 }", true },
	{ "element removed", "delete element inet " TABLE " vips { " VIP1 " }", true },
	{ "chain added", "add chain inet " TABLE " extra", false },
	{ "base chain added",
	  "add chain inet " TABLE " input { type filter hook input priority 0; policy accept; }",
	  false },
	{ "set added", "add set inet " TABLE " other { type ipv4_addr; }", false },
	{ "table dormant", "add table inet " TABLE " { flags dormant; }", false },
	{ "chain policy drop",
	  "add chain inet " TABLE " output { type filter hook output priority mangle; policy drop; }",
	  false },
	{ "chain at another priority",
	  "delete chain inet " TABLE " output\n"
	  "add chain inet " TABLE " output { type filter hook output priority filter; policy accept; }\n"
	  "add rule inet " TABLE " output " RULE_TEXT(1400),
	  false },
	{ "set with intervals",
	  "delete chain inet " TABLE " output\ndelete set inet " TABLE " vips\n"
	  "add set inet " TABLE " vips { type ipv4_addr; flags interval; elements = { " VIP1 " }; }\n"
	  "add chain inet " TABLE " output { type filter hook output priority mangle; policy accept; }\n"
	  "add rule inet " TABLE " output " RULE_TEXT(1400),
	  false },
};

static void test_damage_rebuilt(void **state)
{
	static const char *const one[] = { VIP1, NULL };
	struct ref ref;
	struct want w;

	NEED_KERNEL();
	reference(SCRIPT(VIP1, 1400), &ref);
	want_init(&w, one, 1400);
	sync_expect(&w, 1, 1);
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		struct nft_table_seen seen;

		print_message("damage: %s\n", damage[i].name);
		nft(damage[i].script);
		assert_false(same(&w));
		assert_int_equal(nft_table_read(nl, &spec, &seen), 0);
		assert_int_equal(seen.state, NFT_TABLE_OURS); /* the marker stays */
		assert_int_equal(nft_table_shape_ok(&spec, &seen), damage[i].shape);
		nft_table_seen_done(&seen);
		/* Rebuilt whole, in exactly one transaction. */
		sync_expect(&w, 1, 1);
		assert_listed(&ref);
		assert_true(same(&w));
	}
	assert_int_equal(nft_table_delete(nl, &spec), 0);
	want_done(&w);
	ref_done(&ref);
}

/* A table of the same name that the agent did not make: left alone. */
static void test_foreign(void **state)
{
	static const char *const one[] = { VIP1, NULL };
	_cleanup_free_ char *before = NULL;
	struct nft_table_seen seen;
	struct want w;

	NEED_KERNEL();
	want_init(&w, one, 1400);
	nft("add table inet " TABLE "\nadd chain inet " TABLE " mine");
	before = strdup(listing());
	assert_int_equal(nft_table_read(nl, &spec, &seen), 0);
	assert_int_equal(seen.state, NFT_TABLE_FOREIGN);
	assert_false(nft_table_shape_ok(&spec, &seen));
	nft_table_seen_done(&seen);
	sync_expect(&w, -EEXIST, 0);
	assert_non_null(strstr(nl_error(nl), "did not create"));
	assert_string_equal(listing(), before);
	nft("delete table inet " TABLE);
	want_done(&w);
}

/* The transaction's refusal names the message that failed: its owner. */
static void test_refused(void **state)
{
	static const char *const one[] = { VIP1, NULL };
	struct nl_txn *t;
	struct want w;
	size_t owner;
	int rc;

	NEED_KERNEL();
	want_init(&w, one, 1400);
	assert_int_equal(nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &t), 0);
	nft_put_table(t, &spec, true, 0);
	nft_put_set(t, &spec, &set, 1);
	/* The chain is not made: the rule has nowhere to go. */
	nft_put_rule(t, w.rule, 2);
	assert_int_equal(nl_txn_count(t), 3);
	assert_int_equal(nl_txn_commit(t, &owner), -ENOENT);
	assert_int_equal(owner, 2);
	assert_true(nl_txn_sent(t));
	nl_txn_free(t);
	/* All or nothing: no table. */
	run("nft list table inet " TABLE " 2>&1", &rc);
	assert_int_not_equal(rc, 0);
	want_done(&w);
}

static int setup(void **state)
{
	if (have_netns && nl_open(NETLINK_NETFILTER, NULL, 0, &nl) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	nl = nl_close(nl);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_replace_delete),
		cmocka_unit_test(test_damage_rebuilt),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_refused),
	};

	/* A private namespace before any socket: the host's is never touched. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "test-nft-table: unshare(CLONE_NEWNET): %s: kernel tests skipped\n",
			strerror(errno));
	have_nft = system("nft --version >/dev/null 2>&1") == 0;
	unsetenv("LVS_RS_AGENT_FAULT");
	unsetenv("LVS_RS_AGENT_MUTE");
	unsetenv("LVS_RS_AGENT_TIMEOUT_MS");
	return cmocka_run_group_tests_name("nft-table", tests, setup, teardown);
}
