// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MSS clamp of TUN groups, the kind "mss": the steps from the config
 * (auto: the way back's MTU less the headers and the tunnel's overhead),
 * observe, verify's explanations, marked and the journal's checks. The
 * table itself is in mss-table.c, on the machinery of netconf/nft-table.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mss-internal.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"

/* The IPv4 and TCP headers without options, IPv6's 20 bytes longer. */
#define IP4_HDR 20
#define IP6_HDR 40
#define TCP_HDR 20

unsigned tunnel_overhead(int type, int outer_family)
{
	unsigned outer = outer_family == AF_INET6 ? IP6_HDR : IP4_HDR;

	switch (type) {
	case CONF_TUN_GRE:
		return outer + 4 + 4;
	case CONF_TUN_GUE:
		return outer + 8 + 4 + 8;
	default:
		return outer;
	}
}

/* ---- the steps */

static void init_step(struct step *s, const char *want)
{
	memset(s, 0, sizeof(*s));
	s->ops = &tunnel_mss_ops;
	s->order = STEP_ORDER_TUNNEL;
	snprintf(s->want, sizeof(s->want), "%s", want);
}

/* What build learns of the host once: the way back of each family, the
 * links (whose kind tells a tunnel's outer family). */
struct host {
	struct netconf *nc;
	struct netconf_route_back back[2];
	bool have_back[2];
	struct netconf_link *links;
	size_t n_links;
	bool have_links;
};

/*
 * The outer header's family of the director's packets to a group's
 * device: IPv6 for the kinds that carry over IPv6 (ip6tnl, ip6gre), IPv4
 * for any other; a device not there yet by the fallback device it names.
 */
static int outer_family(struct host *h, const char *dev, int *ret)
{
	static const char *const v6[] = { "ip6tnl", "ip6gre", "ip6gretap" };
	const char *kind = tunnel_fallback_kind(dev);
	int r;

	if (!h->have_links) {
		r = netconf_dump_links(h->nc, &h->links, &h->n_links);
		if (r < 0)
			return r;
		h->have_links = true;
	}
	for (size_t i = 0; i < h->n_links; i++)
		if (STREQ(h->links[i].name, dev))
			kind = h->links[i].kind;
	if (!kind && STREQ(dev, "ip6gre0"))
		kind = "ip6gre";
	*ret = AF_INET;
	for (size_t i = 0; kind && i < ARRAY_SIZE(v6); i++)
		if (STREQ(kind, v6[i]))
			*ret = AF_INET6;
	return 0;
}

/* mss = auto for a VIP of family f in group g: 0 and *mss, or -errno
 * with one line in ctx->err. */
static int auto_mss(const struct kind_ctx *ctx, struct host *h,
		    const struct conf_group *g, int f, int *mss)
{
	struct netconf_route_back *b = &h->back[f == AF_INET6];
	unsigned hdr = f == AF_INET ? IP4_HDR + TCP_HDR : IP6_HDR + TCP_HDR;
	int outer, v = f == AF_INET ? 4 : 6, r;
	unsigned over;

	if (!h->have_back[f == AF_INET6]) {
		r = netconf_route_back(h->nc, f, b);
		if (r == -ENOENT) {
			snprintf(ctx->err, ctx->errlen,
				 "%s:%d: vip \"%s\": mss = auto: no IPv%d default route,\n"
				 "whose MTU auto takes for the way back to clients; add one, or set mss = N",
				 g->file, g->mss_line ? g->mss_line : g->line, g->name, v);
			return -EOPNOTSUPP;
		}
		if (r < 0) {
			snprintf(ctx->err, ctx->errlen,
				 "%s: vip \"%s\": mss = auto: cannot read the IPv%d routes: %s (%s)",
				 ctx->verb, g->name, v, strerror(-r), netconf_error(h->nc));
			return r;
		}
		h->have_back[f == AF_INET6] = true;
	}
	r = outer_family(h, g->device, &outer);
	if (r < 0) {
		snprintf(ctx->err, ctx->errlen, "%s: vip \"%s\": mss = auto: cannot list the links: %s (%s)",
			 ctx->verb, g->name, strerror(-r), netconf_error(h->nc));
		return r;
	}
	over = tunnel_overhead(g->tun_type, outer);
	*mss = (int)b->mtu - (int)(hdr + over);
	if (*mss < CONF_MSS_MIN) {
		snprintf(ctx->err, ctx->errlen,
			 "%s:%d: vip \"%s\": mss = auto gives %d, below %d:\n"
			 "the MTU %u of %s (IPv%d default route) less %u of headers and %u of tunnel; set mss = N",
			 g->file, g->mss_line ? g->mss_line : g->line, g->name, *mss, CONF_MSS_MIN,
			 b->mtu, b->dev, v, hdr, over);
		return -EOPNOTSUPP;
	}
	if (*mss > CONF_MSS_MAX)
		*mss = CONF_MSS_MAX;
	return 0;
}

