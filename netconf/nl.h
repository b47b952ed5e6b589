/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One netlink layer for every kernel interface the agent speaks: rtnetlink,
 * nfnetlink (nf_tables) and generic netlink. A socket per protocol, owned by
 * its caller (no file-static state); every receive bounded by a deadline;
 * acks with the kernel's extended-ack text; dumps retried when the kernel
 * flags them interrupted; batches whose acks are mapped back to their owners,
 * with lost acks resolved by reading the kernel back; nf_tables transactions;
 * generic netlink family lookup; multicast groups for a listener.
 *
 * Never prints: 0 or -errno, and the last failure's text in nl_error().
 */
#ifndef LVS_NETCONF_NL_H
#define LVS_NETCONF_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/macro.h"

struct nlmsghdr;
struct nl;

/*
 * The longest the agent waits for one answer of the kernel. rtnetlink and
 * nf_tables answer in the sender's context, before sendmsg returns; an
 * answer that has not come after this never will.
 */
#define NL_TIMEOUT_MS_DEFAULT 10000
#define NL_ERR_SIZE 512
/* A dump datagram is at most 32 KiB (MNL_SOCKET_DUMP_SIZE). */
#define NL_RECV_SIZE 32768

/*
 * Opens a socket of `protocol` (NETLINK_ROUTE, NETLINK_NETFILTER,
 * NETLINK_GENERIC) with extended and capped acks, joined to the multicast
 * groups groups[0..n_groups) (NULL, 0: none). 0 or -errno.
 */
int nl_open(int protocol, const unsigned int *groups, size_t n_groups,
	    struct nl **ret);
/* Takes NULL, returns NULL. */
struct nl *nl_close(struct nl *nl);
int nl_fd(const struct nl *nl);
uint32_t nl_portid(const struct nl *nl);
/*
 * Consecutive sequence numbers, wrapping through 0 too: a batch maps an
 * ack to its message by seq - first_seq.
 */
uint32_t nl_next_seq(struct nl *nl);

/* How long one receive may wait for the kernel (ms, > 0). */
void nl_set_timeout(struct nl *nl, int ms);
int nl_timeout(const struct nl *nl);

/*
 * Socket buffers of at least `bytes` each way (SO_*BUFFORCE with
 * CAP_NET_ADMIN, else capped by net.core.[rw]mem_max). Returns the receive
 * buffer the kernel granted (which bounds a batch's acks), or -errno.
 */
int nl_set_buffers(struct nl *nl, size_t bytes);
/* The receive buffer as last granted (0 if unknown). */
int nl_rcvbuf(const struct nl *nl);

/*
 * NETLINK_GET_STRICT_CHK: dumps filtered by the kernel on the request's
 * header (route table, type). 0, or -errno when the kernel lacks it.
 */
int nl_set_strict(struct nl *nl, bool on);

/* The kernel's text for the last failure, or what was being done; "". */
const char *nl_error(const struct nl *nl);
void nl_set_error(struct nl *nl, const char *fmt, ...) _printf_(2, 3);

/*
 * One datagram into the socket's buffer (*buf points at it until the next
 * receive): its length, or -ETIMEDOUT past the timeout (nonblock: -EAGAIN
 * at once), -ENOBUFS when the kernel dropped messages for want of receive
 * buffer, -EMSGSIZE when a datagram did not fit, or another -errno. A
 * signal does not end the wait: the kernel answers in the sender's context,
 * so what was sent has been done, and its answer is worth reading; the
 * caller looks at its own flags between requests.
 */
ssize_t nl_recv(struct nl *nl, bool nonblock, const void **buf);

/* The error of an NLMSG_ERROR message (0: an ack, or -errno), with the
 * kernel's extended-ack text copied to text ("" when there is none). */
int nl_ack_parse(const struct nlmsghdr *nlh, char *text, size_t len);
/* The error a failed dump puts in NLMSG_DONE (0 or -errno), and its text. */
int nl_done_parse(const struct nlmsghdr *nlh, char *text, size_t len);

/* A reply message of a request or dump: 0 to go on, or -errno to stop. */
typedef int (*nl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * One request: its flags get NLM_F_REQUEST | NLM_F_ACK, its sequence number
 * and port are set here; cb (may be NULL) sees every reply message before
 * the ack. 0 or -errno; on failure nl_error() holds the kernel's text or
 * `what`.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *req, nl_cb cb, void *data,
	    const char *what);

/*
 * A dump: req's flags become NLM_F_REQUEST | NLM_F_DUMP. cb sees every
 * message of the reply; reset(data) runs before each try, as a dump that
 * ran while the table changed (NLM_F_DUMP_INTR, or messages dropped) is
 * started again, with a growing pause, for up to NL_DUMP_BUDGET_MS; then
 * -EAGAIN. A table with nothing of that family (-ENOENT from nf_tables for
 * an unknown table) comes back as the kernel's error.
 */
#define NL_DUMP_BUDGET_MS 10000
int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_cb cb,
	    void (*reset)(void *data), void *data, const char *what);

/* ---- batches of independent requests (rtnetlink) */

/* The first failure of a batch: the lowest owner index, and its text. */
struct nl_first_fail {
	size_t idx; /* SIZE_MAX while nothing failed */
	char text[NL_ERR_SIZE];
};
void nl_first_fail_init(struct nl_first_fail *f);
void nl_first_fail_note(struct nl_first_fail *f, size_t idx, const char *text);
/* Hands the kept text to nl_error() if anything failed. */
void nl_first_fail_done(struct nl_first_fail *f, struct nl *nl);

/*
 * Requests that the kernel takes one by one, one per owner (a step), many
 * per sendmsg, one ack each mapped back to its owner by sequence number.
 */
