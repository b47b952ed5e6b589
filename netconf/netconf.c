// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rtnetlink socket: open/close, the last error's text (extack), the fault
 * switch of the test build, single requests and the link and address dumps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * Room for the acks of one batch (see addr.c). Asked with SO_RCVBUFFORCE
 * (CAP_NET_ADMIN, which any change needs anyway) so net.core.rmem_max does
 * not cap it; the kernel doubles the value for its bookkeeping.
 */
#define NC_RCVBUF (1024 * 1024)

/*
 * A dump that keeps being interrupted by concurrent changes is given up after
 * DUMP_BUDGET_MS. Interruptions come in bursts: each IPv6 address added runs
 * a deferred DAD work item (even with IFA_F_NODAD) that bumps the address
 * generation, so for a moment after a big batch every dump is flagged; on a
 * loaded machine that moment can last a second or more.
 */
#define DUMP_BUDGET_MS 10000
#define DUMP_PAUSE_MAX_MS 100

uint32_t nc_next_seq(struct netconf *nc)
{
	/*
	 * Consecutive, wrapping through 0 too: a batch maps an ack to its
	 * message by seq - first_seq. We join no multicast group, so nothing
	 * unsolicited (seq 0) arrives on this socket.
	 */
	return ++nc->seq;
}

static void set_rcvbuf(struct netconf *nc)
{
	int fd = mnl_socket_get_fd(nc->nl);
	int size = NC_RCVBUF;
	socklen_t sl = sizeof(nc->rcvbuf);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* What we got, not what we asked: batches are sized from it. */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &nc->rcvbuf, &sl) < 0)
		nc->rcvbuf = 0;
}

