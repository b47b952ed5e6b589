// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The listener: multicast sockets of their own (a handle's socket answers
 * its requests, and a notification read there would be taken for an
 * answer), each notification parsed into the kind and target its step
 * has, so that the caller matches it to a step by text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "netconf.h"
#include "nft-read.h"
#include "nl.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netconf.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>


/*
 * The devices named last: a burst of addresses names one device thousands
 * of times, and if_indextoname() opens a socket each time. Forgotten at
 * each link notification (a rename, a device gone), which comes on the
 * same socket before the notifications that follow it.
 */
#define NAMES_KEPT 8
struct names {
	unsigned int index[NAMES_KEPT];
	char name[NAMES_KEPT][IF_NAMESIZE];
	size_t n, next;
};

struct netconf_events {
	struct nl *nl[NETCONF_EV_SOCKETS];
	struct names names;
};

int netconf_events_open(size_t rcvbuf, struct netconf_events **ret)
{
	static const unsigned int rt_groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
		RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF,
	};
	static const unsigned int nft_groups[] = { NFNLGRP_NFTABLES };
	struct netconf_events *ev = calloc(1, sizeof(*ev));
	int r;

	if (!ev)
		return -ENOMEM;
	r = nl_open(NETLINK_ROUTE, rt_groups, ARRAY_SIZE(rt_groups), &ev->nl[NETCONF_EV_RTNL]);
	if (r < 0)
		goto fail;
	/* Without nf_tables there is no table to lose either. */
	r = nl_open(NETLINK_NETFILTER, nft_groups, ARRAY_SIZE(nft_groups), &ev->nl[NETCONF_EV_NFT]);
	if (r < 0 && r != -EPROTONOSUPPORT && r != -ENOENT)
		goto fail;
	for (int i = 0; i < NETCONF_EV_SOCKETS; i++)
		if (ev->nl[i] && rcvbuf)
			(void)nl_set_buffers(ev->nl[i], rcvbuf);
	*ret = ev;
	return 0;
fail:
	netconf_events_close(ev);
	return r;
}

struct netconf_events *netconf_events_close(struct netconf_events *ev)
{
	if (!ev)
		return NULL;
	for (int i = 0; i < NETCONF_EV_SOCKETS; i++)
		nl_close(ev->nl[i]);
	free(ev);
	return NULL;
}

int netconf_events_fd(const struct netconf_events *ev, int i)
{
	return ev && i >= 0 && i < NETCONF_EV_SOCKETS && ev->nl[i] ? nl_fd(ev->nl[i]) : -1;
}

/* ---- rtnetlink */

static void dev_name(struct names *c, unsigned int ifindex, char *buf)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->index[i] == ifindex) {
			memcpy(buf, c->name[i], IF_NAMESIZE);
			return;
		}
	if (!ifindex || !if_indextoname(ifindex, buf)) {
		buf[0] = '\0';
		return;
	}
	i = c->next;
	c->next = (c->next + 1) % NAMES_KEPT;
	if (c->n < NAMES_KEPT)
		c->n++;
	c->index[i] = ifindex;
	memcpy(c->name[i], buf, IF_NAMESIZE);
}

struct attrs {
	const struct nlattr *tb[64];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *x = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type < ARRAY_SIZE(x->tb))
		x->tb[type] = a;
	return MNL_CB_OK;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static void parse_addr(struct names *c, const struct nlmsghdr *nlh, struct netconf_event *e)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct attrs x = { { NULL } };

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &x) != MNL_CB_OK)
		return;
	/* IPv4's own address is IFA_LOCAL (IFA_ADDRESS: a point-to-point peer). */
	a = x.tb[IFA_LOCAL] ? x.tb[IFA_LOCAL] : x.tb[IFA_ADDRESS];
	dev_name(c, ifa->ifa_index, e->dev);
	if (!a || !e->dev[0] || mnl_attr_get_payload_len(a) != addr_len(ifa->ifa_family))
		return;
	if (netconf_addr_target(ifa->ifa_family, mnl_attr_get_payload(a), ifa->ifa_prefixlen,
				e->dev, e->target, sizeof(e->target)) == 0)
		e->kind = "address";
	e->removed = nlh->nlmsg_type == RTM_DELADDR;
}

static void parse_route(struct names *c, const struct nlmsghdr *nlh, struct netconf_event *e)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	unsigned char zero[16] = { 0 };
	struct attrs x = { { NULL } };
	const void *dst = zero;
	uint32_t table;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &x) != MNL_CB_OK)
		return;
	table = x.tb[RTA_TABLE] ? mnl_attr_get_u32(x.tb[RTA_TABLE]) : rtm->rtm_table;
	if (x.tb[RTA_OIF])
		dev_name(c, mnl_attr_get_u32(x.tb[RTA_OIF]), e->dev);
	if (x.tb[RTA_DST]) {
		if (mnl_attr_get_payload_len(x.tb[RTA_DST]) != addr_len(rtm->rtm_family))
			return;
		dst = mnl_attr_get_payload(x.tb[RTA_DST]);
	}
	e->removed = nlh->nlmsg_type == RTM_DELROUTE;
	/* The agent's routes: type local in table local (anyip). */
	if (table != RT_TABLE_LOCAL || rtm->rtm_type != RTN_LOCAL || !e->dev[0])
		return;
	if (netconf_route_target(rtm->rtm_family, dst, rtm->rtm_dst_len, e->dev, e->target,
				 sizeof(e->target)) == 0)
		e->kind = "route";
}

