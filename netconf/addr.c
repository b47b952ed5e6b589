// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "address" step kind: VIPs on a device. Observe is one link dump and one
 * address dump for all steps; change sends the requests in batches, many per
 * sendmsg, and maps every ack back to its step by sequence number.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"

#define INFINITY_LIFE_TIME 0xFFFFFFFFU

/* The smallest request: header, ifaddrmsg, one IPv4 attribute. */
#define MSG_MIN 40

/*
 * A value: absent, present (as the agent makes it), or an IPv6 address as
 * it is otherwise, whole: the flags RTM_NEWADDR takes and its remaining
 * lifetimes, so that revert and rollback put back exactly that address.
 * "preferred" is the plain one (no flags, forever); any other is
 * FLAGS/VALID/PREFERRED: the flags in hex, the lifetimes in seconds or
 * "forever". Finite lifetimes are kept up to LIFE_MAX seconds (31 years):
 * the longest such value, "712/999999999/999999999", fills a step's value.
 */
enum val { V_ABSENT, V_PRESENT, V_OTHER, V_BAD };

/* 12 bytes: a change of 10,000 addresses plans one of them each. */
struct aval {
	uint32_t valid, preferred; /* V_OTHER: INFINITY_LIFE_TIME is forever */
	uint16_t flags;		   /* V_OTHER: IFA_F_* of ADDR_FLAGS */
	unsigned char v;	   /* enum val */
};

/* The flags an address keeps that RTM_NEWADDR can give it; the others are
 * the kernel's (tentative, deprecated, permanent, ...). */
#define ADDR_FLAGS                                                             \
	(IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR |              \
	 IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)
#define LIFE_MAX 999999999U
#define FOREVER "forever"

static uint32_t life_cap(uint32_t t)
{
	return t == INFINITY_LIFE_TIME || t <= LIFE_MAX ? t : LIFE_MAX;
}

static void life_str(uint32_t t, char *buf, size_t len)
{
	if (t == INFINITY_LIFE_TIME)
		snprintf(buf, len, FOREVER);
	else
		snprintf(buf, len, "%u", t);
}

/* buf: at least STEP_VALUE_MAX bytes, which every value fits. */
static void aval_str(const struct aval *a, char *buf, size_t len)
{
	char v[16], p[16], text[48];

	switch (a->v) {
	case V_ABSENT:
		snprintf(buf, len, NETCONF_ABSENT);
		return;
	case V_PRESENT:
		snprintf(buf, len, NETCONF_PRESENT);
		return;
	case V_OTHER:
		if (!a->flags && a->valid == INFINITY_LIFE_TIME &&
		    a->preferred == INFINITY_LIFE_TIME) {
			snprintf(buf, len, NETCONF_PREFERRED);
			return;
		}
		life_str(a->valid, v, sizeof(v));
		life_str(a->preferred, p, sizeof(p));
		snprintf(text, sizeof(text), "%x/%s/%s", a->flags, v, p);
		if (step_set(buf, len, text) < 0)
			snprintf(buf, len, "?");
		return;
	case V_BAD:
		break;
	}
	snprintf(buf, len, "?");
}

/* A lifetime field of FLAGS/VALID/PREFERRED up to `end`. */
static bool life_parse(const char *s, const char *end, uint32_t *ret)
{
	uint64_t x = 0;

	if ((size_t)(end - s) == strlen(FOREVER) && !strncmp(s, FOREVER, strlen(FOREVER))) {
		*ret = INFINITY_LIFE_TIME;
		return true;
	}
	if (s == end || end - s > 9)
		return false;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*ret = (uint32_t)x;
	return true;
}

static struct aval val_of(const char *s)
{
	struct aval a = { .v = V_BAD };
	const char *v, *p;
	char *end, again[STEP_VALUE_MAX];
	unsigned long flags;

	if (STREQ(s, NETCONF_ABSENT))
		return (struct aval){ .v = V_ABSENT };
	if (STREQ(s, NETCONF_PRESENT))
		return (struct aval){ .v = V_PRESENT };
	if (STREQ(s, NETCONF_PREFERRED))
		return (struct aval){ .v = V_OTHER, .valid = INFINITY_LIFE_TIME,
				      .preferred = INFINITY_LIFE_TIME };
	if (*s < '0' || *s > '9')
		return a;
	errno = 0;
	flags = strtoul(s, &end, 16);
	if (errno || *end != '/' || (flags & ~(unsigned long)ADDR_FLAGS))
		return a;
	v = end + 1;
	p = strchr(v, '/');
	if (!p || !life_parse(v, p, &a.valid) ||
	    !life_parse(p + 1, p + 1 + strlen(p + 1), &a.preferred))
		return a;
	a.flags = (uint16_t)flags;
	/* What the kernel takes: a valid lifetime, preferred within it
	 * (forever is the largest number). */
	if (!a.valid || a.preferred > a.valid)
		return (struct aval){ .v = V_BAD };
	a.v = V_OTHER;
	/* One spelling per value. */
	aval_str(&a, again, sizeof(again));
	if (strcmp(again, s) != 0)
		return (struct aval){ .v = V_BAD };
	return a;
}

