// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's links and addresses, one dump each: as lists, as a snapshot
 * of the host, and the links by name for ifindex lookups.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

/* ---- links */

struct link_acc {
	struct netconf_link *v;
	size_t n, cap;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	if (type == IFLA_INFO_KIND) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct nlattr *info[IFLA_INFO_MAX + 1] = { NULL };
	struct link_acc *acc = data;
	const struct ifinfomsg *ifi;
	struct netconf_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	if (!tb[IFLA_IFNAME])
		return -EBADMSG;
	if (tb[IFLA_LINKINFO] &&
	    mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr_cb, info) !=
		    MNL_CB_OK)
		return -EBADMSG;
	if (array_grow((void **)&acc->v, acc->n, &acc->cap, sizeof(*acc->v)) < 0)
		return -ENOMEM;
	l = &acc->v[acc->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (info[IFLA_INFO_KIND])
		snprintf(l->kind, sizeof(l->kind), "%s",
			 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	return 0;
}

static void link_reset(void *data)
{
	((struct link_acc *)data)->n = 0;
}

/* ---- one look (netconf_snapshot_begin, netconf.c) */

/* A copy of n elements of size sz at v into *ret (NULL when n is 0). */
static int copy_out(const void *v, size_t n, size_t sz, void *ret)
{
	void *c = NULL;

	if (n) {
		c = malloc(n * sz);
		if (!c)
			return -ENOMEM;
		memcpy(c, v, n * sz);
	}
	*(void **)ret = c;
	return 0;
}

/* Keeps a copy of a dump for the rest of the look; failing that, the next
 * caller dumps again. */
static void snap_keep(struct netconf *nc, bool links, const void *v, size_t n)
{
	void *c;

	if (!nc->snap || copy_out(v, n, links ? sizeof(struct netconf_link) :
				  sizeof(struct netconf_addr), &c) < 0)
		return;
	if (links) {
		nc->snap_links = c;
		nc->n_snap_links = n;
		nc->have_links = true;
	} else {
		nc->snap_addrs = c;
		nc->n_snap_addrs = n;
		nc->have_addrs = true;
	}
}

int netconf_dump_links(struct netconf *nc, struct netconf_link **ret, size_t *n)
{
	/* A dump request is a header and one attribute. */
	char req[128] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct link_acc acc = { 0 };
	struct ifinfomsg *ifi;
	int r;

	if (nc->have_links) {
		r = copy_out(nc->snap_links, nc->n_snap_links, sizeof(**ret), ret);
		if (r == 0)
			*n = nc->n_snap_links;
		return r;
	}
	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	/* Statistics are most of a link message and of no use here. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nc_dump(nc, nlh, link_cb, link_reset, &acc, "RTM_GETLINK dump");
	if (r < 0) {
		free(acc.v);
		return r;
	}
	snap_keep(nc, true, acc.v, acc.n);
	*ret = acc.v;
	*n = acc.n;
	return 0;
}

/* ---- addresses */

struct addr_acc {
	int family;
	struct netconf_addr *v;
	size_t n, cap;
};

/*
 * The four attributes addr_cb reads, found in one pass over the message (a
 * dump of 10,000 addresses is 10,000 messages: no callback per attribute).
 * A known attribute shorter than what is read of it is malformed.
 */
struct addr_tb {
	const struct nlattr *local, *address, *flags, *cacheinfo;
};

static int addr_attrs(const struct nlmsghdr *nlh, size_t alen,
		      struct addr_tb *t)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct ifaddrmsg)) {
		uint16_t len = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case IFA_LOCAL:
			if (len < alen)
				return -EBADMSG;
			t->local = attr;
			break;
		case IFA_ADDRESS:
			if (len < alen)
				return -EBADMSG;
			t->address = attr;
			break;
		case IFA_FLAGS:
			if (len < sizeof(uint32_t))
				return -EBADMSG;
			t->flags = attr;
			break;
		case IFA_CACHEINFO:
			if (len < sizeof(struct ifa_cacheinfo))
				return -EBADMSG;
			t->cacheinfo = attr;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_acc *acc = data;
	struct addr_tb t = { 0 };
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct netconf_addr *e;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET)
		alen = sizeof(struct in_addr);
	else if (ifa->ifa_family == AF_INET6)
		alen = sizeof(struct in6_addr);
	else
		return 0;
	if (acc->family != AF_UNSPEC && ifa->ifa_family != acc->family)
		return 0;
	if (addr_attrs(nlh, alen, &t) < 0)
		return -EBADMSG;
	/*
	 * IFA_LOCAL is the address itself; IFA_ADDRESS is the peer of a
	 * point-to-point address, and the address when there is no peer
	 * (IPv6 then sends IFA_ADDRESS alone).
	 */
	a = t.local ? t.local : t.address;
	if (!a)
		return 0;
	if (array_grow((void **)&acc->v, acc->n, &acc->cap, sizeof(*acc->v)) < 0)
		return -ENOMEM;
	e = &acc->v[acc->n++];
	/* Zeroed whole, so that the address union compares with memcmp. */
	memset(e, 0, sizeof(*e));
	e->family = ifa->ifa_family;
	e->ifindex = (int)ifa->ifa_index;
	e->prefixlen = ifa->ifa_prefixlen;
	e->scope = ifa->ifa_scope;
	e->flags = t.flags ? mnl_attr_get_u32(t.flags) : ifa->ifa_flags;
	memcpy(&e->addr, mnl_attr_get_payload(a), alen);
	if (t.cacheinfo) {
		const struct ifa_cacheinfo *ci = mnl_attr_get_payload(t.cacheinfo);

		e->preferred = ci->ifa_prefered;
		e->valid = ci->ifa_valid;
	} else {
		e->preferred = e->valid = UINT32_MAX;
	}
	return 0;
}

