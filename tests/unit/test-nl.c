// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* unshare */
/*
 * netconf/nl: the netlink layer. Acks and the end of dumps parsed from
 * messages built here (with and without extended-ack text, capped or with
 * the request echoed, malformed); then, against the real kernel in a
 * private network namespace (unshare), a transaction's acks mapped back to
 * their owners, and the test build's mute switch: for a request of each
 * kind the answer never comes, and the wait ends at the deadline with the
 * request named.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netconf/nft-table.h"
#include "netconf/nl.h"

static bool have_netns;

#define NEED_KERNEL()                                                          \
	do {                                                                   \
		if (!have_netns) {                                             \
			print_message("skipped: no network namespace of our own " \
				      "(root needed)\n");                      \
			skip();                                                \
		}                                                              \
	} while (0)

/* ---- acks and dump ends, from messages built here */

struct ack_row {
	const char *name;
	uint16_t type;      /* NLMSG_ERROR or NLMSG_DONE */
	int error;
	bool capped;        /* NLM_F_CAPPED: the request is not echoed */
	size_t echo;        /* bytes of the request's payload echoed */
	uint32_t echo_len;  /* what the echoed header claims; 0: the truth */
	bool tlvs;          /* NLM_F_ACK_TLVS */
	const char *msg;    /* NLMSGERR_ATTR_MSG, NULL: none */
	bool msg_unterminated;
	bool offs;          /* an NLMSGERR_ATTR_OFFS before the text */
	size_t cut;         /* payload cut to this many bytes; 0: whole */
	size_t text_len;    /* the caller's buffer; 0: NL_ERR_SIZE */
	int want;
	const char *want_text;
};

static const struct ack_row ack_rows[] = {
	{ "ack", NLMSG_ERROR, 0, true, 0, 0, false, NULL, false, false, 0, 0, 0, "" },
	{ "error, no text", NLMSG_ERROR, -EEXIST, true, 0, 0, false, NULL, false, false, 0, 0,
	  -EEXIST, "" },
	{ "error, text, capped", NLMSG_ERROR, -EOPNOTSUPP, true, 0, 0, true,
	  "Unknown device type", false, false, 0, 0, -EOPNOTSUPP, "Unknown device type" },
	{ "error, text after an offset", NLMSG_ERROR, -EINVAL, true, 0, 0, true,
	  "Attribute failed policy validation", false, true, 0, 0, -EINVAL,
	  "Attribute failed policy validation" },
	{ "error, text after the echoed request", NLMSG_ERROR, -ENOENT, false, 24, 0, true,
	  "No such table", false, false, 0, 0, -ENOENT, "No such table" },
	{ "error, echoed request, no text", NLMSG_ERROR, -ENOENT, false, 24, 0, true, NULL,
	  false, true, 0, 0, -ENOENT, "" },
	{ "error, echo without flags: no text looked for", NLMSG_ERROR, -EPERM, false, 8, 0,
	  false, NULL, false, false, 0, 0, -EPERM, "" },
	{ "echo claiming more than the message", NLMSG_ERROR, -EINVAL, false, 8, 4096, true,
	  "never read", false, false, 0, 0, -EINVAL, "" },
	{ "echo claiming less than a header", NLMSG_ERROR, -EINVAL, false, 8, 4, true,
	  "never read", false, false, 0, 0, -EINVAL, "" },
	{ "text without its NUL", NLMSG_ERROR, -EINVAL, true, 0, 0, true, "abc", true, false, 0,
	  0, -EINVAL, "" },
	{ "text cut to the caller's buffer", NLMSG_ERROR, -EINVAL, true, 0, 0, true,
	  "a long explanation", false, false, 0, 7, -EINVAL, "a long" },
	{ "shorter than struct nlmsgerr", NLMSG_ERROR, -EINVAL, true, 0, 0, false, NULL, false,
	  false, 3, 0, -EBADMSG, "" },
	{ "a positive error", NLMSG_ERROR, 5, true, 0, 0, false, NULL, false, false, 0, 0,
	  -EPROTO, "" },
	{ "dump done", NLMSG_DONE, 0, true, 0, 0, false, NULL, false, false, 0, 0, 0, "" },
	{ "dump done, interrupted, with text", NLMSG_DONE, -EINTR, true, 0, 0, true,
	  "dump interrupted", false, false, 0, 0, -EINTR, "dump interrupted" },
	{ "dump done without its error", NLMSG_DONE, 0, true, 0, 0, false, NULL, false, false,
	  2, 0, 0, "" },
	{ "dump done, positive", NLMSG_DONE, 3, true, 0, 0, false, NULL, false, false, 0, 0,
	  -EPROTO, "" },
};

