// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "route" step kind: AnyIP VIPs. A `local` route in table local makes
 * every address of its prefix local to the host, as an address would, with
 * one route for a whole prefix and without the per-address cost of the
 * device's address list. Observe is one link dump and one route dump of
 * table local per address family; change sends the requests in batches
 * through nc_batch_send(), as addr.c does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* The smallest request: header, rtmsg, RTA_TABLE, an IPv4 RTA_DST, RTA_OIF. */
#define MSG_MIN 52

enum val { V_ABSENT, V_PRESENT, V_BAD };

static enum val val_of(const char *s)
{
	if (STREQ(s, NETCONF_ABSENT))
		return V_ABSENT;
	if (STREQ(s, NETCONF_PRESENT))
		return V_PRESENT;
	return V_BAD;
}

/* ---- targets: "local ADDR/PREFIX dev DEV table local" */

#define T_HEAD "local "
#define T_TAIL " table local"

/* Whether the bits of addr beyond prefixlen are all zero. */
static bool is_network(int family, const void *addr, unsigned char prefixlen)
{
	const unsigned char *b = addr;
	size_t len = nc_addr_len(family);

	for (size_t i = 0; i < len; i++) {
		unsigned int keep = prefixlen >= 8 * (i + 1) ? 8 :
				    prefixlen > 8 * i ? prefixlen - 8 * i : 0;
		unsigned char mask = (unsigned char)(0xffu >> keep);

		if (b[i] & mask)
			return false;
	}
	return true;
}

