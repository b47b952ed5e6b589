// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An nf_tables table owned whole: expressions and rules, the messages of a
 * transaction that makes, edits or deletes it, and whole tables replaced
 * or deleted in one transaction. Reading back is in nft-read.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconf.h" /* first: its <netinet/in.h> before <linux/in.h> */

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>

#include "../lib/macro.h"
#include "nft-table.h"
#include "nl.h"

/*
 * The room of one message: a table with its comment, a set, a chain or a
 * rule of some twenty expressions. An element message takes its own.
 */
#define MSG_ROOM 4096
#define ELEM_ROOM 96

/* ---- expressions */

struct nftnl_expr *nft_expr_meta(uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return e;
}

static struct nftnl_expr *payload(uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return e;
}

struct nftnl_expr *nft_expr_payload(uint32_t base, uint32_t off, uint32_t len,
				    uint32_t dreg)
{
	struct nftnl_expr *e = payload(base, off, len);

	if (e)
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return e;
}

struct nftnl_expr *nft_expr_payload_set(uint32_t base, uint32_t off,
					uint32_t len, uint32_t sreg)
{
	struct nftnl_expr *e = payload(base, off, len);

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE, NFT_PAYLOAD_CSUM_NONE);
	return e;
}

struct nftnl_expr *nft_expr_cmp(uint32_t op, uint32_t sreg, const void *data,
				uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return e;
}

struct nftnl_expr *nft_expr_bitwise(uint32_t reg, const void *mask,
				    const void *xor, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	return e;
}

struct nftnl_expr *nft_expr_lookup(const struct nft_set_spec *set, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set->id);
	return e;
}

struct nftnl_expr *nft_expr_data(uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	return e;
}

struct nftnl_expr *nft_expr_verdict(int verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	return e;
}

static struct nftnl_expr *tcpopt(uint8_t type, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("exthdr");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
	nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, len);
	return e;
}

struct nftnl_expr *nft_expr_tcpopt(uint8_t type, uint32_t off, uint32_t len,
				   uint32_t dreg)
{
	struct nftnl_expr *e = tcpopt(type, off, len);

	if (e)
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, dreg);
	return e;
}

struct nftnl_expr *nft_expr_tcpopt_set(uint8_t type, uint32_t off, uint32_t len,
				       uint32_t sreg)
{
	struct nftnl_expr *e = tcpopt(type, off, len);

	if (e)
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_SREG, sreg);
	return e;
}

struct nftnl_rule *nft_rule_new(const struct nft_table_spec *spec,
				const char *chain, struct nftnl_expr **e, size_t n)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	bool whole = r != NULL;

	for (size_t i = 0; i < n; i++)
		whole = whole && e[i];
	if (!whole) {
		for (size_t i = 0; i < n; i++)
			if (e[i])
				nftnl_expr_free(e[i]);
		if (r)
			nftnl_rule_free(r);
		return NULL;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, spec->family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, spec->name);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	for (size_t i = 0; i < n; i++)
		nftnl_rule_add_expr(r, e[i]);
	return r;
}

/* ---- the messages of a transaction */

/* Room for one message of `type` in t, its header written. */
static struct nlmsghdr *put_hdr(struct nl_txn *t, const struct nft_table_spec *spec,
				uint16_t type, uint16_t flags, size_t room,
				size_t owner)
{
	void *buf = nl_txn_next(t, room, owner);

	if (!buf)
		return NULL;
	return nftnl_nlmsg_build_hdr(buf, type, (uint16_t)spec->family, flags, 0);
}

/* A table's message: made (with the marker, `flags` when not NO_FLAGS),
 * updated, or deleted. */
enum table_op { TABLE_MAKE, TABLE_UPDATE, TABLE_DELETE };
#define NO_FLAGS UINT32_MAX