/* A lifetime as compared: 0, finite, or forever (the finite ones count
 * down between two reads of the same address). */
static int life_class(uint32_t t)
{
	return t == INFINITY_LIFE_TIME ? 2 : t > 0;
}

static bool aval_same(const struct aval *a, const struct aval *b)
{
	if (a->v != b->v)
		return false;
	if (a->v != V_OTHER)
		return true;
	return a->flags == b->flags && life_class(a->valid) == life_class(b->valid) &&
	       life_class(a->preferred) == life_class(b->preferred);
}

static bool addr_same(const char *a, const char *b)
{
	struct aval x = val_of(a), y = val_of(b);

	if (x.v == V_BAD || y.v == V_BAD)
		return strcmp(a, b) == 0;
	return aval_same(&x, &y);
}

/* ---- targets: "ADDR/PREFIX dev DEV" */

static unsigned char max_prefix(int family)
{
	return family == AF_INET ? 32 : 128;
}

int netconf_addr_target(int family, const void *addr, unsigned char prefixlen,
			const char *dev, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if ((family != AF_INET && family != AF_INET6) || !addr)
		return -EINVAL;
	if (prefixlen > max_prefix(family) || !netconf_ifname_valid(dev))
		return -EINVAL;
	if (!inet_ntop(family, addr, a, sizeof(a)))
		return -errno;
	n = snprintf(buf, len, "%s/%u dev %s", a, prefixlen, dev);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int netconf_addr_parse_target(const char *target, int *family, void *addr,
			      unsigned char *prefixlen, char *dev)
{
	static const char sep[] = " dev ";
	union netconf_inaddr u;
	char a[INET6_ADDRSTRLEN];
	const char *slash, *p;
	unsigned int plen = 0;
	int fam;

	if (!target)
		return -EINVAL;
	slash = strchr(target, '/');
	if (!slash || slash == target || (size_t)(slash - target) >= sizeof(a))
		return -EINVAL;
	memcpy(a, target, (size_t)(slash - target));
	a[slash - target] = '\0';
	if (inet_pton(AF_INET, a, &u) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, a, &u) == 1)
		fam = AF_INET6;
	else
		return -EINVAL;
	/* Decimal, no sign, no leading zero: one spelling per target. */
	p = slash + 1;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		plen = plen * 10 + (unsigned int)(*p - '0');
		if (plen > max_prefix(fam))
			return -EINVAL;
	}
	if (strncmp(p, sep, sizeof(sep) - 1) != 0)
		return -EINVAL;
	p += sizeof(sep) - 1;
	if (!netconf_ifname_valid(p))
		return -EINVAL;
	*family = fam;
	memcpy(addr, &u, nc_addr_len(fam));
	*prefixlen = (unsigned char)plen;
	memcpy(dev, p, strlen(p) + 1);
	return 0;
}

static int parse(const char *target, struct nc_target *t)
{
	memset(t, 0, sizeof(*t));
	return netconf_addr_parse_target(target, &t->family, &t->addr, &t->prefixlen, t->dev);
}

/* ---- the kernel's links and addresses, sorted for lookups */

struct view {
	struct nc_links links; /* first: nc_change_planned() loads it */
	struct netconf *nc;    /* the run's parsed targets */
	struct netconf_addr *addrs;
	size_t n_addrs;
};

static void view_done(struct view *w)
{
	nc_links_done(&w->links);
	free(w->addrs);
	memset(w, 0, sizeof(*w));
}

