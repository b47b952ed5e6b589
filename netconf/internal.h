/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside netconf/: the socket object and the netlink plumbing shared by
 * netconf.c (socket, errors, dumps), addr.c (the address steps) and sysctl.c.
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

#endif
