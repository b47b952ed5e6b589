// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* CPU_SET, pthread_setaffinity_np */
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
 * One line per trial on stdout, three latencies in microseconds, all to the
 * moment the bench's monitor thread receives the object's creation
 * (RTM_NEWADDR, RTM_NEWROUTE, or the NFT_MSG_NEWGEN that ends the
 * transaction holding NFT_MSG_NEWTABLE), and a flag, "FROM_ACK FROM_SEND
 * FROM_NOTIFICATION QUEUED" (QUEUED 1: the return was queued already when
 * the monitor's wake-up read the notification of the delete, so the repair
 * was faster than that wake-up and FROM_NOTIFICATION is too small: it
 * lacks the wake-up):
 *  - from the ack: from this process's clock just after its delete's ack
 *    was read. The kernel sends its notification before the ack; when the
 *    object is back before the main thread reads the ack (the woken watch
 *    ran first on its CPU), this figure is too small, even negative;
 *  - from the send: from just before the delete was sent, an upper bound
 *    (it adds the whole delete, the kernel's work after its notification
 *    included);
 *  - from the notification: from the moment the monitor thread receives
 *    the kernel's notification that the object is gone (RTM_DELADDR of the
 *    address, RTM_DELROUTE of the route of type local, NFT_MSG_DELTABLE of
 *    table arp lvs_rs_agent), the figure of issue 16's Done-when 6.
 * or "timeout" when the object was not back 2 s after the ack, or came back
 * with no notification of its deletion seen before (said on stderr: never
 * a figure made up).
 *
 * The monitor socket is read by a thread of its own, started once, that
 * blocks on recv and timestamps each message it receives (CLOCK_MONOTONIC):
 * the kernel sends the notification of a delete while the main thread is
 * still in the delete's request. The main thread arms it (which object)
 * before sending the delete, then waits for the return. The thread runs
 * SCHED_FIFO (priority 10) when allowed, so that on a small machine it is
 * not queued behind the woken watch, and on a CPU of its own, the main
 * thread on another: woken on the deleting thread's CPU, it would wait
 * there for the end of the delete's kernel work that cannot be preempted
 * (an IPv6 address among 10,000: milliseconds after the notification).
 * Refused either, the bench goes on and says so once on stderr. Each
 * receipt time is then the kernel's sending plus one wake-up of that
 * thread on the other CPU (longer when that CPU was idle, or is in kernel
 * work of its own). Between trials a pause of GAP_MS plus up to
 * GAP_MS at random, so that deletes do not fall in step with the watch's
 * timers.
 *
 * mirror: the floor of any repair, the anchor measured beside the agent:
 * a process that puts an address back as soon as the kernel says it is
 * gone (RTM_NEWADDR as the agent makes a VIP), and nothing else: no
 * attribution, no journal, no budget. Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
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
/* What the monitor reads (the monitor thread's, or the mirror's). */
static char in[1 << 16];
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

/* Whether h is the notification of type (RTM_NEWADDR, RTM_DELADDR) of address o. */
static bool addr_is(const struct nlmsghdr *h, uint16_t type, const struct obj *o)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	struct nlattr *a;

	if (h->nlmsg_type != type || ifa->ifa_family != o->family || ifa->ifa_prefixlen != o->len)
		return false;
	mnl_attr_for_each(a, h, sizeof(*ifa))
		if ((mnl_attr_get_type(a) == IFA_LOCAL ||
		     (o->family == AF_INET6 && mnl_attr_get_type(a) == IFA_ADDRESS)) &&
		    mnl_attr_get_payload_len(a) == alen(o) &&
		    memcmp(mnl_attr_get_payload(a), o->addr, alen(o)) == 0)
			return true;
	return false;
}

/* Whether h is the notification of type (RTM_NEWROUTE, RTM_DELROUTE) of the local route o. */
static bool route_is(const struct nlmsghdr *h, uint16_t type, const struct obj *o)
{
	const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
	struct nlattr *a;

	if (h->nlmsg_type != type || rt->rtm_family != o->family || rt->rtm_dst_len != o->len ||
	    rt->rtm_type != RTN_LOCAL)
		return false;
	mnl_attr_for_each(a, h, sizeof(*rt))
		if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == alen(o) &&
		    memcmp(mnl_attr_get_payload(a), o->addr, alen(o)) == 0)
			return true;
	return false;
}