static struct nlmsghdr *ack_build(const struct ack_row *row, char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = row->type;
	nlh->nlmsg_flags = (row->capped ? NLM_F_CAPPED : 0) | (row->tlvs ? NLM_F_ACK_TLVS : 0);
	if (row->type == NLMSG_DONE) {
		int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

		*e = row->error;
	} else {
		struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

		e->error = row->error;
		e->msg.nlmsg_type = RTM_NEWADDR;
		e->msg.nlmsg_len = sizeof(struct nlmsghdr) + (uint32_t)row->echo;
		if (row->echo) {
			memset(mnl_nlmsg_put_extra_header(nlh, row->echo), 0xa5, row->echo);
			if (row->echo_len)
				e->msg.nlmsg_len = row->echo_len;
		}
	}
	if (row->offs)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	if (row->msg && row->msg_unterminated)
		mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, strlen(row->msg), row->msg);
	else if (row->msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, row->msg);
	if (row->cut)
		nlh->nlmsg_len = (uint32_t)(MNL_NLMSG_HDRLEN + row->cut);
	return nlh;
}

static void test_ack_parse(void **state)
{
	for (size_t i = 0; i < sizeof(ack_rows) / sizeof(ack_rows[0]); i++) {
		const struct ack_row *row = &ack_rows[i];
		char buf[1024] __attribute__((aligned(4))) = { 0 };
		char text[NL_ERR_SIZE];
		size_t len = row->text_len ? row->text_len : sizeof(text);
		struct nlmsghdr *nlh = ack_build(row, buf);
		int r;

		memset(text, 'x', sizeof(text));
		r = row->type == NLMSG_DONE ? nl_done_parse(nlh, text, len) :
					      nl_ack_parse(nlh, text, len);
		if (r != row->want || strcmp(text, row->want_text) != 0)
			fail_msg("%s: %d \"%s\", expected %d \"%s\"", row->name, r, text,
				 row->want, row->want_text);
	}
}

/* ---- transactions against the kernel: every ack to its owner */

static const struct nft_set_spec set = {
	.name = "vips", .id = 1, .key_type = 7, .key_len = 4,
};
static const struct nft_chain_spec chain = {
	.name = "output", .hook = NF_INET_LOCAL_OUT, .prio = NF_IP_PRI_MANGLE,
};
static const struct nft_table_spec spec = {
	.family = NFPROTO_INET, .name = "lvs_rs_agent", .sets = &set, .n_sets = 1,
	.chains = &chain, .n_chains = 1,
};

/* A rule that looks up a set: without the set the kernel refuses it. */
static struct nftnl_rule *lookup_rule(const struct nft_set_spec *s)
{
	struct nftnl_expr *e[] = {
		nft_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1),
		nft_expr_lookup(s, NFT_REG_1),
	};

	return nft_rule_new(&spec, "output", e, 2);
}

/* The messages of a row: T table, S set, C chain, R rule, X a rule looking
 * up a set that is not there; each owned by 100 + its place. */
struct txn_row {
	const char *name;
	const char *msgs;
	bool query_between; /* a request on the socket while it is built */
	int want;
	size_t want_owner;
};

