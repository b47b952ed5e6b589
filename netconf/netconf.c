// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rtnetlink handle: open/close over the netlink layer (nl.h), the last
 * error's text, the fault switch, single requests, and the link and address
 * dumps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/*
 * Room for the acks of one batch (see addr.c). Asked with SO_RCVBUFFORCE
 * (CAP_NET_ADMIN, which any change needs anyway) so net.core.rmem_max does
 * not cap it; the kernel doubles the value for its bookkeeping.
 */
#define NC_RCVBUF (1024 * 1024)

int netconf_open(struct netconf **ret)
{
	struct netconf *nc;
	int r;

	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	r = nl_open(NETLINK_ROUTE, NULL, 0, &nc->rt);
	if (r < 0) {
		free(nc);
		return r;
	}
	(void)nl_set_buffers(nc->rt, NC_RCVBUF);
	*ret = nc;
	return 0;
}

struct netconf *netconf_close(struct netconf *nc)
{
	if (!nc)
		return NULL;
	nl_close(nc->rt);
	nl_close(nc->nf);
	nl_close(nc->genl);
	free(nc);
	return NULL;
}

int netconf_nl(struct netconf *nc, int protocol, struct nl **ret)
{
	struct nl **slot;
	int r;

	switch (protocol) {
	case NETLINK_ROUTE:
		slot = &nc->rt;
		break;
	case NETLINK_NETFILTER:
		slot = &nc->nf;
		break;
	case NETLINK_GENERIC:
		slot = &nc->genl;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (!*slot) {
		r = nl_open(protocol, NULL, 0, slot);
		if (r < 0) {
			netconf_set_error(nc, "cannot open a netlink socket (%s): %s",
					  protocol == NETLINK_NETFILTER ? "nf_tables" : "generic",
					  strerror(-r));
			return r;
		}
	}
	*ret = *slot;
	return 0;
}

const char *netconf_error(const struct netconf *nc)
{
	return nc ? nc->err : "";
}

void netconf_set_error(struct netconf *nc, const char *fmt, ...)
{
	va_list ap;

	if (!nc)
		return;
	va_start(ap, fmt);
	vsnprintf(nc->err, sizeof(nc->err), fmt, ap);
	va_end(ap);
}

bool netconf_ifname_valid(const char *name)
{
	const char *p;

	if (!name || !*name || strnlen(name, IF_NAMESIZE) >= IF_NAMESIZE)
		return false;
	if (STREQ(name, ".") || STREQ(name, ".."))
		return false;
	/* The kernel's isspace() counts Latin-1 NBSP (0xa0) as a space. */
	for (p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\xa0' ||
		    (*p >= '\t' && *p <= '\r'))
			return false;
	return true;
}

/* The socket's text for a failure, as netconf_error()'s. */
int nc_took(struct netconf *nc, int r)
{
	if (r < 0)
		netconf_set_error(nc, "%s", nl_error(nc->rt));
	return r;
}

/* ---- fault injection: the netlink layer's switch, for every module */

void netconf_set_stop(bool (*stop)(void))
{
	nl_set_stop(stop);
}

int netconf_fault_point(struct netconf *nc)
{
	int r = nl_fault_point(nc ? nc->rt : NULL);

	return nc ? nc_took(nc, r) : r;
}

#ifdef LVS_FAULT_INJECTION
void netconf_fault_reset(void)
{
	nl_fault_reset();
}

int netconf_fault_squeeze_rcvbuf(struct netconf *nc, int bytes)
{
	return nl_fault_squeeze_rcvbuf(nc->rt, bytes);
}
#endif

/* ---- requests */

int netconf_talk(struct netconf *nc, struct nlmsghdr *nlh, const char *what)
{
	return nc_took(nc, nl_talk(nc->rt, nlh, NULL, NULL, what));
}

int nc_batch_send(struct netconf *nc, const struct nl_batch_ops *ops,
		  void *ctx, size_t n, int *res, struct nl_first_fail *first)
{
	return nc_took(nc, nl_batch_send(nc->rt, ops, ctx, n, res, first));
}

int nc_dump(struct netconf *nc, struct nlmsghdr *req, nl_cb cb,
	    void (*reset)(void *data), void *data, const char *what)
{
	return nc_took(nc, nl_dump(nc->rt, req, cb, reset, data, what));
}

void nc_first_fail_done(struct nl_first_fail *f, struct netconf *nc)
{
	if (f->idx != SIZE_MAX)
		netconf_set_error(nc, "%s", f->text);
}

static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 16;
	p = realloc(*v, c * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* -- links */

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
	if (grow((void **)&acc->v, acc->n, &acc->cap, sizeof(*acc->v)) < 0)
		return -ENOMEM;
	l = &acc->v[acc->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
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

int netconf_dump_links(struct netconf *nc, struct netconf_link **ret, size_t *n)
{
	/* A dump request is a header and one attribute. */
	char req[128] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct link_acc acc = { 0 };
	struct ifinfomsg *ifi;
	int r;

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
	*ret = acc.v;
	*n = acc.n;
	return 0;
}

/* -- addresses */

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
	if (grow((void **)&acc->v, acc->n, &acc->cap, sizeof(*acc->v)) < 0)
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
	if (family == AF_UNSPEC)
		nc->addr_hint = acc.n;
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

bool netconf_prefix_contains(int family, const void *outer, unsigned outer_len,
			     const void *inner, unsigned inner_len)
{
	const unsigned char *a = outer, *b = inner;
	unsigned bits = family == AF_INET ? 32 : 128, i;

	if ((family != AF_INET && family != AF_INET6) || outer_len > bits ||
	    inner_len > bits || inner_len < outer_len)
		return false;
	for (i = 0; i < outer_len / 8; i++)
		if (a[i] != b[i])
			return false;
	if (outer_len % 8) {
		unsigned char mask = (unsigned char)(0xffu << (8 - outer_len % 8));

		if ((a[i] ^ b[i]) & mask)
			return false;
	}
	return true;
}

void netconf_prefix_text(int family, const void *addr, unsigned plen,
			 bool network, char *buf, size_t len)
{
	union netconf_inaddr n = { 0 };
	unsigned char *b = (unsigned char *)&n;
	unsigned bits = family == AF_INET ? 32 : 128;
	char t[INET6_ADDRSTRLEN];

	memcpy(&n, addr, bits / 8);
	for (unsigned i = 0; network && i < bits / 8; i++) {
		unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;

		b[i] &= (unsigned char)(0xff00u >> keep);
	}
	inet_ntop(family, &n, t, sizeof(t));
	if (plen < bits)
		snprintf(buf, len, "%s/%u", t, plen);
	else
		snprintf(buf, len, "%s", t);
}

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

/* ---- planned changes: one request per step */

struct planned {
	struct netconf *nc;
	const struct nc_plan_ops *k;
	void *view;
	struct step *const *v;
	char *plans;
	bool *send; /* the plan is a request */
};

static const void *plan_at(const struct planned *pl, size_t i)
{
	return pl->plans + i * pl->k->plan_size;
}

static bool planned_pending(void *ctx, size_t i)
{
	struct planned *pl = ctx;

	return pl->send[i];
}

static void planned_build(void *ctx, size_t i, void *buf, uint32_t seq)
{
	struct planned *pl = ctx;

	pl->k->build(plan_at(pl, i), buf, seq);
}

static const char *rtm_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_DELADDR:
		return "RTM_DELADDR";
	case RTM_NEWROUTE:
		return "RTM_NEWROUTE";
	case RTM_DELROUTE:
		return "RTM_DELROUTE";
	}
	return "RTM_?";
}

static void plan_describe(const struct nc_plan *p, const struct step *s,
			  char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", rtm_name(p->type), s->target);
}

int nc_plan_link(const struct nc_links *l, struct nc_plan *p,
		 const struct step *s, char *text, size_t len)
{
	p->ifindex = nc_links_ifindex(l, p->t.dev);
	if (p->ifindex)
		return 1;
	plan_describe(p, s, text, len);
	p->type = 0;
	return -ENODEV;
}

static void planned_describe(void *ctx, size_t i, char *buf, size_t len)
{
	struct planned *pl = ctx;

	plan_describe((const struct nc_plan *)plan_at(pl, i), pl->v[i], buf, len);
}

static int planned_reread(void *ctx)
{
	struct planned *pl = ctx;

	return pl->k->reread(pl->nc, pl->view);
}

static bool planned_done(void *ctx, size_t i)
{
	struct planned *pl = ctx;

	return pl->k->done(pl->view, plan_at(pl, i));
}

int nc_change_planned(struct netconf *nc, const struct nc_plan_ops *k,
		      void *view, struct step *const *v, size_t n,
		      enum step_field to, int *res)
{
	_cleanup_free_ char *plans = NULL;
	_cleanup_free_ bool *send = NULL;
	struct nl_batch_ops ops = {
		.pending = planned_pending,
		.build = planned_build,
		.describe = planned_describe,
		.reread = planned_reread,
		.done = planned_done,
		.msg_min = k->msg_min,
	};
	struct planned pl = { .nc = nc, .k = k, .view = view, .v = v };
	struct nl_first_fail first;
	char text[NC_ERR_SIZE];
	int r;

	if (!n)
		return 0;
	nl_first_fail_init(&first);
	for (size_t i = 0; i < n; i++)
		res[i] = 0;

	plans = calloc(n, k->plan_size);
	send = calloc(n, sizeof(*send));
	r = plans && send ? 0 : -ENOMEM;
	/* One link dump for every step's ifindex. */
	if (r == 0)
		r = nc_links_load(nc, view);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			res[i] = r;
		if (r == -ENOMEM)
			netconf_set_error(nc, "out of memory");
		return r;
	}
	pl.plans = plans;
	pl.send = send;

	for (size_t i = 0; i < n; i++) {
		r = k->plan(view, v[i], to, plans + i * k->plan_size, text,
			    sizeof(text));
		if (r < 0) {
			res[i] = r;
			nl_first_fail_note(&first, i, text);
		}
		send[i] = r > 0;
	}
	r = nc_batch_send(nc, &ops, &pl, n, res, &first);
	if (r < 0)
		return r;

	nc_first_fail_done(&first, nc);
	for (size_t i = 0; i < n; i++)
		if (res[i] < 0)
			return res[i];
	return 0;
}

/* ---- the network namespace */

int netconf_netns_self(struct netconf_netns *ret)
{
	_cleanup_close_ int sock = -1, fd = -1;
	socklen_t len = sizeof(ret->cookie);
	struct stat st;
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	/* Any socket is in the namespace of the process that made it. */
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock >= 0 &&
	    getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &ret->cookie, &len) < 0)
		ret->cookie = 0;
	if (stat("/proc/self/ns/net", &st) == 0) {
		ret->ino = st.st_ino;
		ret->dev = st.st_dev;
	}
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, ret->boot_id, sizeof(ret->boot_id) - 1);
		ret->boot_id[n > 0 ? n : 0] = '\0';
		ret->boot_id[strcspn(ret->boot_id, "\n")] = '\0';
	}
	return ret->cookie || ret->ino || ret->boot_id[0] ? 0 : -ENOENT;
}
