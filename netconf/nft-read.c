// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An nf_tables table read back whole (its flags, sets with their elements,
 * chains, rules) and compared with what it should hold.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "nft-read.h"
#include "nl.h"

/* A request is a header and a name or two. */
#define REQ_SIZE 1024
/* The longest rule text compared: some 60 bytes an expression. */
#define RULE_TEXT_MAX 4096

const char *nft_family_name(uint32_t family)
{
	switch (family) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_ARP:
		return "arp";
	case NFPROTO_NETDEV:
		return "netdev";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_IPV6:
		return "ip6";
	}
	return "?";
}

/* ---- rules as text */

/*
 * The fields of each expression the agent makes, read alike from a rule it
 * built and from one the kernel lists: an attribute that one of them leaves
 * unset reads 0 (or empty), as the kernel takes it. Any other expression is
 * told by its name alone: the agent writes none, so a rule holding one is
 * never the agent's.
 */
enum field_kind { F_U32, F_U8, F_STR, F_DATA };

struct expr_fields {
	const char *name;
	struct {
		uint16_t attr;
		uint8_t kind;
	} f[8];
};

static const struct expr_fields expr_fields[] = {
	{ "meta", { { NFTNL_EXPR_META_KEY, F_U32 }, { NFTNL_EXPR_META_DREG, F_U32 },
		    { NFTNL_EXPR_META_SREG, F_U32 } } },
	{ "cmp", { { NFTNL_EXPR_CMP_SREG, F_U32 }, { NFTNL_EXPR_CMP_OP, F_U32 },
		   { NFTNL_EXPR_CMP_DATA, F_DATA } } },
	{ "payload", { { NFTNL_EXPR_PAYLOAD_BASE, F_U32 }, { NFTNL_EXPR_PAYLOAD_OFFSET, F_U32 },
		       { NFTNL_EXPR_PAYLOAD_LEN, F_U32 }, { NFTNL_EXPR_PAYLOAD_DREG, F_U32 },
		       { NFTNL_EXPR_PAYLOAD_SREG, F_U32 }, { NFTNL_EXPR_PAYLOAD_CSUM_TYPE, F_U32 },
		       { NFTNL_EXPR_PAYLOAD_CSUM_OFFSET, F_U32 },
		       { NFTNL_EXPR_PAYLOAD_FLAGS, F_U32 } } },
	{ "lookup", { { NFTNL_EXPR_LOOKUP_SREG, F_U32 }, { NFTNL_EXPR_LOOKUP_DREG, F_U32 },
		      { NFTNL_EXPR_LOOKUP_SET, F_STR }, { NFTNL_EXPR_LOOKUP_FLAGS, F_U32 } } },
	{ "immediate", { { NFTNL_EXPR_IMM_DREG, F_U32 }, { NFTNL_EXPR_IMM_VERDICT, F_U32 },
			 { NFTNL_EXPR_IMM_CHAIN, F_STR }, { NFTNL_EXPR_IMM_DATA, F_DATA } } },
	{ "bitwise", { { NFTNL_EXPR_BITWISE_SREG, F_U32 }, { NFTNL_EXPR_BITWISE_DREG, F_U32 },
		       { NFTNL_EXPR_BITWISE_OP, F_U32 }, { NFTNL_EXPR_BITWISE_LEN, F_U32 },
		       { NFTNL_EXPR_BITWISE_MASK, F_DATA }, { NFTNL_EXPR_BITWISE_XOR, F_DATA },
		       { NFTNL_EXPR_BITWISE_DATA, F_DATA } } },
	{ "exthdr", { { NFTNL_EXPR_EXTHDR_OP, F_U32 }, { NFTNL_EXPR_EXTHDR_TYPE, F_U8 },
		      { NFTNL_EXPR_EXTHDR_OFFSET, F_U32 }, { NFTNL_EXPR_EXTHDR_LEN, F_U32 },
		      { NFTNL_EXPR_EXTHDR_DREG, F_U32 }, { NFTNL_EXPR_EXTHDR_SREG, F_U32 },
		      { NFTNL_EXPR_EXTHDR_FLAGS, F_U32 } } },
};

