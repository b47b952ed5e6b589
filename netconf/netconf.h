/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel interface for addresses and links (rtnetlink through libmnl) and
 * for sysctls (/proc/sys). Never prints: returns 0 or -errno, and keeps the
 * kernel's extended-ack text of the last failure for netconf_error().
 */
#ifndef LVS_NETCONF_H
#define LVS_NETCONF_H

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/macro.h"
#include "../lib/step.h"

struct netconf;

/* Opens the rtnetlink socket (NETLINK_EXT_ACK, NETLINK_CAP_ACK on). */
int netconf_open(struct netconf **ret);
/* Takes NULL, returns NULL. */
struct netconf *netconf_close(struct netconf *nc);

/*
 * The handle's socket of netlink `protocol` (NETLINK_ROUTE, or
 * NETLINK_NETFILTER and NETLINK_GENERIC, opened at the first call and
 * closed with the handle), for modules that speak netlink themselves
 * through nl.h. 0 and *ret, or -errno with netconf_error() set.
 */
struct nl;
int netconf_nl(struct netconf *nc, int protocol, struct nl **ret);

/*
 * A run's steps: between netconf_run_begin() and netconf_run_end() the
 * kinds keep what they parse of the targets of the steps they are given
 * (the address and route kinds, some 20 bytes a step), so that the walks of
 * one run over the same steps (observe, change, read back, rollback) parse
 * each target once. The steps passed stay where they are, and mean the
 * same, until netconf_run_end(), which forgets it all; a run ends before
 * netconf_close(). Outside a run each walk parses.
 */
void netconf_run_begin(struct netconf *nc);
void netconf_run_end(struct netconf *nc);

/*
 * One look at the kernel: between netconf_snapshot_begin() and
 * netconf_snapshot_end() the dump of the links and the dump of every
 * address (AF_UNSPEC) are made once and handed out again (a copy to each
 * caller), so that the checks and the observe of one reconcile read 10,000
 * addresses once. Nothing may change the kernel in between: end it before
 * the first change. netconf_close() ends it.
 */
void netconf_snapshot_begin(struct netconf *nc);
void netconf_snapshot_end(struct netconf *nc);

/*
 * The kernel's text for the last failure ("Unknown device type"), or the
 * name of the request that failed when the kernel gave none; "" if nothing.
 */
const char *netconf_error(const struct netconf *nc);

/*
 * The table flags the handle's kinds make their nf_tables tables with: 0
 * (the default), or NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST for a process
 * that stays (watch), whose nf_tables socket then owns them.
 */
void netconf_set_nft_table_flags(struct netconf *nc, uint32_t flags);
uint32_t netconf_nft_table_flags(const struct netconf *nc);
/* For sibling modules (arp/, tunnel/) that talk netlink themselves. */
void netconf_set_error(struct netconf *nc, const char *fmt, ...) _printf_(2, 3);

/*
 * The point before each kernel change: every module calls this once per
 * kernel change it is about to make, and makes the change only when it
 * returns 0. It returns -EINTR ("stopped before this change") while the
 * function given to netconf_set_stop() says stop, so that a run can end
 * between two changes and roll back what it made. Fault injection for
 * tests: in a build with -DLVS_FAULT_INJECTION the environment variable
 * LVS_RS_AGENT_FAULT=N makes the Nth kernel change of the process fail with
 * -EIO ("injected fault") instead of being sent, and LVS_RS_AGENT_DELAY_US
 * sleeps before each one.
 */
int netconf_fault_point(struct netconf *nc);
/* Per process; NULL (the default): never stop. */
void netconf_set_stop(bool (*stop)(void));

#ifdef LVS_FAULT_INJECTION
/*
 * Test builds only: forget the count and read LVS_RS_AGENT_FAULT and
 * LVS_RS_AGENT_DELAY_US again at the next fault point.
 */
void netconf_fault_reset(void);
/*
 * Test builds only: shrink the socket's receive buffer behind the batching's
 * back, so that the kernel drops acks (ENOBUFS) and the recovery path runs.
 */
int netconf_fault_squeeze_rcvbuf(struct netconf *nc, int bytes);
#endif