struct nl_batch_ops {
	/* Whether owner i has a request to send. */
	bool (*pending)(void *ctx, size_t i);
	/* Writes owner i's request, a whole message, to buf: the batch sets
	 * NLM_F_REQUEST | NLM_F_ACK and the sequence number. */
	void (*build)(void *ctx, size_t i, void *buf, uint32_t seq);
	/* The request in words, for a failure without kernel text:
	 * "RTM_NEWADDR 192.0.2.1/32 dev lo". */
	void (*describe)(void *ctx, size_t i, char *buf, size_t len);
	/*
	 * Acks were lost: read the kernel again (0 or -errno); then done()
	 * says for each unacknowledged owner whether the kernel is as it
	 * wanted.
	 */
	int (*reread)(void *ctx);
	bool (*done)(void *ctx, size_t i);
	/* The smallest request in bytes: bounds the requests per sendmsg. */
	size_t msg_min;
};

/*
 * Sends the pending requests of owners 0..n-1 in order, each after one
 * nl_fault_point() (an injected fault fails that owner only). res[i] = 0 or
 * -errno; each failure is noted in first with the kernel's text or the
 * request's description. Returns 0, or -ENOMEM (then every res[i] is
 * -ENOMEM).
 */
int nl_batch_send(struct nl *nl, const struct nl_batch_ops *ops, void *ctx,
		  size_t n, int *res, struct nl_first_fail *first);

/* ---- nf_tables transactions (nfnetlink batches: all or nothing) */

struct nl_txn;

/*
 * A transaction for subsystem `res_id` (NFNL_SUBSYS_NFTABLES) with room for
 * `bytes` of messages (the caller's estimate; it grows). 0 or -ENOMEM.
 */
int nl_txn_new(struct nl *nl, uint16_t res_id, size_t bytes, struct nl_txn **ret);
/* Takes NULL, returns NULL. */
struct nl_txn *nl_txn_free(struct nl_txn *t);
/*
 * Room for the next message, `room` bytes zeroed, on behalf of `owner`
 * (SIZE_MAX: the transaction as a whole). The caller builds one whole
 * message there (its sequence number is given at the commit) and calls
 * nl_txn_close(), which sets NLM_F_REQUEST | NLM_F_ACK. NULL without
 * memory; a message longer than its room: the commit fails (-EMSGSIZE).
 */
void *nl_txn_next(struct nl_txn *t, size_t room, size_t owner);
void nl_txn_close(struct nl_txn *t);
/* A message could not be built (-ENOMEM): the commit fails with err. */
void nl_txn_fail(struct nl_txn *t, int err);
/* Messages in the transaction, begin and end not counted. */
size_t nl_txn_count(const struct nl_txn *t);
/*
 * Once: sends begin, the messages, end, after one nl_fault_point(), and
 * reads every ack (each message asks one: the kernel acks all of them and
 * applies none if any fails). 0, or the first failure's -errno with
 * *err_owner its owner (SIZE_MAX: the transaction as a whole) and
 * nl_error() the kernel's text ("" when it gave none) or what went wrong.
 * An ack that never comes (-ETIMEDOUT) or is lost (-ENOBUFS): the
 * transaction may or may not have been applied, and the caller reads the
 * kernel back.
 */
int nl_txn_commit(struct nl_txn *t, size_t *err_owner);
/* Whether the commit sent the transaction: false when the point before
 * the change stopped it (nl_error() then says why, as it is). */
bool nl_txn_sent(const struct nl_txn *t);

/* ---- generic netlink */

/*
 * The id of generic netlink family `name` ("fou"): 0 and *id, -ENOENT when
 * the kernel has no such family (a module not loaded and not loadable).
 */
int nl_genl_family(struct nl *nl, const char *name, uint16_t *id);
/*
 * The same from a dump of the families the kernel holds now: the kernel
 * loads no module for it (the lookup by name asks for one, "net-pf-16-
 * proto-16-family-NAME"), so that plan and observe change nothing.
 * 0 and *id, -ENOENT when it holds no such family.
 */
int nl_genl_family_registered(struct nl *nl, const char *name, uint16_t *id);

/* ---- the test build's fault switch */

/*
 * Call once per kernel change about to be made. In a build with
 * -DLVS_FAULT_INJECTION the environment variable LVS_RS_AGENT_FAULT=N makes
 * the Nth change of the process fail with -EIO ("injected fault") instead
 * of being sent, and LVS_RS_AGENT_DELAY_US=U delays each change by U
 * microseconds. In a normal build it returns 0.
 *
 * The same build has a second switch for answers that never come:
 * LVS_RS_AGENT_MUTE=N swallows the Nth request of the process (a change, a
 * dump, a query), so that its answer is waited for until the timeout, and
 * LVS_RS_AGENT_TIMEOUT_MS=T sets every socket's timeout.
 */
int nl_fault_point(struct nl *nl);

/*
 * The same point asks stop() (per process; NULL: never) after the delay and
 * before the change: when it says stop, the change is not made and the
 * point returns -EINTR ("stopped before this change"), so that a run told to
 * end by a signal ends between two changes, never in the middle of one.
 */
void nl_set_stop(bool (*stop)(void));

#ifdef LVS_FAULT_INJECTION
/* Test builds only: forget the count and read the environment again. */
void nl_fault_reset(void);
/*
 * Test builds only: shrink the socket's receive buffer behind the
 * batching's back, so that the kernel drops acks (ENOBUFS) and the
 * recovery path runs.
 */
int nl_fault_squeeze_rcvbuf(struct nl *nl, int bytes);
#endif

#endif