int netconf_route_target(int family, const void *addr, unsigned char prefixlen,
			 const char *dev, char *buf, size_t len)
{
	char mid[STEP_TARGET_MAX];
	int r, n;

	if ((family != AF_INET && family != AF_INET6) || !addr)
		return -EINVAL;
	/* A route names its network: the kernel refuses host bits. */
	if (prefixlen <= (family == AF_INET ? 32 : 128) &&
	    !is_network(family, addr, prefixlen))
		return -EINVAL;
	r = netconf_addr_target(family, addr, prefixlen, dev, mid, sizeof(mid));
	if (r < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	n = snprintf(buf, len, T_HEAD "%s" T_TAIL, mid);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The target into t, without the round trip that makes sure of one
 * spelling: for the steps the agent built, or a journal's that
 * valid_target() took. */
static int parse(const char *target, struct nc_target *t)
{
	char mid[STEP_TARGET_MAX];
	size_t len = strlen(target), head = strlen(T_HEAD), tail = strlen(T_TAIL);

	memset(t, 0, sizeof(*t));
	if (len <= head + tail || len - head - tail >= sizeof(mid) ||
	    strncmp(target, T_HEAD, head) != 0 || strcmp(target + len - tail, T_TAIL) != 0)
		return -EINVAL;
	memcpy(mid, target + head, len - head - tail);
	mid[len - head - tail] = '\0';
	return netconf_addr_parse_target(mid, &t->family, &t->addr, &t->prefixlen, t->dev);
}

int netconf_route_parse_target(const char *target, int *family, void *addr,
			       unsigned char *prefixlen, char *dev)
{
	char again[STEP_TARGET_MAX];
	struct nc_target t;

	if (!target || parse(target, &t) < 0)
		return -EINVAL;
	/* One spelling per target: the canonical one, host bits clear. */
	if (netconf_route_target(t.family, &t.addr, t.prefixlen, t.dev, again, sizeof(again)) < 0 ||
	    strcmp(again, target) != 0)
		return -EINVAL;
	*family = t.family;
	memcpy(addr, &t.addr, nc_addr_len(t.family));
	*prefixlen = t.prefixlen;
	memcpy(dev, t.dev, strlen(t.dev) + 1);
	return 0;
}

/* ---- the kernel's links and local routes, sorted for lookups */

/* One local route of table local; zeroed whole, compared with memcmp. */
struct lroute {
	int family;
	int ifindex;
	unsigned char prefixlen;
	union netconf_inaddr dst;
};

struct view {
	struct nc_links links; /* first: nc_change_planned() loads it */
	struct netconf *nc;    /* the run's parsed targets */
	struct lroute *routes;
	size_t n_routes, cap_routes;
	bool v4, v6; /* the families whose routes are wanted */
	unsigned char proto; /* only routes of this protocol; 0: any */
};

static void view_done(struct view *w)
{
	nc_links_done(&w->links);
	free(w->routes);
	memset(w, 0, sizeof(*w));
}

static int route_cmp(const void *a, const void *b)
{
	const struct lroute *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	return memcmp(&x->dst, &y->dst, sizeof(x->dst));
}

int nc_route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case RTA_TABLE:
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case RTA_METRICS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	case RTA_DST:
		break; /* its length depends on the family: checked by the caller */
	case RTA_MULTIPATH:
		break; /* its next hops are checked by the caller */
	default:
		return MNL_CB_OK;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/* One family's dump, appended to w->routes after the first `keep`. */
struct rdump {
	struct view *w;
	size_t keep;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	struct view *w = ((struct rdump *)data)->w;
	const struct rtmsg *rtm;
	struct lroute *e;
	uint32_t table;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*rtm), nc_route_attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	/*
	 * Only local routes of table local count. The kernel's own local
	 * route of an address (proto kernel) belongs to that address and
	 * goes with it: it is not a route that anyone added.
	 */
	if (rtm->rtm_type != RTN_LOCAL || table != RT_TABLE_LOCAL ||
	    rtm->rtm_protocol == RTPROT_KERNEL || !tb[RTA_OIF] ||
	    (w->proto && rtm->rtm_protocol != w->proto))
		return 0;
	alen = nc_addr_len(rtm->rtm_family);
	if (rtm->rtm_dst_len > 8 * alen ||
	    (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) != alen))
		return -EBADMSG;
	if (w->n_routes == w->cap_routes) {
		size_t cap = w->cap_routes ? 2 * w->cap_routes : 64;
		struct lroute *v = realloc(w->routes, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->routes = v;
		w->cap_routes = cap;
	}
	e = &w->routes[w->n_routes++];
	memset(e, 0, sizeof(*e));
	e->family = rtm->rtm_family;
	e->ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	e->prefixlen = rtm->rtm_dst_len;
	if (tb[RTA_DST])
		memcpy(&e->dst, mnl_attr_get_payload(tb[RTA_DST]), alen);
	return 0;
}

static void rdump_reset(void *data)
{
	struct rdump *d = data;

	d->w->n_routes = d->keep;
}

/*
 * Table local of one family, appended to w->routes. The kernel filters by
 * table, type and protocol when the request is checked strictly (Linux 4.20
 * and later), so a host with a large main table is not dumped whole; an
 * older kernel sends everything and route_cb() filters alike.
 */
static int dump_family(struct netconf *nc, struct view *w, int family)
{
	char req[64] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct rdump d = { .w = w, .keep = w->n_routes };
	struct rtmsg *rtm;
	int r;
	bool strict;

	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_table = RT_TABLE_LOCAL;
	rtm->rtm_type = RTN_LOCAL;
	rtm->rtm_protocol = w->proto;
	strict = nl_set_strict(nc->rt, true) == 0;
	r = nc_dump(nc, nlh, route_cb, rdump_reset, &d,
		    family == AF_INET ? "RTM_GETROUTE dump (IPv4 table local)" :
					"RTM_GETROUTE dump (IPv6 table local)");
	/* The socket's other requests stay as they were. */
	if (strict)
		(void)nl_set_strict(nc->rt, false);
	return r;
}

/* The local routes of the families in w->v4, w->v6, sorted. */
static int view_routes(struct netconf *nc, void *view)
{
	struct view *w = view;
	int r = 0;

	w->n_routes = 0;
	if (w->v4)
		r = dump_family(nc, w, AF_INET);
	if (r == 0 && w->v6)
		r = dump_family(nc, w, AF_INET6);
	if (r < 0)
		return r;
	if (w->n_routes)
		qsort(w->routes, w->n_routes, sizeof(*w->routes), route_cmp);
	return 0;
}

static enum val view_value(const struct view *w, const struct nc_target *t,
			   int ifindex)
{
	struct lroute key;

	if (!ifindex || !w->n_routes)
		return V_ABSENT;
	memset(&key, 0, sizeof(key));
	key.family = t->family;
	key.ifindex = ifindex;
	key.prefixlen = t->prefixlen;
	memcpy(&key.dst, &t->addr, nc_addr_len(t->family));
	return bsearch(&key, w->routes, w->n_routes, sizeof(*w->routes),
		       route_cmp) ? V_PRESENT : V_ABSENT;
}

/* Which families the steps need dumped: an IPv6 target holds a ':' (an
 * interface name never does). */
static void view_families(struct view *w, struct step *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(v[i]->target, ':'))
			w->v6 = true;
		else
			w->v4 = true;
	}
}