/*
 * One request, one ack, for modules that build their own rtnetlink messages
 * (tunnel/: RTM_NEWLINK). Sets the sequence number and NLM_F_ACK, sends,
 * waits for the ack. On failure netconf_error() holds the kernel's text, or
 * `what` ("RTM_NEWLINK tunl0") if it gave none. Does not call
 * netconf_fault_point(): the caller does, as for any change.
 */
struct nlmsghdr;
int netconf_talk(struct netconf *nc, struct nlmsghdr *nlh, const char *what);

/* ---- the network namespace this process is in */
struct netconf_netns {
	/*
	 * SO_NETNS_COOKIE (Linux 5.14): unique among the namespaces of one
	 * boot and never reused; 0 when the kernel has none.
	 */
	uint64_t cookie;
	/* Of /proc/self/ns/net (what `ip netns identify` and `ls -l` show as
	 * net:[INODE]); an inode may be reused once its namespace is gone. */
	uint64_t ino, dev;
	/* /proc/sys/kernel/random/boot_id: the cookie counts within a boot. */
	char boot_id[40];
};

/*
 * Fills *ret as far as the kernel tells (a field it cannot read stays 0 or
 * ""). 0, or -errno when none of it can be read.
 */
int netconf_netns_self(struct netconf_netns *ret);

/* An interface name the kernel takes (its dev_valid_name()). */
bool netconf_ifname_valid(const char *name);

/* ---- sysctls: path relative to /proc/sys, "net/ipv4/conf/all/arp_ignore" */
/*
 * Reads the first line without its newline. -ENOENT if it does not exist,
 * -EOVERFLOW if the line does not fit in len, -EINVAL for a path that is not
 * a plain relative sysctl path ([A-Za-z0-9_./-], no "..", no leading '/').
 */
int netconf_sysctl_read(const char *path, char *buf, size_t len);
int netconf_sysctl_read_int(const char *path, int *ret);
/*
 * Writes value (one non-empty line) after netconf_fault_point(); only paths
 * under net/ (-EINVAL for any other). nc may be NULL (no error text then).
 */
int netconf_sysctl_write(struct netconf *nc, const char *path, const char *value);
/* "net/ipv4/conf/all/arp_ignore" -> "net.ipv4.conf.all.arp_ignore" for people */
void netconf_sysctl_display(const char *path, char *buf, size_t len);

/* ---- links and addresses, from one dump each */
struct netconf_link {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned int flags; /* IFF_UP, IFF_LOOPBACK, ... */
	char kind[16];      /* IFLA_INFO_KIND, "" if none */
	unsigned int mtu;   /* IFLA_MTU */
};

/* An IPv4 or IPv6 address, as the kernel carries it. */
union netconf_inaddr {
	struct in_addr v4;
	struct in6_addr v6;
};

struct netconf_addr {
	int family;
	int ifindex;
	unsigned char prefixlen;
	unsigned char scope;
	unsigned int flags; /* IFA_F_*, from IFA_FLAGS when present */
	uint32_t preferred, valid; /* IFA_CACHEINFO, seconds; UINT32_MAX forever */
	union netconf_inaddr addr;
};

/*
 * Whether the prefix inner/inner_len lies inside outer/outer_len (family
 * AF_INET or AF_INET6; addresses in network byte order, host bits beyond a
 * length ignored): an address is a prefix of full length. Two prefixes
 * overlap exactly when one contains the other.
 */
bool netconf_prefix_contains(int family, const void *outer, unsigned outer_len,
			     const void *inner, unsigned inner_len);

/*
 * "192.0.2.7", or "192.0.2.0/24" for a prefix shorter than the family's
 * addresses; with `network`, the bits beyond plen cleared first (the subnet
 * of an interface address). len: INET6_ADDRSTRLEN + 4 holds any.
 */
void netconf_prefix_text(int family, const void *addr, unsigned plen,
			 bool network, char *buf, size_t len);

static inline bool netconf_prefix_overlaps(int family, const void *a, unsigned a_len,
					   const void *b, unsigned b_len)
{
	return netconf_prefix_contains(family, a, a_len, b, b_len) ||
	       netconf_prefix_contains(family, b, b_len, a, a_len);
}