struct text {
	char *buf;
	size_t len, used;
	bool cut;
};

static void text_add(struct text *t, const char *fmt, ...) _printf_(2, 3);
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (t->cut)
		return;
	va_start(ap, fmt);
	k = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= t->len - t->used)
		t->cut = true;
	else
		t->used += (size_t)k;
}

static void expr_text(const struct nftnl_expr *e, struct text *t)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const struct expr_fields *x = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(expr_fields) && !x; i++)
		if (STREQ(expr_fields[i].name, name))
			x = &expr_fields[i];
	text_add(t, "%s", name);
	for (size_t i = 0; x && i < ARRAY_SIZE(x->f) && x->f[i].attr; i++) {
		uint16_t a = x->f[i].attr;
		const unsigned char *p;
		const char *str;
		uint32_t len = 0;

		switch (x->f[i].kind) {
		case F_U32:
			text_add(t, " %u", nftnl_expr_get_u32(e, a));
			break;
		case F_U8:
			text_add(t, " %u", nftnl_expr_get_u8(e, a));
			break;
		case F_STR:
			str = nftnl_expr_get_str(e, a);
			text_add(t, " \"%s\"", str ? str : "");
			break;
		case F_DATA:
			p = nftnl_expr_get(e, a, &len);
			text_add(t, " ");
			for (uint32_t k = 0; p && k < len; k++)
				text_add(t, "%02x", p[k]);
			break;
		}
	}
	text_add(t, ";");
}

int nft_rule_text(const struct nftnl_rule *r, char *buf, size_t len)
{
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	struct text t = { .buf = buf, .len = len };

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	it = nftnl_expr_iter_create(r);
	if (!it)
		return -ENOMEM;
	while ((e = nftnl_expr_iter_next(it)))
		expr_text(e, &t);
	nftnl_expr_iter_destroy(it);
	return t.cut ? -ENOSPC : (int)t.used;
}

bool nft_rule_same(const struct nftnl_rule *a, const struct nftnl_rule *b)
{
	_cleanup_free_ char *ta = malloc(RULE_TEXT_MAX);
	_cleanup_free_ char *tb = malloc(RULE_TEXT_MAX);

	return ta && tb && nft_rule_text(a, ta, RULE_TEXT_MAX) >= 0 &&
	       nft_rule_text(b, tb, RULE_TEXT_MAX) >= 0 && STREQ(ta, tb);
}

/* ---- reading */

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, NFT_NAME_MAXLEN, "%s", src ? src : "");
}

static int marker_cb(const struct nftnl_udata *attr, void *data)
{
	bool *found = data;
	const char *s = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && len > 0 &&
	    s[len - 1] == '\0' && STREQ(s, NFT_TABLE_MARKER))
		*found = true;
	return 0;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_table_seen *s = data;
	struct nftnl_table *t = nftnl_table_alloc();
	bool marker = false;
	const void *ud;
	uint32_t len = 0;

	if (!t)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		return -EBADMSG;
	}
	ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
	if (ud && len)
		nftnl_udata_parse(ud, len, marker_cb, &marker);
	s->state = marker ? NFT_TABLE_OURS : NFT_TABLE_FOREIGN;
	if (nftnl_table_is_set(t, NFTNL_TABLE_FLAGS))
		s->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	if (nftnl_table_is_set(t, NFTNL_TABLE_OWNER))
		s->owner = nftnl_table_get_u32(t, NFTNL_TABLE_OWNER);
	nftnl_table_free(t);
	return 0;
}

/* Every dump holds what one table has; the kernel filters sets and rules by
 * table, chains are filtered here. */
