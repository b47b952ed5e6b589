// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nft kind's change: every call is one nf_tables transaction, atomic in
 * the kernel, on the machinery of netconf/nft-table.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/rule.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nft-internal.h"
#include "../netconf/nl.h"

/* One call's transaction. */
struct txn {
	struct nl_txn *t;
	const struct nft_table_spec *spec;
	bool interval;
};

/*
 * The addresses [lo, hi) in one message: in a plain set the element lo
 * (hi is lo + 1); in an interval set, as nft writes a range, lo and then
 * hi flagged NFT_SET_ELEM_INTERVAL_END, which a range reaching the top of
 * the address space goes without. A delete names both, as nft does.
 */
static void put_range(struct txn *x, uint32_t lo, uint64_t hi, bool add,
		      size_t owner)
{
	struct nft_elem e[2] = { 0 };
	struct in_addr a = addr_of(lo), b = addr_of((uint32_t)hi);
	size_t n = 1;

	memcpy(e[0].key, &a, sizeof(a));
	if (x->interval && hi <= UINT32_MAX) {
		memcpy(e[1].key, &b, sizeof(b));
		e[1].end = true;
		n = 2;
	}
	nft_put_elems(x->t, x->spec, &x->spec->sets[0], e, n, add, owner);
}

static void put_rule(struct txn *x, const char *chain, const char *oif,
		     const struct in_addr *rip, size_t owner)
{
	struct nftnl_rule *r = anft_rule(chain, oif, rip);

	if (!r) {
		nl_txn_fail(x->t, -ENOMEM);
		return;
	}
	nft_put_rule(x->t, r, owner);
	nftnl_rule_free(r);
}

/*
 * A sound table whose set must change its flags is made again in the
 * transaction that deletes it: what its set holds goes over to the new set,
 * and its output rules, except what this call's steps decide themselves.
 */
static void put_carried(struct txn *x, const struct view *o,
			struct step *const *v, size_t n, size_t owner)
{
	_cleanup_free_ struct range *mine = NULL;
	size_t n_mine = 0;

	if (anft_step_ranges(v, n, &mine, &n_mine) < 0) {
		nl_txn_fail(x->t, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < o->n_ranges; i++) {
		const struct range *g = &o->ranges[i];

		if (n_mine && bsearch(g, mine, n_mine, sizeof(*mine), anft_range_cmp))
			continue;
		/* A plain set holds single addresses only; a range was
		 * never the agent's then (its own are steps of this call). */
		if (!x->interval && g->hi != (uint64_t)g->lo + 1)
			continue;
		put_range(x, g->lo, g->hi, true, owner);
	}
	for (size_t i = 0; i < o->n_rules; i++) {
		const struct orule *r = &o->rules[i];
		struct in_addr rip;
		bool written = false;

		for (size_t k = 0; k < n && !written; k++) {
			struct parsed p;

			written = anft_parse_target(v[k]->target, &p) == 0 &&
				  p.kind == K_RULE && STREQ(p.key, r->key);
		}
		/* A rule not of the agent's shape is replaced by apply. */
		if (written || inet_pton(AF_INET, r->value, &rip) != 1)
			continue;
		put_rule(x, "output", STREQ(r->key, "*") ? NULL : r->key, &rip, owner);
	}
}

/* The table made empty (deleted first when `again`), with the flags of
 * the handle: owned by its nf_tables socket in a watch. */
static void put_made(struct netconf *nc, struct txn *x, bool again, size_t owner)
{
	if (again)
		nft_put_table(x->t, x->spec, false, owner);
	nft_put_table_flags(x->t, x->spec, netconf_nft_table_flags(nc), owner);
	nft_put_set(x->t, x->spec, &x->spec->sets[0], owner);
	for (size_t i = 0; i < x->spec->n_chains; i++)
		nft_put_chain(x->t, x->spec, &x->spec->chains[i], owner);
	put_rule(x, "input", NULL, NULL, owner);
}

static void fail_all(int *res, size_t n, int r)
{
	for (size_t i = 0; i < n; i++)
		res[i] = r;
}

/* What the call does to the table as a whole. */
struct plan {
	size_t table_idx; /* SIZE_MAX: no table step in this call */
	bool create, drop, rebuild, damaged, interval;
};

static int plan_table(struct netconf *nc, const struct view *o,
		      struct step *const *v, size_t n, enum step_field to,
		      struct plan *p)
{
	const char *want;

