// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netlink layer: sockets, bounded receives, acks, dumps, batches,
 * nf_tables transactions and generic netlink family lookup, for every
 * protocol the agent speaks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DUMP_PAUSE_MAX_MS 100

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	int timeout_ms;
	int rcvbuf;
	char err[NL_ERR_SIZE];
	/* Not zeroed: every datagram is written before it is read, and
	 * zeroing 32 KiB faults in pages that small answers never touch. */
	char *buf;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the test build's switches */

#ifdef LVS_FAULT_INJECTION
/*
 * Per process, not per socket: "the Nth kernel change of the process" counts
 * the changes of every module, whichever socket they use.
 */
static struct {
	bool loaded;
	unsigned long target; /* 0: no fault */
	unsigned long delay_us;
	unsigned long count;
	unsigned long mute;   /* 0: every request is sent */
	unsigned long sent;
	unsigned long timeout_ms;
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

static void fault_load(void)
{
	if (fault.loaded)
		return;
	fault.target = env_ulong("LVS_RS_AGENT_FAULT");
	fault.delay_us = env_ulong("LVS_RS_AGENT_DELAY_US");
	fault.mute = env_ulong("LVS_RS_AGENT_MUTE");
	fault.timeout_ms = env_ulong("LVS_RS_AGENT_TIMEOUT_MS");
	fault.loaded = true;
}

void nl_fault_reset(void)
{
	fault.loaded = false;
	fault.count = 0;
	fault.sent = 0;
}

int nl_fault_squeeze_rcvbuf(struct nl *nl, int bytes)
{
	int fd = mnl_socket_get_fd(nl->sock);

	/* nl->rcvbuf stays: the batching keeps believing in the big buffer. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		return -errno;
	return 0;
}

int nl_fault_point(struct nl *nl)
{
	fault_load();
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
		nl_set_error(nl, "injected fault at kernel change %lu", fault.count);
		return -EIO;
	}
	return 0;
}

/* Whether this request is the one to swallow. */
static bool fault_mute(void)
{
	fault_load();
	return fault.mute && ++fault.sent == fault.mute;
}

static int fault_timeout(int ms)
{
	fault_load();
	return fault.timeout_ms ? (int)fault.timeout_ms : ms;
}
#else
int nl_fault_point(struct nl *nl)
{
	return 0;
}

static bool fault_mute(void)
{
	return false;
}

static int fault_timeout(int ms)
{
	return ms;
}
#endif

/* ---- the socket */

int nl_open(int protocol, const unsigned int *groups, size_t n_groups,
	    struct nl **ret)
{
	struct nl *nl;
	int one = 1, r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->buf = malloc(NL_RECV_SIZE);
	if (!nl->buf) {
		r = -ENOMEM;
		goto fail;
	}
	nl->timeout_ms = fault_timeout(NL_TIMEOUT_MS_DEFAULT);
	nl->sock = mnl_socket_open2(protocol, SOCK_CLOEXEC);
	if (!nl->sock) {
		r = -errno;
		goto fail;
	}
	/*
	 * Extended acks carry the kernel's reason in text; capped acks leave
	 * out the echo of our request, which keeps a batch's acks small.
	 * Kernels before 4.12 lack both: their refusals still have an errno.
	 */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 &&
	    errno != ENOPROTOOPT) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one)) < 0 &&
	    errno != ENOPROTOOPT) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	for (size_t i = 0; i < n_groups; i++) {
		unsigned int g = groups[i];

		if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &g,
					  sizeof(g)) < 0) {
			r = -errno;
			goto fail;
		}
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*ret = nl;
	return 0;
fail:
	nl_close(nl);
	return r;
}

struct nl *nl_close(struct nl *nl)
{
	if (!nl)
		return NULL;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
	return NULL;
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

uint32_t nl_portid(const struct nl *nl)
{
	return nl->portid;
}

uint32_t nl_next_seq(struct nl *nl)
{
	return ++nl->seq;
}

void nl_set_timeout(struct nl *nl, int ms)
{
	nl->timeout_ms = ms > 0 ? ms : NL_TIMEOUT_MS_DEFAULT;
}

int nl_timeout(const struct nl *nl)
{
	return nl->timeout_ms;
}

int nl_set_buffers(struct nl *nl, size_t bytes)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int v = bytes > (1 << 28) ? (1 << 28) : (int)bytes;
	socklen_t sl = sizeof(nl->rcvbuf);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	/* What we got, not what we asked: batches are sized from it. */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &nl->rcvbuf, &sl) < 0) {
		nl->rcvbuf = 0;
		return -errno;
	}
	return nl->rcvbuf;
}