static const struct txn_row txn_rows[] = {
	{ "all accepted", "TSCR", false, 0, SIZE_MAX },
	{ "all accepted, a query in between", "TSCR", true, 0, SIZE_MAX },
	{ "a set without its table", "S", false, -ENOENT, 100 },
	{ "the table twice", "TST", false, -EEXIST, 102 },
	{ "a rule without its chain", "TSR", false, -ENOENT, 102 },
	{ "a rule looking up no set", "TSCX", false, -ENOENT, 103 },
	{ "the failing one after others, a query in between", "TSCX", true, -ENOENT, 103 },
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(size_t *)data)++;
	return 0;
}

static void reset_count(void *data)
{
	*(size_t *)data = 0;
}

static void test_txn_owners(void **state)
{
	static const struct nft_set_spec missing = { .name = "none", .id = 9 };
	struct nl *nl;

	NEED_KERNEL();
	assert_int_equal(nl_open(NETLINK_NETFILTER, NULL, 0, &nl), 0);
	for (size_t i = 0; i < sizeof(txn_rows) / sizeof(txn_rows[0]); i++) {
		const struct txn_row *row = &txn_rows[i];
		struct nftnl_rule *r = lookup_rule(&set), *x = lookup_rule(&missing);
		struct nft_table_seen seen;
		struct nl_txn *t;
		size_t owner = 7;
		int k;

		assert_non_null(r);
		assert_non_null(x);
		assert_int_equal(nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &t), 0);
		for (size_t m = 0; row->msgs[m]; m++) {
			size_t o = 100 + m;

			switch (row->msgs[m]) {
			case 'T':
				nft_put_table(t, &spec, true, o);
				break;
			case 'S':
				nft_put_set(t, &spec, &set, o);
				break;
			case 'C':
				nft_put_chain(t, &spec, &chain, o);
				break;
			case 'R':
				nft_put_rule(t, r, o);
				break;
			case 'X':
				nft_put_rule(t, x, o);
				break;
			}
			/* The socket's own requests take sequence numbers
			 * while the transaction waits for its own. */
			if (row->query_between) {
				assert_int_equal(nft_table_read(nl, &spec, &seen), 0);
				nft_table_seen_done(&seen);
			}
		}
		assert_int_equal(nl_txn_count(t), strlen(row->msgs));
		k = nl_txn_commit(t, &owner);
		if (k != row->want || owner != row->want_owner)
			fail_msg("%s: %d owner %zu, expected %d owner %zu (%s)", row->name, k,
				 owner, row->want, row->want_owner, nl_error(nl));
		nl_txn_free(t);
		nftnl_rule_free(r);
		nftnl_rule_free(x);
		/* All or nothing. */
		assert_int_equal(nft_table_read(nl, &spec, &seen), 0);
		assert_int_equal(seen.state, row->want ? NFT_TABLE_ABSENT : NFT_TABLE_OURS);
		nft_table_seen_done(&seen);
		if (!row->want)
			assert_int_equal(nft_table_delete(nl, &spec), 0);
	}
	nl_close(nl);
}

/* ---- the mute switch: the answer never comes */

#define MUTE_MS 150

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The environment of the test build's switches, read again. */
static void mute(const char *n)
{
	if (n) {
		setenv("LVS_RS_AGENT_MUTE", n, 1);
		setenv("LVS_RS_AGENT_TIMEOUT_MS", "150", 1);
	} else {
		unsetenv("LVS_RS_AGENT_MUTE");
		unsetenv("LVS_RS_AGENT_TIMEOUT_MS");
	}
	nl_fault_reset();
}

/* ---- one request of each kind; each returns what its call returned */

static int req_talk(struct nl *rt)
{
	char buf[64] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = (int)if_nametoindex("lo");
	return nl_talk(rt, nlh, NULL, NULL, "RTM_GETLINK lo");
}