int netconf_open(struct netconf **ret)
{
	struct netconf *nc;
	int one = 1, r;

	/* Not calloc: zeroing the 32 KiB receive buffer faults in pages
	 * that small dumps never touch (each costs a startup); every
	 * datagram is written there before it is read. */
	nc = malloc(sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	memset(nc, 0, offsetof(struct netconf, buf));
	nc->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nc->nl) {
		r = -errno;
		goto fail;
	}
	/*
	 * Extended acks carry the kernel's reason in text; capped acks leave
	 * out the echo of our request, which keeps a batch's acks small.
	 * Kernels before 4.12 lack both: their refusals still have an errno.
	 */
	if (mnl_socket_setsockopt(nc->nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 &&
	    errno != ENOPROTOOPT) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_setsockopt(nc->nl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0 &&
	    errno != ENOPROTOOPT) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nc->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	nc->portid = mnl_socket_get_portid(nc->nl);
	nc->seq = (uint32_t)time(NULL);
	set_rcvbuf(nc);
	*ret = nc;
	return 0;
fail:
	netconf_close(nc);
	return r;
}

struct netconf *netconf_close(struct netconf *nc)
{
	if (!nc)
		return NULL;
	if (nc->nl)
		mnl_socket_close(nc->nl);
	free(nc);
	return NULL;
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

/* ---- fault injection */

#ifdef LVS_FAULT_INJECTION
/*
 * Per process, not per socket: "the Nth kernel change of the process" has to
 * count the changes of every module, whichever handle they hold.
 */
static struct {
	bool loaded;
	unsigned long target;	/* 0: no fault */
	unsigned long delay_us;
	unsigned long count;
} fault;

static unsigned long env_ulong(const char *name)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return 0;
	return v;
}

void netconf_fault_reset(void)
{
	fault.loaded = false;
	fault.count = 0;
}

int netconf_fault_squeeze_rcvbuf(struct netconf *nc, int bytes)
{
	int fd = mnl_socket_get_fd(nc->nl);

	/* nc->rcvbuf stays: the batching keeps believing in the big buffer. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		return -errno;
	return 0;
}

int netconf_fault_point(struct netconf *nc)
{
	if (!fault.loaded) {
		fault.target = env_ulong("LVS_RS_AGENT_FAULT");
		fault.delay_us = env_ulong("LVS_RS_AGENT_DELAY_US");
		fault.loaded = true;
	}
	if (fault.delay_us) {
		struct timespec ts = {
			.tv_sec = fault.delay_us / 1000000,
			.tv_nsec = (long)(fault.delay_us % 1000000) * 1000,
		};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	fault.count++;
	if (fault.target && fault.count == fault.target) {
		netconf_set_error(nc, "injected fault at kernel change %lu",
				  fault.count);
		return -EIO;
	}
	return 0;
}
#else
int netconf_fault_point(struct netconf *nc)
{
	return 0;
}
#endif

/* ---- messages */

ssize_t nc_recv(struct netconf *nc, bool nonblock)
{
	ssize_t n;

	do {
		if (nonblock)
			n = recv(mnl_socket_get_fd(nc->nl), nc->buf,
				 sizeof(nc->buf), MSG_DONTWAIT | MSG_TRUNC);
		else
			n = recv(mnl_socket_get_fd(nc->nl), nc->buf,
				 sizeof(nc->buf), MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* MSG_TRUNC reports the datagram's real length: it did not fit. */
	if ((size_t)n > sizeof(nc->buf))
		return -EMSGSIZE;
	return n;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == NLMSGERR_ATTR_MSG) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	}
	return MNL_CB_OK;
}

/* The extack text that follows `hlen` bytes of payload, or "". */
static void extack_text(const struct nlmsghdr *nlh, size_t hlen, char *text,
			size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };

	if (len)
		text[0] = '\0';
	if (!len || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (MNL_ALIGN(hlen) > mnl_nlmsg_get_payload_len(nlh))
		return;
	if (mnl_attr_parse(nlh, hlen, extack_attr_cb, tb) != MNL_CB_OK ||
	    !tb[NLMSGERR_ATTR_MSG])
		return;
	snprintf(text, len, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
}

int nc_ack_parse(const struct nlmsghdr *nlh, char *text, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t hlen = sizeof(*e);

	if (len)
		text[0] = '\0';
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	if (e->error > 0)
		return -EPROTO;
	/* Without NLM_F_CAPPED the kernel echoes our request before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return e->error;
		hlen += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	extack_text(nlh, hlen, text, len);
	return e->error;
}

void nc_first_fail_init(struct nc_first_fail *f)
{
	f->idx = SIZE_MAX;
	f->text[0] = '\0';
}

void nc_first_fail_note(struct nc_first_fail *f, size_t idx, const char *text)
{
	size_t len = strnlen(text, sizeof(f->text) - 1);

	if (idx >= f->idx)
		return;
	f->idx = idx;
	/* Cut to fit, as snprintf would, without its truncation warning. */
	memcpy(f->text, text, len);
	f->text[len] = '\0';
}

void nc_first_fail_done(struct nc_first_fail *f, struct netconf *nc)
{
	if (f->idx != SIZE_MAX)
		netconf_set_error(nc, "%s", f->text);
}

int netconf_talk(struct netconf *nc, struct nlmsghdr *nlh, const char *what)
{
	char text[NC_ERR_SIZE];
	uint32_t seq = nc_next_seq(nc);

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nc->nl, nlh, nlh->nlmsg_len) < 0) {
		int r = -errno;

		netconf_set_error(nc, "%s", what);
		return r;
	}
	for (;;) {
		ssize_t n = nc_recv(nc, false);
		const struct nlmsghdr *m;
		int len;

		if (n < 0) {
			netconf_set_error(nc, "%s", what);
			return (int)n;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)nc->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			int r;

			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_seq != seq ||
			    !mnl_nlmsg_portid_ok(m, nc->portid))
				continue;
			r = nc_ack_parse(m, text, sizeof(text));
			if (r < 0)
				netconf_set_error(nc, "%s", text[0] ? text : what);
			return r;
		}
	}
}

/* ---- batches of changes */

/*
 * One sendmsg carries up to BATCH_LIMIT bytes of requests (450 to 800 address
 * messages); the buffer holds one more message, which libmnl moves to the
 * front of the next batch when it does not fit.
 */
#define BATCH_LIMIT (32 * 1024)
#define BATCH_BUF (2 * BATCH_LIMIT)

/*
 * What one ack costs in the receive buffer: the kernel charges an skb's
 * truesize, 832 bytes for a capped ack with or without extack text (measured
 * with SO_MEMINFO on 6.18), so this is a safe bound. A batch never has more
 * messages than rcvbuf / ACK_COST, so its acks all fit: the kernel answers
 * every message of a sendmsg before the call returns, and drops (ENOBUFS)
 * what does not fit.
 */
#define ACK_COST 2048

/* One batch in flight: slots[k] is the step of sequence number first_seq + k. */
struct batch {
	struct netconf *nc;
	const struct nc_batch_ops *ops;
	void *ctx;
	int *res;
	struct nc_first_fail *first;
	struct mnl_nlmsg_batch *b;
	size_t *slots;
	bool *acked;
	size_t count, max;
	uint32_t first_seq;
};

static void batch_fail(struct batch *bt, size_t i, int r, const char *text)
{
	bt->res[i] = r;
	nc_first_fail_note(bt->first, i, text);
}