int nl_set_strict(struct nl *nl, bool on)
{
	int v = on;

	if (mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

int nl_rcvbuf(const struct nl *nl)
{
	return nl->rcvbuf;
}

const char *nl_error(const struct nl *nl)
{
	return nl ? nl->err : "";
}

void nl_set_error(struct nl *nl, const char *fmt, ...)
{
	va_list ap;

	if (!nl)
		return;
	va_start(ap, fmt);
	vsnprintf(nl->err, sizeof(nl->err), fmt, ap);
	va_end(ap);
}

/* ---- sending and receiving */

/* One sendmsg; the mute switch of the test build swallows it whole. */
static int send_raw(struct nl *nl, const void *buf, size_t len)
{
	if (fault_mute())
		return 0;
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -errno;
	return 0;
}

ssize_t nl_recv(struct nl *nl, bool nonblock, const void **buf)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int64_t deadline = now_ms() + nl->timeout_ms;
	ssize_t n;

	if (!nonblock) {
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int64_t left = deadline - now_ms();
			int k;

			if (left <= 0)
				return -ETIMEDOUT;
			k = poll(&p, 1, (int)left);
			if (k > 0)
				break;
			if (k == 0)
				return -ETIMEDOUT;
			if (errno != EINTR)
				return -errno;
		}
	}
	do
		n = recv(fd, nl->buf, NL_RECV_SIZE, MSG_DONTWAIT | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* MSG_TRUNC reports the datagram's real length: it did not fit. */
	if ((size_t)n > NL_RECV_SIZE)
		return -EMSGSIZE;
	*buf = nl->buf;
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

int nl_ack_parse(const struct nlmsghdr *nlh, char *text, size_t len)
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

int nl_done_parse(const struct nlmsghdr *nlh, char *text, size_t len)
{
	int r;

	if (len)
		text[0] = '\0';
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return 0;
	r = *(const int *)mnl_nlmsg_get_payload(nlh);
	if (r > 0)
		return -EPROTO;
	if (r < 0)
		extack_text(nlh, sizeof(int), text, len);
	return r;
}

/* The error of a receive, in words for nl_error(). */
static int recv_failed(struct nl *nl, ssize_t r, const char *what)
{
	if (r == -ETIMEDOUT)
		nl_set_error(nl, "%s: no answer from the kernel within %d ms", what,
			     nl->timeout_ms);
	else
		nl_set_error(nl, "%s: %s", what, strerror((int)-r));
	return (int)r;
}

int nl_talk(struct nl *nl, struct nlmsghdr *req, nl_cb cb, void *data,
	    const char *what)
{
	char text[NL_ERR_SIZE];
	uint32_t seq = nl_next_seq(nl);
	int err = 0, r;

	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = send_raw(nl, req, req->nlmsg_len);
	if (r < 0) {
		nl_set_error(nl, "%s", what);
		return r;
	}
	for (;;) {
		const void *buf;
		ssize_t n = nl_recv(nl, false, &buf);
		const struct nlmsghdr *m;
		int len;

		if (n < 0)
			return recv_failed(nl, n, what);
		len = (int)n;
		for (m = buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, nl->portid))
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				r = nl_ack_parse(m, text, sizeof(text));
				if (r < 0)
					nl_set_error(nl, "%s", text[0] ? text : what);
				else if (err)
					r = err;
				return r;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE || !cb || err)
				continue;
			r = cb(m, data);
			if (r < 0) {
				nl_set_error(nl, "%s: malformed reply", what);
				err = r;
			}
		}
	}
}

/* ---- dumps */

