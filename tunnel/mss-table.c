// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MSS clamp's table: its sets and rules, the kernel's table (read
 * whole by netconf/nft-table.h) as the values of the kind's steps, and
 * every change as one transaction that makes the table whole. Its targets
 * are in mss-target.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <netinet/tcp.h>

#include "mss-internal.h"
#include "../conf/conf.h"
#include "../netconf/netconf.h"
#include "../netconf/nft-table.h"
#include "../netconf/nl.h"

#define KEY_TYPE_V4 7 /* nft's ipv4_addr */
#define KEY_TYPE_V6 8 /* ipv6_addr */
/* The source address in the IPv4 and IPv6 headers. */
#define SADDR_OFF_V4 12
#define SADDR_OFF_V6 8
#define TCP_FLAGS_OFF 13
#define TCP_SYN_ACK 0x12
/* "v6_65495" */
#define SET_NAME_MAX 12

static const struct nft_chain_spec chain = {
	.name = "output", .hook = NF_INET_LOCAL_OUT, .prio = NF_IP_PRI_MANGLE,
};

/* The table by name, for reading and deleting it: its sets vary. */
static const struct nft_table_spec table_spec = {
	.family = NFPROTO_INET, .name = TUNNEL_MSS_TABLE,
	.chains = &chain, .n_chains = 1,
};

/* ---- the table's sets and rules */

static void set_name(char *buf, int family, int mss)
{
	snprintf(buf, SET_NAME_MAX, "v%d_%d", family == AF_INET ? 4 : 6, mss);
}

/* The family and MSS of a set the agent names, or false. */
static bool parse_set_name(const char *name, int *family, int *mss)
{
	char again[SET_NAME_MAX];

	if (strncmp(name, "v4_", 3) != 0 && strncmp(name, "v6_", 3) != 0)
		return false;
	*family = name[1] == '4' ? AF_INET : AF_INET6;
	*mss = mss_value(name + 3);
	set_name(again, *family, *mss);
	return *mss && STREQ(again, name);
}

static void set_spec(struct nft_set_spec *s, const char *name, uint32_t id,
		     int family)
{
	*s = (struct nft_set_spec){
		.name = name, .id = id,
		.key_type = family == AF_INET ? KEY_TYPE_V4 : KEY_TYPE_V6,
		.key_len = (uint32_t)family_len(family), .flags = NFT_SET_INTERVAL,
	};
}

/*
 * [ip|ip6] saddr @set tcp flags & (syn | ack) == (syn | ack)
 *   tcp option maxseg size > MSS tcp option maxseg size set MSS
 * in nft's own expressions for it.
 */
static struct nftnl_rule *mss_rule(const struct nft_table_spec *spec,
				   const struct nft_set_spec *set, int family,
				   int mss)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint8_t tcp = IPPROTO_TCP, synack = TCP_SYN_ACK, zero = 0;
	uint16_t be = htons((uint16_t)mss);
	struct nftnl_expr *e[] = {
		nft_expr_meta(NFT_META_NFPROTO, NFT_REG_1),
		nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &proto, 1),
		nft_expr_payload(NFT_PAYLOAD_NETWORK_HEADER,
				 family == AF_INET ? SADDR_OFF_V4 : SADDR_OFF_V6,
				 set->key_len, NFT_REG_1),
		nft_expr_lookup(set, NFT_REG_1),
		nft_expr_meta(NFT_META_L4PROTO, NFT_REG_1),
		nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &tcp, 1),
		nft_expr_payload(NFT_PAYLOAD_TRANSPORT_HEADER, TCP_FLAGS_OFF, 1, NFT_REG_1),
		nft_expr_bitwise(NFT_REG_1, &synack, &zero, 1),
		nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &synack, 1),
		nft_expr_tcpopt(TCPOPT_MAXSEG, 2, 2, NFT_REG_1),
		nft_expr_cmp(NFT_CMP_GT, NFT_REG_1, &be, 2),
		nft_expr_data(NFT_REG_1, &be, 2),
		nft_expr_tcpopt_set(TCPOPT_MAXSEG, 2, 2, NFT_REG_1),
	};

	return nft_rule_new(spec, chain.name, e, ARRAY_SIZE(e));
}

/* ---- a table's whole content, from entries */

