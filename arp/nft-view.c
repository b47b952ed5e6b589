// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ARP table as ARP sees it: its shape (set "vips", chains "input" and
 * "output"), its rules, the targets of its steps, and the kernel's table
 * (read whole by netconf/nft-table.h) as the values of those steps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netlink.h>

#include "nft-internal.h"
#include "../netconf/nl.h"

#define SET_ID 1
#define SET_KEY_TYPE 7 /* nft's ipv4_addr */

/* The offsets of struct arphdr followed by Ethernet/IPv4 addresses. */
#define ARP_OP_OFF 6
#define ARP_SPA_OFF 14
#define ARP_TPA_OFF 24

/* ---- targets */

/* The reverse of vip_text(), for the canonical text only: a network
 * address, a prefix 0..31 in decimal without leading zeros (a VIP has
 * none). */
static int parse_vip(const char *text, struct in_addr *a, unsigned char *plen)
{
	char t[INET_ADDRSTRLEN + 4], again[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long l = 32;

	if (alen >= INET_ADDRSTRLEN || strlen(text) >= sizeof(t))
		return -EINVAL;
	memcpy(t, text, alen);
	t[alen] = '\0';
	if (inet_pton(AF_INET, t, a) != 1)
		return -EINVAL;
	if (slash) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		l = strtoul(slash + 1, &end, 10);
		if (*end || l >= 32)
			return -EINVAL;
		if (l < 32 && (host_of(*a) & (uint32_t)(prefix_size(l) - 1)))
			return -EINVAL;
	}
	vip_text(*a, (unsigned)l, again, sizeof(again));
	if (strcmp(again, text) != 0)
		return -EINVAL;
	*plen = (unsigned char)l;
	return 0;
}

int anft_parse_target(const char *t, struct parsed *p)
{
	const char *rest;
	size_t len = strlen(ARP_NFT_TARGET);

	memset(p, 0, sizeof(*p));
	if (strncmp(t, ARP_NFT_TARGET, len) != 0)
		return -EINVAL;
	rest = t + len;
	if (*rest == '\0') {
		p->kind = K_TABLE;
		return 0;
	}
	if (strncmp(rest, " vip ", 5) == 0) {
		p->kind = K_VIP;
		return parse_vip(rest + 5, &p->vip, &p->plen);
	}
	if (strncmp(rest, " output ", 8) == 0) {
		rest += 8;
		if (!*rest || strlen(rest) >= IF_NAMESIZE)
			return -EINVAL;
		p->kind = K_RULE;
		snprintf(p->key, sizeof(p->key), "%s", rest);
		return 0;
	}
	return -EINVAL;
}

bool anft_table_step(struct step *const *v, size_t n, size_t *idx)
{
	for (size_t i = 0; i < n; i++) {
		struct parsed p;

		if (anft_parse_target(v[i]->target, &p) == 0 && p.kind == K_TABLE) {
			*idx = i;
			return true;
		}
	}
	return false;
}

/* ---- the table's shape and rules */

/* A set's flags are fixed when it is made: plain, or with intervals when
 * a VIP is an anyip prefix. */
static const struct nft_set_spec sets[2] = {
	{ .name = SET_NAME, .id = SET_ID, .key_type = SET_KEY_TYPE,
	  .key_len = sizeof(struct in_addr) },
	{ .name = SET_NAME, .id = SET_ID, .key_type = SET_KEY_TYPE,
	  .key_len = sizeof(struct in_addr), .flags = NFT_SET_INTERVAL },
};

static const struct nft_chain_spec chains[] = {
	{ .name = "input", .hook = NF_ARP_IN },
	{ .name = "output", .hook = NF_ARP_OUT },
};

static const struct nft_table_spec specs[2] = {
	{ .family = NFPROTO_ARP, .name = ARP_NFT_TABLE, .sets = &sets[0], .n_sets = 1,
	  .chains = chains, .n_chains = ARRAY_SIZE(chains) },
	{ .family = NFPROTO_ARP, .name = ARP_NFT_TABLE, .sets = &sets[1], .n_sets = 1,
	  .chains = chains, .n_chains = ARRAY_SIZE(chains) },
};

