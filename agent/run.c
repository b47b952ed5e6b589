// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan: observe, diff, act. apply, plan, revert, verify and status are
 * walks over the same steps; the kinds' ops tables do the kernel work.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"
#include "../arp/arp.h"
#include "../conf/conf.h"
#include "../netconf/netconf.h"
#include "../tunnel/tunnel.h"

struct action {
	struct step *s;
	enum step_field to;
	int res;
	bool done;
};

static void netconf_closep(struct netconf **nc)
{
	netconf_close(*nc);
}

/* ---- building the desired steps from the config */

static bool has_ipv4_vip(const struct conf *c)
{
	for (size_t g = 0; g < c->n_groups; g++)
		for (size_t i = 0; i < c->groups[g].n_vips; i++)
			if (c->groups[g].vips[i].family == AF_INET)
				return true;
	return false;
}

static bool suppress_sysctl(const struct conf *c)
{
	return c->arp_suppress == CONF_ARP_SYSCTL || c->arp_suppress == CONF_ARP_BOTH;
}

static bool suppress_nft(const struct conf *c)
{
	return c->arp_suppress == CONF_ARP_NFT || c->arp_suppress == CONF_ARP_BOTH;
}

/* The nft steps (arp/nft.c) for the IPv4 VIPs; nc NULL: no rule steps. */
static int nft_steps(const struct conf *c, struct netconf *nc,
		     struct steplist *out, struct report *r)
{
	_cleanup_free_ struct arp_vip *vips = NULL;
	_cleanup_free_ struct step *v = NULL;
	size_t n_vips = 0, total = 0, n = 0;
	int ret;

	for (size_t g = 0; g < c->n_groups; g++)
		total += c->groups[g].n_vips;
	vips = calloc(total + 1, sizeof(*vips));
	if (!vips)
		return -ENOMEM;
	/* anyip prefixes too: the whole prefix answers locally. */
	for (size_t g = 0; g < c->n_groups; g++)
		for (size_t i = 0; i < c->groups[g].n_vips; i++) {
			const struct conf_vip *cv = &c->groups[g].vips[i];

			if (cv->family != AF_INET)
				continue;
			vips[n_vips].addr = cv->addr.v4;
			vips[n_vips++].prefixlen = cv->prefixlen;
		}
	ret = arp_nft_steps(nc, vips, n_vips, c->rip_auto ? NULL : &c->rip, &v, &n);
	if (ret < 0) {
		report_error(r, "arp_suppress = %s: cannot list the interfaces for rip = auto: %s",
			     conf_arp_suppress_name(c->arp_suppress), strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		ret = steplist_add(out, &v[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Whether any mode = tun group on dev has an IPv4 VIP. */
static bool tun_dev_ipv4(const struct conf *c, const char *dev)
{
	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];

		if (grp->mode != CONF_MODE_TUN || strcmp(grp->device, dev) != 0)
			continue;
		for (size_t i = 0; i < grp->n_vips; i++)
			if (grp->vips[i].family == AF_INET)
				return true;
	}
	return false;
}

/*
 * The tunnel steps (tunnel/): each tun device once, up with its rp_filter,
 * and conf/all/rp_filter lowered when above the configured value. nc NULL
 * (check-config): no kernel reads, so no step for conf/all. old: the
 * journal's steps, or NULL.
 */
static int tunnel_steps(const struct conf *c, struct netconf *nc,
			const struct steplist *old, struct steplist *out,
			struct report *r)
{
	bool any_ipv4 = false;
	int ret;

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];
		struct step dev[TUNNEL_DEV_STEPS];
		bool ipv4;
		int n;

		if (grp->mode != CONF_MODE_TUN)
			continue;
		if (steplist_find(out, &tunnel_link_ops, grp->device))
			continue;
		ipv4 = tun_dev_ipv4(c, grp->device);
		any_ipv4 |= ipv4;
		n = tunnel_dev_steps(grp->device, ipv4, c->rp_filter, dev);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			ret = steplist_add(out, &dev[i]);
			if (ret < 0)
				return ret;
		}
	}
	if (any_ipv4 && nc) {
		const struct step *j = old ? steplist_find(old, &netconf_sysctl_ops,
							   TUNNEL_ALL_RP_FILTER) : NULL;
		struct step all;

		ret = tunnel_all_rp_filter_step(c->rp_filter, j ? j->prior : NULL, &all);
		if (ret < 0) {
			report_error(r, "cannot read /proc/sys/%s: %s", TUNNEL_ALL_RP_FILTER,
				     strerror(-ret));
			return ret;
		}
		if (ret > 0)
			return steplist_add(out, &all);
	}
	return 0;
}

static int desired_steps(const struct conf *c, struct netconf *nc,
			 const struct steplist *old, struct steplist *out,
			 struct report *r)
{
	int ret;