/* By device, family, prefix length and address: the identity of a step. */
static int addr_cmp(const void *a, const void *b)
{
	const struct netconf_addr *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

static int view_addrs(struct netconf *nc, void *view)
{
	struct view *w = view;
	int r;

	free(w->addrs);
	w->addrs = NULL;
	w->n_addrs = 0;
	r = netconf_dump_addrs(nc, AF_UNSPEC, &w->addrs, &w->n_addrs);
	if (r < 0)
		return r;
	if (w->n_addrs)
		qsort(w->addrs, w->n_addrs, sizeof(*w->addrs), addr_cmp);
	return 0;
}

static struct aval view_value(const struct view *w, const struct nc_target *t,
			      int ifindex)
{
	struct netconf_addr key;
	const struct netconf_addr *a;

	if (!ifindex || !w->n_addrs)
		return (struct aval){ .v = V_ABSENT };
	memset(&key, 0, sizeof(key));
	key.family = t->family;
	key.ifindex = ifindex;
	key.prefixlen = t->prefixlen;
	memcpy(&key.addr, &t->addr, nc_addr_len(t->family));
	a = bsearch(&key, w->addrs, w->n_addrs, sizeof(*w->addrs), addr_cmp);
	if (!a)
		return (struct aval){ .v = V_ABSENT };
	if (t->family == AF_INET)
		return (struct aval){ .v = V_PRESENT };
	/* As the agent makes it: never chosen as a source, no DAD. */
	if ((a->flags & IFA_F_NODAD) &&
	    ((a->flags & IFA_F_DEPRECATED) || a->preferred == 0))
		return (struct aval){ .v = V_PRESENT };
	return (struct aval){ .v = V_OTHER, .flags = (uint16_t)(a->flags & ADDR_FLAGS),
			      .valid = life_cap(a->valid),
			      .preferred = life_cap(a->preferred) };
}

/* ---- observe */

static int addr_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	_cleanup_(view_done) struct view w = { 0 };
	int r;

	r = nc_links_load(nc, &w.links);
	if (r < 0)
		return r;
	r = view_addrs(nc, &w);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct nc_target t;
		struct aval a;

		if (nc_target(nc, NC_PARSED_ADDR, v[i], parse, &t) < 0) {
			netconf_set_error(nc, "invalid address target \"%s\"",
					  v[i]->target);
			return -EINVAL;
		}
		a = view_value(&w, &t, nc_links_ifindex(&w.links, t.dev));
		aval_str(&a, v[i]->now, sizeof(v[i]->now));
	}
	return 0;
}

/* ---- change */

struct plan {
	struct nc_plan h; /* type RTM_NEWADDR, RTM_DELADDR */
	struct aval want;
	uint16_t from_flags; /* the address's own flags, kept by a replace */
	uint16_t flags;	     /* NLM_F_CREATE|NLM_F_EXCL or NLM_F_REPLACE */
};

static int plan_step(void *view, const struct step *s, enum step_field to,
		     void *plan, char *text, size_t len)
{
	struct view *w = view;
	struct plan *p = plan;
	struct aval from = val_of(s->now);

	memset(p, 0, sizeof(*p));
	p->want = val_of(step_value(s, to));
	if (nc_target(w->nc, NC_PARSED_ADDR, s, parse, &p->h.t) < 0) {
		snprintf(text, len, "invalid address target \"%s\"", s->target);
		return -EINVAL;
	}
	if (from.v == V_BAD || p->want.v == V_BAD ||
	    (p->h.t.family == AF_INET &&
	     (from.v == V_OTHER || p->want.v == V_OTHER))) {
		snprintf(text, len, "%s: no change from \"%s\" to \"%s\"",
			 s->target, s->now, step_value(s, to));
		return -EINVAL;
	}
	if (aval_same(&from, &p->want))
		return 0;
	p->from_flags = from.flags;
	if (p->want.v == V_ABSENT) {
		p->h.type = RTM_DELADDR;
	} else if (from.v == V_ABSENT) {
		p->h.type = RTM_NEWADDR;
		p->flags = NLM_F_CREATE | NLM_F_EXCL;
	} else {
		/* IPv6 only: the same address, other flags and lifetimes. */
		p->h.type = RTM_NEWADDR;
		p->flags = NLM_F_REPLACE;
	}
	return nc_plan_link(&w->links, &p->h, s, text, len);
}

/* The IFA_FLAGS and lifetimes of an IPv6 RTM_NEWADDR. */
static void v6_attrs(const struct plan *p, uint32_t *flags, struct ifa_cacheinfo *ci)
{
	memset(ci, 0, sizeof(*ci));
	if (p->want.v == V_OTHER) {
		/* Put back exactly the address that was. */
		*flags = p->want.flags;
		ci->ifa_valid = p->want.valid;
		ci->ifa_prefered = p->want.preferred;
		return;
	}
	ci->ifa_valid = INFINITY_LIFE_TIME;
	ci->ifa_prefered = 0;
	*flags = IFA_F_NODAD;
	if (p->flags == NLM_F_REPLACE) {
		/*
		 * A pre-existing address keeps its own flags (and with them
		 * its prefix route, or none): revert restores the rest.
		 */
		*flags |= p->from_flags;
	} else {
		/*
		 * A new VIP gets no prefix route: the local route in table
		 * local is what makes a /128 ours (as for an IPv4 /32), and
		 * deleting an address with a prefix route scans every address
		 * of the device for another user of the prefix, which makes
		 * removing many IPv6 VIPs quadratic (10,000: a minute).
		 */
		*flags |= IFA_F_NOPREFIXROUTE;
	}
}