	memset(p, 0, sizeof(*p));
	p->table_idx = SIZE_MAX;
	/* The set's flags after this transaction. */
	p->interval = o->interval;
	if (!anft_table_step(v, n, &p->table_idx)) {
		if (o->table == T_PRESENT)
			return 0;
		netconf_set_error(nc, "the table arp %s is %s", ARP_NFT_TABLE,
				  anft_table_value(o->table, o->interval));
		return o->table == T_FOREIGN ? -EEXIST : -ENOENT;
	}
	want = step_value(v[p->table_idx], to);
	if (STREQ(want, NETCONF_PRESENT) || STREQ(want, ARP_NFT_INTERVAL)) {
		p->interval = STREQ(want, ARP_NFT_INTERVAL);
		/* Damage of any kind, seen now or by the observe of the whole
		 * kind (content no step names), rebuilds the table whole:
		 * every step of it is in this call. */
		p->damaged = o->table == T_INCOMPLETE ||
			     (o->table == T_PRESENT &&
			      STREQ(v[p->table_idx]->now, ARP_NFT_INCOMPLETE));
		/* The flags of a set are fixed when it is made. */
		p->rebuild = p->damaged ||
			     (o->table == T_PRESENT && o->interval != p->interval);
		p->create = o->table != T_PRESENT || p->rebuild;
	} else if (STREQ(want, NETCONF_ABSENT)) {
		p->drop = o->table != T_ABSENT;
	} else {
		netconf_set_error(nc, "the table arp %s cannot be made \"%s\"",
				  ARP_NFT_TABLE, want);
		return -EINVAL;
	}
	if (o->table == T_FOREIGN && (p->create || p->drop)) {
		netconf_set_error(nc, "a table arp %s exists that lvs-rs-agent did not create; "
				  "it is left alone (delete or rename it, or use arp_suppress = sysctl)",
				  ARP_NFT_TABLE);
		return -EEXIST;
	}
	return 0;
}

/* The messages of the elements and output rules the steps ask for. */
static int put_steps(struct netconf *nc, struct txn *x, const struct plan *pl,
		     const struct view *o, struct step *const *v, size_t n,
		     enum step_field to)
{
	for (size_t i = 0; i < n; i++) {
		const char *want = step_value(v[i], to);
		struct parsed p;
		uint32_t lo;

		if (anft_parse_target(v[i]->target, &p) < 0) {
			netconf_set_error(nc, "bad nft target \"%s\"", v[i]->target);
			return -EINVAL;
		}
		if (p.kind != K_VIP)
			continue;
		lo = host_of(p.vip);
		if (!pl->interval && p.plen < 32 && STREQ(want, NETCONF_PRESENT)) {
			netconf_set_error(nc, "%s: a prefix needs the set %s with intervals (table %s)",
					  v[i]->target, SET_NAME, ARP_NFT_INTERVAL);
			return -EINVAL;
		}
		if (STREQ(want, NETCONF_PRESENT))
			put_range(x, lo, lo + prefix_size(p.plen), true, i);
		else if (!pl->create)
			put_range(x, lo, lo + prefix_size(p.plen), false, i);
	}
	for (size_t i = 0; i < n; i++) {
		const char *want = step_value(v[i], to);
		struct in_addr rip;
		struct parsed p;

		if (anft_parse_target(v[i]->target, &p) < 0 || p.kind != K_RULE)
			continue;
		/* A rule is replaced by delete and add. */
		for (size_t k = 0; !pl->create && k < o->n_rules; k++)
			if (STREQ(o->rules[k].key, p.key))
				nft_put_delrule(x->t, x->spec, "output", o->rules[k].handle, i);
		if (STREQ(want, NETCONF_ABSENT))
			continue;
		if (inet_pton(AF_INET, want, &rip) != 1) {
			netconf_set_error(nc, "output rule %s: \"%s\" is not an IPv4 address",
					  p.key, want);
			return -EINVAL;
		}
		put_rule(x, "output", STREQ(p.key, "*") ? NULL : p.key, &rip, i);
	}
	return 0;
}

/*
 * The acknowledgement never came or was lost: the transaction may have been
 * applied. It was when every step now reads as wanted.
 */
static bool applied(struct netconf *nc, struct step *const *v, size_t n,
		    enum step_field to)
{
	_cleanup_free_ struct step *copy = calloc(n, sizeof(*copy));
	_cleanup_free_ struct step **w = calloc(n, sizeof(*w));
	struct view o;
	bool all = false;

	if (!copy || !w || anft_read(nc, &o) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		copy[i] = *v[i];
		w[i] = &copy[i];
	}
	if (anft_values(&o, w, n, false) == 0) {
		all = true;
		for (size_t i = 0; i < n && all; i++)
			all = step_same(w[i], w[i]->now, step_value(v[i], to));
	}
	anft_view_done(&o);
	return all;
}

/* The transaction out, its outcome in netconf_error() when it failed. */
static int commit(struct netconf *nc, struct nl *nl, struct nl_txn *t,
		  struct step *const *v, size_t n, enum step_field to)
{
	char text[NL_ERR_SIZE];
	size_t err_idx;
	int r;