/* Whether h is the nf_tables notification of type (NFT_MSG_*TABLE) of table arp TABLE. */
static bool table_is(const struct nlmsghdr *h, uint16_t type)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);
	struct nlattr *a;

	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | type) || g->nfgen_family != NFPROTO_ARP)
		return false;
	mnl_attr_for_each(a, h, sizeof(*g))
		if (mnl_attr_get_type(a) == NFTA_TABLE_NAME && strcmp(mnl_attr_get_str(a), TABLE) == 0)
			return true;
	return false;
}

/* The object of an RTM_DELADDR, among objs: its index, or -1. */
static ssize_t deleted(const struct nlmsghdr *h, const struct obj *objs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_is(h, RTM_DELADDR, &objs[i]))
			return (ssize_t)i;
	return -1;
}

static _Noreturn void mirror(struct mnl_socket *req, struct mnl_socket *mon, const struct obj *objs,
		  size_t n, unsigned int ifindex)
{
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

/* Whether message h on the monitor is the kernel's notification that o is gone. */
static bool is_gone(enum mode m, const struct nlmsghdr *h, const struct obj *o)
{
	return m == NFT ? table_is(h, NFT_MSG_DELTABLE) :
	       m == ADDR ? addr_is(h, RTM_DELADDR, o) : route_is(h, RTM_DELROUTE, o);
}

/* Whether message h on the monitor is the object's return. */
static bool is_back(enum mode m, const struct nlmsghdr *h, const struct obj *o, bool *table)
{
	if (m == NFT) {
		if ((h->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
			return false;
		if (table_is(h, NFT_MSG_NEWTABLE))
			*table = true;
		return (h->nlmsg_type & 0xff) == NFT_MSG_NEWGEN && *table;
	}
	return m == ADDR ? addr_is(h, RTM_NEWADDR, o) : route_is(h, RTM_NEWROUTE, o);
}

/*
 * The monitor thread's state, under lock. Armed for one object by the main
 * thread before its delete; gone and back are the receipt times (us, 0 while
 * not seen) of the notification that the object is gone and of its return,
 * which counts only after a gone.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum mode m;
	const struct obj *o;
	bool armed;
	bool table;     /* nft: NFT_MSG_NEWTABLE of ours seen (its NEWGEN is the return) */
	bool early;     /* the return seen before any gone */
	bool lost;      /* the socket overflowed (ENOBUFS) while armed */
	int64_t gone, back;
	unsigned long gone_wake; /* the monitor's wake-up that read the gone */
	bool queued;    /* the return was queued when that wake-up read the gone */
} mon_st = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *monitor(void *arg)
{
	int fd = mnl_socket_get_fd(arg);
	unsigned long wake = 0;

	for (;;) {
		/* What was queued already is read in the same wake-up. */
		ssize_t n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		int64_t t;
		int e;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			n = recv(fd, in, sizeof(in), 0);
			wake++;
		}
		t = now_us();
		e = n < 0 ? errno : 0;

		if (e && e != ENOBUFS && e != EINTR)
			die("monitor");
		pthread_mutex_lock(&mon_st.lock);
		if (e == ENOBUFS && mon_st.armed)
			mon_st.lost = true;
		for (struct nlmsghdr *h = (struct nlmsghdr *)in; mon_st.armed && !mon_st.back &&
		     n > 0 && mnl_nlmsg_ok(h, (int)n); h = mnl_nlmsg_next(h, (int *)&n)) {
			if (!mon_st.gone && is_gone(mon_st.m, h, mon_st.o)) {
				mon_st.gone = t;
				mon_st.gone_wake = wake;
				mon_st.table = false;
			} else if (is_back(mon_st.m, h, mon_st.o, &mon_st.table)) {
				if (!mon_st.gone) {
					mon_st.early = true;
					mon_st.table = false;
					continue;
				}
				mon_st.back = t;
				mon_st.queued = wake == mon_st.gone_wake;
				pthread_cond_signal(&mon_st.cond);
			}
		}
		pthread_mutex_unlock(&mon_st.lock);
	}
	return NULL;
}

/* Pin thread thr to cpu: 0 or an error number. */
static int pin(pthread_t thr, int cpu)
{
	cpu_set_t c;

	CPU_ZERO(&c);
	CPU_SET(cpu, &c);
	return pthread_setaffinity_np(thr, sizeof(c), &c);
}

/*
 * Start the monitor thread on mon, SCHED_FIFO when allowed, on the second
 * of this process's CPUs and this thread on the first.
 */
static void start_monitor(struct mnl_socket *mon, enum mode m)
{
	struct sched_param sp = { .sched_priority = 10 };
	int cpu[2] = { -1, -1 }, n = 0;
	pthread_condattr_t ca;
	cpu_set_t allowed;
	pthread_t thr;
	int k;

	mon_st.m = m;
	if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
	    pthread_cond_init(&mon_st.cond, &ca))
		die("condition variable");
	pthread_condattr_destroy(&ca);
	k = pthread_create(&thr, NULL, monitor, mon);
	if (k) {
		errno = k;
		die("monitor thread");
	}
	k = pthread_setschedparam(thr, SCHED_FIFO, &sp);
	if (k)
		fprintf(stderr, "watch-bench: the monitor thread runs without SCHED_FIFO: %s\n",
			strerror(k));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
			if (CPU_ISSET(i, &allowed))
				cpu[n++] = i;
	k = n < 2 ? ENXIO : pin(pthread_self(), cpu[0]);
	if (!k)
		k = pin(thr, cpu[1]);
	if (k)
		fprintf(stderr, "watch-bench: the monitor thread runs without a CPU of its own: %s\n",
			n < 2 ? "one CPU" : strerror(k));
}