struct content {
	struct nft_table_spec spec;
	struct nft_set_spec *sets;
	char (*names)[SET_NAME_MAX];
	struct nft_elems *elems;
	struct nft_elem *el;
	struct nftnl_rule **rules;
	struct nft_table_content c;
};

static void content_done(struct content *x)
{
	for (size_t i = 0; x->rules && i < x->spec.n_sets; i++)
		if (x->rules[i])
			nftnl_rule_free(x->rules[i]);
	free(x->sets);
	free(x->names);
	free(x->elems);
	free(x->el);
	free(x->rules);
	memset(x, 0, sizeof(*x));
}

static int by_set(const void *a, const void *b)
{
	const struct mss_entry *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->mss != y->mss)
		return x->mss < y->mss ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* One set per family and MSS, its elements, its rule. e is sorted here. */
static int content_of(struct content *x, struct mss_entry *e, size_t n)
{
	size_t n_sets = 0, k = 0;

	memset(x, 0, sizeof(*x));
	if (n)
		qsort(e, n, sizeof(*e), by_set);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || e[i].family != e[i - 1].family || e[i].mss != e[i - 1].mss)
			n_sets++;
	x->sets = calloc(n_sets + 1, sizeof(*x->sets));
	x->names = calloc(n_sets + 1, sizeof(*x->names));
	x->elems = calloc(n_sets + 1, sizeof(*x->elems));
	x->rules = calloc(n_sets + 1, sizeof(*x->rules));
	x->el = calloc(2 * n + 1, sizeof(*x->el));
	if (!x->sets || !x->names || !x->elems || !x->rules || !x->el)
		return -ENOMEM;
	x->spec = table_spec;
	x->spec.sets = x->sets;
	for (size_t i = 0, s = SIZE_MAX; i < n; i++) {
		if (s == SIZE_MAX || e[i].family != e[i - 1].family || e[i].mss != e[i - 1].mss) {
			s = s == SIZE_MAX ? 0 : s + 1;
			set_name(x->names[s], e[i].family, e[i].mss);
			set_spec(&x->sets[s], x->names[s], (uint32_t)s + 1, e[i].family);
			x->elems[s].v = &x->el[k];
			x->spec.n_sets = s + 1;
			x->rules[s] = mss_rule(&x->spec, &x->sets[s], e[i].family, e[i].mss);
			if (!x->rules[s])
				return -ENOMEM;
		}
		/* As nft writes an interval: its start, and the address after
		 * its last flagged as the end. */
		key_of(e[i].family, e[i].lo, x->el[k++].key);
		x->elems[s].n++;
		if (e[i].hi) {
			key_of(e[i].family, e[i].hi, x->el[k].key);
			x->el[k++].end = true;
			x->elems[s].n++;
		}
	}
	x->c.elems = x->elems;
	x->c.rules = x->rules;
	x->c.n_rules = x->spec.n_sets;
	return 0;
}

/* ---- the kernel's table as the kind's */

struct kelem {
	mss_u128 key;
	bool end;
};

/* At one key an interval's end sorts before the next one's start. */
static int kelem_cmp(const void *a, const void *b)
{
	const struct kelem *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (int)y->end - (int)x->end;
}

/* A set's elements as entries of o: false when they are not intervals of
 * the agent's making (a start without its end, an end without its start,
 * a range that is no prefix). */
static int add_set(struct mss_view *o, size_t *cap, const struct nft_set_seen *set,
		   int family, int mss, bool *ok)
{
	_cleanup_free_ struct kelem *el = calloc(set->n_elems + 1, sizeof(*el));

	if (!el)
		return -ENOMEM;
	for (size_t i = 0; i < set->n_elems; i++) {
		el[i].key = num_of(family, set->elems[i].key);
		el[i].end = set->elems[i].end;
	}
	if (set->n_elems)
		qsort(el, set->n_elems, sizeof(*el), kelem_cmp);
	for (size_t i = 0; i < set->n_elems; i += 2) {
		struct mss_entry e = { .family = family, .mss = mss, .lo = el[i].key };
		mss_u128 size;
		unsigned bits = 0;

		if (el[i].end || i + 1 >= set->n_elems || !el[i + 1].end ||
		    el[i + 1].key <= el[i].key) {
			*ok = false;
			return 0;
		}
		e.hi = el[i + 1].key;
		size = e.hi - e.lo;
		while (bits < family_bits(family) && ((mss_u128)1 << bits) < size)
			bits++;
		if (((mss_u128)1 << bits) != size || (e.lo & (size - 1))) {
			*ok = false;
			return 0;
		}
		e.plen = (unsigned char)(family_bits(family) - bits);
		if (array_grow((void **)&o->v, o->n, cap, sizeof(*o->v)) < 0)
			return -ENOMEM;
		o->v[o->n++] = e;
	}
	return 0;
}

