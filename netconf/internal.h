/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside netconf/: the socket object and the netlink plumbing shared by
 * netconf.c (socket, errors, dumps, batches), addr.c (the address steps),
 * route.c (the local route steps) and sysctl.c.
 * Nothing outside netconf/ includes this file.
 */
#ifndef LVS_NETCONF_INTERNAL_H
#define LVS_NETCONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

#include "netconf.h"

/*
 * A kernel dump packs as many messages in one datagram as the reader's
 * buffer allows, up to 32 KiB (MNL_SOCKET_DUMP_SIZE in newer libmnl).
 */
#define NC_RECV_SIZE 32768
#define NC_ERR_SIZE 512

struct netconf {
	struct mnl_socket *nl;
	unsigned int portid;
	uint32_t seq;
	int rcvbuf; /* SO_RCVBUF as the kernel set it: bounds a batch's acks */
	size_t addr_hint; /* addresses in the last full dump: room for the next */
	char err[NC_ERR_SIZE];
	char buf[NC_RECV_SIZE];
};

uint32_t nc_next_seq(struct netconf *nc);

/*
 * Reads one datagram into nc->buf: its length, or -errno (-ENOBUFS when the
 * kernel dropped messages for want of receive buffer).
 */
ssize_t nc_recv(struct netconf *nc, bool nonblock);

/*
 * The error of an NLMSG_ERROR message (0 for an ack, or -errno), with the
 * kernel's extack text copied to text ("" when there is none).
 */
int nc_ack_parse(const struct nlmsghdr *nlh, char *text, size_t len);

/* Copy the first failure's text, keeping the one of the lowest step index. */
struct nc_first_fail {
	size_t idx; /* SIZE_MAX while nothing failed */
	char text[NC_ERR_SIZE];
};
void nc_first_fail_init(struct nc_first_fail *f);
void nc_first_fail_note(struct nc_first_fail *f, size_t idx, const char *text);
/* Hands the kept text to netconf_error() if anything failed. */
void nc_first_fail_done(struct nc_first_fail *f, struct netconf *nc);

/*
 * A dump: req is the request as the caller built it (type, family header,
 * attributes); flags, sequence number and port are set here. cb sees every
 * message of the reply; reset(data) runs before each try, as a dump
 * interrupted by concurrent changes (NLM_F_DUMP_INTR) is started again.
 * On failure netconf_error() names `what` or holds the kernel's text.
 */
typedef int (*nc_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nc_dump(struct netconf *nc, struct nlmsghdr *req, nc_dump_cb cb,
	    void (*reset)(void *data), void *data, const char *what);

/*
 * Batched changes, one request per step, many per sendmsg, one ack each,
 * every ack mapped back to its step by sequence number (addr.c, route.c).
 * The kind says what to send through these callbacks; ctx is its own.
 */
struct nc_batch_ops {
	/* Whether step i has a request to send. */
	bool (*pending)(void *ctx, size_t i);
	/* Writes step i's request, a whole message with NLM_F_ACK, to buf. */
	void (*build)(void *ctx, size_t i, void *buf, uint32_t seq);
	/* The request in words, for a failure without kernel text:
	 * "RTM_NEWADDR 192.0.2.1/32 dev lo". */
	void (*describe)(void *ctx, size_t i, char *buf, size_t len);
	/*
	 * Acks were lost: read the kernel again (0 or -errno), then say for
	 * each unacknowledged step whether the kernel is as it wanted.
	 */
	int (*reread)(void *ctx);
	bool (*done)(void *ctx, size_t i);
	/* The smallest request in bytes: bounds the requests per sendmsg. */
	size_t msg_min;
};

/*
 * Sends the pending requests of steps 0..n-1, in order, after one
 * netconf_fault_point() each (an injected fault fails that step only).
 * res[i] = 0 or -errno; each failure is noted in first with the kernel's
 * text or the request's description. Returns 0 or -ENOMEM (then every
 * res[i] is -ENOMEM and netconf_error() says so).
 */
int nc_batch_send(struct netconf *nc, const struct nc_batch_ops *ops,
		  void *ctx, size_t n, int *res, struct nc_first_fail *first);

/* ---- the kernel's links by name, for ifindex lookups (one dump) */
struct nc_links {
	struct netconf_link *v;
	size_t n;
};
int nc_links_load(struct netconf *nc, struct nc_links *l);
/* The ifindex of dev, 0 when there is no such link. */
int nc_links_ifindex(const struct nc_links *l, const char *dev);
void nc_links_done(struct nc_links *l);

/*
 * A step kind whose every step is at most one request (addresses, routes):
 * nc_change_planned() plans each step, sends the requests in batches
 * (nc_batch_send) and maps the acks back, for the kind's view of the kernel.
 */
/* The kind's view of the kernel begins with its links (struct nc_links),
 * which nc_change_planned() loads before planning. */
/* The bytes of an address of FAMILY (AF_INET or AF_INET6). */
static inline size_t nc_addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

/* A step target of the address and route kinds, parsed. */
struct nc_target {
	int family;
	unsigned char prefixlen;
	union netconf_inaddr addr;
	char dev[IF_NAMESIZE];
};

/* The head of each kind's plan for nc_change_planned(): its requests are
 * described by it ("RTM_NEWADDR 192.0.2.1/32 dev lo"). */
struct nc_plan {
	struct nc_target t;
	int ifindex;
	uint16_t type; /* RTM_NEW..., RTM_DEL...; 0: nothing to send */
};

/* The end of a plan(): p->ifindex for p->t.dev from the links; 1, or
 * -ENODEV with the request in text (nothing to send) when it is missing. */
int nc_plan_link(const struct nc_links *l, struct nc_plan *p,
		 const struct step *s, char *text, size_t len);

struct nc_plan_ops {
	size_t plan_size; /* a struct that begins with a struct nc_plan */
	/* Plan s going to `to` into plan (zeroed): 1, a request to send;
	 * 0, nothing to send; or -errno with one line in text. */
	int (*plan)(void *view, const struct step *s, enum step_field to,
		    void *plan, char *text, size_t len);
	void (*build)(const void *plan, void *buf, uint32_t seq);
	/* Acks were lost: read the kernel into view again; then done() says
	 * whether the kernel is as the plan wanted. */
	int (*reread)(struct netconf *nc, void *view);
	bool (*done)(const void *view, const void *plan);
	size_t msg_min;
};
/* The change() of a step_ops, for such a kind. */
int nc_change_planned(struct netconf *nc, const struct nc_plan_ops *k,
		      void *view, struct step *const *v, size_t n,
		      enum step_field to, int *res);

#endif