static void put_table(struct nl_txn *t, const struct nft_table_spec *spec,
		      enum table_op op, uint32_t flags, size_t owner)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nftnl_udata_buf *ud = NULL;
	struct nlmsghdr *nlh;

	if (!tb)
		goto oom;
	nftnl_table_set_u32(tb, NFTNL_TABLE_FAMILY, spec->family);
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, spec->name);
	if (flags != NO_FLAGS)
		nftnl_table_set_u32(tb, NFTNL_TABLE_FLAGS, flags);
	if (op == TABLE_MAKE) {
		ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT,
						 NFT_TABLE_MARKER))
			goto oom;
		nftnl_table_set_data(tb, NFTNL_TABLE_USERDATA,
				     nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	}
	nlh = put_hdr(t, spec, op == TABLE_DELETE ? NFT_MSG_DELTABLE : NFT_MSG_NEWTABLE,
		      op == TABLE_MAKE ? NLM_F_CREATE | NLM_F_EXCL : 0, MSG_ROOM, owner);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, tb);
		nl_txn_close(t);
	}
	goto out;
oom:
	nl_txn_fail(t, -ENOMEM);
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	if (tb)
		nftnl_table_free(tb);
}

void nft_put_table(struct nl_txn *t, const struct nft_table_spec *spec,
		   bool create, size_t owner)
{
	put_table(t, spec, create ? TABLE_MAKE : TABLE_DELETE, NO_FLAGS, owner);
}

void nft_put_table_flags(struct nl_txn *t, const struct nft_table_spec *spec,
			 uint32_t flags, size_t owner)
{
	put_table(t, spec, TABLE_MAKE, flags ? flags : NO_FLAGS, owner);
}

void nft_put_table_update(struct nl_txn *t, const struct nft_table_spec *spec,
			  uint32_t flags, size_t owner)
{
	put_table(t, spec, TABLE_UPDATE, flags, owner);
}

/* A set object naming spec's set: the messages about it and its elements. */
static struct nftnl_set *set_obj(const struct nft_table_spec *spec,
				 const struct nft_set_spec *set)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, spec->family);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, spec->name);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nftnl_set_set_u32(s, NFTNL_SET_ID, set->id);
	return s;
}

void nft_put_set(struct nl_txn *t, const struct nft_table_spec *spec,
		 const struct nft_set_spec *set, size_t owner)
{
	struct nftnl_set *s = set_obj(spec, set);
	struct nlmsghdr *nlh;

	if (!s) {
		nl_txn_fail(t, -ENOMEM);
		return;
	}
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, set->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, set->key_len);
	if (set->flags)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, set->flags);
	nlh = put_hdr(t, spec, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, MSG_ROOM,
		      owner);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nl_txn_close(t);
	}
	nftnl_set_free(s);
}

void nft_put_chain(struct nl_txn *t, const struct nft_table_spec *spec,
		   const struct nft_chain_spec *chain, size_t owner)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		nl_txn_fail(t, -ENOMEM);
		return;
	}
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, spec->family);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, spec->name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain->name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chain->hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chain->prio);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = put_hdr(t, spec, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, MSG_ROOM,
		      owner);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nl_txn_close(t);
	}
	nftnl_chain_free(c);
}

void nft_put_elems(struct nl_txn *t, const struct nft_table_spec *spec,
		   const struct nft_set_spec *set, const struct nft_elem *e,
		   size_t n, bool add, size_t owner)
{
	struct nftnl_set *s = set_obj(spec, set);
	struct nlmsghdr *nlh;

	if (!s)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *x = nftnl_set_elem_alloc();

		if (!x)
			goto oom;
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e[i].key, set->key_len);
		if (e[i].end)
			nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS,
					       NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, x);
	}
	nlh = put_hdr(t, spec, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
		      add ? NLM_F_CREATE | NLM_F_EXCL : 0,
		      256 + strlen(spec->name) + strlen(set->name) + n * ELEM_ROOM, owner);
	if (nlh) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nl_txn_close(t);
	}
	nftnl_set_free(s);
	return;
oom:
	nl_txn_fail(t, -ENOMEM);
	if (s)
		nftnl_set_free(s);
}

void nft_put_rule(struct nl_txn *t, const struct nftnl_rule *r, size_t owner)
{
	void *buf = nl_txn_next(t, MSG_ROOM, owner);
	struct nlmsghdr *nlh;

	if (!buf)
		return;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE,
				    (uint16_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
				    NLM_F_CREATE | NLM_F_APPEND, 0);
	nftnl_rule_nlmsg_build_payload(nlh, (struct nftnl_rule *)r);
	nl_txn_close(t);
}