static void arm(const struct obj *o)
{
	pthread_mutex_lock(&mon_st.lock);
	mon_st.o = o;
	mon_st.gone = mon_st.back = 0;
	mon_st.table = mon_st.early = mon_st.lost = mon_st.queued = false;
	mon_st.armed = true;
	pthread_mutex_unlock(&mon_st.lock);
}

/*
 * Wait until the object is back, at the latest TIMEOUT_MS after t0, and
 * disarm: the receipt times of the notification that it is gone and of its
 * return (0: not seen; a return counts only after a gone).
 */
static void wait_back(int64_t t0, int trial, int64_t *gone, int64_t *back, bool *queued)
{
	int64_t end = t0 + TIMEOUT_MS * 1000;
	struct timespec ts = { .tv_sec = (time_t)(end / 1000000), .tv_nsec = end % 1000000 * 1000 };

	pthread_mutex_lock(&mon_st.lock);
	while (!mon_st.back && pthread_cond_timedwait(&mon_st.cond, &mon_st.lock, &ts) != ETIMEDOUT)
		;
	*gone = mon_st.gone;
	*back = mon_st.back;
	*queued = mon_st.queued;
	if (!*gone)
		fprintf(stderr, "watch-bench: trial %d: no notification of the delete seen%s: a timeout\n",
			trial, mon_st.early ? " before the object's return" : "");
	if (!*back && mon_st.lost)
		fprintf(stderr, "watch-bench: trial %d: the monitor socket overflowed\n", trial);
	mon_st.armed = false;
	pthread_mutex_unlock(&mon_st.lock);
}

int main(int argc, char **argv)
{
	unsigned int addr_groups[] = { RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR };
	unsigned int route_groups[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE };
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
		mirror(open_nl(NETLINK_ROUTE, NULL, 0), open_nl(NETLINK_ROUTE, addr_groups, 2), objs,
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
			 open_nl(NETLINK_ROUTE, m == ADDR ? addr_groups : route_groups, 2);
	start_monitor(mon, m);
	srand((unsigned int)getpid());
	for (int t = 0; t < trials; t++) {
		const struct obj *o = &objs[(size_t)t % n_objs];
		size_t len;
		int64_t ts, t0, tg, t1;
		bool queued;
		int k;

		usleep((useconds_t)(gap * 1000 + rand() % (gap * 1000 + 1)));
		len = m == ADDR ? del_addr(o, ifindex) : m == ROUTE ? del_route(o, ifindex) :
				  del_table();
		arm(o);
		ts = now_us();
		k = request(req, buf, len);
		t0 = now_us();
		if (k < 0) {
			errno = -k;
			die("delete");
		}
		wait_back(t0, t, &tg, &t1, &queued);
		if (!t1)
			printf("timeout\n");
		else
			printf("%lld %lld %lld %d\n", (long long)(t1 - t0), (long long)(t1 - ts),
			       (long long)(t1 - tg), queued);
		fflush(stdout);
	}
	/* The monitor thread blocks in recv until the process ends. */
	exit(0);
usage:
	fprintf(stderr, "usage: watch-bench addr|route TRIALS GAP_MS DEV OBJ... | "
			"nft TRIALS GAP_MS | mirror DEV OBJ...\n");
	return 2;
}