static int dump_once(struct nl *nl, struct nlmsghdr *req, nl_cb cb,
		     void *data, const char *what)
{
	char text[NL_ERR_SIZE];
	bool intr = false, done = false;
	int err = 0;
	uint32_t seq;

	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_pid = 0;
	req->nlmsg_seq = seq = nl_next_seq(nl);
	err = send_raw(nl, req, req->nlmsg_len);
	if (err < 0) {
		nl_set_error(nl, "%s", what);
		return err;
	}
	/*
	 * Read to the end even after an error: a dump left half-read keeps the
	 * socket busy (EBUSY for the next one) and its rest would be read as
	 * the answer to the next request.
	 */
	while (!done) {
		const void *buf;
		ssize_t n = nl_recv(nl, false, &buf);
		const struct nlmsghdr *m;
		int len, r;

		if (n == -ENOBUFS) {
			/* Something was dropped: this dump cannot be trusted. */
			intr = true;
			continue;
		}
		if (n < 0)
			return recv_failed(nl, n, what);
		len = (int)n;
		for (m = buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, nl->portid))
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (m->nlmsg_type) {
			case NLMSG_DONE:
				done = true;
				r = nl_done_parse(m, text, sizeof(text));
				if (r < 0 && !err) {
					nl_set_error(nl, "%s", text[0] ? text : what);
					err = r;
				}
				break;
			case NLMSG_ERROR:
				done = true;
				r = nl_ack_parse(m, text, sizeof(text));
				if (r < 0 && !err) {
					nl_set_error(nl, "%s", text[0] ? text : what);
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
					nl_set_error(nl, "%s: malformed reply", what);
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
 * Interruptions come in bursts: each IPv6 address added runs a deferred DAD
 * work item (even with IFA_F_NODAD) that bumps the address generation, so
 * for a moment after a big batch every dump is flagged; on a loaded machine
 * that moment can last a second or more. Let the burst pass rather than race
 * it.
 */
int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_cb cb,
	    void (*reset)(void *data), void *data, const char *what)
{
	int64_t start = now_ms(), pause = 1;
	int r, tries = 0;

	for (;;) {
		if (reset)
			reset(data);
		r = dump_once(nl, req, cb, data, what);
		tries++;
		if (r != -EINTR)
			return r;
		if (now_ms() - start >= NL_DUMP_BUDGET_MS)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = pause * 1000000 }, NULL);
		if (pause < DUMP_PAUSE_MAX_MS)
			pause *= 2;
	}
	nl_set_error(nl, "%s: interrupted %d times in %lld ms by concurrent changes",
		     what, tries, (long long)(now_ms() - start));
	return -EAGAIN;
}

/* ---- batches of independent requests */

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

void nl_first_fail_init(struct nl_first_fail *f)
{
	f->idx = SIZE_MAX;
	f->text[0] = '\0';
}

void nl_first_fail_note(struct nl_first_fail *f, size_t idx, const char *text)
{
	size_t len = strnlen(text, sizeof(f->text) - 1);

	if (idx >= f->idx)
		return;
	f->idx = idx;
	/* Cut to fit, as snprintf would, without its truncation warning. */
	memcpy(f->text, text, len);
	f->text[len] = '\0';
}

void nl_first_fail_done(struct nl_first_fail *f, struct nl *nl)
{
	if (f->idx != SIZE_MAX)
		nl_set_error(nl, "%s", f->text);
}

/* One batch in flight: slots[k] is the owner of sequence number first_seq + k. */
struct batch {
	struct nl *nl;
	const struct nl_batch_ops *ops;
	void *ctx;
	int *res;
	struct nl_first_fail *first;
	struct mnl_nlmsg_batch *b;
	size_t *slots;
	bool *acked;
	size_t count, max;
	uint32_t first_seq;
};

static void batch_fail(struct batch *bt, size_t i, int r, const char *text)
{
	bt->res[i] = r;
	nl_first_fail_note(bt->first, i, text);
}

static void read_acks(struct batch *bt, size_t *remaining, const void *buf, int len)
{
	const struct nlmsghdr *m;
	char text[NL_ERR_SIZE], what[NL_ERR_SIZE];

	for (m = buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		uint32_t k = m->nlmsg_seq - bt->first_seq;
		size_t i;
		int r;

		if (m->nlmsg_type != NLMSG_ERROR ||
		    !mnl_nlmsg_portid_ok(m, bt->nl->portid) || k >= bt->count ||
		    bt->acked[k])
			continue;
		bt->acked[k] = true;
		(*remaining)--;
		i = bt->slots[k];
		r = nl_ack_parse(m, text, sizeof(text));
		bt->res[i] = r;
		if (r < 0) {
			bt->ops->describe(bt->ctx, i, what, sizeof(what));
			batch_fail(bt, i, r, text[0] ? text : what);
		}
	}
}

/*
 * Acks were lost (receive buffer overrun, a timeout, or the socket failed):
 * what the kernel did is in the kernel. An owner whose object is now as
 * wanted has been done; any other has not, and is reported so.
 */