void nft_put_delrule(struct nl_txn *t, const struct nft_table_spec *spec,
		     const char *chain, uint64_t handle, size_t owner)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		nl_txn_fail(t, -ENOMEM);
		return;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, spec->family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, spec->name);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nlh = put_hdr(t, spec, NFT_MSG_DELRULE, 0, MSG_ROOM, owner);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nl_txn_close(t);
	}
	nftnl_rule_free(r);
}

void nft_put_whole(struct nl_txn *t, const struct nft_table_spec *spec,
		   const struct nft_table_content *want, size_t owner)
{
	nft_put_table(t, spec, true, owner);
	for (size_t i = 0; i < spec->n_sets; i++)
		nft_put_set(t, spec, &spec->sets[i], owner);
	for (size_t i = 0; i < spec->n_chains; i++)
		nft_put_chain(t, spec, &spec->chains[i], owner);
	/* One message per element: an interval's start and end each. */
	for (size_t i = 0; i < spec->n_sets; i++)
		for (size_t k = 0; k < want->elems[i].n; k++)
			nft_put_elems(t, spec, &spec->sets[i], &want->elems[i].v[k],
				      1, true, owner);
	for (size_t i = 0; i < want->n_rules; i++)
		nft_put_rule(t, want->rules[i], owner);
}

/* ---- whole tables */

static int commit(struct nl_txn *t)
{
	size_t owner;
	int r = nl_txn_commit(t, &owner);

	nl_txn_free(t);
	return r;
}

int nft_table_replace(struct nl *nl, const struct nft_table_spec *spec,
		      const struct nft_table_content *want, bool exists)
{
	struct nl_txn *t;
	int r = nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &t);

	if (r < 0)
		return r;
	if (exists)
		nft_put_table(t, spec, false, SIZE_MAX);
	nft_put_whole(t, spec, want, SIZE_MAX);
	return commit(t);
}

int nft_table_delete(struct nl *nl, const struct nft_table_spec *spec)
{
	struct nl_txn *t;
	int r = nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &t);

	if (r < 0)
		return r;
	nft_put_table(t, spec, false, SIZE_MAX);
	return commit(t);
}

int nft_probe_persist(struct nl *nl, int family)
{
	const struct nft_table_spec probe = { .family = family, .name = "lvs_rs_agent_probe" };
	uint32_t flags = NFT_TABLE_F_PERSIST;
	struct nl_txn *t;
	int r;

#ifdef LVS_FAULT_INJECTION
	/* The test build's way to the path of kernels before 6.9 on a newer
	 * one: a flag no kernel has, which it refuses as 6.1 refuses
	 * PERSIST. */
	if (getenv("LVS_RS_AGENT_NO_PERSIST"))
		flags |= 0x80;
#endif
	r = nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &t);
	if (r < 0)
		return r;
	put_table(t, &probe, TABLE_MAKE, flags, 0);
	put_table(t, &probe, TABLE_DELETE, NO_FLAGS, 1);
	r = commit(t);
	if (r == -EOPNOTSUPP)
		return 0;
	return r < 0 ? r : 1;
}

int netconf_nft_read(struct netconf *nc, const struct nft_table_spec *spec,
		     struct nft_table_seen *seen)
{
	struct nl *nl;
	int r = netconf_nl(nc, NETLINK_NETFILTER, &nl);

	if (r < 0)
		return r;
	r = nft_table_read(nl, spec, seen);
	if (r < 0)
		netconf_set_error(nc, "cannot read the nf_tables table %s %s: %s",
				  nft_family_name(spec->family), spec->name,
				  r == -ETIMEDOUT || r == -EAGAIN ? nl_error(nl) : strerror(-r));
	return r;
}

int nft_table_sync(struct nl *nl, const struct nft_table_spec *spec,
		   const struct nft_table_content *want)
{
	struct nft_table_seen seen;
	bool same = false;
	int r;

	r = nft_table_read(nl, spec, &seen);
	if (r < 0)
		return r;
	if (seen.state == NFT_TABLE_FOREIGN) {
		nl_set_error(nl, "a table %s %s exists that lvs-rs-agent did not create",
			     nft_family_name(spec->family), spec->name);
		r = -EEXIST;
	} else {
		r = nft_table_same(spec, want, &seen, &same);
	}
	if (r == 0 && !same)
		r = nft_table_replace(nl, spec, want, seen.state == NFT_TABLE_OURS);
	nft_table_seen_done(&seen);
	return r < 0 ? r : !same;
}