/* The rules: one per set, each the agent's for its set, nothing else. */
static bool rules_ok(const struct nft_table_spec *spec, const int *fam,
		     const int *mss, const struct nft_table_seen *seen)
{
	_cleanup_free_ bool *used = calloc(spec->n_sets + 1, sizeof(*used));

	if (!used || seen->n_rules != spec->n_sets)
		return false;
	for (size_t i = 0; i < seen->n_rules; i++) {
		bool found = false;

		for (size_t s = 0; s < spec->n_sets && !found; s++) {
			struct nftnl_rule *want;

			if (used[s])
				continue;
			want = mss_rule(spec, &spec->sets[s], fam[s], mss[s]);
			found = want && nft_rule_same(want, seen->rules[i].r);
			if (want)
				nftnl_rule_free(want);
			used[s] = found;
		}
		if (!found || !STREQ(seen->rules[i].chain, chain.name))
			return false;
	}
	return true;
}

static int view_of(struct mss_view *o, const struct nft_table_seen *seen)
{
	struct nft_table_spec spec = table_spec;
	size_t n = seen->n_sets, cap = 0;
	_cleanup_free_ struct nft_set_spec *sets = calloc(n + 1, sizeof(*sets));
	_cleanup_free_ int *fam = calloc(n + 1, sizeof(*fam));
	_cleanup_free_ int *mss = calloc(n + 1, sizeof(*mss));
	bool ok = true;
	int r = 0;

	if (!sets || !fam || !mss)
		return -ENOMEM;
	for (size_t i = 0; i < n && ok; i++) {
		ok = parse_set_name(seen->sets[i].name, &fam[i], &mss[i]);
		set_spec(&sets[i], seen->sets[i].name, (uint32_t)i + 1, fam[i]);
	}
	spec.sets = sets;
	spec.n_sets = n;
	ok = ok && nft_table_shape_ok(&spec, seen) && rules_ok(&spec, fam, mss, seen);
	for (size_t i = 0; ok && r == 0 && i < n; i++)
		r = add_set(o, &cap, &seen->sets[i], fam[i], mss[i], &ok);
	if (r < 0)
		return r;
	if (o->n > 1)
		qsort(o->v, o->n, sizeof(*o->v), mss_entry_cmp);
	/* An address in two sets: no VIP of the agent's is. */
	for (size_t i = 1; ok && i < o->n; i++)
		ok = mss_entry_cmp(&o->v[i - 1], &o->v[i]) != 0;
	o->table = ok ? M_PRESENT : M_INCOMPLETE;
	return 0;
}

int mss_read(struct netconf *nc, struct mss_view *o)
{
	struct nft_table_seen seen;
	int r;

	memset(o, 0, sizeof(*o));
	r = netconf_nft_read(nc, &table_spec, &seen);
	if (r < 0)
		return r;
	if (seen.state == NFT_TABLE_ABSENT)
		o->table = M_ABSENT;
	else if (seen.state == NFT_TABLE_FOREIGN)
		o->table = M_FOREIGN;
	else
		r = view_of(o, &seen);
	nft_table_seen_done(&seen);
	if (r < 0) {
		mss_view_done(o);
		netconf_set_error(nc, "cannot read the nf_tables table %s: %s",
				  TUNNEL_MSS_TARGET, strerror(-r));
	}
	return r;
}