static int req_dump(struct nl *rt)
{
	char buf[64] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t n = 0;

	nlh->nlmsg_type = RTM_GETADDR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg));
	return nl_dump(rt, nlh, count_cb, reset_count, &n, "RTM_GETADDR dump");
}

/* A batch of one address on lo: 198.51.100.1/32. */
static bool batch_pending(void *ctx, size_t i)
{
	return true;
}

static void batch_build(void *ctx, size_t i, void *buf, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct in_addr a;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = if_nametoindex("lo");
	inet_pton(AF_INET, "198.51.100.1", &a);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
}

static void batch_describe(void *ctx, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "RTM_NEWADDR 198.51.100.1/32 dev lo");
}

static int batch_reread(void *ctx)
{
	return 0;
}

static bool batch_done(void *ctx, size_t i)
{
	return false; /* the request never went out */
}

static int req_batch(struct nl *rt)
{
	static const struct nl_batch_ops ops = {
		.pending = batch_pending, .build = batch_build,
		.describe = batch_describe, .reread = batch_reread,
		.done = batch_done, .msg_min = 32,
	};
	struct nl_first_fail first;
	int res = 1, r;

	nl_first_fail_init(&first);
	r = nl_batch_send(rt, &ops, NULL, 1, &res, &first);
	assert_int_equal(r, 0);
	nl_first_fail_done(&first, rt);
	return res;
}

static int req_txn(struct nl *nf)
{
	struct nl_txn *t;
	size_t owner;
	int r;

	assert_int_equal(nl_txn_new(nf, NFNL_SUBSYS_NFTABLES, 0, &t), 0);
	nft_put_table(t, &spec, true, 0);
	r = nl_txn_commit(t, &owner);
	nl_txn_free(t);
	return r;
}

static int req_query(struct nl *nf)
{
	struct nft_table_seen seen;
	int r = nft_table_read(nf, &spec, &seen);

	nft_table_seen_done(&seen);
	return r;
}

static int req_genl(struct nl *gn)
{
	uint16_t id = 0;
	int r = nl_genl_family(gn, "nlctrl", &id);

	if (r == 0)
		assert_int_equal(id, GENL_ID_CTRL);
	return r;
}

/* The families the kernel holds, from a dump that loads no module: the
 * controller's own id, the same as the lookup by name gives. */
static void test_genl_registered(void **state)
{
	uint16_t id = 0, by_name = 0;
	struct nl *gn;

	(void)state;
	NEED_KERNEL();
	assert_int_equal(nl_open(NETLINK_GENERIC, NULL, 0, &gn), 0);
	assert_int_equal(nl_genl_family_registered(gn, "nlctrl", &id), 0);
	assert_int_equal(id, GENL_ID_CTRL);
	assert_int_equal(nl_genl_family(gn, "nlctrl", &by_name), 0);
	assert_int_equal(by_name, id);
	id = 7;
	assert_int_equal(nl_genl_family_registered(gn, "lvs-no-such", &id), -ENOENT);
	assert_int_equal(id, 7);
	assert_int_equal(nl_genl_family(gn, "lvs-no-such", &id), -ENOENT);
	nl_close(gn);
}

static const struct mute_row {
	const char *name;
	int protocol;
	int (*req)(struct nl *nl);
	const char *text; /* what nl_error() names */
} mute_rows[] = {
	{ "rtnetlink request", NETLINK_ROUTE, req_talk, "RTM_GETLINK lo: " },
	{ "rtnetlink dump", NETLINK_ROUTE, req_dump, "RTM_GETADDR dump: " },
	{ "rtnetlink batch", NETLINK_ROUTE, req_batch, "RTM_NEWADDR 198.51.100.1/32 dev lo: " },
	{ "nf_tables query", NETLINK_NETFILTER, req_query, "NFT_MSG_GETTABLE inet lvs_rs_agent: " },
	{ "nf_tables transaction", NETLINK_NETFILTER, req_txn,
	  "nf_tables transaction of 1 message: " },
	{ "generic netlink family", NETLINK_GENERIC, req_genl, "generic netlink family nlctrl: " },
};

