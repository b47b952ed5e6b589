/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside netconf/: the handle and the plumbing shared by netconf.c (the
 * handle, errors, requests), host.c (link and address dumps, links by
 * name), routeback.c (the default routes' MTU), planned.c (planned
 * changes), addr.c (the address steps), route.c (the local route steps)
 * and sysctl.c. They call one way only: the step kinds call planned.c,
 * host.c and netconf.c; planned.c and routeback.c call host.c and
 * netconf.c; host.c calls netconf.c. Nothing outside netconf/ includes
 * this file.
 */
#ifndef LVS_NETCONF_INTERNAL_H
#define LVS_NETCONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

#include "netconf.h"
#include "nl.h"

#define NC_ERR_SIZE NL_ERR_SIZE

/* The kinds whose targets a run keeps parsed (targets.c). */
enum nc_parsed_kind { NC_PARSED_ADDR, NC_PARSED_ROUTE, NC_PARSED_KINDS };
struct nc_parsed;

struct netconf {
	struct nl *rt; /* rtnetlink */
	struct nl *nf; /* nfnetlink, opened when first asked for */
	struct nl *genl; /* generic netlink, likewise */
	size_t addr_hint; /* addresses in the last full dump: room for the next */
	bool run; /* between netconf_run_begin() and netconf_run_end() */
	struct nc_parsed *parsed[NC_PARSED_KINDS];
	/* netconf_snapshot_begin(): the first dump of the links and of every
	 * address, handed out again until netconf_snapshot_end() (host.c). */
	bool snap;
	struct netconf_link *snap_links;
	struct netconf_addr *snap_addrs;
	size_t n_snap_links, n_snap_addrs;
	bool have_links, have_addrs;
	uint32_t nft_flags; /* netconf_set_nft_table_flags() */
	char err[NC_ERR_SIZE];
};

/* Copies the socket's text of a failure (r < 0) to netconf_error(); r. */
int nc_took(struct netconf *nc, int r);
/* The attributes of an RTM_NEWROUTE the kinds read (table, oif, dst,
 * metrics, multipath), validated, into tb[RTA_MAX + 1]. */
int nc_route_attr_cb(const struct nlattr *attr, void *data);

/* nl_dump() on the rtnetlink socket, its failure's text in netconf_error(). */
int nc_dump(struct netconf *nc, struct nlmsghdr *req, nl_cb cb,
	    void (*reset)(void *data), void *data, const char *what);

/*
 * nl_batch_send() on the rtnetlink socket (addr.c, route.c): one request per
 * step, many per sendmsg, every ack mapped back to its step.
 */
int nc_batch_send(struct netconf *nc, const struct nl_batch_ops *ops,
		  void *ctx, size_t n, int *res, struct nl_first_fail *first);
/* Hands the first failure's text to netconf_error() if anything failed. */
void nc_first_fail_done(struct nl_first_fail *f, struct netconf *nc);

/* ---- the kernel's links by name, for ifindex lookups (one dump; host.c) */
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
 * nc_change_planned() (planned.c) plans each step, sends the requests in
 * batches (nc_batch_send) and maps the acks back, for the kind's view of
 * the kernel.
 */
/* The kind's view of the kernel begins with its links (struct nc_links),
 * which nc_change_planned() loads before planning. */
/* The bytes of an address of FAMILY (AF_INET or AF_INET6). */
static inline size_t nc_addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

/*
 * The build of the address and route kinds: a step of ops wanting
 * "present" for each VIP of the groups whose anyip is `anyip`, its target
 * made by target(). 0 or -errno.
 */
typedef int (*nc_vip_target)(int family, const void *addr, unsigned char prefixlen,
			     const char *dev, char *buf, size_t len);
struct steplist;
int nc_vip_steps(const struct kind_ctx *ctx, const struct step_ops *ops, bool anyip,
		 nc_vip_target target, struct steplist *out);

/* A step target of the address and route kinds, parsed. */
struct nc_target {
	int family;
	unsigned char prefixlen;
	union netconf_inaddr addr;
	char dev[IF_NAMESIZE];
};

/*
 * The target of s parsed by parse (0 or -EINVAL, t zeroed first), or as a
 * walk of this run parsed it before (netconf_run_begin()). nc may be NULL.
 */
typedef int (*nc_parse_fn)(const char *target, struct nc_target *t);
int nc_target(struct netconf *nc, enum nc_parsed_kind kind, const struct step *s,
	      nc_parse_fn parse, struct nc_target *t);

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