const struct nft_table_spec *anft_spec(bool interval)
{
	return &specs[interval];
}

struct nftnl_rule *anft_rule(const char *chain, const char *oif,
			     const struct in_addr *rip)
{
	struct nftnl_expr *e[9];
	uint16_t request = htons(1); /* ARPOP_REQUEST */
	bool input = STREQ(chain, "input");
	size_t n = 0;

	if (oif) {
		char name[IFNAMSIZ] = { 0 };

		snprintf(name, sizeof(name), "%s", oif);
		e[n++] = nft_expr_meta(NFT_META_OIFNAME, NFT_REG_1);
		e[n++] = nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, name, sizeof(name));
	}
	e[n++] = nft_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, ARP_OP_OFF, 2, NFT_REG_1);
	e[n++] = nft_expr_cmp(NFT_CMP_EQ, NFT_REG_1, &request, sizeof(request));
	e[n++] = nft_expr_payload(NFT_PAYLOAD_NETWORK_HEADER,
				  input ? ARP_TPA_OFF : ARP_SPA_OFF, 4, NFT_REG_1);
	e[n++] = nft_expr_lookup(&sets[0], NFT_REG_1);
	if (input) {
		e[n++] = nft_expr_verdict(NF_DROP);
	} else {
		e[n++] = rip ? nft_expr_data(NFT_REG_1, rip, sizeof(*rip)) : NULL;
		e[n++] = nft_expr_payload_set(NFT_PAYLOAD_NETWORK_HEADER, ARP_SPA_OFF,
					      4, NFT_REG_1);
	}
	return nft_rule_new(anft_spec(false), chain, e, n);
}

/* The interface and the address an output rule names, if it does. */
struct rule_parts {
	char oif[IF_NAMESIZE];
	bool has_oif, has_addr, meta_oif;
	struct in_addr addr;
};

static int parts_cb(struct nftnl_expr *e, void *data)
{
	struct rule_parts *g = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	bool meta_oif = g->meta_oif;
	const void *p;
	uint32_t len = 0;

	g->meta_oif = false;
	if (STREQ(name, "meta")) {
		g->meta_oif = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_OIFNAME;
	} else if (STREQ(name, "cmp") && meta_oif) {
		p = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
		if (p && len == IFNAMSIZ && memchr(p, '\0', len)) {
			snprintf(g->oif, sizeof(g->oif), "%s", (const char *)p);
			g->has_oif = true;
		}
	} else if (STREQ(name, "immediate") &&
		   nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT) {
		p = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		if (p && len == sizeof(struct in_addr)) {
			memcpy(&g->addr, p, len);
			g->has_addr = true;
		}
	}
	return 0;
}

/* Whether r is the rule the agent writes for chain, oif and rip. */
static bool is_ours(struct nftnl_rule *r, const char *chain, const char *oif,
		    const struct in_addr *rip)
{
	struct nftnl_rule *want = anft_rule(chain, oif, rip);
	bool same = want && nft_rule_same(want, r);

	if (want)
		nftnl_rule_free(want);
	return same;
}

/* ---- the kernel's table as ARP's */

/* A set element as the kernel lists it (host byte order). */
struct oelem {
	uint32_t key;
	bool end; /* NFT_SET_ELEM_INTERVAL_END */
};

/* At one key an interval's end sorts before the next one's start. */
static int oelem_cmp(const void *a, const void *b)
{
	const struct oelem *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (int)y->end - (int)x->end;
}

int anft_range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/*
 * The elements as ranges: each start with the end element that follows it
 * (nft writes them in pairs, and the kernel keeps intervals apart), a start
 * without one reaching the top of the address space.
 */
