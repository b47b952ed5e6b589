// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The watch's repair latency, from outside: run in the namespace of a
 * running `lvs-rs-agent watch`, it deletes one of the agent's objects and
 * waits on a monitor socket of its own for the object's return, TRIALS
 * times, one object after another from the list given.
 *
 *   watch-bench addr  TRIALS GAP_MS DEV ADDR/PLEN...
 *   watch-bench route TRIALS GAP_MS DEV PREFIX/PLEN...   (type local, table local)
 *   watch-bench nft   TRIALS GAP_MS                      (table arp lvs_rs_agent)
 *   watch-bench mirror DEV ADDR/PLEN...
 *
 * One line per trial on stdout, two latencies in microseconds to the
 * moment the monitor socket reads the object's creation (RTM_NEWADDR,
 * RTM_NEWROUTE, or the NFT_MSG_NEWGEN that ends the transaction holding
 * NFT_MSG_NEWTABLE): from the moment the kernel acknowledged the delete
 * (this process's clock just after the ack; the kernel sent its
 * notification before the ack), and from just before the delete was sent
 * (an upper bound: it adds the delete itself, and a watch that wakes on
 * this process's CPU and repairs before the ack is read makes the first
 * figure too small, not this one); or "timeout" after 2 s. Between trials
 * a pause of GAP_MS plus up to GAP_MS at random, so that deletes do not
 * fall in step with the watch's timers.
 *
 * mirror: the floor of any repair, the anchor measured beside the agent:
 * a process that puts an address back as soon as the kernel says it is
 * gone (RTM_NEWADDR as the agent makes a VIP), and nothing else: no
 * attribution, no journal, no budget. Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#define TIMEOUT_MS 2000
#define TABLE "lvs_rs_agent"

struct obj {
	int family;
	unsigned char len;
	unsigned char addr[16];
};

static char buf[1 << 16];
static unsigned int seq;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "watch-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct mnl_socket *open_nl(int bus, unsigned int groups_v[], size_t n)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	int big = 4 << 20;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	for (size_t i = 0; i < n; i++)
		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &groups_v[i],
					  sizeof(groups_v[i])) < 0)
			die("netlink group");
	if (n)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	return nl;
}

/* Send one request and read its ack; 0 or -errno. */
static int request(struct mnl_socket *nl, const void *msg, size_t len)
{
	ssize_t n;

	if (mnl_socket_sendto(nl, msg, len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, (int)n);
		     h = mnl_nlmsg_next(h, (int *)&n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				if (h->nlmsg_seq == seq)
					return e->error;
			}
		}
	}
}

static void parse_obj(const char *s, struct obj *o)
{
	char a[64];
	const char *slash = strchr(s, '/');

	snprintf(a, sizeof(a), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	o->family = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(o->family, a, o->addr) != 1) {
		fprintf(stderr, "watch-bench: %s: not an address\n", s);
		exit(2);
	}
	o->len = slash ? (unsigned char)atoi(slash + 1) : o->family == AF_INET ? 32 : 128;
}

static size_t alen(const struct obj *o)
{
	return o->family == AF_INET ? 4 : 16;
}

static size_t del_addr(const struct obj *o, unsigned int ifindex)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	h->nlmsg_type = RTM_DELADDR;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++seq;
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)o->family;
	ifa->ifa_prefixlen = o->len;
	ifa->ifa_index = ifindex;
	mnl_attr_put(h, IFA_LOCAL, alen(o), o->addr);
	return h->nlmsg_len;
}

static size_t del_route(const struct obj *o, unsigned int ifindex)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct rtmsg *rt;

	h->nlmsg_type = RTM_DELROUTE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++seq;
	rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = (unsigned char)o->family;
	rt->rtm_dst_len = o->len;
	rt->rtm_table = RT_TABLE_LOCAL;
	rt->rtm_type = RTN_LOCAL;
	rt->rtm_scope = RT_SCOPE_NOWHERE;
	mnl_attr_put(h, RTA_DST, alen(o), o->addr);
	mnl_attr_put_u32(h, RTA_OIF, ifindex);
	return h->nlmsg_len;
}

static struct nlmsghdr *nfnl_put(char *at, uint16_t type, int family, uint16_t res_id)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(at);
	struct nfgenmsg *g;

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return h;
}

