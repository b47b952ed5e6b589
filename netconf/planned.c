// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planned changes: the change() of a kind whose every step is at most one
 * rtnetlink request (addresses, local routes). Each step is planned, the
 * requests go out in batches, and every ack comes back to its step.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "internal.h"

struct planned {
	struct netconf *nc;
	const struct nc_plan_ops *k;
	void *view;
	struct step *const *v;
	char *plans;
	bool *send; /* the plan is a request */
};

static const void *plan_at(const struct planned *pl, size_t i)
{
	return pl->plans + i * pl->k->plan_size;
}

static bool planned_pending(void *ctx, size_t i)
{
	struct planned *pl = ctx;

	return pl->send[i];
}

static void planned_build(void *ctx, size_t i, void *buf, uint32_t seq)
{
	struct planned *pl = ctx;

	pl->k->build(plan_at(pl, i), buf, seq);
}

static const char *rtm_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_DELADDR:
		return "RTM_DELADDR";
	case RTM_NEWROUTE:
		return "RTM_NEWROUTE";
	case RTM_DELROUTE:
		return "RTM_DELROUTE";
	}
	return "RTM_?";
}

static void plan_describe(const struct nc_plan *p, const struct step *s,
			  char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", rtm_name(p->type), s->target);
}

int nc_plan_link(const struct nc_links *l, struct nc_plan *p,
		 const struct step *s, char *text, size_t len)
{
	p->ifindex = nc_links_ifindex(l, p->t.dev);
	if (p->ifindex)
		return 1;
	plan_describe(p, s, text, len);
	p->type = 0;
	return -ENODEV;
}

static void planned_describe(void *ctx, size_t i, char *buf, size_t len)
{
	struct planned *pl = ctx;

	plan_describe((const struct nc_plan *)plan_at(pl, i), pl->v[i], buf, len);
}

static int planned_reread(void *ctx)
{
	struct planned *pl = ctx;

	return pl->k->reread(pl->nc, pl->view);
}

static bool planned_done(void *ctx, size_t i)
{
	struct planned *pl = ctx;

	return pl->k->done(pl->view, plan_at(pl, i));
}

int nc_change_planned(struct netconf *nc, const struct nc_plan_ops *k,
		      void *view, struct step *const *v, size_t n,
		      enum step_field to, int *res)
{
	_cleanup_free_ char *plans = NULL;
	_cleanup_free_ bool *send = NULL;
	struct nl_batch_ops ops = {
		.pending = planned_pending,
		.build = planned_build,
		.describe = planned_describe,
		.reread = planned_reread,
		.done = planned_done,
		.msg_min = k->msg_min,
	};
	struct planned pl = { .nc = nc, .k = k, .view = view, .v = v };
	struct nl_first_fail first;
	char text[NC_ERR_SIZE];
	int r;

	if (!n)
		return 0;
	nl_first_fail_init(&first);
	for (size_t i = 0; i < n; i++)
		res[i] = 0;

	plans = calloc(n, k->plan_size);
	send = calloc(n, sizeof(*send));
	r = plans && send ? 0 : -ENOMEM;
	/* One link dump for every step's ifindex. */
	if (r == 0)
		r = nc_links_load(nc, view);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			res[i] = r;
		if (r == -ENOMEM)
			netconf_set_error(nc, "out of memory");
		return r;
	}
	pl.plans = plans;
	pl.send = send;

	for (size_t i = 0; i < n; i++) {
		r = k->plan(view, v[i], to, plans + i * k->plan_size, text,
			    sizeof(text));
		if (r < 0) {
			res[i] = r;
			nl_first_fail_note(&first, i, text);
		}
		send[i] = r > 0;
	}
	r = nc_batch_send(nc, &ops, &pl, n, res, &first);
	if (r < 0)
		return r;

	nc_first_fail_done(&first, nc);
	for (size_t i = 0; i < n; i++)
		if (res[i] < 0)
			return res[i];
	return 0;
}
