// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netconf handle: its sockets over the netlink layer (nl.h), the last
 * error's text, the fault switch and stop point, and the requests of
 * netconf/'s kinds. The dumps of links and addresses are in host.c, the
 * planned changes in planned.c, what needs no socket in names.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "internal.h"

/*
 * Room for the acks of one batch (see addr.c). Asked with SO_RCVBUFFORCE
 * (CAP_NET_ADMIN, which any change needs anyway) so net.core.rmem_max does
 * not cap it; the kernel doubles the value for its bookkeeping.
 */
#define NC_RCVBUF (1024 * 1024)

int netconf_open(struct netconf **ret)
{
	struct netconf *nc;
	int r;

	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	r = nl_open(NETLINK_ROUTE, NULL, 0, &nc->rt);
	if (r < 0) {
		free(nc);
		return r;
	}
	(void)nl_set_buffers(nc->rt, NC_RCVBUF);
	*ret = nc;
	return 0;
}

/* One look: the dumps it keeps are host.c's. */
void netconf_snapshot_begin(struct netconf *nc)
{
	netconf_snapshot_end(nc);
	nc->snap = true;
}

void netconf_snapshot_end(struct netconf *nc)
{
	free(nc->snap_links);
	free(nc->snap_addrs);
	nc->snap_links = NULL;
	nc->snap_addrs = NULL;
	nc->n_snap_links = nc->n_snap_addrs = 0;
	nc->have_links = nc->have_addrs = false;
	nc->snap = false;
}

struct netconf *netconf_close(struct netconf *nc)
{
	if (!nc)
		return NULL;
	netconf_snapshot_end(nc);
	nl_close(nc->rt);
	nl_close(nc->nf);
	nl_close(nc->genl);
	free(nc);
	return NULL;
}

int netconf_nl(struct netconf *nc, int protocol, struct nl **ret)
{
	struct nl **slot;
	int r;

	switch (protocol) {
	case NETLINK_ROUTE:
		slot = &nc->rt;
		break;
	case NETLINK_NETFILTER:
		slot = &nc->nf;
		break;
	case NETLINK_GENERIC:
		slot = &nc->genl;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (!*slot) {
		r = nl_open(protocol, NULL, 0, slot);
		if (r < 0) {
			netconf_set_error(nc, "cannot open a netlink socket (%s): %s",
					  protocol == NETLINK_NETFILTER ? "nf_tables" : "generic",
					  strerror(-r));
			return r;
		}
	}
	*ret = *slot;
	return 0;
}

void netconf_set_nft_table_flags(struct netconf *nc, uint32_t flags)
{
	nc->nft_flags = flags;
}

uint32_t netconf_nft_table_flags(const struct netconf *nc)
{
	return nc->nft_flags;
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

/* The socket's text for a failure, as netconf_error()'s. */
int nc_took(struct netconf *nc, int r)
{
	if (r < 0)
		netconf_set_error(nc, "%s", nl_error(nc->rt));
	return r;
}

/* ---- fault injection: the netlink layer's switch, for every module */

void netconf_set_stop(bool (*stop)(void))
{
	nl_set_stop(stop);
}

int netconf_fault_point(struct netconf *nc)
{
	int r = nl_fault_point(nc ? nc->rt : NULL);

	return nc ? nc_took(nc, r) : r;
}

#ifdef LVS_FAULT_INJECTION
void netconf_fault_reset(void)
{
	nl_fault_reset();
}

int netconf_fault_squeeze_rcvbuf(struct netconf *nc, int bytes)
{
	return nl_fault_squeeze_rcvbuf(nc->rt, bytes);
}
#endif

/* ---- requests */

int netconf_talk(struct netconf *nc, struct nlmsghdr *nlh, const char *what)
{
	return nc_took(nc, nl_talk(nc->rt, nlh, NULL, NULL, what));
}

int nc_batch_send(struct netconf *nc, const struct nl_batch_ops *ops,
		  void *ctx, size_t n, int *res, struct nl_first_fail *first)
{
	return nc_took(nc, nl_batch_send(nc->rt, ops, ctx, n, res, first));
}

int nc_dump(struct netconf *nc, struct nlmsghdr *req, nl_cb cb,
	    void (*reset)(void *data), void *data, const char *what)
{
	return nc_took(nc, nl_dump(nc->rt, req, cb, reset, data, what));
}

void nc_first_fail_done(struct nl_first_fail *f, struct netconf *nc)
{
	if (f->idx != SIZE_MAX)
		netconf_set_error(nc, "%s", f->text);
}