static void read_acks_msgs(struct batch *bt, size_t *remaining, int len)
{
	const struct nlmsghdr *m;
	char text[NC_ERR_SIZE], what[NC_ERR_SIZE];

	for (m = (const struct nlmsghdr *)bt->nc->buf; mnl_nlmsg_ok(m, len);
	     m = mnl_nlmsg_next(m, &len)) {
		uint32_t k = m->nlmsg_seq - bt->first_seq;
		size_t i;
		int r;

		if (m->nlmsg_type != NLMSG_ERROR ||
		    !mnl_nlmsg_portid_ok(m, bt->nc->portid) || k >= bt->count ||
		    bt->acked[k])
			continue;
		bt->acked[k] = true;
		(*remaining)--;
		i = bt->slots[k];
		r = nc_ack_parse(m, text, sizeof(text));
		bt->res[i] = r;
		if (r < 0) {
			bt->ops->describe(bt->ctx, i, what, sizeof(what));
			batch_fail(bt, i, r, text[0] ? text : what);
		}
	}
}

/*
 * Acks were lost (receive buffer overrun, or the socket failed): what the
 * kernel did is in the kernel. A step whose object is now as wanted has been
 * done; any other has not, and is reported so.
 */
static void resolve_lost(struct batch *bt, int err)
{
	char what[NC_ERR_SIZE], text[NC_ERR_SIZE + 64];
	int r = bt->ops->reread(bt->ctx);

	for (size_t k = 0; k < bt->count; k++) {
		size_t i = bt->slots[k];

		if (bt->acked[k])
			continue;
		if (r == 0 && bt->ops->done(bt->ctx, i)) {
			bt->res[i] = 0;
			continue;
		}
		bt->ops->describe(bt->ctx, i, what, sizeof(what));
		snprintf(text, sizeof(text), "%s: acknowledgement lost (%s)",
			 what, strerror(-err));
		batch_fail(bt, i, err, text);
	}
}

static void flush(struct batch *bt)
{
	size_t remaining = bt->count;
	bool lost = false;
	int err = 0;

	if (!bt->count)
		goto out;
	memset(bt->acked, 0, bt->count * sizeof(*bt->acked));
	if (mnl_socket_sendto(bt->nc->nl, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0) {
		char what[NC_ERR_SIZE];
		int r = -errno;

		for (size_t k = 0; k < bt->count; k++) {
			size_t i = bt->slots[k];

			bt->ops->describe(bt->ctx, i, what, sizeof(what));
			batch_fail(bt, i, r, what);
		}
		goto out;
	}
	/*
	 * Every message of the sendmsg has been answered by now (rtnetlink
	 * runs in the sender's context), so after a loss the rest is read
	 * without waiting. An error ack does not end the batch: the kernel
	 * went on with the next message, and so do we.
	 */
	while (remaining) {
		ssize_t n = nc_recv(bt->nc, lost);

		if (n == -ENOBUFS || n == -EMSGSIZE) {
			lost = true;
			err = err ? err : (int)n;
			continue;
		}
		if (n < 0) {
			err = (lost && n == -EAGAIN) ? err : (int)n;
			break;
		}
		read_acks_msgs(bt, &remaining, (int)n);
	}
	if (remaining)
		resolve_lost(bt, err ? err : -ENOBUFS);
out:
	mnl_nlmsg_batch_reset(bt->b);
	bt->count = 0;
}

int nc_batch_send(struct netconf *nc, const struct nc_batch_ops *ops,
		  void *ctx, size_t n, int *res, struct nc_first_fail *first)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ size_t *slots = NULL;
	_cleanup_free_ bool *acked = NULL;
	struct batch bt = {
		.nc = nc, .ops = ops, .ctx = ctx, .res = res, .first = first,
	};

	bt.max = nc->rcvbuf > 0 ? (size_t)nc->rcvbuf / ACK_COST : 1;
	if (bt.max > BATCH_LIMIT / ops->msg_min)
		bt.max = BATCH_LIMIT / ops->msg_min;
	if (bt.max > n) /* one VIP: one slot, not 800 zeroed */
		bt.max = n;
	if (bt.max < 1)
		bt.max = 1;
	buf = malloc(BATCH_BUF);
	slots = calloc(bt.max, sizeof(*slots));
	acked = calloc(bt.max, sizeof(*acked));
	bt.b = buf ? mnl_nlmsg_batch_start(buf, BATCH_LIMIT) : NULL;
	if (!bt.b || !slots || !acked) {
		for (size_t i = 0; i < n; i++)
			res[i] = -ENOMEM;
		netconf_set_error(nc, "out of memory");
		return -ENOMEM;
	}
	bt.slots = slots;
	bt.acked = acked;

	for (size_t i = 0; i < n; i++) {
		uint32_t seq;
		int r;

		if (!ops->pending(ctx, i))
			continue;
		r = netconf_fault_point(nc);
		if (r < 0) {
			batch_fail(&bt, i, r, netconf_error(nc));
			continue;
		}
		if (bt.count == bt.max)
			flush(&bt);
		seq = nc_next_seq(nc);
		ops->build(ctx, i, mnl_nlmsg_batch_current(bt.b), seq);
		if (!mnl_nlmsg_batch_next(bt.b)) {
			/* Full: send the others; libmnl moves this one to the
			 * front of the next batch. */
			flush(&bt);
		}
		if (bt.count == 0)
			bt.first_seq = seq;
		slots[bt.count++] = i;
	}
	flush(&bt);
	mnl_nlmsg_batch_stop(bt.b);
	return 0;
}