static void addr_reset(void *data)
{
	((struct addr_acc *)data)->n = 0;
}

int netconf_dump_addrs(struct netconf *nc, int family,
		       struct netconf_addr **ret, size_t *n)
{
	char req[64] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct addr_acc acc = { .family = family };
	struct ifaddrmsg *ifa;
	int r;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (family == AF_UNSPEC && nc->have_addrs) {
		r = copy_out(nc->snap_addrs, nc->n_snap_addrs, sizeof(**ret), ret);
		if (r == 0)
			*n = nc->n_snap_addrs;
		return r;
	}
	nlh->nlmsg_type = RTM_GETADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	/* As many as the last dump found: a second dump of 10,000 addresses
	 * (verify's ARP check after the observe) grows without copies. */
	if (nc->addr_hint) {
		acc.v = malloc((nc->addr_hint + 16) * sizeof(*acc.v));
		acc.cap = acc.v ? nc->addr_hint + 16 : 0;
	}
	r = nc_dump(nc, nlh, addr_cb, addr_reset, &acc, "RTM_GETADDR dump");
	if (r < 0) {
		free(acc.v);
		return r;
	}
	if (family == AF_UNSPEC) {
		nc->addr_hint = acc.n;
		snap_keep(nc, false, acc.v, acc.n);
	}
	*ret = acc.v;
	*n = acc.n;
	return 0;
}

int netconf_host_load(struct netconf *nc, struct netconf_host *h)
{
	int r;

	memset(h, 0, sizeof(*h));
	r = netconf_dump_links(nc, &h->links, &h->n_links);
	if (r == 0)
		r = netconf_dump_addrs(nc, AF_UNSPEC, &h->addrs, &h->n_addrs);
	if (r < 0)
		netconf_host_done(h);
	return r;
}

void netconf_host_done(struct netconf_host *h)
{
	free(h->links);
	free(h->addrs);
	memset(h, 0, sizeof(*h));
}

const struct netconf_link *netconf_host_link(const struct netconf_host *h,
					     const char *dev)
{
	for (size_t i = 0; i < h->n_links; i++)
		if (strcmp(h->links[i].name, dev) == 0)
			return &h->links[i];
	return NULL;
}

/* ---- links by name */

static int link_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct netconf_link *)a)->name,
		      ((const struct netconf_link *)b)->name);
}

int nc_links_load(struct netconf *nc, struct nc_links *l)
{
	int r;

	nc_links_done(l);
	r = netconf_dump_links(nc, &l->v, &l->n);
	if (r < 0)
		return r;
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), link_name_cmp);
	return 0;
}

int nc_links_ifindex(const struct nc_links *l, const char *dev)
{
	struct netconf_link key;
	const struct netconf_link *found;

	if (!l->n)
		return 0;
	memset(&key, 0, sizeof(key));
	snprintf(key.name, sizeof(key.name), "%s", dev);
	found = bsearch(&key, l->v, l->n, sizeof(*l->v), link_name_cmp);
	return found ? found->ifindex : 0;
}

void nc_links_done(struct nc_links *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