/* One nf_tables batch that deletes the table; its ack is the DELTABLE's. */
static size_t del_table(void)
{
	char *p = buf;
	struct nlmsghdr *h;

	h = nfnl_put(p, NFNL_MSG_BATCH_BEGIN, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	p += h->nlmsg_len;
	h = nfnl_put(p, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE, NFPROTO_ARP, 0);
	h->nlmsg_flags |= NLM_F_ACK;
	mnl_attr_put_strz(h, NFTA_TABLE_NAME, TABLE);
	p += h->nlmsg_len;
	h = nfnl_put(p, NFNL_MSG_BATCH_END, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	seq--; /* the ack awaited is the DELTABLE's */
	p += h->nlmsg_len;
	return (size_t)(p - buf);
}

enum mode { ADDR, ROUTE, NFT };

static size_t add_addr(const struct obj *o, unsigned int ifindex)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	h->nlmsg_type = RTM_NEWADDR;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	h->nlmsg_seq = ++seq;
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)o->family;
	ifa->ifa_prefixlen = o->len;
	ifa->ifa_index = ifindex;
	mnl_attr_put(h, IFA_LOCAL, alen(o), o->addr);
	if (o->family == AF_INET) {
		mnl_attr_put(h, IFA_ADDRESS, alen(o), o->addr);
	} else {
		struct ifa_cacheinfo ci = { .ifa_valid = 0xffffffff };

		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
		mnl_attr_put(h, IFA_CACHEINFO, sizeof(ci), &ci);
	}
	return h->nlmsg_len;
}

/* The object of an RTM_DELADDR, among objs: its index, or -1. */
static ssize_t deleted(const struct nlmsghdr *h, const struct obj *objs, size_t n)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	struct nlattr *a;

	if (h->nlmsg_type != RTM_DELADDR)
		return -1;
	mnl_attr_for_each(a, h, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) != IFA_LOCAL && mnl_attr_get_type(a) != IFA_ADDRESS)
			continue;
		for (size_t i = 0; i < n; i++)
			if (objs[i].family == ifa->ifa_family && objs[i].len == ifa->ifa_prefixlen &&
			    mnl_attr_get_payload_len(a) == alen(&objs[i]) &&
			    memcmp(mnl_attr_get_payload(a), objs[i].addr, alen(&objs[i])) == 0)
				return (ssize_t)i;
	}
	return -1;
}

static _Noreturn void mirror(struct mnl_socket *req, struct mnl_socket *mon, const struct obj *objs,
		  size_t n, unsigned int ifindex)
{
	static char in[1 << 16];

	for (;;) {
		ssize_t len = recv(mnl_socket_get_fd(mon), in, sizeof(in), 0);

		if (len < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			die("monitor");
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)in; mnl_nlmsg_ok(h, (int)len);
		     h = mnl_nlmsg_next(h, (int *)&len)) {
			ssize_t i = deleted(h, objs, n);

			if (i >= 0)
				(void)request(req, buf, add_addr(&objs[i], ifindex));
		}
	}
}

/* Whether message h on the monitor is the object's return. */
static bool is_back(enum mode m, const struct nlmsghdr *h, const struct obj *o, bool *table)
{
	struct nlattr *a;

	if (m == NFT) {
		uint16_t t = h->nlmsg_type & 0xff;
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);

		if ((h->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
			return false;
		if (t == NFT_MSG_NEWTABLE && g->nfgen_family == NFPROTO_ARP) {
			mnl_attr_for_each(a, h, sizeof(*g))
				if (mnl_attr_get_type(a) == NFTA_TABLE_NAME &&
				    strcmp(mnl_attr_get_str(a), TABLE) == 0)
					*table = true;
		}
		return t == NFT_MSG_NEWGEN && *table;
	}
	if (m == ADDR && h->nlmsg_type == RTM_NEWADDR) {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);

		if (ifa->ifa_family != o->family || ifa->ifa_prefixlen != o->len)
			return false;
		mnl_attr_for_each(a, h, sizeof(*ifa))
			if ((mnl_attr_get_type(a) == IFA_LOCAL ||
			     (o->family == AF_INET6 && mnl_attr_get_type(a) == IFA_ADDRESS)) &&
			    mnl_attr_get_payload_len(a) == alen(o) &&
			    memcmp(mnl_attr_get_payload(a), o->addr, alen(o)) == 0)
				return true;
	}
	if (m == ROUTE && h->nlmsg_type == RTM_NEWROUTE) {
		const struct rtmsg *rt = mnl_nlmsg_get_payload(h);

		if (rt->rtm_family != o->family || rt->rtm_dst_len != o->len ||
		    rt->rtm_type != RTN_LOCAL)
			return false;
		mnl_attr_for_each(a, h, sizeof(*rt))
			if (mnl_attr_get_type(a) == RTA_DST &&
			    mnl_attr_get_payload_len(a) == alen(o) &&
			    memcmp(mnl_attr_get_payload(a), o->addr, alen(o)) == 0)
				return true;
	}
	return false;
}