/* ---- observe */

static int route_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	_cleanup_(view_done) struct view w = { 0 };
	int r;

	if (!n)
		return 0;
	view_families(&w, v, n);
	r = nc_links_load(nc, &w.links);
	if (r == 0)
		r = view_routes(nc, &w);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct nc_target t;

		if (nc_target(nc, NC_PARSED_ROUTE, v[i], parse, &t) < 0) {
			netconf_set_error(nc, "invalid route target \"%s\"", v[i]->target);
			return -EINVAL;
		}
		r = STEP_SET(v[i]->now,
			     view_value(&w, &t, nc_links_ifindex(&w.links, t.dev)) == V_PRESENT ?
				     NETCONF_PRESENT : NETCONF_ABSENT);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- change */

struct plan {
	struct nc_plan h; /* type RTM_NEWROUTE, RTM_DELROUTE */
	enum val want;
};

static int plan_step(void *view, const struct step *s, enum step_field to,
		     void *plan, char *text, size_t len)
{
	struct view *w = view;
	struct plan *p = plan;
	enum val from = val_of(s->now);

	memset(p, 0, sizeof(*p));
	p->want = val_of(step_value(s, to));
	if (nc_target(w->nc, NC_PARSED_ROUTE, s, parse, &p->h.t) < 0) {
		snprintf(text, len, "invalid route target \"%s\"", s->target);
		return -EINVAL;
	}
	/* Lost acks are resolved by a dump of this family. */
	if (p->h.t.family == AF_INET)
		w->v4 = true;
	else
		w->v6 = true;
	if (from == V_BAD || p->want == V_BAD) {
		snprintf(text, len, "%s: no change from \"%s\" to \"%s\"",
			 s->target, s->now, step_value(s, to));
		return -EINVAL;
	}
	if (from == p->want)
		return 0;
	p->h.type = p->want == V_PRESENT ? RTM_NEWROUTE : RTM_DELROUTE;
	return nc_plan_link(&w->links, &p->h, s, text, len);
}

/*
 * As `ip route add local PREFIX dev DEV table local` makes it: type local,
 * scope host, in table local (RTA_TABLE as well: rtm_table is 8 bits), with
 * the agent's protocol number. A delete names the same protocol, so it
 * removes the agent's route and never someone else's of the same prefix.
 */
static void build(const void *plan, void *buf, uint32_t seq)
{
	const struct plan *p = plan;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = p->h.type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (p->h.type == RTM_NEWROUTE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)p->h.t.family;
	rtm->rtm_dst_len = p->h.t.prefixlen;
	rtm->rtm_table = RT_TABLE_LOCAL;
	rtm->rtm_protocol = NETCONF_ROUTE_PROTO;
	/* A delete matches any scope, as `ip route del` asks. */
	rtm->rtm_scope = p->h.type == RTM_NEWROUTE ? RT_SCOPE_HOST : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_LOCAL;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_LOCAL);
	mnl_attr_put(nlh, RTA_DST, nc_addr_len(p->h.t.family), &p->h.t.addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)p->h.ifindex);
}

