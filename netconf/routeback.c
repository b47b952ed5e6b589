// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The way back to clients: the default routes of the main table, and the
 * MTU a reply to a client meets first (the route's mtu metric, or its
 * device's MTU).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "internal.h"

/* The next hops of the default routes: a device, and a route's metric. */
struct hop {
	int ifindex;
	unsigned int mtu; /* the route's RTAX_MTU, 0 when none */
};

struct hops {
	struct hop *v;
	size_t n, cap;
};

static unsigned int metric_mtu(const struct nlattr *metrics)
{
	const struct nlattr *a;

	if (!metrics)
		return 0;
	mnl_attr_for_each_nested(a, metrics)
		if (mnl_attr_get_type(a) == RTAX_MTU &&
		    mnl_attr_get_payload_len(a) >= sizeof(uint32_t))
			return mnl_attr_get_u32(a);
	return 0;
}

static int add_hop(struct hops *h, int ifindex, unsigned int mtu)
{
	if (array_grow((void **)&h->v, h->n, &h->cap, sizeof(*h->v)) < 0)
		return -ENOMEM;
	h->v[h->n++] = (struct hop){ .ifindex = ifindex, .mtu = mtu };
	return 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	struct hops *h = data;
	const struct rtmsg *rtm;
	unsigned int mtu;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), nc_route_attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST ||
	    table != RT_TABLE_MAIN)
		return 0;
	mtu = metric_mtu(tb[RTA_METRICS]);
	if (tb[RTA_OIF])
		return add_hop(h, (int)mnl_attr_get_u32(tb[RTA_OIF]), mtu);
	if (tb[RTA_MULTIPATH]) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		int left = (int)mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);

		for (; left >= (int)sizeof(*nh) && RTNH_OK(nh, left);
		     left -= (int)RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh))
			if (add_hop(h, nh->rtnh_ifindex, mtu) < 0)
				return -ENOMEM;
	}
	return 0;
}

static void route_reset(void *data)
{
	((struct hops *)data)->n = 0;
}

int netconf_route_back(struct netconf *nc, int family,
		       struct netconf_route_back *ret)
{
	char req[64] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	_cleanup_free_ struct netconf_link *links = NULL;
	struct hops h = { 0 };
	struct rtmsg *rtm;
	size_t n_links = 0;
	bool strict;
	int r;

	memset(ret, 0, sizeof(*ret));
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_table = RT_TABLE_MAIN;
	/* The kernel filters by table when asked strictly; route_cb() too. */
	strict = nl_set_strict(nc->rt, true) == 0;
	r = nc_dump(nc, nlh, route_cb, route_reset, &h,
		    family == AF_INET ? "RTM_GETROUTE dump (IPv4 table main)" :
					"RTM_GETROUTE dump (IPv6 table main)");
	if (strict)
		(void)nl_set_strict(nc->rt, false);
	if (r == 0)
		r = netconf_dump_links(nc, &links, &n_links);
	for (size_t i = 0; r == 0 && i < h.n; i++) {
		const struct netconf_link *l = NULL;
		unsigned int mtu;

		for (size_t k = 0; k < n_links && !l; k++)
			if (links[k].ifindex == h.v[i].ifindex)
				l = &links[k];
		if (!l)
			continue; /* gone since the route dump */
		mtu = h.v[i].mtu ? h.v[i].mtu : l->mtu;
		if (mtu && (!ret->mtu || mtu < ret->mtu)) {
			ret->mtu = mtu;
			ret->metric = h.v[i].mtu != 0;
			snprintf(ret->dev, sizeof(ret->dev), "%s", l->name);
		}
	}
	free(h.v);
	if (r == 0 && !ret->mtu) {
		netconf_set_error(nc, "no IPv%d default route in table main",
				  family == AF_INET ? 4 : 6);
		r = -ENOENT;
	}
	return r;
}