struct reader {
	const struct nft_table_spec *spec;
	struct nft_table_seen *s;
	size_t cap;
	struct nft_set_seen *set; /* whose elements are read */
};

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nft_table_seen *s = rd->s;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nft_chain_seen *x;
	const char *table, *type;
	int r = 0;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		r = -EBADMSG;
		goto out;
	}
	table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	if (!table || !STREQ(table, rd->spec->name))
		goto out;
	r = array_grow((void **)&s->chains, s->n_chains, &rd->cap, sizeof(*x));
	if (r < 0)
		goto out;
	x = &s->chains[s->n_chains++];
	memset(x, 0, sizeof(*x));
	copy_name(x->name, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	snprintf(x->type, sizeof(x->type), "%s", type ? type : "");
	x->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
	if (x->base) {
		x->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		x->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
		x->policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
	}
out:
	nftnl_chain_free(c);
	return r;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nft_table_seen *s = rd->s;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nft_set_seen *x;
	const char *table;
	int r = 0;

	if (!set)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, set) < 0) {
		r = -EBADMSG;
		goto out;
	}
	table = nftnl_set_get_str(set, NFTNL_SET_TABLE);
	if (!table || !STREQ(table, rd->spec->name))
		goto out;
	r = array_grow((void **)&s->sets, s->n_sets, &rd->cap, sizeof(*x));
	if (r < 0)
		goto out;
	x = &s->sets[s->n_sets++];
	memset(x, 0, sizeof(*x));
	copy_name(x->name, nftnl_set_get_str(set, NFTNL_SET_NAME));
	x->key_type = nftnl_set_get_u32(set, NFTNL_SET_KEY_TYPE);
	x->key_len = nftnl_set_get_u32(set, NFTNL_SET_KEY_LEN);
	if (nftnl_set_is_set(set, NFTNL_SET_FLAGS))
		x->flags = nftnl_set_get_u32(set, NFTNL_SET_FLAGS);
out:
	nftnl_set_free(set);
	return r;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nft_set_seen *x = rd->set;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	struct nftnl_set_elem *e;
	int r = -EBADMSG;

	if (!set)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, set) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(set);
	r = it ? 0 : -ENOMEM;
	while (r == 0 && (e = nftnl_set_elems_iter_next(it))) {
		uint32_t len = 0;
		const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		struct nft_elem *y;

		/* A key the set's own length does not give: not a key. */
		if (!k || len != x->key_len || len > NFT_KEY_MAX)
			continue;
		r = array_grow((void **)&x->elems, x->n_elems, &rd->cap, sizeof(*y));
		if (r < 0)
			break;
		y = &x->elems[x->n_elems++];
		memset(y, 0, sizeof(*y));
		memcpy(y->key, k, len);
		y->end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			 (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			  NFT_SET_ELEM_INTERVAL_END);
	}
out:
	if (it)
		nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(set);
	return r;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nft_table_seen *s = rd->s;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nft_rule_seen *x;
	const char *table;
	int k;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return -EBADMSG;
	}
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	if (!table || !STREQ(table, rd->spec->name)) {
		nftnl_rule_free(r);
		return 0;
	}
	k = array_grow((void **)&s->rules, s->n_rules, &rd->cap, sizeof(*x));
	if (k < 0) {
		nftnl_rule_free(r);
		return k;
	}
	x = &s->rules[s->n_rules++];
	memset(x, 0, sizeof(*x));
	copy_name(x->chain, nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	x->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	x->r = r;
	return 0;
}

static void reset_chains(void *data)
{
	struct reader *rd = data;

	rd->s->n_chains = 0;
}

static void reset_sets(void *data)
{
	struct reader *rd = data;

	rd->s->n_sets = 0;
}

static void reset_elems(void *data)
{
	struct reader *rd = data;

	rd->set->n_elems = 0;
}