	if (has_ipv4_vip(c) && suppress_nft(c)) {
		ret = nft_steps(c, nc, out, r);
		if (ret < 0)
			return ret;
	}
	if (has_ipv4_vip(c) && suppress_sysctl(c)) {
		struct step arp[ARP_SYSCTL_STEPS];
		size_t n = arp_sysctl_steps(c->arp_ignore, c->arp_announce, arp);

		for (size_t i = 0; i < n; i++) {
			ret = steplist_add(out, &arp[i]);
			if (ret < 0)
				return ret;
		}
	}
	ret = tunnel_steps(c, nc, old, out, r);
	if (ret < 0)
		return ret;
	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];

		for (size_t i = 0; i < grp->n_vips; i++) {
			const struct conf_vip *v = &grp->vips[i];
			struct step s = { .ops = &netconf_addr_ops, .order = STEP_ORDER_VIP };

			/* anyip: a local route in table local on the same
			 * device (lo, or the tunnel device), for a VIP or a
			 * whole prefix, instead of an address. */
			if (grp->anyip) {
				s.ops = &netconf_route_ops;
				ret = netconf_route_target(v->family, &v->addr,
							   v->prefixlen, grp->device,
							   s.target, sizeof(s.target));
			} else {
				ret = netconf_addr_target(v->family, &v->addr,
							  v->family == AF_INET ? 32 : 128,
							  grp->device, s.target,
							  sizeof(s.target));
			}
			if (ret < 0)
				return ret;
			snprintf(s.want, sizeof(s.want), NETCONF_PRESENT);
			ret = steplist_add(out, &s);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int load_config(const struct agent_opts *o, struct report *r,
		       struct conf **ret)
{
	struct conf_errors err = { 0 };
	int k;

	k = conf_load(o->config, ret, &err);
	if (k < 0) {
		/* Each problem is its own line, FILE:LINE: first. */
		for (size_t i = 0; i < err.n; i++)
			fprintf(stderr, "%s\n", err.v[i]);
		if (err.n == 0)
			fprintf(stderr, "lvs-rs-agent: %s: %s\n", o->config, strerror(-k));
		report_error(r, "%s", err.n ? err.v[0] : strerror(-k));
		if (err.n > 1)
			report_error(r, "and %zu more configuration errors", err.n - 1);
		conf_errors_done(&err);
		r->error_printed = true;
		return AGENT_EXIT_USAGE;
	}
	conf_errors_done(&err);
	return AGENT_EXIT_OK;
}

/* ---- observing */

/* One observe call per kind over every step of that kind. */
static int observe(struct netconf *nc, struct step *const *v, size_t n)
{
	_cleanup_free_ struct step **group = NULL;
	const struct step_ops *seen[8];
	size_t n_seen = 0;

	if (n == 0)
		return 0;
	group = malloc(n * sizeof(*group));
	if (!group)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct step_ops *ops = v[i]->ops;
		size_t k = 0, j;
		int ret;

		for (j = 0; j < n_seen; j++)
			if (seen[j] == ops)
				break;
		if (j < n_seen)
			continue;
		if (n_seen < ARRAY_SIZE(seen))
			seen[n_seen++] = ops;
		for (j = i; j < n; j++)
			if (v[j]->ops == ops)
				group[k++] = v[j];
		ret = ops->observe(nc, group, k);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int observe_list(struct netconf *nc, struct steplist *l)
{
	_cleanup_free_ struct step **v = NULL;

	if (l->n == 0)
		return 0;
	v = malloc(l->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	return observe(nc, v, l->n);
}

/* ---- acting */

static void describe(const struct step *s, const char *from, const char *to,
		     char *buf, size_t len)
{
	char t[STEP_TARGET_MAX + 16];
	char op = s->ops->sign ? s->ops->sign(from, to) : '~';

	agent_display_target(s, t, sizeof(t));
	if (op == '+')
		snprintf(buf, len, "adding %s %s", s->ops->kind, t);
	else if (op == '-')
		snprintf(buf, len, "removing %s %s", s->ops->kind, t);
	else
		snprintf(buf, len, "setting %s %s from %s to %s", s->ops->kind, t,
			 from, to);
}

static void report_failure(struct netconf *nc, struct report *r,
			   const char *verb, const struct action *a)
{
	char what[256];
	const char *kmsg = netconf_error(nc);

	describe(a->s, a->s->now, step_value(a->s, a->to), what, sizeof(what));
	if (a->res == -EPERM || a->res == -EACCES)
		report_error(r, "%s: %s: %s (the agent needs CAP_NET_ADMIN in this network namespace)",
			     verb, what, strerror(-a->res));
	else if (kmsg && *kmsg)
		report_error(r, "%s: %s: %s (kernel: %s)", verb, what,
			     strerror(-a->res), kmsg);
	else
		report_error(r, "%s: %s: %s", verb, what, strerror(-a->res));
}

/*
 * Run the actions in order, batching consecutive actions of the same kind and
 * direction into one ops->change call. Stops after the first batch with a
 * failure; returns the index of the first failed action, or -1.
 */
static ssize_t execute(struct netconf *nc, struct action *acts, size_t n)
{
	_cleanup_free_ struct step **v = NULL;
	_cleanup_free_ int *res = NULL;

	if (n == 0)
		return -1;
	v = malloc(n * sizeof(*v));
	res = malloc(n * sizeof(*res));
	if (!v || !res) {
		acts[0].res = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i, k = 0;
		ssize_t failed = -1;

		while (j < n && acts[j].s->ops == acts[i].s->ops &&
		       acts[j].to == acts[i].to)
			j++;
		for (size_t x = i; x < j; x++) {
			v[k] = acts[x].s;
			res[k++] = 0;
		}
		acts[i].s->ops->change(nc, v, k, acts[i].to, res);
		for (size_t x = i; x < j; x++) {
			acts[x].res = res[x - i];
			acts[x].done = res[x - i] == 0;
			if (!acts[x].done && failed < 0)
				failed = x;
		}
		if (failed >= 0)
			return failed;
		i = j;
	}
	return -1;
}

/*
 * Whether going back to `to` is a change to make. A per-device value (a
 * sysctl of the tunnel device) that was missing cannot be made missing again
 * while its device stays, and one whose device is gone has nothing left to
 * restore: both are left as they are.
 */
static bool needs_restore(const struct step *s, const char *to)
{
	return strcmp(s->now, to) != 0 && strcmp(to, NETCONF_MISSING) != 0 &&
	       strcmp(s->now, NETCONF_MISSING) != 0;
}

/*
 * Undo the done actions of this run, newest first, back to the values seen at
 * its start. Returns 0, or the number of steps left changed (listed in r).
 */
static int rollback(struct netconf *nc, struct action *acts, size_t n,
		    struct report *r)
{
	_cleanup_free_ struct step **v = NULL;
	_cleanup_free_ struct action *back = NULL;
	size_t k = 0;
	int left = 0;

	v = malloc((n ? n : 1) * sizeof(*v));
	back = malloc((n ? n : 1) * sizeof(*back));
	if (!v || !back)
		return -ENOMEM;
	for (size_t i = n; i-- > 0;)
		if (acts[i].done)
			v[k++] = acts[i].s;
	if (k == 0)
		return 0;
	if (observe(nc, v, k) < 0)
		goto leftover;
	{
		size_t m = 0;

		for (size_t i = 0; i < k; i++)
			if (needs_restore(v[i], v[i]->was))
				back[m++] = (struct action){ .s = v[i], .to = STEP_WAS };
		execute(nc, back, m);
		/* Keep going after a failed batch: undo as much as possible. */
		for (size_t i = 0; i < m; i++)
			if (!back[i].done && back[i].res == 0)
				execute(nc, &back[i], 1);
	}
leftover:
	if (observe(nc, v, k) < 0) {
		report_error(r, "rollback: cannot read the kernel back; left changed, possibly: all %zu steps of this run", k);
		return (int)k;
	}
	for (size_t i = 0; i < k; i++) {
		char t[STEP_TARGET_MAX + 16];

		if (!needs_restore(v[i], v[i]->was))
			continue;
		agent_display_target(v[i], t, sizeof(t));
		report_error(r, "rollback failed: %s %s is left %s (was %s)",
			     v[i]->ops->kind, t, v[i]->now, v[i]->was);
		left++;
	}
	return left;
}

/*
 * Execute, read back, and on any failure roll back. Returns an exit code.
 * `expect` tells which value each action's step must read back as.
 */
static int act(struct netconf *nc, struct report *r, const char *verb,
	       struct action *acts, size_t n)
{
	_cleanup_free_ struct step **v = NULL;
	ssize_t failed;
	int left;

	if (n == 0)
		return AGENT_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		memcpy(acts[i].s->was, acts[i].s->now, sizeof(acts[i].s->was));
	failed = execute(nc, acts, n);
	if (failed < 0) {
		/* Read back: never report success without asking the kernel. */
		v = malloc(n * sizeof(*v));
		if (!v)
			return AGENT_EXIT_RUNTIME;
		for (size_t i = 0; i < n; i++)
			v[i] = acts[i].s;
		if (observe(nc, v, n) < 0) {
			report_error(r, "%s: cannot read the kernel back: %s", verb,
				     netconf_error(nc));
			failed = 0;
		} else {
			for (size_t i = 0; i < n; i++) {
				const char *want = step_value(acts[i].s, acts[i].to);
				char t[STEP_TARGET_MAX + 16];

				if (strcmp(acts[i].s->now, want) == 0)
					continue;
				agent_display_target(acts[i].s, t, sizeof(t));
				report_error(r, "%s: %s %s reads back as %s, not %s",
					     verb, acts[i].s->ops->kind, t,
					     acts[i].s->now, want);
				failed = i;
				break;
			}
		}
		if (failed < 0)
			return AGENT_EXIT_OK;
	} else if (failed >= 0) {
		report_failure(nc, r, verb, &acts[failed]);
	}
	left = rollback(nc, acts, n, r);
	r->changes_undone = true;
	/* The report holds one change per action, in the same order. */
	for (size_t i = 0; i < n && r->n_changes >= n; i++) {
		struct change *c = &r->changes[r->n_changes - n + i];

		c->state = acts[i].done ? CHANGE_UNDONE :
			   acts[i].res ? CHANGE_FAILED : CHANGE_SKIPPED;
	}
	if (left != 0) {
		report_error(r, "%s: the rollback left %d step%s changed (listed above)",
			     verb, left, left == 1 ? "" : "s");
		return AGENT_EXIT_ROLLBACK;
	}
	report_error(r, "%s: every change of this run was rolled back", verb);
	return AGENT_EXIT_RUNTIME;
}

static int record_actions(struct report *r, struct action *acts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int k = report_change(r, acts[i].s, acts[i].s->now,
				      step_value(acts[i].s, acts[i].to));
		if (k < 0)
			return k;
	}
	return 0;
}

static int open_netconf(struct report *r, struct netconf **nc)
{
	int k = netconf_open(nc);

	if (k < 0) {
		report_error(r, "cannot open rtnetlink: %s", strerror(-k));
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

/* Another run held the lock (PID HOLDER, 0 if unknown) for all of --wait. */
static int lock_busy(const struct agent_opts *o, struct report *r, long holder)
{
	if (holder > 0)
		report_error(r, "lock %s.lock is held by PID %ld (another lvs-rs-agent run); "
			     "gave up after %g s (--wait)", o->state, holder, o->wait);
	else
		report_error(r, "lock %s.lock is busy; gave up after %g s (--wait)",
			     o->state, o->wait);
	return AGENT_EXIT_RUNTIME;
}

static int take_lock(const struct agent_opts *o, struct report *r, int *fd)
{
	long holder = 0;
	int k = agent_lock(o->state, o->wait, fd, &holder);

	if (k == -EAGAIN)
		return lock_busy(o, r, holder);
	if (k < 0) {
		char lock[4096], hint[768] = "";

		snprintf(lock, sizeof(lock), "%s.lock", o->state);
		if (k == -EACCES || k == -EPERM)
			agent_owner_hint(lock, "the journal belongs to the service: use "
					 "systemctl stop lvs-rs-agent to revert, systemctl reload "
					 "lvs-rs-agent to apply", hint, sizeof(hint));
		report_error(r, "cannot open lock %s: %s%s%s", lock, strerror(-k),
			     *hint ? ": " : "", hint);
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

static int need_net_admin(const struct agent_opts *o, struct report *r,
			  const char *verb)
{
	if (o->have_net_admin)
		return AGENT_EXIT_OK;
	report_error(r, "%s changes the kernel and needs CAP_NET_ADMIN, which this process lacks "
		     "(run as root, or grant CAP_NET_ADMIN as an ambient capability)", verb);
	return AGENT_EXIT_RUNTIME;
}

/*
 * --keep-on-config-error, for the unit's start and stop: `systemctl
 * restart` runs the stop (revert) and then the start (apply), and systemd
 * tells neither which it is part of. With a present but broken config the
 * server keeps what the last apply made, so a typo never leaves it without
 * its VIPs while the director still sends it traffic; a missing config (the
 * uninstall order) reverts, and with nothing applied (at boot: /run is
 * empty) the start fails as without the option. 1 when kept, else 0.
 */
static int keep_prepared(const struct agent_opts *o, const char *verb)
{
	struct journal j = { 0 };
	char err[512];
	size_t n;

	if (!o->keep_on_config_error || access(o->config, F_OK) < 0)
		return 0;
	if (journal_load(o->state, &j, err, sizeof(err)) < 0)
		return 0;
	n = j.steps.n;
	journal_done(&j);
	if (n == 0)
		return 0;
	fprintf(stderr, "lvs-rs-agent: %s: the config has errors: kept the %zu changes of the last "
		"apply; fix it, then systemctl reload lvs-rs-agent (or remove it to revert)\n",
		verb, n);
	return 1;
}

/* ---- apply and plan */

/* By order class, then by kind, so each kind's actions of a class are
 * consecutive (one change call), then as listed. */
static int cmp_order_asc(const void *a, const void *b)
{
	const struct action *x = a, *y = b;
	int k;

	if (x->s->order != y->s->order)
		return x->s->order - y->s->order;
	k = strcmp(x->s->ops->kind, y->s->ops->kind);
	if (k)
		return k;
	return (x->s > y->s) - (x->s < y->s);
}

static int cmp_order_desc(const void *a, const void *b)
{
	return -cmp_order_asc(a, b);
}

/*
 * Before anything changes: a tunnel device that is absent must be one the
 * kernel can have. Asking for its kind loads the module (the fallback device
 * appears, down, and stays: the one trace a run can leave), or tells that
 * the kernel lacks it; then nothing at all is changed, DR groups included.
 * plan (dry_run) does not ask: it looks for the module on disk and in
 * /sys/module. Returns an exit code; *probed when the kernel was asked.
 */
static int probe_tunnels(const struct conf *c, struct netconf *nc,
			 const struct steplist *all, const bool *stale,
			 bool dry_run, struct report *r, bool *probed)
{
	for (size_t i = 0; i < all->n; i++) {
		const struct step *s = &all->v[i];
		const struct conf_group *grp = NULL;
		int k;

		if (stale[i] || s->ops != &tunnel_link_ops ||
		    strcmp(s->now, NETCONF_ABSENT) != 0 ||
		    !tunnel_fallback_kind(s->target))
			continue;
		for (size_t g = 0; g < c->n_groups && !grp; g++)
			if (c->groups[g].mode == CONF_MODE_TUN &&
			    strcmp(c->groups[g].device, s->target) == 0)
				grp = &c->groups[g];
		if (dry_run) {
			/* Asking the kernel may load a module: plan only looks. */
			struct utsname u;

			k = uname(&u) < 0 ? -errno
					  : tunnel_kernel_has(s->target, "", u.release);
			if (k == 0) {
				report_error(r, "this kernel lacks %s needed by vip \"%s\" mode = tun "
					     "(no such module loaded, built in or installed): apply would fail",
					     tunnel_support_name(s->target), grp ? grp->name : "?");
				return AGENT_EXIT_RUNTIME;
			}
			/* Not known (a list unreadable): apply will ask. */
			continue;
		}
		*probed = true;
		k = tunnel_probe(nc, s->target);
		if (k == -EOPNOTSUPP) {
			report_error(r, "this kernel lacks %s needed by vip \"%s\" mode = tun",
				     tunnel_support_name(s->target), grp ? grp->name : "?");
			return AGENT_EXIT_RUNTIME;
		}
		if (k < 0) {
			report_error(r, "apply: cannot create tunnel device %s: %s (kernel: %s); nothing was changed",
				     s->target, strerror(-k), netconf_error(nc));
			return AGENT_EXIT_RUNTIME;
		}
	}
	return AGENT_EXIT_OK;
}

int agent_apply(const struct agent_opts *o, struct report *r, bool dry_run)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	_cleanup_free_ struct action *acts = NULL;
	_cleanup_free_ bool *stale = NULL, *stale_joined = NULL;
	struct steplist want = { 0 }, all = { 0 };
	struct stepindex oldx = { 0 }, wantx = { 0 };
	struct journal old = { 0 }, next = { 0 };
	const char *verb = dry_run ? "plan" : "apply";
	char err[512];
	size_t n_acts = 0, n_stale = 0;
	int ret, k;

	ret = load_config(o, r, &c);
	if (ret)
		return !dry_run && keep_prepared(o, "apply") ? AGENT_EXIT_OK : ret;
	/* rip = auto: the desired steps depend on the interfaces. */
	ret = open_netconf(r, &nc);
	if (ret)
		goto out;
	if (!dry_run) {
		ret = need_net_admin(o, r, verb);
		if (ret)
			goto out;
		ret = take_lock(o, r, &lock_fd);
		if (ret)
			goto out;
	}
	k = journal_load(o->state, &old, err, sizeof(err));
	if (k < 0) {
		report_error(r, "%s", err);
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	/* After the journal: a value an earlier apply lowered stays wanted. */
	k = desired_steps(c, nc, &old.steps, &want, r);
	if (k < 0) {
		ret = k == -EOPNOTSUPP ? AGENT_EXIT_USAGE : AGENT_EXIT_RUNTIME;
		goto out;
	}

	/* all = the desired steps (with the journal's prior values where the
	 * agent touched them before), then the journal's stale steps. The
	 * desired steps are all's first ones: want hands over its array, and
	 * lookups go through indexes (10,000 VIPs: no copies, no n^2 scans). */
	k = stepindex_build(&oldx, &old.steps);
	if (k < 0)
		goto oom;
	all = want;
	want = (struct steplist){ 0 };
	for (size_t i = 0; i < all.n; i++) {
		const struct step *j = stepindex_find(&oldx, all.v[i].ops,
						      all.v[i].target);

		if (j)
			memcpy(all.v[i].prior, j->prior, sizeof(all.v[i].prior));
	}
	/* wantx: the desired steps only, all.v[0..n) now. */
	k = stepindex_build(&wantx, &all);
	if (k < 0)
		goto oom;
	stale = calloc(all.n + old.steps.n + 1, sizeof(*stale));
	stale_joined = calloc(all.n + old.steps.n + 1, sizeof(*stale_joined));
	if (!stale || !stale_joined)
		goto oom;
	for (size_t i = 0; i < old.steps.n; i++) {
		if (stepindex_find(&wantx, old.steps.v[i].ops, old.steps.v[i].target))
			continue;
		stale[all.n] = true;
		n_stale++;
		k = steplist_add(&all, &old.steps.v[i]);
		if (k < 0)
			goto oom;
	}
	k = observe_list(nc, &all);
	if (k == 0) {
		bool probed = false;

		ret = probe_tunnels(c, nc, &all, stale, dry_run, r, &probed);
		if (ret)
			goto out;
		/* The priors are the kernel's state once the module is in. */
		if (probed)
			k = observe_list(nc, &all);
	}
	/* The config is done with: its memory serves what follows (10,000
	 * VIPs: the report, the actions, the requests). */
	c = conf_free(c);
	if (k < 0) {
		report_error(r, "%s: cannot read the kernel's state: %s (%s)", verb,
			     strerror(-k), netconf_error(nc));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < all.n; i++)
		if (!stale[i] && !stepindex_find(&oldx, all.v[i].ops, all.v[i].target))
			memcpy(all.v[i].prior, all.v[i].now, sizeof(all.v[i].prior));

	/* Order: stale VIPs go first, then everything wanted in ascending order
	 * (suppression before VIPs), stale policy last: no moment with a VIP
	 * and ARP answered for it. */
	acts = calloc(all.n + 1, sizeof(*acts));
	if (!acts)
		goto oom;
	{
		size_t a0 = 0, a1, a2;

		for (size_t i = 0; i < all.n; i++)
			if (stale[i] && all.v[i].order >= STEP_ORDER_VIP &&
			    needs_restore(&all.v[i], all.v[i].prior))
				acts[n_acts++] = (struct action){ &all.v[i], STEP_PRIOR, 0, 0 };
		qsort(acts + a0, n_acts - a0, sizeof(*acts), cmp_order_desc);
		a1 = n_acts;
		for (size_t i = 0; i < all.n; i++)
			if (!stale[i] && strcmp(all.v[i].now, all.v[i].want) != 0)
				acts[n_acts++] = (struct action){ &all.v[i], STEP_WANT, 0, 0 };
		/* A stale part of a whole that stays (an element of the nft
		 * set) goes in the same call as the wanted parts: its `want`
		 * becomes its prior value, and the final journal drops it. */
		for (size_t i = 0; i < all.n; i++)
			if (stale[i] && all.v[i].order < STEP_ORDER_VIP &&
			    all.v[i].ops->transactional &&
			    stepindex_find(&wantx, all.v[i].ops, NULL) &&
			    needs_restore(&all.v[i], all.v[i].prior)) {
				memcpy(all.v[i].want, all.v[i].prior,
				       sizeof(all.v[i].want));
				stale_joined[i] = true;
				acts[n_acts++] = (struct action){ &all.v[i], STEP_WANT, 0, 0 };
			}
		qsort(acts + a1, n_acts - a1, sizeof(*acts), cmp_order_asc);
		a2 = n_acts;
		for (size_t i = 0; i < all.n; i++)
			if (stale[i] && !stale_joined[i] &&
			    all.v[i].order < STEP_ORDER_VIP &&
			    needs_restore(&all.v[i], all.v[i].prior))
				acts[n_acts++] = (struct action){ &all.v[i], STEP_PRIOR, 0, 0 };
		qsort(acts + a2, n_acts - a2, sizeof(*acts), cmp_order_desc);
	}
	stepindex_done(&oldx);
	stepindex_done(&wantx);
	k = record_actions(r, acts, n_acts);
	if (k < 0)
		goto oom;
	if (dry_run) {
		ret = AGENT_EXIT_OK;
		goto out;
	}

	/* Journal first: every step of this run with its prior value, before
	 * the kernel is touched. A crash from here on leaves a journal from
	 * which revert restores the pre-agent state. */
	snprintf(next.config, sizeof(next.config), "%s", o->config);
	next.created = old.created;
	if (n_acts > 0) {
		/* next borrows all's steps for the write (owns none). */
		next.steps = all;
		k = journal_save(o->state, &next);
		next.steps = (struct steplist){ 0 };
		if (k < 0) {
			report_error(r, "%s: cannot write the journal %s: %s; nothing was changed",
				     verb, o->state, strerror(-k));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
	}
	ret = act(nc, r, verb, acts, n_acts);
	if (ret != AGENT_EXIT_OK) {
		/* Put the journal back as it was before this run. */
		if (ret == AGENT_EXIT_RUNTIME) {
			k = old.steps.n ? journal_save(o->state, &old)
					: journal_remove(o->state);
			if (k < 0)
				report_error(r, "cannot restore the journal %s: %s",
					     o->state, strerror(-k));
		}
		goto out;
	}
	/* The final journal: the wanted steps; stale ones are restored. all
	 * keeps them, in place (the actions that point into it are done).
	 * Without stale steps it is the journal written before the changes,
	 * already on disk. */
	if (n_stale) {
		size_t m = 0;

		for (size_t i = 0; i < all.n; i++)
			if (!stale[i])
				all.v[m++] = all.v[i];
		all.n = m;
	}
	if ((n_acts > 0 && n_stale > 0) ||
	    (n_acts == 0 && (all.n != old.steps.n || !old.updated))) {
		next.steps = all;
		k = next.steps.n ? journal_save(o->state, &next)
				 : journal_remove(o->state);
		next.steps = (struct steplist){ 0 };
		if (k < 0) {
			report_error(r, "%s: applied, but cannot write the journal %s: %s",
				     verb, o->state, strerror(-k));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
	}
	ret = AGENT_EXIT_OK;
	goto out;
oom:
	report_error(r, "out of memory");
	ret = AGENT_EXIT_RUNTIME;
out:
	stepindex_done(&oldx);
	stepindex_done(&wantx);
	steplist_done(&want);
	steplist_done(&all);
	journal_done(&old);
	journal_done(&next);
	return ret;
}

/* ---- revert */

int agent_revert(const struct agent_opts *o, struct report *r)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	_cleanup_free_ struct action *acts = NULL;
	struct journal j = { 0 };
	char err[512];
	size_t n_acts = 0;
	int ret, k;

	if (o->keep_on_config_error && access(o->config, F_OK) == 0) {
		_cleanup_(conf_freep) struct conf *c = NULL;

		if (load_config(o, r, &c) != AGENT_EXIT_OK && keep_prepared(o, "revert"))
			return AGENT_EXIT_OK;
	}
	ret = need_net_admin(o, r, "revert");
	if (ret)
		return ret;
	ret = take_lock(o, r, &lock_fd);
	if (ret)
		return ret;
	k = journal_load(o->state, &j, err, sizeof(err));
	if (k < 0) {
		report_error(r, "%s", err);
		return AGENT_EXIT_RUNTIME;
	}
	if (j.steps.n == 0) {
		journal_done(&j);
		return AGENT_EXIT_OK;
	}
	ret = open_netconf(r, &nc);
	if (ret)
		goto out;
	k = observe_list(nc, &j.steps);
	if (k < 0) {
		report_error(r, "revert: cannot read the kernel's state: %s", strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	acts = calloc(j.steps.n, sizeof(*acts));
	if (!acts) {
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < j.steps.n; i++) {
		struct step *s = &j.steps.v[i];

		if (!needs_restore(s, s->prior))
			continue;
		acts[n_acts++] = (struct action){ s, STEP_PRIOR, 0, 0 };
	}
	qsort(acts, n_acts, sizeof(*acts), cmp_order_desc);
	if (record_actions(r, acts, n_acts) < 0) {
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	ret = act(nc, r, "revert", acts, n_acts);
	if (ret != AGENT_EXIT_OK)
		goto out;
	k = journal_remove(o->state);
	if (k < 0) {
		report_error(r, "revert: done, but cannot remove the journal %s: %s",
			     o->state, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	journal_done(&j);
	return ret;
}

/* ---- verify and status */

static void step_checks(struct steplist *l, struct report *r)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct step *s = &l->v[i];
		char target[STEP_TARGET_MAX + 16], why[320] = "";
		bool ok = strcmp(s->now, s->want) == 0;

		agent_display_target(s, target, sizeof(target));
		if (!ok && s->ops->explain)
			s->ops->explain(s, why, sizeof(why));
		else if (!ok)
			snprintf(why, sizeof(why), "apply sets it to %s; the effective checks tell what breaks",
				 s->want);
		checklist_add(&r->checks, ok, s->ops->kind, target, s->want, s->now, NULL,
			      ok ? NULL : "%s", why);
	}
}

static void collect_vip_devs(const struct conf *c, const char **devs, size_t *n,
			     size_t max)
{
	*n = 0;
	for (size_t g = 0; g < c->n_groups; g++) {
		size_t i;

		for (i = 0; i < *n; i++)
			if (strcmp(devs[i], c->groups[g].device) == 0)
				break;
		if (i == *n && *n < max)
			devs[(*n)++] = c->groups[g].device;
	}
}

/*
 * verify's checks: the config's steps against the kernel, then the effective
 * values (the ARP policy on every interface holding IPv4, the rp_filter of
 * the tunnel devices). Returns an exit code; a failed check is not an error.
 */
static int config_checks(const struct conf *c, struct netconf *nc,
			 struct report *r, const char *verb)
{
	struct steplist want = { 0 };
	int ret = AGENT_EXIT_OK, k;

	k = desired_steps(c, nc, NULL, &want, r);
	if (k < 0) {
		ret = k == -EOPNOTSUPP ? AGENT_EXIT_USAGE : AGENT_EXIT_RUNTIME;
		goto out;
	}
	k = observe_list(nc, &want);
	if (k < 0) {
		report_error(r, "%s: cannot read the kernel's state: %s", verb, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	step_checks(&want, r);
	if (has_ipv4_vip(c)) {
		const char *devs[64];
		size_t n_devs;

		if (suppress_sysctl(c)) {
			collect_vip_devs(c, devs, &n_devs, ARRAY_SIZE(devs));
			k = arp_check_sysctl(nc, c->arp_ignore, c->arp_announce,
					     devs, n_devs, &r->checks);
			if (k < 0) {
				report_error(r, "%s: cannot read the ARP policy: %s",
					     verb, strerror(-k));
				ret = AGENT_EXIT_RUNTIME;
				goto out;
			}
		} else if (c->arp_suppress == CONF_ARP_NONE) {
			checklist_add(&r->checks, true, "arp_suppress", NULL, "none", "none", NULL,
				      "the agent suppresses no ARP: unless something else does, the "
				      "IPv4 VIPs are answered in ARP and clients may bypass the director");
			r->checks.v[r->checks.n - 1].warn = true;
		}
	}
	{
		const char *devs[64];
		size_t n_devs = 0;

		for (size_t i = 0; i < want.n && n_devs < ARRAY_SIZE(devs); i++)
			if (want.v[i].ops == &tunnel_link_ops)
				devs[n_devs++] = want.v[i].target;
		k = tunnel_check(nc, devs, n_devs, c->rp_filter, &r->checks);
		if (k < 0) {
			report_error(r, "%s: cannot read the rp_filter policy: %s",
				     verb, strerror(-k));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
	}
out:
	steplist_done(&want);
	return ret;
}

int agent_verify(const struct agent_opts *o, struct report *r)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	int ret;

	ret = load_config(o, r, &c);
	if (ret)
		return ret;
	ret = open_netconf(r, &nc);
	if (ret)
		return ret;
	ret = config_checks(c, nc, r, "verify");
	if (ret)
		return ret;
	return checklist_failed(&r->checks) ? AGENT_EXIT_CHECK : AGENT_EXIT_OK;
}

int agent_revert_plan(const struct steplist *l, const struct step **v, size_t *n)
{
	_cleanup_free_ struct action *acts = calloc(l->n ? l->n : 1, sizeof(*acts));
	size_t k = 0;

	*n = 0;
	if (!acts)
		return -ENOMEM;
	/* The same choice and order as agent_revert's. */
	for (size_t i = 0; i < l->n; i++)
		if (needs_restore(&l->v[i], l->v[i].prior))
			acts[k++] = (struct action){ &l->v[i], STEP_PRIOR, 0, 0 };
	qsort(acts, k, sizeof(*acts), cmp_order_desc);
	for (size_t i = 0; i < k; i++)
		v[i] = acts[i].s;
	*n = k;
	return 0;
}

/*
 * Which journal steps verify's checks covered already: the checks sorted
 * once by kind and target, then a binary search per step. A scan of the
 * checks per step was n^2 (10,000 VIPs: up to 10^8 string compares, most of
 * status's time).
 */
struct subjects {
	const struct check **v;
	size_t n;
};

static int cmp_subject(const void *a, const void *b)
{
	const struct check *x = *(const struct check *const *)a;
	const struct check *y = *(const struct check *const *)b;
	int k = strcmp(x->kind, y->kind);

	return k ? k : strcmp(x->target, y->target);
}

/* The checks stay the checklist's: only pointers to them are kept, and
 * the checklist does not grow while they are used. */
static int subjects_of(const struct checklist *l, struct subjects *x)
{
	x->n = 0;
	x->v = calloc(l->n ? l->n : 1, sizeof(*x->v));
	if (!x->v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		x->v[i] = &l->v[i];
	x->n = l->n;
	qsort(x->v, x->n, sizeof(*x->v), cmp_subject);
	return 0;
}

static bool checked(const struct subjects *x, const char *kind, const char *target)
{
	struct check key = { .kind = kind, .target = target };
	const struct check *k = &key;

	return bsearch(&k, x->v, x->n, sizeof(*x->v), cmp_subject);
}

static bool same_file(const char *a, const char *b)
{
	_cleanup_free_ char *ra = realpath(a, NULL), *rb = realpath(b, NULL);

	if (ra && rb)
		return strcmp(ra, rb) == 0;
	return strcmp(a, b) == 0;
}

int agent_status(const struct agent_opts *o, struct report *r, struct journal *j)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct conf_errors cerr = { 0 };
	struct steplist rest = { 0 };
	struct subjects done = { 0 };
	char err[512], hint[512];
	long holder = 0;
	int k, ret;

	/*
	 * A shared lock on a read-only descriptor: apply writes the journal
	 * before it changes the kernel, so a status in the middle of an apply
	 * would report the steps in flight as failures; with the lock it waits
	 * for the apply to end. It needs no write access to the lock file, which
	 * the service's DynamicUser owns. Without a readable lock file (none
	 * yet, or one written 0600 by an older version) status goes on unlocked:
	 * the journal is replaced atomically, so it still reads a whole one.
	 */
	k = agent_lock_shared(o->state, o->wait, &lock_fd, &holder);
	if (k == -EAGAIN)
		return lock_busy(o, r, holder);

	k = journal_load(o->state, j, err, sizeof(err));
	if (k < 0) {
		hint[0] = '\0';
		if (k == -EACCES || k == -EPERM)
			agent_owner_hint(o->state, "it is the service's journal, left private by an "
					 "older unit or agent: make it readable (chmod 0755 on its "
					 "directory, 0644 on the journal), as this version's unit "
					 "(RuntimeDirectoryMode=0755) and agent do", hint, sizeof(hint));
		report_error(r, "%s%s%s", err, *hint ? ": " : "", hint);
		return AGENT_EXIT_RUNTIME;
	}
	r->journal = j;
	ret = open_netconf(r, &nc);
	if (ret)
		return ret;
	k = observe_list(nc, &j->steps);
	if (k < 0) {
		report_error(r, "status: cannot read the kernel's state: %s", strerror(-k));
		return AGENT_EXIT_RUNTIME;
	}

	/* The live checks as verify makes them, when the config can be read;
	 * status needs only the journal, so a missing or broken config is told
	 * (a warning) and leaves the checks of the journal's own steps. */
	k = conf_load(o->config, &c, &cerr);
	if (k < 0) {
		const char *why = cerr.n ? cerr.v[0] : strerror(-k);
		size_t n = strlen(o->config);

		/* "FILE: No such file...": the subject names FILE already. */
		if (strncmp(why, o->config, n) == 0 && strncmp(why + n, ": ", 2) == 0)
			why += n + 2;
		checklist_add(&r->checks, true, "config", o->config, "usable", "unusable", NULL,
			      "%s: status checks only the journal's steps (verify's checks need the config)",
			      why);
		r->checks.v[r->checks.n - 1].warn = true;
	} else {
		if (j->steps.n && j->config[0] && !same_file(j->config, o->config)) {
			checklist_add(&r->checks, true, "config", o->config, "the last apply's",
				      "another", NULL,
				      "the last apply used %s; the checks below are against %s",
				      j->config, o->config);
			r->checks.v[r->checks.n - 1].warn = true;
		}
		ret = config_checks(c, nc, r, "status");
	}
	conf_errors_done(&cerr);
	if (ret)
		return ret;

	/* Then each journal step verify did not already check (a VIP dropped
	 * from the config but not yet by an apply, a config that is gone). */
	if (subjects_of(&r->checks, &done) < 0) {
		report_error(r, "status: %s", strerror(ENOMEM));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];
		char target[STEP_TARGET_MAX + 16];

		agent_display_target(s, target, sizeof(target));
		if (!checked(&done, s->ops->kind, target) && steplist_add(&rest, s) < 0) {
			free(done.v);
			steplist_done(&rest);
			report_error(r, "status: %s", strerror(ENOMEM));
			return AGENT_EXIT_RUNTIME;
		}
	}
	free(done.v);
	step_checks(&rest, r);
	steplist_done(&rest);
	return checklist_failed(&r->checks) ? AGENT_EXIT_CHECK : AGENT_EXIT_OK;
}

int agent_check_config(const struct agent_opts *o, struct report *r)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct steplist want = { 0 };
	size_t vips = 0;
	int ret;

	ret = load_config(o, r, &c);
	if (ret)
		return ret;
	/* No kernel access: without the interfaces, no per-interface rules. */
	if (desired_steps(c, NULL, NULL, &want, r) < 0) {
		steplist_done(&want);
		return AGENT_EXIT_USAGE;
	}
	for (size_t g = 0; g < c->n_groups; g++)
		vips += c->groups[g].n_vips;
	if (!o->json)
		printf("%s: OK: %zu group%s, %zu VIP%s, arp_suppress = %s\n", o->config,
		       c->n_groups, c->n_groups == 1 ? "" : "s", vips,
		       vips == 1 ? "" : "s", conf_arp_suppress_name(c->arp_suppress));
	steplist_done(&want);
	return AGENT_EXIT_OK;
}