static void resolve_lost(struct batch *bt, int err)
{
	char what[NL_ERR_SIZE], text[NL_ERR_SIZE + 64];
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
		if (err == -ETIMEDOUT)
			snprintf(text, sizeof(text), "%s: no answer from the kernel within %d ms",
				 what, bt->nl->timeout_ms);
		else
			snprintf(text, sizeof(text), "%s: acknowledgement lost (%s)",
				 what, strerror(-err));
		batch_fail(bt, i, err, text);
	}
}

static void flush(struct batch *bt)
{
	size_t remaining = bt->count;
	bool lost = false;
	int err = 0, r;

	if (!bt->count)
		goto out;
	memset(bt->acked, 0, bt->count * sizeof(*bt->acked));
	r = send_raw(bt->nl, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b));
	if (r < 0) {
		char what[NL_ERR_SIZE];

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
		const void *buf;
		ssize_t n = nl_recv(bt->nl, lost, &buf);

		if (n == -ENOBUFS || n == -EMSGSIZE) {
			lost = true;
			err = err ? err : (int)n;
			continue;
		}
		if (n < 0) {
			err = (lost && n == -EAGAIN) ? err : (int)n;
			break;
		}
		read_acks(bt, &remaining, buf, (int)n);
	}
	if (remaining)
		resolve_lost(bt, err ? err : -ENOBUFS);
out:
	mnl_nlmsg_batch_reset(bt->b);
	bt->count = 0;
}

int nl_batch_send(struct nl *nl, const struct nl_batch_ops *ops, void *ctx,
		  size_t n, int *res, struct nl_first_fail *first)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ size_t *slots = NULL;
	_cleanup_free_ bool *acked = NULL;
	struct batch bt = {
		.nl = nl, .ops = ops, .ctx = ctx, .res = res, .first = first,
	};

	bt.max = nl->rcvbuf > 0 ? (size_t)nl->rcvbuf / ACK_COST : 1;
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
		nl_set_error(nl, "out of memory");
		return -ENOMEM;
	}
	bt.slots = slots;
	bt.acked = acked;

	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *m;
		uint32_t seq;
		int r;

		if (!ops->pending(ctx, i))
			continue;
		r = nl_fault_point(nl);
		if (r < 0) {
			batch_fail(&bt, i, r, nl_error(nl));
			continue;
		}
		if (bt.count == bt.max)
			flush(&bt);
		seq = nl_next_seq(nl);
		m = mnl_nlmsg_batch_current(bt.b);
		ops->build(ctx, i, m, seq);
		m->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		m->nlmsg_seq = seq;
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

/* ---- nf_tables transactions */

struct nl_txn {
	struct nl *nl;
	uint16_t res_id;
	char *buf;
	size_t len, cap;
	size_t open;        /* where the message being built starts */
	uint32_t first_seq; /* the begin message's */
	size_t *owner;      /* owner[seq - first_seq], begin and end included */
	size_t n_msgs, cap_msgs;
	bool oom;
};

static bool txn_room(struct nl_txn *t, size_t room)
{
	if (t->oom)
		return false;
	if (t->cap - t->len < room) {
		size_t cap = t->cap ? t->cap : 4096;
		char *b;

		while (cap - t->len < room)
			cap *= 2;
		b = realloc(t->buf, cap);
		if (!b) {
			t->oom = true;
			return false;
		}
		t->buf = b;
		t->cap = cap;
	}
	if (t->n_msgs == t->cap_msgs) {
		size_t cap = t->cap_msgs ? 2 * t->cap_msgs : 16;
		size_t *o = realloc(t->owner, cap * sizeof(*o));

		if (!o) {
			t->oom = true;
			return false;
		}
		t->owner = o;
		t->cap_msgs = cap;
	}
	return true;
}

/* NFNL_MSG_BATCH_BEGIN or _END: nfgenmsg with the subsystem in res_id. */
static void txn_marker(struct nl_txn *t, uint16_t type)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	uint32_t seq;

	nlh = nl_txn_next(t, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*g)),
			  SIZE_MAX, &seq);
	if (!nlh)
		return;
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(t->res_id);
	t->len += nlh->nlmsg_len;
	t->open = SIZE_MAX;
}

