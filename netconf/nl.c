// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netlink layer: sockets, the point before each change, bounded
 * receives, acks, single requests and dumps. Batches are in nl-batch.c,
 * nf_tables transactions and generic netlink in nl-txn.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nl-private.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DUMP_PAUSE_MAX_MS 100


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the point before each kernel change: stop, and the test build's
 * switches */

/* Per process, like the fault count: every module's changes ask it. */
static bool (*stop_asked)(void);

void nl_set_stop(bool (*stop)(void))
{
	stop_asked = stop;
}

static int stop_point(struct nl *nl)
{
	if (!stop_asked || !stop_asked())
		return 0;
	nl_set_error(nl, "stopped before this change");
	return -EINTR;
}

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
	/* After the delay: a signal during it stops this change. */
	if (stop_point(nl) < 0)
		return -EINTR;
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
	return stop_point(nl);
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
int nl_send_raw(struct nl *nl, const void *buf, size_t len)
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
int nl_recv_failed(struct nl *nl, ssize_t r, const char *what)
{
	if (r == -ETIMEDOUT)
		nl_set_error(nl, "%s: no answer from the kernel within %d ms", what,
			     nl->timeout_ms);
	else
		nl_set_error(nl, "%s: %s", what, strerror((int)-r));
	return (int)r;
}

int nl_acks_next(struct nl_acks *a, bool more, size_t *k, const struct nlmsghdr **m)
{
	for (;;) {
		const void *buf;
		ssize_t n;

		while (a->m && mnl_nlmsg_ok(a->m, a->left)) {
			const struct nlmsghdr *x = a->m;
			uint32_t i = x->nlmsg_seq - a->first;

			a->m = mnl_nlmsg_next(x, &a->left);
			if (x->nlmsg_type != NLMSG_ERROR ||
			    !mnl_nlmsg_portid_ok(x, a->nl->portid) || i >= a->count)
				continue;
			*k = i;
			*m = x;
			return 1;
		}
		if (!more)
			return 0;
		n = nl_recv(a->nl, a->lost != 0, &buf);
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			a->lost = a->lost ? a->lost : (int)n;
			continue;
		}
		if (n < 0)
			return (int)n;
		a->m = buf;
		a->left = (int)n;
	}
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
	r = nl_send_raw(nl, req, req->nlmsg_len);
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
			return nl_recv_failed(nl, n, what);
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
	err = nl_send_raw(nl, req, req->nlmsg_len);
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
			return nl_recv_failed(nl, n, what);
		len = (int)n;
		for (m = buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(m, nl->portid))
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (m->nlmsg_type) {
			case NLMSG_DONE:
			case NLMSG_ERROR:
				done = true;
				r = m->nlmsg_type == NLMSG_DONE ?
					    nl_done_parse(m, text, sizeof(text)) :
					    nl_ack_parse(m, text, sizeof(text));
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
