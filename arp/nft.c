// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ARP suppression through nf_tables, the kind "nft": the table "arp
 * lvs_rs_agent" with a set of the IPv4 VIPs, an input chain that drops ARP
 * requests for them and an output chain that rewrites the sender of ARP
 * requests from a VIP to the outgoing interface's own address.
 *
 * This file: the steps from the config, observe, verify's explanations,
 * marked and the journal's checks. The table as ARP sees it is in
 * nft-view.c, one transaction per change in nft-change.c; the machinery of
 * a table owned whole in netconf/nft-table.h.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "nft-internal.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"

/* ---- targets */

static void init_step(struct step *s, const char *want)
{
	memset(s, 0, sizeof(*s));
	s->ops = &arp_nft_ops;
	s->order = STEP_ORDER_ARP;
	snprintf(s->want, sizeof(s->want), "%s", want);
}

static bool is_vip(struct in_addr a, const struct arp_vip *vips, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = host_of(vips[i].addr);

		if (host_of(a) >= lo &&
		    host_of(a) < lo + prefix_size(vips[i].prefixlen))
			return true;
	}
	return false;
}

/*
 * The primary IPv4 address of every interface but loopback, VIPs excluded
 * (a VIP on eth0 is not the address ARP should carry). One step each.
 */
static int rule_steps_auto(struct netconf *nc, const struct arp_vip *vips,
			   size_t n_vips, struct steplist *out)
{
	_cleanup_free_ struct netconf_link *links = NULL;
	_cleanup_free_ struct netconf_addr *addrs = NULL;
	size_t n_links, n_addrs;
	int r;

	r = netconf_dump_links(nc, &links, &n_links);
	if (r < 0)
		return r;
	r = netconf_dump_addrs(nc, AF_INET, &addrs, &n_addrs);
	if (r < 0)
		return r;
	for (size_t l = 0; l < n_links; l++) {
		if (links[l].flags & IFF_LOOPBACK)
			continue;
		for (size_t i = 0; i < n_addrs; i++) {
			const struct netconf_addr *a = &addrs[i];
			struct step s;

			if (a->ifindex != links[l].ifindex ||
			    (a->flags & IFA_F_SECONDARY) ||
			    a->scope != RT_SCOPE_UNIVERSE ||
			    is_vip(a->addr.v4, vips, n_vips))
				continue;
			init_step(&s, "");
			inet_ntop(AF_INET, &a->addr.v4, s.want, sizeof(s.want));
			snprintf(s.target, sizeof(s.target), "%s output %s",
				 ARP_NFT_TARGET, links[l].name);
			r = steplist_add(out, &s);
			if (r < 0)
				return r;
			break;
		}
	}
	return 0;
}

/* The table, one element per VIP or prefix, the output rules (rip NULL:
 * auto, one per interface; nc NULL too: none). */
static int nft_steps(struct netconf *nc, const struct arp_vip *vips,
		     size_t n_vips, const struct in_addr *rip,
		     struct steplist *out)
{
	bool interval = false;
	struct step s;
	int r;

	for (size_t i = 0; i < n_vips; i++)
		if (vips[i].prefixlen < 32)
			interval = true;
	/* A set's flags are fixed: one with intervals only when needed, so
	 * that a config without prefixes keeps the plain set it always had. */
	init_step(&s, interval ? ARP_NFT_INTERVAL : NETCONF_PRESENT);
	snprintf(s.target, sizeof(s.target), "%s", ARP_NFT_TARGET);
	r = steplist_add(out, &s);
	for (size_t i = 0; r == 0 && i < n_vips; i++) {
		char a[INET_ADDRSTRLEN + 4];

		if (vips[i].prefixlen > 32)
			return -EINVAL;
		init_step(&s, NETCONF_PRESENT);
		vip_text(vips[i].addr, vips[i].prefixlen, a, sizeof(a));
		snprintf(s.target, sizeof(s.target), "%s vip %s", ARP_NFT_TARGET, a);
		r = steplist_add(out, &s);
	}
	if (r < 0)
		return r;
	if (rip) {
		init_step(&s, "");
		inet_ntop(AF_INET, rip, s.want, sizeof(s.want));
		snprintf(s.target, sizeof(s.target), "%s output *", ARP_NFT_TARGET);
		return steplist_add(out, &s);
	}
	return nc ? rule_steps_auto(nc, vips, n_vips, out) : 0;
}