static bool has_address(void)
{
	return system("ip -4 -o addr show dev lo | grep -q 198.51.100.1/32") == 0;
}

static bool has_table(void)
{
	struct nft_table_seen seen;
	struct nl *nf;
	bool there;

	assert_int_equal(nl_open(NETLINK_NETFILTER, NULL, 0, &nf), 0);
	assert_int_equal(nft_table_read(nf, &spec, &seen), 0);
	there = seen.state != NFT_TABLE_ABSENT;
	nft_table_seen_done(&seen);
	nl_close(nf);
	return there;
}

/* A request that makes something: it was made; then it goes again. */
static void undo(const struct mute_row *row)
{
	if (row->req == req_txn) {
		struct nl *nf;

		assert_true(has_table());
		assert_int_equal(nl_open(NETLINK_NETFILTER, NULL, 0, &nf), 0);
		assert_int_equal(nft_table_delete(nf, &spec), 0);
		nl_close(nf);
	} else if (row->req == req_batch) {
		assert_true(has_address());
		assert_int_equal(system("ip addr del 198.51.100.1/32 dev lo"), 0);
	}
}

static void test_mute(void **state)
{
	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(mute_rows) / sizeof(mute_rows[0]); i++) {
		const struct mute_row *row = &mute_rows[i];
		char want[NL_ERR_SIZE];
		struct nl *nl;
		int64_t t0, dt;
		int r;

		/* Negative control: the same request, answered at once. */
		mute(NULL);
		assert_int_equal(nl_open(row->protocol, NULL, 0, &nl), 0);
		t0 = now_ms();
		r = row->req(nl);
		if (r != 0)
			fail_msg("%s, not muted: %d (%s)", row->name, r, nl_error(nl));
		assert_true(now_ms() - t0 < MUTE_MS);
		undo(row);
		nl_close(nl);

		/* The first request of the process swallowed: its wait ends
		 * at the deadline, naming it. */
		mute("1");
		assert_int_equal(nl_open(row->protocol, NULL, 0, &nl), 0);
		assert_int_equal(nl_timeout(nl), MUTE_MS);
		t0 = now_ms();
		r = row->req(nl);
		dt = now_ms() - t0;
		snprintf(want, sizeof(want), "%sno answer from the kernel within %d ms",
			 row->text, MUTE_MS);
		if (r != -ETIMEDOUT || !strstr(nl_error(nl), want))
			fail_msg("%s, muted: %d \"%s\", expected %d \"%s\"", row->name, r,
				 nl_error(nl), -ETIMEDOUT, want);
		if (dt < MUTE_MS || dt > MUTE_MS + 2000)
			fail_msg("%s, muted: waited %lld ms for a %d ms deadline", row->name,
				 (long long)dt, MUTE_MS);
		/* Nothing went out, so nothing was made. */
		assert_false(has_table());
		assert_false(has_address());
		/* The socket answers the next request as if nothing was. */
		r = row->req(nl);
		if (r != 0)
			fail_msg("%s, the request after the muted one: %d (%s)", row->name, r,
				 nl_error(nl));
		undo(row);
		nl_close(nl);
	}
	mute(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_parse),
		cmocka_unit_test(test_txn_owners),
		cmocka_unit_test(test_mute),
		cmocka_unit_test(test_genl_registered),
	};

	/* A private namespace before any socket: the host's is never touched. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (!have_netns)
		fprintf(stderr, "test-nl: unshare(CLONE_NEWNET): %s: kernel tests skipped\n",
			strerror(errno));
	mute(NULL);
	unsetenv("LVS_RS_AGENT_FAULT");
	unsetenv("LVS_RS_AGENT_DELAY_US");
	return cmocka_run_group_tests_name("nl", tests, NULL, NULL);
}