/* ---- dumps */

static int dump_once(struct netconf *nc, struct nlmsghdr *nlh, nc_dump_cb cb,
		     void *data, const char *what)
{
	char text[NC_ERR_SIZE];
	bool intr = false, done = false;
	int err = 0;
	uint32_t seq;

	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_seq = seq = nc_next_seq(nc);
	if (mnl_socket_sendto(nc->nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		netconf_set_error(nc, "%s", what);
		return err;
	}
	/*
	 * Read to the end even after an error: a dump left half-read keeps the
	 * socket busy (EBUSY for the next one) and its rest would be read as
	 * the answer to the next request.
	 */
	while (!done) {
		ssize_t n = nc_recv(nc, false);
		const struct nlmsghdr *m;
		int len;

		if (n == -ENOBUFS) {
			/* Something was dropped: this dump cannot be trusted. */
			intr = true;
			continue;
		}
		if (n < 0) {
			netconf_set_error(nc, "%s", what);
			return (int)n;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)nc->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			int r;

			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, nc->portid))
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (m->nlmsg_type) {
			case NLMSG_DONE:
				done = true;
				/* A failed dump puts its error in DONE. */
				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int)) {
					r = *(const int *)mnl_nlmsg_get_payload(m);
					if (r < 0 && !err) {
						extack_text(m, sizeof(int), text,
							    sizeof(text));
						netconf_set_error(nc, "%s",
								  text[0] ? text : what);
						err = r;
					}
				}
				break;
			case NLMSG_ERROR:
				done = true;
				r = nc_ack_parse(m, text, sizeof(text));
				if (r < 0 && !err) {
					netconf_set_error(nc, "%s",
							  text[0] ? text : what);
					err = r;
				}
				break;
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				break;
			default:
				if (err)
					break;
				r = cb(m, data);
				if (r < 0) {
					netconf_set_error(nc, "%s: malformed reply",
							  what);
					err = r;
				}
			}
			if (done)
				break;
		}
	}
	if (err)
		return err;
	return intr ? -EINTR : 0;
}

/*
 * A dump that ran while the table changed is flagged NLM_F_DUMP_INTR and may
 * miss or repeat entries: start again from scratch (reset), a few times.
 */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nc_dump(struct netconf *nc, struct nlmsghdr *req, nc_dump_cb cb,
	    void (*reset)(void *data), void *data, const char *what)
{
	int64_t start = now_ms(), pause = 1;
	int r, tries = 0;

	for (;;) {
		reset(data);
		r = dump_once(nc, req, cb, data, what);
		tries++;
		if (r != -EINTR)
			return r;
		if (now_ms() - start >= DUMP_BUDGET_MS)
			break;
		/* Let the burst of changes pass rather than race it. */
		nanosleep(&(struct timespec){ .tv_nsec = pause * 1000000 }, NULL);
		if (pause < DUMP_PAUSE_MAX_MS)
			pause *= 2;
	}
	netconf_set_error(nc, "%s: interrupted %d times in %lld ms by concurrent changes",
			  what, tries, (long long)(now_ms() - start));
	return -EAGAIN;
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
	struct nc_batch_ops ops = {
		.pending = planned_pending,
		.build = planned_build,
		.describe = planned_describe,
		.reread = planned_reread,
		.done = planned_done,
		.msg_min = k->msg_min,
	};
	struct planned pl = { .nc = nc, .k = k, .view = view, .v = v };
	struct nc_first_fail first;
	char text[NC_ERR_SIZE];
	int r;

	if (!n)
		return 0;
	nc_first_fail_init(&first);
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
			nc_first_fail_note(&first, i, text);
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