static void reset_rules(void *data)
{
	struct reader *rd = data;

	for (size_t i = 0; i < rd->s->n_rules; i++)
		nftnl_rule_free(rd->s->rules[i].r);
	rd->s->n_rules = 0;
}

/* A request of `type` about spec's table (set: one of its sets). */
static struct nlmsghdr *request(char *buf, uint16_t type, uint16_t flags,
				const struct nft_table_spec *spec, const char *set)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, REQ_SIZE);
	nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)spec->family, flags, 0);
	if (type == NFT_MSG_GETTABLE)
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, spec->name);
	else if (type == NFT_MSG_GETSET)
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, spec->name);
	else if (type == NFT_MSG_GETRULE)
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, spec->name);
	if (type == NFT_MSG_GETSETELEM) {
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, spec->name);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	}
	return nlh;
}

int nft_table_read(struct nl *nl, const struct nft_table_spec *spec,
		   struct nft_table_seen *ret)
{
	char buf[REQ_SIZE] __attribute__((aligned(4)));
	char what[NFT_NAME_MAXLEN + 64];
	const char *fam = nft_family_name(spec->family);
	struct reader rd = { .spec = spec, .s = ret };
	int r;

	memset(ret, 0, sizeof(*ret));
	snprintf(what, sizeof(what), "NFT_MSG_GETTABLE %s %s", fam, spec->name);
	r = nl_talk(nl, request(buf, NFT_MSG_GETTABLE, 0, spec, NULL), table_cb,
		    ret, what);
	if (r == -ENOENT) {
		ret->state = NFT_TABLE_ABSENT;
		return 0;
	}
	if (r < 0 || ret->state != NFT_TABLE_OURS)
		goto out;

	r = nl_dump(nl, request(buf, NFT_MSG_GETCHAIN, 0, spec, NULL), chain_cb,
		    reset_chains, &rd, "NFT_MSG_GETCHAIN dump");
	if (r < 0)
		goto out;
	rd.cap = 0;
	/* A table deleted since: nothing in it. */
	r = nl_dump(nl, request(buf, NFT_MSG_GETSET, 0, spec, NULL), set_cb,
		    reset_sets, &rd, "NFT_MSG_GETSET dump");
	if (r < 0 && r != -ENOENT)
		goto out;
	for (size_t i = 0; i < ret->n_sets; i++) {
		rd.set = &ret->sets[i];
		rd.cap = 0;
		snprintf(what, sizeof(what), "NFT_MSG_GETSETELEM dump %s %s %s", fam,
			 spec->name, rd.set->name);
		r = nl_dump(nl, request(buf, NFT_MSG_GETSETELEM, 0, spec, rd.set->name),
			    elem_cb, reset_elems, &rd, what);
		if (r < 0 && r != -ENOENT)
			goto out;
	}
	rd.cap = 0;
	r = nl_dump(nl, request(buf, NFT_MSG_GETRULE, 0, spec, NULL), rule_cb,
		    reset_rules, &rd, "NFT_MSG_GETRULE dump");
	if (r == -ENOENT)
		r = 0;
out:
	if (r < 0)
		nft_table_seen_done(ret);
	return r < 0 ? r : 0;
}

