/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's notifications of the objects the agent manages: rtnetlink
 * (links, IPv4 and IPv6 addresses, routes, netconf) and nf_tables, each
 * parsed into the kind and target text its step has, with the netlink port
 * of the socket that made the change. A listener's sockets are its own,
 * apart from the handle's (whose requests they must never answer). Never
 * prints: 0 or -errno.
 */
#ifndef LVS_NETCONF_EVENTS_H
#define LVS_NETCONF_EVENTS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/step.h"

/* The listener's sockets, by index. */
enum { NETCONF_EV_RTNL, NETCONF_EV_NFT, NETCONF_EV_SOCKETS };

struct netconf_event {
	/*
	 * The kind whose targets `target` is spelt as ("address", "route",
	 * "link", "sysctl", "nft"), or NULL for an object no kind of the
	 * agent's makes (an address of another scope's route, a forwarding
	 * switch, a table of another family).
	 */
	const char *kind;
	char target[STEP_TARGET_MAX];
	/* The object went: RTM_DEL*, a link down, a table or its part deleted. */
	bool removed;
	/*
	 * nf_tables: the end of a transaction (NFT_MSG_NEWGEN), which names
	 * the process that committed it (pid, comm); the messages of the
	 * transaction came before it.
	 */
	bool gen;
	uint32_t pid;
	char comm[16];
	/* nlmsg_pid: the netlink port of the socket that made the change; 0
	 * when the kernel made it itself. */
	uint32_t portid;
	/* The device an address, route, link or netconf event is about ("":
	 * none or unknown). */
	char dev[IF_NAMESIZE];
};

struct netconf_events;

/*
 * Joins RTNLGRP_LINK, _IPV4_IFADDR, _IPV6_IFADDR, _IPV4_ROUTE, _IPV6_ROUTE,
 * _IPV4_NETCONF, _IPV6_NETCONF and NFNLGRP_NFTABLES, each socket with a
 * receive buffer of rcvbuf bytes (0: the kernel's default). A kernel
 * without nf_tables leaves that socket out (its fd -1). 0 or -errno.
 */
int netconf_events_open(size_t rcvbuf, struct netconf_events **ret);
/* Takes NULL, returns NULL. */
struct netconf_events *netconf_events_close(struct netconf_events *ev);
/* Socket i's descriptor for poll(2), or -1. */
int netconf_events_fd(const struct netconf_events *ev, int i);

/*
 * Every event queued on socket i, each to cb (which returns 0, or -errno to
 * stop), without waiting. 0; -ENOBUFS when the kernel dropped events for
 * want of room (read on after it: the caller must take the kernel as
 * unknown and read it whole); another -errno.
 */
int netconf_events_read(struct netconf_events *ev, int i,
			int (*cb)(const struct netconf_event *e, void *data), void *data);

#endif