/* Caller frees *ret with free(). */
int netconf_dump_links(struct netconf *nc, struct netconf_link **ret, size_t *n);
/* family AF_UNSPEC, AF_INET or AF_INET6. Caller frees *ret with free(). */
int netconf_dump_addrs(struct netconf *nc, int family,
		       struct netconf_addr **ret, size_t *n);

/*
 * The way back to clients of `family` (AF_INET, AF_INET6): the default
 * routes of the main table (each next hop of a multipath one). Its MTU is
 * the smallest among them, each its route's mtu metric or else its
 * device's MTU; dev names the device of that one. 0; -ENOENT when the
 * family has no default route (netconf_error() says so); another -errno.
 */
struct netconf_route_back {
	unsigned int mtu;
	char dev[IF_NAMESIZE];
	bool metric; /* the MTU is the route's mtu metric, not the device's */
};
int netconf_route_back(struct netconf *nc, int family,
		       struct netconf_route_back *ret);

/* The host's links and addresses of every family, one dump each. */
struct netconf_host {
	struct netconf_link *links;
	size_t n_links;
	struct netconf_addr *addrs;
	size_t n_addrs;
};
int netconf_host_load(struct netconf *nc, struct netconf_host *h);
void netconf_host_done(struct netconf_host *h);
/* The link named dev, or NULL. */
const struct netconf_link *netconf_host_link(const struct netconf_host *h,
					     const char *dev);

/* ---- the step kinds netconf owns */

/*
 * "sysctl": target is a /proc/sys path, values are the file's text. A target
 * whose file does not exist observes as "missing", which cannot be written
 * (restorable: nothing to put back to or from it). One kind in output and
 * journal, served by more than one ops table: each module that writes
 * sysctls (arp/: the ARP policy, tunnel/: rp_filter) has its own, with
 * these members in common and its own build, check and journal rules;
 * the journal's lookup by target tells them apart.
 */
int netconf_sysctl_observe(struct netconf *nc, struct step *const *v, size_t n);
int netconf_sysctl_change(struct netconf *nc, struct step *const *v, size_t n,
			  enum step_field to, int *res);
bool netconf_sysctl_restorable(const struct step *s, const char *to);
#define NETCONF_SYSCTL_KIND                                                    \
	.kind = "sysctl", .observe = netconf_sysctl_observe,                   \
	.change = netconf_sysctl_change, .display = netconf_sysctl_display,    \
	.restorable = netconf_sysctl_restorable

/* A step of net/ipv4/conf/DEV/KEY wanting value. 0 or -ENAMETOOLONG. */
int netconf_sysctl_step(struct step *s, const struct step_ops *ops, int order,
			const char *dev, const char *key, int value);

/*
 * The sysctls of one such kind, for its journal rules: net/ipv4/conf/DEV/KEY
 * for each KEY of keys (NULL-terminated), DEV all or lo (any interface
 * with any_dev); apply writes want[0] or want[1]. A prior is any int as
 * the kernel prints it, or "missing" for a DEV other than all and lo (the
 * device appeared with the apply).
 */
struct netconf_sysctl_keys {
	const char *const *keys;
	bool any_dev;
	const char *want[2];
};
bool netconf_sysctl_valid_target(const struct netconf_sysctl_keys *k,
				 const char *target);
bool netconf_sysctl_valid_value(const struct netconf_sysctl_keys *k,
				const char *target, enum step_field f,
				const char *value);