static int nft_build(const struct kind_ctx *ctx, struct steplist *out)
{
	_cleanup_free_ struct arp_vip *vips = NULL;
	const struct conf *c = ctx->conf;
	size_t n_vips = 0;
	int r;

	if (!arp_suppresses(c, true))
		return 0;
	r = arp_vips(c, &vips, &n_vips);
	if (r < 0)
		return r;
	r = nft_steps(ctx->nc, vips, n_vips, c->rip_auto ? NULL : &c->rip, out);
	if (r < 0)
		snprintf(ctx->err, ctx->errlen,
			 "arp_suppress = %s: cannot list the interfaces for rip = auto: %s (%s)",
			 conf_arp_suppress_name(c->arp_suppress), strerror(-r),
			 netconf_error(ctx->nc));
	return r;
}

/* ---- what the kernel has */

static int nft_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	struct view o;
	int r;

	r = anft_read(nc, &o);
	if (r < 0)
		return r;
	r = anft_values(&o, v, n, true);
	anft_view_done(&o);
	return r;
}

/*
 * The table when it carries the marker, and while it is whole its elements
 * (those that are a VIP or a prefix) and output rules: deleting the table
 * takes everything in it.
 */
static int nft_marked(struct netconf *nc,
		      int (*cb)(const struct step *s, void *data), void *data)
{
	struct view o;
	struct step s;
	int r;

	r = anft_read(nc, &o);
	if (r < 0 || (o.table != T_PRESENT && o.table != T_INCOMPLETE))
		goto out;
	init_step(&s, "");
	snprintf(s.target, sizeof(s.target), "%s", ARP_NFT_TARGET);
	snprintf(s.now, sizeof(s.now), "%s", anft_table_value(o.table, o.interval));
	r = cb(&s, data);
	for (size_t i = 0; r == 0 && o.table == T_PRESENT && i < o.n_ranges; i++) {
		uint64_t size = o.ranges[i].hi - o.ranges[i].lo;
		unsigned plen = 32;
		char a[INET_ADDRSTRLEN + 4];

		while (plen > 0 && prefix_size(plen) < size)
			plen--;
		if (prefix_size(plen) != size || (o.ranges[i].lo & (size - 1)))
			continue; /* not a VIP or a prefix: not the agent's */
		init_step(&s, "");
		vip_text(addr_of(o.ranges[i].lo), plen, a, sizeof(a));
		snprintf(s.target, sizeof(s.target), "%s vip %s", ARP_NFT_TARGET, a);
		snprintf(s.now, sizeof(s.now), "%s", NETCONF_PRESENT);
		r = cb(&s, data);
	}
	for (size_t i = 0; r == 0 && o.table == T_PRESENT && i < o.n_rules; i++) {
		init_step(&s, "");
		snprintf(s.target, sizeof(s.target), "%s output %s", ARP_NFT_TARGET,
			 o.rules[i].key);
		snprintf(s.now, sizeof(s.now), "%s", o.rules[i].value);
		r = cb(&s, data);
	}
out:
	anft_view_done(&o);
	return r;
}

/* ---- verify, output and the journal's checks */