static void parse_link(struct names *c, const struct nlmsghdr *nlh, struct netconf_event *e)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs x = { { NULL } };

	c->n = 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) ||
	    mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &x) != MNL_CB_OK)
		return;
	if (x.tb[IFLA_IFNAME] && mnl_attr_validate(x.tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->dev, sizeof(e->dev), "%s", mnl_attr_get_str(x.tb[IFLA_IFNAME]));
	else
		dev_name(c, ifi->ifi_index, e->dev);
	if (!e->dev[0])
		return;
	e->kind = "link";
	snprintf(e->target, sizeof(e->target), "%s", e->dev);
	e->removed = nlh->nlmsg_type == RTM_DELLINK || !(ifi->ifi_flags & IFF_UP);
}

/* A per-device switch the kernel notifies (rp_filter is the agent's). */
static void parse_netconf(struct names *c, const struct nlmsghdr *nlh, struct netconf_event *e)
{
	const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);
	struct attrs x = { { NULL } };
	int32_t ifindex;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ncm) ||
	    mnl_attr_parse(nlh, NLMSG_ALIGN(sizeof(*ncm)), attr_cb, &x) != MNL_CB_OK)
		return;
	if (ncm->ncm_family != AF_INET || !x.tb[NETCONFA_IFINDEX] || !x.tb[NETCONFA_RP_FILTER])
		return;
	ifindex = (int32_t)mnl_attr_get_u32(x.tb[NETCONFA_IFINDEX]);
	if (ifindex == NETCONFA_IFINDEX_ALL)
		snprintf(e->dev, sizeof(e->dev), "all");
	else if (ifindex == NETCONFA_IFINDEX_DEFAULT)
		snprintf(e->dev, sizeof(e->dev), "default");
	else
		dev_name(c, (unsigned int)ifindex, e->dev);
	if (!e->dev[0])
		return;
	e->kind = "sysctl";
	snprintf(e->target, sizeof(e->target), "net/ipv4/conf/%s/rp_filter", e->dev);
}

static void parse_rtnl(struct names *c, const struct nlmsghdr *nlh, struct netconf_event *e)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		parse_addr(c, nlh, e);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		parse_route(c, nlh, e);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		parse_link(c, nlh, e);
		break;
	case RTM_NEWNETCONF:
		parse_netconf(c, nlh, e);
		break;
	}
}

/* ---- nf_tables */

static void parse_nft(const struct nlmsghdr *nlh, struct netconf_event *e)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	unsigned int type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	struct attrs x = { { NULL } };
	const char *family;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg) ||
	    mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, &x) != MNL_CB_OK)
		return;
	if (type == NFT_MSG_NEWGEN) {
		e->gen = true;
		if (x.tb[NFTA_GEN_PROC_PID])
			e->pid = ntohl(mnl_attr_get_u32(x.tb[NFTA_GEN_PROC_PID]));
		if (x.tb[NFTA_GEN_PROC_NAME] &&
		    mnl_attr_validate(x.tb[NFTA_GEN_PROC_NAME], MNL_TYPE_NUL_STRING) == 0)
			snprintf(e->comm, sizeof(e->comm), "%s",
				 mnl_attr_get_str(x.tb[NFTA_GEN_PROC_NAME]));
		return;
	}
	/* Every object's table name is its attribute 1 (NFTA_TABLE_NAME,
	 * NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, ...). */
	family = nft_family_name(nfg->nfgen_family);
	if (STREQ(family, "?") || !x.tb[1] || mnl_attr_validate(x.tb[1], MNL_TYPE_NUL_STRING) < 0)
		return;
	if (snprintf(e->target, sizeof(e->target), "%s %s", family,
		     mnl_attr_get_str(x.tb[1])) >= (int)sizeof(e->target))
		return;
	e->kind = "nft";
	switch (type) {
	case NFT_MSG_DELTABLE:
	case NFT_MSG_DELCHAIN:
	case NFT_MSG_DELRULE:
	case NFT_MSG_DELSET:
	case NFT_MSG_DELSETELEM:
	case NFT_MSG_DELOBJ:
	case NFT_MSG_DELFLOWTABLE:
		e->removed = true;
	}
}

int netconf_events_read(struct netconf_events *ev, int i,
			int (*cb)(const struct netconf_event *e, void *data), void *data)
{
	struct nl *nl = i >= 0 && i < NETCONF_EV_SOCKETS ? ev->nl[i] : NULL;
	bool lost = false;

	if (!nl)
		return 0;
	for (;;) {
		const void *buf;
		const struct nlmsghdr *m;
		ssize_t n = nl_recv(nl, true, &buf);
		int len;

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n == -ENOBUFS) {
			lost = true;
			continue;
		}
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (m = buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			struct netconf_event e = { .portid = m->nlmsg_pid };
			int r;

			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (i == NETCONF_EV_RTNL)
				parse_rtnl(&ev->names, m, &e);
			else
				parse_nft(m, &e);
			r = cb(&e, data);
			if (r < 0)
				return r;
		}
	}
	return lost ? -ENOBUFS : 0;
}