static int make_ranges(struct view *o, const struct nft_set_seen *set)
{
	_cleanup_free_ struct oelem *el = NULL;
	size_t n = 0, n_el = set ? set->n_elems : 0;

	el = calloc(n_el + 1, sizeof(*el));
	o->ranges = calloc(n_el + 1, sizeof(*o->ranges));
	if (!el || !o->ranges)
		return -ENOMEM;
	for (size_t i = 0; i < n_el; i++) {
		struct in_addr a;

		memcpy(&a, set->elems[i].key, sizeof(a));
		el[i].key = host_of(a);
		el[i].end = set->elems[i].end;
	}
	if (n_el)
		qsort(el, n_el, sizeof(*el), oelem_cmp);
	for (size_t i = 0; i < n_el; i++) {
		const struct oelem *e = &el[i];

		if (e->end)
			continue; /* an end without its start: nothing */
		o->ranges[n].lo = e->key;
		if (!o->interval)
			o->ranges[n].hi = (uint64_t)e->key + 1;
		else if (i + 1 < n_el && el[i + 1].end)
			o->ranges[n].hi = el[++i].key;
		else
			o->ranges[n].hi = (uint64_t)UINT32_MAX + 1;
		n++;
	}
	o->n_ranges = n;
	if (n > 1)
		qsort(o->ranges, n, sizeof(*o->ranges), anft_range_cmp);
	return 0;
}

/* The output chain's rules; whether the input chain holds only ours. */
static int read_rules(struct view *o, const struct nft_table_seen *seen,
		      bool *rules_ok)
{
	size_t n_in = 0;
	bool in_ok = false, dup = false;

	o->rules = calloc(seen->n_rules + 1, sizeof(*o->rules));
	if (!o->rules)
		return -ENOMEM;
	for (size_t i = 0; i < seen->n_rules; i++) {
		const struct nft_rule_seen *y = &seen->rules[i];
		struct rule_parts g = { 0 };
		struct orule *x;

		if (STREQ(y->chain, "input")) {
			n_in++;
			in_ok = in_ok || is_ours(y->r, "input", NULL, NULL);
			continue;
		}
		if (!STREQ(y->chain, "output"))
			continue;
		nftnl_expr_foreach(y->r, parts_cb, &g);
		x = &o->rules[o->n_rules++];
		x->handle = y->handle;
		snprintf(x->key, sizeof(x->key), "%s", g.has_oif ? g.oif : "*");
		if (anft_find_rule(o, x->key) != x)
			dup = true; /* a second rule for one interface */
		if (g.has_addr && is_ours(y->r, "output", g.has_oif ? g.oif : NULL, &g.addr))
			inet_ntop(AF_INET, &g.addr, x->value, sizeof(x->value));
		else
			/* Ours by place, not by shape: replaced by apply. */
			snprintf(x->value, sizeof(x->value), RULE_OTHER);
	}
	*rules_ok = n_in == 1 && in_ok && !dup;
	return 0;
}

static int view_of(struct view *o, const struct nft_table_seen *seen)
{
	const struct nft_set_seen *set = nft_table_seen_set(seen, SET_NAME);
	bool rules_ok;
	int r;

	o->interval = set && set->flags == NFT_SET_INTERVAL;
	if (set && set->key_len != sizeof(struct in_addr))
		set = NULL;
	r = make_ranges(o, set);
	if (r == 0)
		r = read_rules(o, seen, &rules_ok);
	if (r < 0)
		return r;
	o->table = nft_table_shape_ok(anft_spec(o->interval), seen) && rules_ok ?
		   T_PRESENT : T_INCOMPLETE;
	return 0;
}

int anft_read(struct netconf *nc, struct view *o)
{
	struct nft_table_seen seen;
	int r;

	memset(o, 0, sizeof(*o));
	r = netconf_nft_read(nc, anft_spec(false), &seen);
	if (r < 0)
		return r;
	switch (seen.state) {
	case NFT_TABLE_ABSENT:
		o->table = T_ABSENT;
		break;
	case NFT_TABLE_FOREIGN:
		o->table = T_FOREIGN; /* its content is not the agent's */
		break;
	case NFT_TABLE_OURS:
		o->flags = seen.flags;
		o->owner = seen.owner;
		r = view_of(o, &seen);
		break;
	}
	nft_table_seen_done(&seen);
	if (r < 0) {
		anft_view_done(o);
		netconf_set_error(nc, "cannot read the nf_tables table arp %s: %s",
				  ARP_NFT_TABLE, strerror(-r));
	}
	return r;
}

