/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the netlink layer (nl.c, nl-batch.c, nl-txn.c): the socket object
 * and what its files share. Nothing else includes this file.
 */
#ifndef LVS_NETCONF_NL_PRIVATE_H
#define LVS_NETCONF_NL_PRIVATE_H

#include "nl.h"

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

/*
 * What one ack costs in the receive buffer: the kernel charges an skb's
 * truesize, 832 bytes for a capped ack with or without extack text (measured
 * with SO_MEMINFO on 6.18), so this is a safe bound. The kernel answers
 * every message of a sendmsg before the call returns, and drops (ENOBUFS)
 * what does not fit: a batch (nl-batch.c) never sends more messages than
 * rcvbuf / NL_ACK_COST, a transaction (nl-txn.c) grows the buffer first.
 */
#define NL_ACK_COST 2048

/* One sendmsg; the mute switch of the test build swallows it whole. */
int nl_send_raw(struct nl *nl, const void *buf, size_t len);
/* The error of a receive, in words for nl_error(); returns r. */
int nl_recv_failed(struct nl *nl, ssize_t r, const char *what);

/*
 * The acks of the `count` messages numbered from `first` that one sendmsg
 * carried (a batch, a transaction), read a datagram at a time. Every ack
 * has been queued by the time sendmsg returns: once some were lost (the
 * receive buffer overran), the rest is read without waiting, so that none
 * is left behind to fill the buffer of the next request.
 */
struct nl_acks {
	struct nl *nl;
	uint32_t first;
	size_t count;
	int lost; /* the first loss: -ENOBUFS or -EMSGSIZE; 0: none */
	const struct nlmsghdr *m; /* the rest of the datagram read */
	int left;
};

/*
 * The next ack of one of the messages: 1 with *k (its number from first)
 * and *m. When the datagram read holds no more, another is read only when
 * `more` (else 0). < 0: the receive's error, -EAGAIN once a loss left
 * nothing more to read.
 */
int nl_acks_next(struct nl_acks *a, bool more, size_t *k, const struct nlmsghdr **m);

#endif