static int add_vip(const struct conf_vip *vip, int mss, struct steplist *out)
{
	struct step s;
	int r;

	init_step(&s, "");
	snprintf(s.want, sizeof(s.want), "%d", mss);
	r = mss_vip_target(vip->family, &vip->addr, vip->prefixlen, s.target,
			   sizeof(s.target));
	return r < 0 ? r : steplist_add(out, &s);
}

static int mss_build(const struct kind_ctx *ctx, struct steplist *out)
{
	const struct conf *c = ctx->conf;
	struct host h = { .nc = ctx->nc };
	bool table = false;
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->n_groups; i++) {
		const struct conf_group *g = &c->groups[i];

		if (g->mode != CONF_MODE_TUN || g->mss == CONF_MSS_OFF || !g->n_vips)
			continue;
		if (!table) {
			struct step s;

			init_step(&s, NETCONF_PRESENT);
			snprintf(s.target, sizeof(s.target), "%s", TUNNEL_MSS_TARGET);
			r = steplist_add(out, &s);
			table = true;
		}
		for (size_t k = 0; r == 0 && k < g->n_vips; k++) {
			int mss = g->mss;

			/* Without the kernel (check-config) auto has no value. */
			if (mss == CONF_MSS_AUTO && !ctx->nc)
				continue;
			if (mss == CONF_MSS_AUTO)
				r = auto_mss(ctx, &h, g, g->vips[k].family, &mss);
			if (r == 0)
				r = add_vip(&g->vips[k], mss, out);
		}
	}
	free(h.links);
	if (r < 0 && !ctx->err[0])
		snprintf(ctx->err, ctx->errlen, "%s: mss steps: %s", ctx->verb, strerror(-r));
	return r;
}

/* ---- what the kernel has */

static int mss_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	struct mss_view o;
	int r = mss_read(nc, &o);

	if (r < 0)
		return r;
	r = mss_values(&o, v, n, true);
	mss_view_done(&o);
	return r;
}

/* The table when it carries the marker, and while it is whole its
 * elements: deleting the table takes them all. */
static int mss_marked(struct netconf *nc,
		      int (*cb)(const struct step *s, void *data), void *data)
{
	struct mss_view o;
	struct step s;
	int r = mss_read(nc, &o);

	if (r < 0 || (o.table != M_PRESENT && o.table != M_INCOMPLETE))
		goto out;
	init_step(&s, "");
	snprintf(s.target, sizeof(s.target), "%s", TUNNEL_MSS_TARGET);
	snprintf(s.now, sizeof(s.now), "%s", mss_table_value(o.table));
	r = cb(&s, data);
	for (size_t i = 0; r == 0 && o.table == M_PRESENT && i < o.n; i++) {
		char a[INET6_ADDRSTRLEN + 4];

		init_step(&s, "");
		mss_entry_text(&o.v[i], a, sizeof(a));
		snprintf(s.target, sizeof(s.target), "%s vip %s", TUNNEL_MSS_TARGET, a);
		snprintf(s.now, sizeof(s.now), "%d", o.v[i].mss);
		r = cb(&s, data);
	}
out:
	mss_view_done(&o);
	return r;
}

/* ---- verify, output and the journal's checks */

#define WHY_STALL "clients' full-size segments no longer fit the tunnel: uploads stall where ICMP is filtered"