static void nft_explain(const struct step *s, char *buf, size_t len)
{
	struct parsed p;

	if (anft_parse_target(s->target, &p) < 0) {
		snprintf(buf, len, "unknown nft target");
		return;
	}
	if (p.kind == K_TABLE) {
		if (strcmp(s->now, NETCONF_ABSENT) == 0 && strcmp(s->want, NETCONF_ABSENT) != 0)
			snprintf(buf, len,
				 "no ARP suppression: the VIPs are answered in ARP and announced as ARP sender, "
				 "so the router learns VIP -> this real server's MAC and clients bypass the director");
		else if (strcmp(s->now, ARP_NFT_FOREIGN) == 0)
			snprintf(buf, len,
				 "a table arp %s that lvs-rs-agent did not create is in the way: the agent neither "
				 "uses nor overwrites it, and cannot vouch that it suppresses ARP for the VIPs",
				 ARP_NFT_TABLE);
		else if (strcmp(s->now, ARP_NFT_INCOMPLETE) == 0)
			snprintf(buf, len,
				 "the table differs from what the agent makes: its set, a chain, a hook or a rule "
				 "changed or removed, a flag (dormant) set, or a rule, chain, set or element that no "
				 "VIP or interface of the config accounts for added: ARP requests for the VIPs may be "
				 "answered (apply rebuilds it)");
		else if (strcmp(s->now, NETCONF_PRESENT) == 0 &&
			 strcmp(s->want, ARP_NFT_INTERVAL) == 0)
			snprintf(buf, len,
				 "the set %s holds single addresses only (made without the interval flag), so the "
				 "anyip prefixes cannot be in it and ARP requests for them are answered "
				 "(apply makes the table again with an interval set)", SET_NAME);
		else if (strcmp(s->now, ARP_NFT_INTERVAL) == 0 &&
			 strcmp(s->want, NETCONF_PRESENT) == 0)
			snprintf(buf, len,
				 "the set %s is an interval set although no VIP is a prefix: it still suppresses "
				 "ARP for the VIPs (apply makes it plain again)", SET_NAME);
		else
			snprintf(buf, len, "the table arp %s is still there: ARP for the VIPs stays suppressed",
				 ARP_NFT_TABLE);
		return;
	}
	if (strcmp(s->now, ARP_NFT_INCOMPLETE) == 0) {
		snprintf(buf, len,
			 "the table arp %s is damaged (its own line tells how), so what it holds is not "
			 "vouched for: apply rebuilds the table whole, this part with it", ARP_NFT_TABLE);
		return;
	}
	if (p.kind == K_VIP) {
		char a[INET_ADDRSTRLEN + 4];

		vip_text(p.vip, p.plen, a, sizeof(a));
		if (strcmp(s->want, NETCONF_PRESENT) == 0 && p.plen < 32)
			snprintf(buf, len,
				 "VIPs %s not in the set %s: this real server answers ARP requests for them and sends "
				 "ARP requests with them as sender, so clients and routers bypass the director",
				 a, SET_NAME);
		else if (strcmp(s->want, NETCONF_PRESENT) == 0)
			snprintf(buf, len,
				 "VIP %s not in the set %s: this real server answers ARP requests for it and sends "
				 "ARP requests with it as sender, so clients and routers bypass the director",
				 a, SET_NAME);
		else
			snprintf(buf, len, "%s is still in the set %s", a, SET_NAME);
		return;
	}
	if (strcmp(s->now, NETCONF_ABSENT) == 0)
		snprintf(buf, len,
			 "mangle rule for %s missing: ARP requests this real server sends%s%s from a VIP "
			 "carry the VIP as sender, and neighbours learn VIP -> this real server's MAC",
			 strcmp(p.key, "*") ? p.key : "every interface",
			 strcmp(p.key, "*") ? " out of " : "", strcmp(p.key, "*") ? p.key : "");
	else if (strcmp(s->want, NETCONF_ABSENT) == 0)
		snprintf(buf, len, "a mangle rule for %s is still in the output chain", p.key);
	else
		snprintf(buf, len,
			 "the mangle rule for %s writes %s as ARP sender, not %s: neighbours may map that "
			 "address to this real server's MAC (apply replaces the rule)",
			 p.key, s->now, s->want);
}


/* anft_parse_target() takes the canonical text of a table or element; a rule's
 * key must be an interface name, or "*". */
static bool nft_valid_target(const char *target)
{
	struct parsed p;

	if (anft_parse_target(target, &p) < 0)
		return false;
	return p.kind != K_RULE || STREQ(p.key, "*") || netconf_ifname_valid(p.key);
}

/* The values observe gives, whichever field: a stale part of the table is
 * journaled with its prior value as want. */
static bool nft_valid_value(const char *target, enum step_field f,
			    const char *value)
{
	static const char *const table[] = {
		NETCONF_PRESENT, ARP_NFT_INTERVAL, NETCONF_ABSENT,
		ARP_NFT_FOREIGN, ARP_NFT_INCOMPLETE,
	};
	struct parsed p;
	struct in_addr a;
	char again[INET_ADDRSTRLEN];

	if (anft_parse_target(target, &p) < 0)
		return false;
	switch (p.kind) {
	case K_TABLE:
		for (size_t i = 0; i < ARRAY_SIZE(table); i++)
			if (STREQ(value, table[i]))
				return true;
		return false;
	case K_VIP:
		return STREQ(value, NETCONF_PRESENT) || STREQ(value, NETCONF_ABSENT);
	case K_RULE:
		if (STREQ(value, NETCONF_ABSENT) || STREQ(value, RULE_OTHER))
			return true;
		return inet_pton(AF_INET, value, &a) == 1 &&
		       inet_ntop(AF_INET, &a, again, sizeof(again)) &&
		       STREQ(again, value);
	}
	return false;
}

const struct step_ops arp_nft_ops = {
	.kind = "nft",
	.build = nft_build,
	.observe = nft_observe,
	.change = anft_change,
	.explain = nft_explain,
	.marked = nft_marked,
	.valid_target = nft_valid_target,
	.valid_value = nft_valid_value,
	/* Editing the VIPs edits the set in one nf_tables batch. */
	.transactional = true,
	.nft_table = ARP_NFT_TARGET,
};