void nft_table_seen_done(struct nft_table_seen *s)
{
	for (size_t i = 0; i < s->n_sets; i++)
		free(s->sets[i].elems);
	for (size_t i = 0; i < s->n_rules; i++)
		nftnl_rule_free(s->rules[i].r);
	free(s->sets);
	free(s->chains);
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

const struct nft_set_seen *nft_table_seen_set(const struct nft_table_seen *s,
					      const char *name)
{
	for (size_t i = 0; i < s->n_sets; i++)
		if (STREQ(s->sets[i].name, name))
			return &s->sets[i];
	return NULL;
}

/* ---- comparing */

static const struct nft_chain_seen *seen_chain(const struct nft_table_seen *s,
					       const char *name)
{
	for (size_t i = 0; i < s->n_chains; i++)
		if (STREQ(s->chains[i].name, name))
			return &s->chains[i];
	return NULL;
}

bool nft_table_shape_ok(const struct nft_table_spec *spec,
			const struct nft_table_seen *s)
{
	if (s->state != NFT_TABLE_OURS || (s->flags & ~NFT_TABLE_OWNERSHIP) ||
	    s->n_sets != spec->n_sets || s->n_chains != spec->n_chains)
		return false;
	/* Names are unique in a table: as many and each found is the same. */
	for (size_t i = 0; i < spec->n_sets; i++) {
		const struct nft_set_spec *w = &spec->sets[i];
		const struct nft_set_seen *x = nft_table_seen_set(s, w->name);

		if (!x || x->key_type != w->key_type || x->key_len != w->key_len ||
		    x->flags != w->flags)
			return false;
	}
	for (size_t i = 0; i < spec->n_chains; i++) {
		const struct nft_chain_spec *w = &spec->chains[i];
		const struct nft_chain_seen *x = seen_chain(s, w->name);

		if (!x || !x->base || x->hook != w->hook || x->prio != w->prio ||
		    x->policy != NF_ACCEPT || !STREQ(x->type, "filter"))
			return false;
	}
	return true;
}

static int elem_cmp(const void *a, const void *b)
{
	const struct nft_elem *x = a, *y = b;
	int k = memcmp(x->key, y->key, sizeof(x->key));

	return k ? k : (int)x->end - (int)y->end;
}

/* Whether two lists hold the same elements, in any order. */
static int same_elems(const struct nft_elem *a, const struct nft_elem *b,
		      size_t n, bool *ret)
{
	_cleanup_free_ struct nft_elem *x = NULL, *y = NULL;

	*ret = true;
	if (!n)
		return 0;
	x = malloc(n * sizeof(*x));
	y = malloc(n * sizeof(*y));
	if (!x || !y)
		return -ENOMEM;
	memcpy(x, a, n * sizeof(*x));
	memcpy(y, b, n * sizeof(*y));
	qsort(x, n, sizeof(*x), elem_cmp);
	qsort(y, n, sizeof(*y), elem_cmp);
	for (size_t i = 0; i < n && *ret; i++)
		*ret = elem_cmp(&x[i], &y[i]) == 0;
	return 0;
}

/* Whether chain's rules are want's rules of that chain, in order. */
static bool same_rules(const struct nft_table_content *want,
		       const struct nft_table_seen *s, const char *chain)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_rules; i++) {
		if (!STREQ(s->rules[i].chain, chain))
			continue;
		while (k < want->n_rules &&
		       !STREQ(nftnl_rule_get_str(want->rules[k], NFTNL_RULE_CHAIN), chain))
			k++;
		if (k == want->n_rules || !nft_rule_same(want->rules[k], s->rules[i].r))
			return false;
		k++;
	}
	while (k < want->n_rules &&
	       !STREQ(nftnl_rule_get_str(want->rules[k], NFTNL_RULE_CHAIN), chain))
		k++;
	return k == want->n_rules;
}

int nft_table_same(const struct nft_table_spec *spec,
		   const struct nft_table_content *want,
		   const struct nft_table_seen *s, bool *ret)
{
	int r;

	*ret = nft_table_shape_ok(spec, s);
	for (size_t i = 0; *ret && i < spec->n_sets; i++) {
		const struct nft_set_seen *x = nft_table_seen_set(s, spec->sets[i].name);

		if (x->n_elems != want->elems[i].n) {
			*ret = false;
			break;
		}
		r = same_elems(x->elems, want->elems[i].v, x->n_elems, ret);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; *ret && i < spec->n_chains; i++)
		*ret = same_rules(want, s, spec->chains[i].name);
	/* A rule in no chain of the spec has no chain: shape_ok saw to it. */
	return 0;
}