void mss_view_done(struct mss_view *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

const char *mss_table_value(enum mss_tstate t)
{
	switch (t) {
	case M_PRESENT:
		return NETCONF_PRESENT;
	case M_FOREIGN:
		return TUNNEL_MSS_FOREIGN;
	case M_INCOMPLETE:
		return TUNNEL_MSS_INCOMPLETE;
	default:
		return NETCONF_ABSENT;
	}
}

static const struct mss_entry *find(const struct mss_view *o, const struct mss_entry *e)
{
	const struct mss_entry *x;

	if (!o->n)
		return NULL;
	x = bsearch(e, o->v, o->n, sizeof(*o->v), mss_entry_cmp);
	return x && x->plen == e->plen ? x : NULL;
}

/* The entries of v's VIP steps, sorted (mss_entry_cmp). */
static int step_entries(struct step *const *v, size_t n, struct mss_entry **ret,
			size_t *n_ret)
{
	struct mss_entry *x = calloc(n + 1, sizeof(*x));
	size_t k = 0;

	if (!x)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct mss_target p;

		if (mss_parse_target(v[i]->target, &p) == 0 && !p.table)
			x[k++] = p.e;
	}
	if (k > 1)
		qsort(x, k, sizeof(*x), mss_entry_cmp);
	*ret = x;
	*n_ret = k;
	return 0;
}

/* Whether o holds an element that no step of v names. */
static int unnamed(const struct mss_view *o, struct step *const *v, size_t n,
		   bool *ret)
{
	_cleanup_free_ struct mss_entry *mine = NULL;
	size_t n_mine = 0;
	int r = step_entries(v, n, &mine, &n_mine);

	*ret = false;
	for (size_t i = 0; r == 0 && i < o->n && !*ret; i++)
		*ret = !n_mine || !bsearch(&o->v[i], mine, n_mine, sizeof(*mine),
					   mss_entry_cmp);
	return r;
}

int mss_values(const struct mss_view *o, struct step *const *v, size_t n,
	       bool whole)
{
	enum mss_tstate table = o->table;
	bool extra = false;
	int r;

	if (whole && table == M_PRESENT) {
		r = unnamed(o, v, n, &extra);
		if (r < 0)
			return r;
		if (extra)
			table = M_INCOMPLETE;
	}
	for (size_t i = 0; i < n; i++) {
		struct mss_target p;
		const struct mss_entry *x;

		if (mss_parse_target(v[i]->target, &p) < 0)
			return -EINVAL;
		if (p.table)
			snprintf(v[i]->now, sizeof(v[i]->now), "%s", mss_table_value(table));
		else if (table == M_INCOMPLETE)
			snprintf(v[i]->now, sizeof(v[i]->now), "%s", TUNNEL_MSS_INCOMPLETE);
		else if (table == M_PRESENT && (x = find(o, &p.e)))
			snprintf(v[i]->now, sizeof(v[i]->now), "%d", x->mss);
		else
			snprintf(v[i]->now, sizeof(v[i]->now), "%s", NETCONF_ABSENT);
	}
	return 0;
}

/* ---- the change: one transaction */

static bool table_step(struct step *const *v, size_t n, size_t *idx)
{
	for (size_t i = 0; i < n; i++) {
		struct mss_target p;

		if (mss_parse_target(v[i]->target, &p) == 0 && p.table) {
			*idx = i;
			return true;
		}
	}
	return false;
}

/*
 * What the table holds after the change: the call's VIP steps that want
 * an MSS, and of a sound table what no step of the call decides.
 */
static int wanted(const struct mss_view *o, struct step *const *v, size_t n,
		  enum step_field to, struct mss_entry **ret, size_t *n_ret)
{
	_cleanup_free_ struct mss_entry *mine = NULL;
	struct mss_entry *x;
	size_t n_mine = 0, k = 0;
	int r = step_entries(v, n, &mine, &n_mine);

	if (r < 0)
		return r;
	x = calloc(n + o->n + 1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (size_t i = 0; o->table == M_PRESENT && i < o->n; i++)
		if (!n_mine || !bsearch(&o->v[i], mine, n_mine, sizeof(*mine), mss_entry_cmp))
			x[k++] = o->v[i];
	for (size_t i = 0; i < n; i++) {
		struct mss_target p;
		int mss = mss_value(step_value(v[i], to));

		if (mss && mss_parse_target(v[i]->target, &p) == 0 && !p.table) {
			x[k] = p.e;
			x[k++].mss = mss;
		}
	}
	*ret = x;
	*n_ret = k;
	return 0;
}

/*
 * The acknowledgement never came or was lost: the transaction may have
 * been applied. It was when every step now reads as wanted.
 */
static bool applied(struct netconf *nc, struct step *const *v, size_t n,
		    enum step_field to)
{
	_cleanup_free_ struct step *copy = calloc(n + 1, sizeof(*copy));
	_cleanup_free_ struct step **w = calloc(n + 1, sizeof(*w));
	struct mss_view o;
	bool all = false;