int nl_txn_new(struct nl *nl, uint16_t res_id, size_t bytes, struct nl_txn **ret)
{
	struct nl_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->nl = nl;
	t->res_id = res_id;
	t->open = SIZE_MAX;
	t->first_seq = nl->seq + 1;
	if (bytes && !txn_room(t, bytes)) {
		nl_txn_free(t);
		return -ENOMEM;
	}
	txn_marker(t, NFNL_MSG_BATCH_BEGIN);
	if (t->oom) {
		nl_txn_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

struct nl_txn *nl_txn_free(struct nl_txn *t)
{
	if (!t)
		return NULL;
	free(t->buf);
	free(t->owner);
	free(t);
	return NULL;
}

void *nl_txn_next(struct nl_txn *t, size_t room, size_t owner, uint32_t *seq)
{
	if (!txn_room(t, MNL_ALIGN(room)))
		return NULL;
	*seq = t->first_seq + (uint32_t)t->n_msgs;
	t->owner[t->n_msgs++] = owner;
	t->open = t->len;
	return t->buf + t->len;
}

void nl_txn_close(struct nl_txn *t)
{
	struct nlmsghdr *nlh;

	if (t->oom || t->open == SIZE_MAX)
		return;
	nlh = (struct nlmsghdr *)(t->buf + t->open);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	t->len += MNL_ALIGN(nlh->nlmsg_len);
	t->open = SIZE_MAX;
}

size_t nl_txn_count(const struct nl_txn *t)
{
	return t->n_msgs ? t->n_msgs - 1 : 0;
}

int nl_txn_commit(struct nl_txn *t, size_t *err_owner)
{
	struct nl *nl = t->nl;
	_cleanup_free_ bool *acked = NULL;
	uint32_t begin, end;
	size_t n_acked = 0, expect;
	int first = 0, r;

	*err_owner = SIZE_MAX;
	txn_marker(t, NFNL_MSG_BATCH_END);
	if (t->oom) {
		nl_set_error(nl, "out of memory");
		return -ENOMEM;
	}
	begin = t->first_seq;
	end = t->first_seq + (uint32_t)t->n_msgs - 1;
	acked = calloc(t->n_msgs, sizeof(*acked));
	if (!acked) {
		nl_set_error(nl, "out of memory");
		return -ENOMEM;
	}
	/* The sequence numbers the transaction used are spent. */
	nl->seq = end;
	r = nl_fault_point(nl);
	if (r < 0)
		return r;
	/* Room for the whole batch and its acks (capped, with extack text). */
	nl_set_buffers(nl, t->len * 2 + t->n_msgs * 256);
	r = send_raw(nl, t->buf, t->len);
	if (r < 0) {
		nl_set_error(nl, "sending an nf_tables transaction of %zu messages: %s",
			     nl_txn_count(t) - 1, strerror(-r));
		return r;
	}
	/* Begin and end carry no NLM_F_ACK. */
	expect = t->n_msgs - 2;
	while (n_acked < expect) {
		const void *buf;
		ssize_t n = nl_recv(nl, false, &buf);
		const struct nlmsghdr *m;
		int left;

		if (n < 0) {
			if (first)
				return first;
			return recv_failed(nl, n, "nf_tables transaction");
		}
		left = (int)n;
		for (m = buf; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			char text[NL_ERR_SIZE];
			uint32_t k = m->nlmsg_seq - begin;
			int e;

			if (m->nlmsg_type != NLMSG_ERROR ||
			    !mnl_nlmsg_portid_ok(m, nl->portid) || k > end - begin)
				continue;
			e = nl_ack_parse(m, text, sizeof(text));
			if (!acked[k]) {
				acked[k] = true;
				if (k != 0 && m->nlmsg_seq != end)
					n_acked++;
			}
			if (e < 0 && !first) {
				first = e;
				*err_owner = t->owner[k];
				nl_set_error(nl, "%s", text);
			}
			/* The batch as a whole refused (no CAP_NET_ADMIN, a
			 * malformed batch): no per-message acks follow. */
			if (e < 0 && (k == 0 || m->nlmsg_seq == end))
				return first;
		}
	}
	return first;
}

/* ---- generic netlink */

struct family_id {
	uint16_t id;
	bool found;
};

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_id *f = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
		f->id = mnl_attr_get_u16(attr);
		f->found = true;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, data) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

int nl_genl_family(struct nl *nl, const char *name, uint16_t *id)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct family_id f = { 0 };
	char what[96];
	int r;

	if (strlen(name) >= GENL_NAMSIZ)
		return -EINVAL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	snprintf(what, sizeof(what), "generic netlink family %s", name);
	r = nl_talk(nl, nlh, family_cb, &f, what);
	if (r < 0)
		return r;
	if (!f.found) {
		nl_set_error(nl, "%s: no id in the kernel's answer", what);
		return -EBADMSG;
	}
	*id = f.id;
	return 0;
}