	r = nl_txn_commit(t, &err_idx);
	if (r == 0)
		return 0;
	snprintf(text, sizeof(text), "%s", nl_error(nl));
	if (!nl_txn_sent(t)) {
		/* Stopped, or an injected fault: the text says which. */
		netconf_set_error(nc, "%s", text);
	} else if (r == -ETIMEDOUT || r == -ENOBUFS || r == -EMSGSIZE) {
		if (applied(nc, v, n, to))
			return 0;
		netconf_set_error(nc, "%s: %s", ARP_NFT_TARGET, text);
	} else {
		netconf_set_error(nc, "%s: %s",
				  err_idx < n ? v[err_idx]->target : "nf_tables batch",
				  text[0] ? text : strerror(-r));
	}
	return r;
}

int anft_change(struct netconf *nc, struct step *const *v, size_t n,
		enum step_field to, int *res)
{
	struct view o = { 0 };
	struct txn x = { 0 };
	struct plan pl;
	struct nl *nl;
	size_t owner;
	int r;

	if (n == 0)
		return 0;
	fail_all(res, n, 0);
	/* The output rules' handles (a rule is replaced by delete and add),
	 * and the table's state right now. */
	r = anft_read(nc, &o);
	if (r == 0)
		r = plan_table(nc, &o, v, n, to, &pl);
	if (r == 0)
		r = netconf_nl(nc, NETLINK_NETFILTER, &nl);
	if (r == 0)
		r = nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &x.t);
	if (r < 0)
		goto fail;
	x.interval = pl.interval;
	x.spec = anft_spec(pl.interval);
	owner = pl.table_idx;
	if (pl.drop) {
		/* Deleting the table removes its set, chains and rules: the
		 * other steps of this call are done with it. */
		nft_put_table(x.t, x.spec, false, owner);
	} else {
		if (pl.create) {
			/* A damaged table of the agent's, or one whose set
			 * must change its flags, is deleted and made again in
			 * this transaction. */
			put_made(nc, &x, pl.rebuild, owner);
			/* A sound table's content that no step of this call
			 * decides goes over; a damaged one's is not vouched
			 * for, and its steps are all in this call. */
			if (pl.rebuild && !pl.damaged)
				put_carried(&x, &o, v, n, owner);
		}
		r = put_steps(nc, &x, &pl, &o, v, n, to);
		if (r < 0)
			goto fail;
	}
	/* One kernel change: the whole transaction. */
	r = commit(nc, nl, x.t, v, n, to);
	if (r < 0)
		goto fail_quiet;
	nl_txn_free(x.t);
	anft_view_done(&o);
	return 0;
fail:
	if (!netconf_error(nc)[0])
		netconf_set_error(nc, "nf_tables: %s", strerror(-r));
fail_quiet:
	nl_txn_free(x.t);
	anft_view_done(&o);
	/* The kernel applies a transaction whole or not at all. */
	fail_all(res, n, r);
	return r;
}

int arp_nft_own(struct netconf *nc)
{
	uint32_t want = netconf_nft_table_flags(nc);
	struct view o = { 0 };
	struct txn x = { 0 };
	struct nl *nl;
	size_t idx;
	int r;

	if (!want)
		return 0;
	r = netconf_nl(nc, NETLINK_NETFILTER, &nl);
	if (r == 0)
		r = anft_read(nc, &o);
	/* Absent: made owned when made; damaged or foreign: the reconcile's. */
	if (r < 0 || o.table != T_PRESENT ||
	    ((o.flags & want) == want && o.owner == nl_portid(nl)))
		goto out;
	if (o.flags & NFT_TABLE_F_OWNER) {
		netconf_set_error(nc, "the table arp %s is owned by another process "
				  "(netlink port %u)", ARP_NFT_TABLE, o.owner);
		r = -EPERM;
		goto out;
	}
	r = nl_txn_new(nl, NFNL_SUBSYS_NFTABLES, 0, &x.t);
	if (r < 0)
		goto out;
	x.interval = o.interval;
	x.spec = anft_spec(o.interval);
	if ((o.flags & NFT_TABLE_OWNERSHIP) == NFT_TABLE_F_PERSIST) {
		/* An orphan, left by a watch that ended: taken over. */
		nft_put_table_update(x.t, x.spec, want, 0);
	} else {
		/* Made without an owner (by apply), which a kernel never gives
		 * one afterwards: made again owned in the transaction that
		 * deletes it, with all it holds. */
		put_made(nc, &x, true, 0);
		put_carried(&x, &o, NULL, 0, 0);
	}
	r = nl_txn_commit(x.t, &idx);
	if (r < 0)
		netconf_set_error(nc, "cannot take over the table arp %s: %s", ARP_NFT_TABLE,
				  nl_error(nl)[0] ? nl_error(nl) : strerror(-r));
	else
		r = 1;
out:
	nl_txn_free(x.t);
	anft_view_done(&o);
	return r;
}

int arp_nft_probe_own(struct netconf *nc)
{
	struct nl *nl;
	int r = netconf_nl(nc, NETLINK_NETFILTER, &nl);

	if (r < 0)
		return r;
	r = nft_probe_persist(nl, (int)anft_spec(false)->family);
	if (r == 1)
		netconf_set_nft_table_flags(nc, NFT_TABLE_OWNERSHIP);
	else if (r < 0)
		netconf_set_error(nc, "cannot ask nf_tables for its table flags: %s",
				  nl_error(nl)[0] ? nl_error(nl) : strerror(-r));
	return r;
}