	if (!copy || !w || mss_read(nc, &o) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		copy[i] = *v[i];
		w[i] = &copy[i];
	}
	if (mss_values(&o, w, n, false) == 0) {
		all = true;
		for (size_t i = 0; i < n && all; i++)
			all = step_same(w[i], w[i]->now, step_value(v[i], to));
	}
	mss_view_done(&o);
	return all;
}

static int commit(struct netconf *nc, struct nl *nl, struct nl_txn *t,
		  struct step *const *v, size_t n, enum step_field to)
{
	char text[NL_ERR_SIZE];
	size_t owner;
	int r = nl_txn_commit(t, &owner);

	if (r == 0)
		return 0;
	snprintf(text, sizeof(text), "%s", nl_error(nl));
	if (!nl_txn_sent(t))
		netconf_set_error(nc, "%s", text); /* stopped, or an injected fault */
	else if ((r == -ETIMEDOUT || r == -ENOBUFS || r == -EMSGSIZE) &&
		 applied(nc, v, n, to))
		return 0;
	else
		netconf_set_error(nc, "%s: %s", TUNNEL_MSS_TARGET,
				  text[0] ? text : strerror(-r));
	return r;
}

int mss_change(struct netconf *nc, struct step *const *v, size_t n,
	       enum step_field to, int *res)
{
	_cleanup_free_ struct mss_entry *e = NULL;
	struct content x = { 0 };
	struct mss_view o = { 0 };
	struct nl_txn *t = NULL;
	const char *want = NETCONF_PRESENT;
	size_t idx, n_e = 0;
	struct nl *nl;
	int r;

	for (size_t i = 0; i < n; i++)
		res[i] = 0;
	if (n == 0)
		return 0;
	r = mss_read(nc, &o);
	if (r < 0)
		goto out;
	if (table_step(v, n, &idx))
		want = step_value(v[idx], to);
	if (!STREQ(want, NETCONF_PRESENT) && !STREQ(want, NETCONF_ABSENT)) {
		netconf_set_error(nc, "the table %s cannot be made \"%s\"",
				  TUNNEL_MSS_TARGET, want);
		r = -EINVAL;
	} else if (o.table == M_FOREIGN) {
		netconf_set_error(nc, "a table %s exists that lvs-rs-agent did not create; "
				  "it is left alone (delete or rename it, or set mss = off)",
				  TUNNEL_MSS_TARGET);
		r = -EEXIST;
	} else if (!table_step(v, n, &idx) && o.table != M_PRESENT) {
		netconf_set_error(nc, "the table %s is %s", TUNNEL_MSS_TARGET,
				  mss_table_value(o.table));
		r = -ENOENT;
	}
	if (r < 0 || (STREQ(want, NETCONF_ABSENT) && o.table == M_ABSENT))
		goto out;
	r = netconf_nl(nc, NETLINK_NETFILTER, &nl);
	if (r == 0)
		r = nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &t);
	if (r < 0)
		goto out;
	/* Deleting the table takes its sets, chain and rules; made again
	 * whole in the same transaction, packets see the old table or the
	 * new one, never none. */
	if (o.table != M_ABSENT)
		nft_put_table(t, &table_spec, false, 0);
	/* A table that holds what no step names was read whole as damaged:
	 * its elements are not vouched for, and every step of the kind is in
	 * this call. */
	if (o.table == M_PRESENT && table_step(v, n, &idx) &&
	    STREQ(v[idx]->now, TUNNEL_MSS_INCOMPLETE))
		o.table = M_INCOMPLETE;
	if (STREQ(want, NETCONF_PRESENT)) {
		r = wanted(&o, v, n, to, &e, &n_e);
		if (r == 0)
			r = content_of(&x, e, n_e);
		if (r < 0)
			goto out;
		nft_put_whole(t, &x.spec, &x.c, 0);
	}
	r = commit(nc, nl, t, v, n, to);
out:
	if (r < 0 && !netconf_error(nc)[0])
		netconf_set_error(nc, "%s: %s", TUNNEL_MSS_TARGET, strerror(-r));
	/* The kernel applies a transaction whole or not at all. */
	for (size_t i = 0; r < 0 && i < n; i++)
		res[i] = r;
	nl_txn_free(t);
	content_done(&x);
	mss_view_done(&o);
	return r;
}