static void explain_table(const struct step *s, char *buf, size_t len)
{
	if (STREQ(s->now, TUNNEL_MSS_FOREIGN))
		snprintf(buf, len,
			 "a table %s that lvs-rs-agent did not create is in the way: the agent neither uses "
			 "nor overwrites it, and cannot vouch that it clamps the MSS of the VIPs' SYN-ACKs",
			 TUNNEL_MSS_TARGET);
	else if (STREQ(s->now, TUNNEL_MSS_INCOMPLETE))
		snprintf(buf, len,
			 "the table differs from what the agent makes (a rule, chain, set, flag or element "
			 "changed, removed or added), so SYN-ACKs from the VIPs may leave unclamped: "
			 WHY_STALL " (apply rebuilds it)");
	else if (STREQ(s->want, NETCONF_ABSENT))
		snprintf(buf, len, "the table %s is still there: SYN-ACKs from its VIPs are still clamped",
			 TUNNEL_MSS_TARGET);
	else
		snprintf(buf, len, "no MSS clamp for the VIPs' SYN-ACKs: " WHY_STALL);
}

static void mss_explain(const struct step *s, char *buf, size_t len)
{
	struct mss_target p;
	char a[INET6_ADDRSTRLEN + 4];
	int now, want;

	if (mss_parse_target(s->target, &p) < 0) {
		snprintf(buf, len, "unknown mss target");
		return;
	}
	if (p.table) {
		explain_table(s, buf, len);
		return;
	}
	mss_entry_text(&p.e, a, sizeof(a));
	now = mss_value(s->now);
	want = mss_value(s->want);
	if (STREQ(s->now, TUNNEL_MSS_INCOMPLETE))
		snprintf(buf, len,
			 "the table %s is damaged (its own line tells how), so the clamp of %s is not "
			 "vouched for: apply rebuilds the table whole, this element with it",
			 TUNNEL_MSS_TARGET, a);
	else if (!want)
		snprintf(buf, len, "SYN-ACKs from %s are still clamped to %s", a, s->now);
	else if (!now)
		snprintf(buf, len, "SYN-ACKs from %s keep the MSS the client offered, not at most %d: "
			 WHY_STALL, a, want);
	else if (now > want)
		snprintf(buf, len, "SYN-ACKs from %s are clamped to %d, not %d: " WHY_STALL,
			 a, now, want);
	else
		snprintf(buf, len,
			 "SYN-ACKs from %s are clamped to %d, below %d: clients send smaller segments "
			 "than the tunnel carries (apply raises the clamp)", a, now, want);
}

static bool mss_valid_target(const char *target)
{
	struct mss_target p;

	return mss_parse_target(target, &p) == 0;
}

/* The values observe gives, whichever field: a stale element is journaled
 * with its prior value as want. */
static bool mss_valid_value(const char *target, enum step_field f,
			    const char *value)
{
	static const char *const table[] = {
		NETCONF_PRESENT, NETCONF_ABSENT, TUNNEL_MSS_FOREIGN, TUNNEL_MSS_INCOMPLETE,
	};
	struct mss_target p;

	if (mss_parse_target(target, &p) < 0)
		return false;
	if (p.table) {
		for (size_t i = 0; i < ARRAY_SIZE(table); i++)
			if (STREQ(value, table[i]))
				return true;
		return false;
	}
	return STREQ(value, NETCONF_ABSENT) || STREQ(value, TUNNEL_MSS_INCOMPLETE) ||
	       mss_value(value) != 0;
}

/* A foreign or damaged table is nothing the agent can make. */
static bool mss_restorable(const struct step *s, const char *to)
{
	if (STREQ(to, TUNNEL_MSS_FOREIGN) || STREQ(to, TUNNEL_MSS_INCOMPLETE))
		return false;
	return !step_same(s, s->now, to);
}

const struct step_ops tunnel_mss_ops = {
	.kind = "mss",
	.build = mss_build,
	.observe = mss_observe,
	.change = mss_change,
	.explain = mss_explain,
	.marked = mss_marked,
	.restorable = mss_restorable,
	.valid_target = mss_valid_target,
	.valid_value = mss_valid_value,
	/* Every change makes the table whole in one nf_tables batch. */
	.transactional = true,
	.nft_table = TUNNEL_MSS_TARGET,
};