static bool done(const void *view, const void *plan)
{
	const struct plan *p = plan;

	return view_value(view, &p->h.t, p->h.ifindex) == p->want;
}

static const struct nc_plan_ops route_plan_ops = {
	.plan_size = sizeof(struct plan),
	.plan = plan_step,
	.build = build,
	.reread = view_routes,
	.done = done,
	.msg_min = MSG_MIN,
};

static int route_change(struct netconf *nc, struct step *const *v, size_t n,
		        enum step_field to, int *res)
{
	_cleanup_(view_done) struct view w = { .nc = nc };

	return nc_change_planned(nc, &route_plan_ops, &w, v, n, to, res);
}

static void route_explain(const struct step *s, char *buf, size_t len)
{
	struct nc_target t;
	char a[INET6_ADDRSTRLEN] = "?";
	enum val now = val_of(s->now), want = val_of(s->want);

	if (parse(s->target, &t) == 0)
		inet_ntop(t.family, &t.addr, a, sizeof(a));
	if (now == V_ABSENT && want == V_PRESENT)
		snprintf(buf, len,
			 "no local route for %s/%u on %s: packets for the VIP%s are not accepted locally, so the director's packets for %s are dropped",
			 a, t.prefixlen, t.dev,
			 t.prefixlen == (t.family == AF_INET ? 32 : 128) ? "" : "s",
			 t.prefixlen == (t.family == AF_INET ? 32 : 128) ? "it" : "them");
	else if (want == V_ABSENT)
		snprintf(buf, len,
			 "local route for %s/%u still in table local: the RS accepts traffic for it",
			 a, t.prefixlen);
	else
		snprintf(buf, len, "local route is \"%s\", expected \"%s\"",
			 s->now, s->want);
}

/* The routes of table local with the agent's protocol, whoever else's
 * target they might share: the agent added them. */
static int route_marked(struct netconf *nc,
			int (*cb)(const struct step *s, void *data), void *data)
{
	_cleanup_(view_done) struct view w = { .v4 = true, .v6 = true,
					       .proto = NETCONF_ROUTE_PROTO };
	int r;

	r = nc_links_load(nc, &w.links);
	if (r == 0)
		r = view_routes(nc, &w);
	for (size_t i = 0; r == 0 && i < w.n_routes; i++) {
		const struct lroute *e = &w.routes[i];
		struct step s = { .ops = &netconf_route_ops, .order = STEP_ORDER_VIP };
		const char *dev = NULL;

		for (size_t l = 0; l < w.links.n && !dev; l++)
			if (w.links.v[l].ifindex == e->ifindex)
				dev = w.links.v[l].name;
		if (!dev || netconf_route_target(e->family, &e->dst, e->prefixlen, dev,
						 s.target, sizeof(s.target)) < 0)
			continue;
		snprintf(s.now, sizeof(s.now), NETCONF_PRESENT);
		r = cb(&s, data);
	}
	return r;
}

/* anyip: a local route in table local on the group's device (lo, or the
 * tunnel device), for a VIP or a whole prefix, instead of an address. */
static int route_build(const struct kind_ctx *ctx, struct steplist *out)
{
	return nc_vip_steps(ctx, &netconf_route_ops, true, netconf_route_target, out);
}

/* netconf_route_parse_target() takes the canonical text only. */
static bool route_valid_target(const char *target)
{
	struct nc_target t = { 0 };

	return netconf_route_parse_target(target, &t.family, &t.addr, &t.prefixlen,
					  t.dev) == 0;
}

static bool route_valid_value(const char *target, enum step_field f,
			      const char *value)
{
	return val_of(value) != V_BAD;
}

const struct step_ops netconf_route_ops = {
	.kind = "route",
	.build = route_build,
	.observe = route_observe,
	.change = route_change,
	.explain = route_explain,
	.marked = route_marked,
	.valid_target = route_valid_target,
	.valid_value = route_valid_value,
};