void anft_view_done(struct view *o)
{
	free(o->ranges);
	free(o->rules);
	memset(o, 0, sizeof(*o));
}

const struct orule *anft_find_rule(const struct view *o, const char *key)
{
	for (size_t i = 0; i < o->n_rules; i++)
		if (STREQ(o->rules[i].key, key))
			return &o->rules[i];
	return NULL;
}

bool anft_has_range(const struct view *o, struct in_addr a, unsigned plen)
{
	struct range key = {
		.lo = host_of(a),
		.hi = host_of(a) + prefix_size(plen),
	};

	return o->n_ranges &&
	       bsearch(&key, o->ranges, o->n_ranges, sizeof(*o->ranges),
		       anft_range_cmp) != NULL;
}

const char *anft_table_value(enum tstate t, bool interval)
{
	switch (t) {
	case T_PRESENT:
		return interval ? ARP_NFT_INTERVAL : NETCONF_PRESENT;
	case T_FOREIGN:
		return ARP_NFT_FOREIGN;
	case T_INCOMPLETE:
		return ARP_NFT_INCOMPLETE;
	default:
		return NETCONF_ABSENT;
	}
}

/* ---- the steps' values */

int anft_step_ranges(struct step *const *v, size_t n, struct range **ret,
		     size_t *n_ret)
{
	struct range *x = calloc(n + 1, sizeof(*x));
	size_t k = 0;

	if (!x)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct parsed p;

		if (anft_parse_target(v[i]->target, &p) < 0 || p.kind != K_VIP)
			continue;
		x[k].lo = host_of(p.vip);
		x[k++].hi = host_of(p.vip) + prefix_size(p.plen);
	}
	if (k > 1)
		qsort(x, k, sizeof(*x), anft_range_cmp);
	*ret = x;
	*n_ret = k;
	return 0;
}

/* Whether the table holds an element or output rule that no step names. */
static int foreign_content(const struct view *o, struct step *const *v,
			   size_t n, bool *ret)
{
	_cleanup_free_ struct range *mine = NULL;
	size_t n_mine = 0;
	int r;

	*ret = false;
	r = anft_step_ranges(v, n, &mine, &n_mine);
	if (r < 0)
		return r;
	for (size_t i = 0; i < o->n_ranges && !*ret; i++)
		if (!n_mine || !bsearch(&o->ranges[i], mine, n_mine, sizeof(*mine),
					anft_range_cmp))
			*ret = true;
	for (size_t k = 0; k < o->n_rules && !*ret; k++) {
		bool named = false;

		for (size_t i = 0; i < n && !named; i++) {
			struct parsed p;

			named = anft_parse_target(v[i]->target, &p) == 0 &&
				p.kind == K_RULE && STREQ(p.key, o->rules[k].key);
		}
		*ret = !named;
	}
	return 0;
}

int anft_values(const struct view *o, struct step *const *v, size_t n,
		bool whole)
{
	enum tstate table = o->table;
	size_t idx;
	bool foreign = false;
	int r;

	if (whole && table == T_PRESENT && anft_table_step(v, n, &idx)) {
		r = foreign_content(o, v, n, &foreign);
		if (r < 0)
			return r;
		if (foreign)
			table = T_INCOMPLETE;
	}
	for (size_t i = 0; i < n; i++) {
		struct step *s = v[i];
		const char *now = NETCONF_ABSENT;
		struct parsed p;

		if (anft_parse_target(s->target, &p) < 0)
			return -EINVAL;
		if (p.kind == K_TABLE) {
			now = anft_table_value(table, o->interval);
		} else if (table == T_INCOMPLETE) {
			/* A damaged table is rebuilt whole: its content is
			 * not vouched for, and apply writes all of it again. */
			now = ARP_NFT_INCOMPLETE;
		} else if (table == T_PRESENT && p.kind == K_VIP) {
			if (anft_has_range(o, p.vip, p.plen))
				now = NETCONF_PRESENT;
		} else if (table == T_PRESENT && p.kind == K_RULE) {
			const struct orule *x = anft_find_rule(o, p.key);

			if (x)
				now = x->value;
		}
		snprintf(s->now, sizeof(s->now), "%s", now);
	}
	return 0;
}