static void build(const void *plan, void *buf, uint32_t seq)
{
	const struct plan *p = plan;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t alen = nc_addr_len(p->h.t.family);

	nlh->nlmsg_type = p->h.type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | p->flags;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)p->h.t.family;
	ifa->ifa_prefixlen = p->h.t.prefixlen;
	ifa->ifa_index = (unsigned int)p->h.ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, alen, &p->h.t.addr);
	/* Without a peer IPv4 wants IFA_ADDRESS = IFA_LOCAL (as iproute2). */
	if (p->h.t.family == AF_INET)
		mnl_attr_put(nlh, IFA_ADDRESS, alen, &p->h.t.addr);
	if (p->h.t.family == AF_INET6 && p->h.type == RTM_NEWADDR) {
		struct ifa_cacheinfo ci;
		uint32_t flags;

		v6_attrs(p, &flags, &ci);
		ifa->ifa_flags = (unsigned char)(flags & 0xff);
		/* Explicit 0 too: a replace must clear what is not wanted. */
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	}
}

static bool done(const void *view, const void *plan)
{
	const struct plan *p = plan;
	struct aval now = view_value(view, &p->h.t, p->h.ifindex);

	return aval_same(&now, &p->want);
}

static const struct nc_plan_ops addr_plan_ops = {
	.plan_size = sizeof(struct plan),
	.plan = plan_step,
	.build = build,
	.reread = view_addrs,
	.done = done,
	.msg_min = MSG_MIN,
};

static int addr_change(struct netconf *nc, struct step *const *v, size_t n,
		       enum step_field to, int *res)
{
	_cleanup_(view_done) struct view w = { .nc = nc };

	return nc_change_planned(nc, &addr_plan_ops, &w, v, n, to, res);
}

static void addr_explain(const struct step *s, char *buf, size_t len)
{
	struct nc_target t;
	const char *dev = parse(s->target, &t) == 0 ? t.dev : s->target;
	struct aval now = val_of(s->now), want = val_of(s->want);

	if (now.v == V_ABSENT && want.v != V_ABSENT)
		snprintf(buf, len,
			 "VIP not on %s: the director's packets for it are dropped",
			 dev);
	else if (now.v == V_OTHER && now.preferred != 0 && want.v == V_PRESENT)
		snprintf(buf, len,
			 "IPv6 VIP usable as source address: the RS may open connections from the VIP");
	else if (want.v == V_ABSENT)
		snprintf(buf, len,
			 "address still on %s: the RS accepts traffic for it",
			 dev);
	else
		snprintf(buf, len, "address on %s is \"%s\", expected \"%s\"",
			 dev, s->now, s->want);
}

int nc_vip_steps(const struct kind_ctx *ctx, const struct step_ops *ops, bool anyip,
		 nc_vip_target target, struct steplist *out)
{
	const struct conf *c = ctx->conf;

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];

		if (grp->anyip != anyip)
			continue;
		for (size_t i = 0; i < grp->n_vips; i++) {
			const struct conf_vip *v = &grp->vips[i];
			struct step s = { .ops = ops, .order = STEP_ORDER_VIP };
			int r = target(v->family, &v->addr, v->prefixlen, grp->device, s.target,
				       sizeof(s.target));

			if (r == 0)
				r = STEP_SET(s.want, NETCONF_PRESENT);
			if (r == 0)
				r = steplist_add(out, &s);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* One VIP as a /32 or /128, whatever prefix length an anyip VIP has. */
static int vip_target(int family, const void *addr, unsigned char prefixlen,
		      const char *dev, char *buf, size_t len)
{
	return netconf_addr_target(family, addr, max_prefix(family), dev, buf, len);
}

static int addr_build(const struct kind_ctx *ctx, struct steplist *out)
{
	return nc_vip_steps(ctx, &netconf_addr_ops, false, vip_target, out);
}

/* A VIP as the agent adds it (/32, /128), spelt as netconf_addr_target()
 * spells it. */
static bool addr_valid_target(const char *target)
{
	char again[STEP_TARGET_MAX];
	struct nc_target t = { 0 };

	return netconf_addr_parse_target(target, &t.family, &t.addr, &t.prefixlen,
					 t.dev) == 0 &&
	       t.prefixlen == max_prefix(t.family) &&
	       netconf_addr_target(t.family, &t.addr, t.prefixlen, t.dev, again,
				   sizeof(again)) == 0 &&
	       STREQ(again, target);
}

static bool addr_valid_value(const char *target, enum step_field f,
			     const char *value)
{
	return val_of(value).v != V_BAD;
}

const struct step_ops netconf_addr_ops = {
	.kind = "address",
	.build = addr_build,
	.observe = addr_observe,
	.change = addr_change,
	.explain = addr_explain,
	.same = addr_same,
	.valid_target = addr_valid_target,
	.valid_value = addr_valid_value,
};