/*
 * "address": target "ADDR/PREFIX dev DEV" (netconf_addr_target()), values:
 *   "absent"    not on the device (or the device does not exist)
 *   "present"   on the device as the agent makes it: scope global; for IPv6
 *               also IFA_F_NODAD and preferred lifetime 0 (deprecated), so
 *               the RS never picks it as the source of its own connections
 *   (IPv6 only) on the device otherwise, the whole address, so that revert
 *   and rollback put back exactly what was there:
 *   "preferred" no flags, valid and preferred lifetimes forever
 *   "FLAGS/VALID/PREFERRED"  any other: FLAGS the IFA_F_* bits RTM_NEWADDR
 *               takes, in hex (2 nodad, 10 home, 100 mngtmpaddr, 200
 *               noprefixroute, 400 autojoin), the remaining lifetimes in
 *               seconds (at most 999999999) or "forever": "212/3600/1800"
 * Two values are the same (ops->same) when their flags and the kind of each
 * lifetime (0, finite, forever) are: the finite ones count down. Making a
 * pre-existing address "present" keeps its flags.
 * Many addresses go in one sendmsg (libmnl batch), each acked by sequence.
 * Built (STEP_ORDER_VIP, "present") for each VIP of the groups without
 * anyip, on the group's device.
 */
extern const struct step_ops netconf_addr_ops;

#define NETCONF_ABSENT STEP_ABSENT
#define NETCONF_PRESENT "present"
#define NETCONF_PREFERRED "preferred"
#define NETCONF_MISSING "missing"

/* Canonical target text of an address step. -ENAMETOOLONG if len too small. */
int netconf_addr_target(int family, const void *addr, unsigned char prefixlen,
			const char *dev, char *buf, size_t len);
/*
 * The reverse; 0 or -EINVAL, outputs untouched on failure. addr must hold a
 * struct in6_addr, dev IF_NAMESIZE bytes.
 */
int netconf_addr_parse_target(const char *target, int *family, void *addr,
			      unsigned char *prefixlen, char *dev);

/*
 * "route": AnyIP, a whole prefix local to the host by one route. Target
 * "local ADDR/PREFIX dev DEV table local" (netconf_route_target()), values:
 *   "absent"   no such local route (or the device does not exist)
 *   "present"  a route of type local for exactly that prefix through DEV in
 *              table local, as `ip route add local PREFIX dev DEV table
 *              local` makes it, whoever added it (its protocol is not
 *              compared: one that was there before the agent's first apply
 *              is recorded as pre-existing). The kernel's own local route of
 *              an address (proto kernel) does not count: it is the
 *              address's, and goes with it.
 * Observe: one RTM_GETROUTE dump of table local per address family. Change:
 * RTM_NEWROUTE (NLM_F_CREATE|NLM_F_EXCL) / RTM_DELROUTE with type local,
 * scope host and protocol NETCONF_ROUTE_PROTO, many per sendmsg, each acked
 * by sequence, one netconf_fault_point() each. Its marked() lists the local
 * routes of protocol NETCONF_ROUTE_PROTO: the agent's, whatever a journal
 * says. Built (STEP_ORDER_VIP, "present") for each VIP or prefix of the
 * anyip groups, on the group's device.
 */
extern const struct step_ops netconf_route_ops;

/*
 * The rtm_protocol of the agent's routes. Not RTPROT_STATIC or RTPROT_BOOT,
 * which say "an administrator added this" and which other tools (network
 * managers, `ip route flush proto static`) claim as theirs: a number of its
 * own lets `ip route show table local proto 76` list exactly the agent's
 * routes, and keeps its delete from ever matching another tool's route of
 * the same prefix. 76 is unassigned in iproute2's rt_protos and in the
 * numbers routing daemons use (zebra/FRR 11 and 186-198, bird 12,
 * keepalived 18, babel 42, calico 80, openr 99). A name for `ip route` can
 * be given in /etc/iproute2/rt_protos.d/ ("76 lvs-rs-agent").
 */
#define NETCONF_ROUTE_PROTO 76

/*
 * Canonical target text of a route step. -EINVAL for a prefix with host
 * bits set (the kernel refuses those), -ENAMETOOLONG if len is too small.
 */
int netconf_route_target(int family, const void *addr, unsigned char prefixlen,
			 const char *dev, char *buf, size_t len);
/*
 * The reverse, for the canonical text only; 0 or -EINVAL, outputs
 * untouched on failure. addr must hold a struct in6_addr, dev IF_NAMESIZE.
 */
int netconf_route_parse_target(const char *target, int *family, void *addr,
			       unsigned char *prefixlen, char *dev);

#endif