/* Read the monitor until the object is back: its time, or -1 (timeout). */
static int64_t wait_back(struct mnl_socket *mon, enum mode m, const struct obj *o)
{
	int64_t end = now_us() + TIMEOUT_MS * 1000;
	bool table = false;

	for (;;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(mon), .events = POLLIN };
		int64_t left = end - now_us();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left / 1000) + 1) <= 0)
			return -1;
		n = recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			die("monitor");
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, (int)n);
		     h = mnl_nlmsg_next(h, (int *)&n))
			if (is_back(m, h, o, &table))
				return now_us();
	}
}

static void drain(struct mnl_socket *mon)
{
	while (recv(mnl_socket_get_fd(mon), buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		;
}

int main(int argc, char **argv)
{
	unsigned int rt_groups[] = { RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
				     RTNLGRP_IPV6_ROUTE };
	unsigned int nft_groups[] = { NFNLGRP_NFTABLES };
	struct mnl_socket *req, *mon;
	unsigned int ifindex = 0;
	struct obj *objs = NULL;
	size_t n_objs = 1;
	enum mode m;
	int trials, gap;

	if (argc >= 4 && strcmp(argv[1], "mirror") == 0) {
		n_objs = (size_t)(argc - 3);
		objs = calloc(n_objs, sizeof(*objs));
		ifindex = if_nametoindex(argv[2]);
		if (!objs || !ifindex)
			die(argv[2]);
		for (size_t i = 0; i < n_objs; i++)
			parse_obj(argv[3 + i], &objs[i]);
		mirror(open_nl(NETLINK_ROUTE, NULL, 0), open_nl(NETLINK_ROUTE, rt_groups, 2), objs,
		       n_objs, ifindex);
	}
	if (argc < 4)
		goto usage;
	if (strcmp(argv[1], "addr") == 0)
		m = ADDR;
	else if (strcmp(argv[1], "route") == 0)
		m = ROUTE;
	else if (strcmp(argv[1], "nft") == 0)
		m = NFT;
	else
		goto usage;
	trials = atoi(argv[2]);
	gap = atoi(argv[3]);
	if (m != NFT) {
		if (argc < 6)
			goto usage;
		ifindex = if_nametoindex(argv[4]);
		if (!ifindex)
			die(argv[4]);
		n_objs = (size_t)(argc - 5);
	}
	objs = calloc(n_objs, sizeof(*objs));
	if (!objs)
		die("memory");
	for (size_t i = 0; m != NFT && i < n_objs; i++)
		parse_obj(argv[5 + i], &objs[i]);
	req = open_nl(m == NFT ? NETLINK_NETFILTER : NETLINK_ROUTE, NULL, 0);
	mon = m == NFT ? open_nl(NETLINK_NETFILTER, nft_groups, 1) :
			 open_nl(NETLINK_ROUTE, rt_groups, 4);
	srand((unsigned int)getpid());
	for (int t = 0; t < trials; t++) {
		const struct obj *o = &objs[(size_t)t % n_objs];
		size_t len;
		int64_t ts, t0, t1;
		int k;

		usleep((useconds_t)(gap * 1000 + rand() % (gap * 1000 + 1)));
		drain(mon);
		len = m == ADDR ? del_addr(o, ifindex) : m == ROUTE ? del_route(o, ifindex) :
				  del_table();
		ts = now_us();
		k = request(req, buf, len);
		t0 = now_us();
		if (k < 0) {
			errno = -k;
			die("delete");
		}
		t1 = wait_back(mon, m, o);
		if (t1 < 0)
			printf("timeout\n");
		else
			printf("%lld %lld\n", (long long)(t1 - t0), (long long)(t1 - ts));
		fflush(stdout);
	}
	free(objs);
	mnl_socket_close(req);
	mnl_socket_close(mon);
	return 0;
usage:
	fprintf(stderr, "usage: watch-bench addr|route TRIALS GAP_MS DEV OBJ... | "
			"nft TRIALS GAP_MS | mirror DEV OBJ...\n");
	return 2;
}
