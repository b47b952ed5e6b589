// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf, ppoll */
/*
 * watch: apply, then keep the server prepared. The kernel's notifications
 * of the agent's objects start a reconcile (the same engine as apply; the
 * journal's priors stay those from before the first apply); the sysctls
 * that raise no notification are polled; a full reconcile runs
 * periodically and after lost notifications. Each repair is logged with the
 * process that had undone the object. An object undone again and again is
 * contested (repairs.c) and left alone for a back-off.
 */
#include "watch-internal.h"

/* ---- the reconcile */

static bool held(const struct step *s, void *data)
{
	const struct watch *w = data;
	char target[STEP_TARGET_MAX];

	step_display(s, target, sizeof(target));
	return repairs_held(w->rep, s->ops->kind, target, now_s());
}

/* The notification that names the object of change c, else the first. */
static const struct pending *cause_of(const struct watch *w, const struct change *c,
				      bool *exact)
{
	for (size_t i = 0; i < w->n_pend; i++)
		if (STREQ(w->pend[i].kind, c->ops->kind) && STREQ(w->pend[i].target, c->target)) {
			*exact = true;
			return &w->pend[i];
		}
	*exact = false;
	/* The table's parts went with the table. */
	for (size_t i = 0; i < w->n_pend; i++)
		if (STREQ(w->pend[i].kind, c->ops->kind)) {
			*exact = c->ops->nft_table != NULL;
			return &w->pend[i];
		}
	return w->n_pend ? &w->pend[0] : NULL;
}

static void write_status(struct watch *w)
{
	double now = now_s();
	size_t n = repairs_contested(w->rep, now);
	int k;

	k = repairs_write_state(w->rep, w->watch_path, now);
	if (k < 0)
		say("watch: cannot write %s: %s", w->watch_path, agent_file_strerror(k));
	if (w->o->prom) {
		k = repairs_write_prom(w->rep, w->o->prom, now);
		if (k < 0)
			say("watch: cannot write the metrics file %s: %s", w->o->prom,
			    agent_file_strerror(k));
	}
	if (n)
		agent_notify("STATUS=watching; %zu object%s contested", n, n == 1 ? "" : "s");
	else
		agent_notify("STATUS=watching");
}

/*
 * The change that stands for c's whole when c's kind is one (the nft table:
 * its parts are made again in one transaction, one repair): the one of the
 * whole's notified object, else the first; NULL when one of the whole's
 * changes before c stood for it already.
 */
static const struct change *whole_of(const struct watch *w, const struct report *r, size_t i)
{
	const struct change *c = &r->changes[i], *first = NULL;

	if (!c->ops->transactional)
		return c;
	for (size_t k = 0; k < r->n_changes; k++) {
		const struct change *o = &r->changes[k];

		if (o->ops != c->ops || o->state != CHANGE_DONE)
			continue;
		if (!first)
			first = o;
		for (size_t j = 0; j < w->n_pend; j++)
			if (STREQ(w->pend[j].kind, o->ops->kind) && STREQ(w->pend[j].target, o->target))
				return k == i ? c : NULL;
	}
	return first == c ? c : NULL;
}

/* Each repair the reconcile made, as one line with its cause. */
static void log_repairs(struct watch *w, const struct report *r, int64_t end)
{
	bool noted = false;

	for (size_t i = 0; i < r->n_changes; i++) {
		const struct change *c = &r->changes[i];
		const struct pending *p;
		char what[64], who[ATTRIB_MAX + STEP_TARGET_MAX + 32];
		double ms, backoff;
		bool exact;

		if (c->state != CHANGE_DONE || whole_of(w, r, i) != c)
			continue;
		p = cause_of(w, c, &exact);
		if (c->op == '+')
			snprintf(what, sizeof(what), "removed");
		else if (c->op == '-')
			snprintf(what, sizeof(what), "added");
		else
			snprintf(what, sizeof(what), "set to %s", c->from);
		if (p && exact)
			snprintf(who, sizeof(who), "%s", p->who);
		else if (p)
			snprintf(who, sizeof(who), "%s (with %s %s %s)", p->who, p->kind, p->target,
				 p->removed ? "removed" : "changed");
		else
			snprintf(who, sizeof(who), "an unknown process (%s)", w->why);
		ms = ((p ? end - p->t_us : end - w->first_us)) / 1000.0;
		say("%s %s %s by %s, restored in %.1f ms", c->ops->kind, c->target, what, who, ms);
		backoff = repairs_note(w->rep, c->ops->kind, c->target, what, who, ms, now_s());
		if (backoff > 0)
			say("%s %s is contested: repaired %u times within %d s, last undone by %s; "
			    "left as it is for %.0f s, then tried again", c->ops->kind, c->target,
			    w->o->budget, REPAIR_WINDOW_S, who, backoff);
		noted = true;
	}
	if (noted)
		write_status(w);
}

/* The kernel's own notifications of what the reconcile r just changed. */
static void drop_echoes(struct watch *w, const struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n_pend; i++) {
		const struct pending *p = &w->pend[i];
		bool echo = false;

		if (STREQ(p->who, "the kernel") || STREQ(p->who, "a write to /proc/sys"))
			for (size_t k = 0; k < r->n_changes && !echo; k++)
				echo = STREQ(r->changes[k].target, p->target);
		if (!echo)
			w->pend[n++] = *p;
	}
	w->n_pend = n;
}

/* Whether s is in v[0..n). */
static bool listed(struct step *const *v, size_t n, const struct step *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == s)
			return true;
	return false;
}

/* An address or route the kernel has just said is gone: the notification
 * is its observation, the kernel's acknowledgement of its return the
 * read-back. */
static bool trusted(const struct pending *p, const struct step *s)
{
	return p->removed && !s->ops->transactional &&
	       (STREQ(p->kind, "address") || STREQ(p->kind, "route"));
}

/*
 * The notified objects, each made again as the journal wants it: the last
 * reconcile's steps, priors and order, so the journal stays as it is on
 * disk and is not written. No build and no dump of every address: an
 * object trusted() is taken as gone, the others (a sysctl, the nft table
 * as one whole) are observed alone. 0 when every notification is repaired
 * (or needs nothing); -EAGAIN when one asks for the full reconcile (a
 * link, an object the journal does not hold) or a change failed (the
 * report says which); -ENOMEM.
 */
static int repair_notified(struct watch *w, struct report *r)
{
	_cleanup_free_ struct step **obs = malloc((w->j.steps.n + 1) * sizeof(*obs));
	_cleanup_free_ struct action *acts = malloc((w->j.steps.n + 1) * sizeof(*acts));
	struct step *acked[PENDING_MAX];
	size_t n_obs = 0, n_acked = 0, n = 0;

	if (!obs || !acts)
		return -ENOMEM;
	if (w->resync || w->why || !w->n_pend)
		return -EAGAIN;
	for (size_t i = 0; i < w->n_pend; i++) {
		const struct pending *p = &w->pend[i];
		const struct step_ops *ops = kinds_lookup(p->kind, p->raw);
		struct step *s = ops && !STREQ(p->kind, "link") ?
				 stepindex_find(&w->jx, ops, p->raw) : NULL;

		if (!s)
			return -EAGAIN;
		if (trusted(p, s)) {
			if (!listed(acked, n_acked, s)) {
				snprintf(s->now, sizeof(s->now), STEP_ABSENT);
				acked[n_acked++] = s;
			}
		} else if (s->ops->transactional) {
			/* The whole: each of its parts may be what went. */
			for (size_t k = 0; k < w->j.steps.n; k++)
				if (w->j.steps.v[k].ops == s->ops &&
				    !listed(obs, n_obs, &w->j.steps.v[k]))
					obs[n_obs++] = &w->j.steps.v[k];
		} else if (!listed(obs, n_obs, s)) {
			obs[n_obs++] = s;
		}
	}
	if (act_observe(w->nc, obs, n_obs, &w->j.steps) < 0)
		return -EAGAIN;
	/* Observed ones first, in the steps' order: ARP suppression and the
	 * devices before any VIP (the acked ones are VIPs). */
	for (int pass = 0; pass < 2; pass++) {
		struct step *const *v = pass ? acked : obs;
		size_t m = pass ? n_acked : n_obs, first = n;
		int ret;

		for (size_t i = 0; i < m; i++)
			if (!step_same(v[i], v[i]->now, v[i]->want) && !held(v[i], w))
				acts[n++] = (struct action){ .s = v[i], .to = STEP_WANT };
		if (n == first)
			continue;
		for (size_t i = first + 1; i < n; i++)
			for (size_t k = i; k > first && acts[k - 1].s->order > acts[k].s->order; k--) {
				struct action t = acts[k];

				acts[k] = acts[k - 1];
				acts[k - 1] = t;
			}
		if (act_record(r, acts + first, n - first) < 0)
			return -ENOMEM;
		ret = act_acked(w->nc, r, "repair", acts + first, n - first, &w->j.steps, pass);
		if (ret != AGENT_EXIT_OK)
			return -EAGAIN;
	}
	return 0;
}

/* repair: a change is a repair (logged with its cause); else an apply of
 * the config (the first, a reload), its changes printed as apply's. */
static int reconcile(struct watch *w, struct report *r, bool repair)
{
	int64_t start = now_us();
	bool whole = true;
	int ret = AGENT_EXIT_OK;

	if (!w->n_pend)
		w->first_us = start;
	report_reset(r);
	agent_stop_again();
	/* The full reconcile as the safety net: for what the notified
	 * objects alone cannot repair, and after a failed repair. */
	if (repair && repair_notified(w, r) == 0)
		whole = false;
	if (whole) {
		/* The journal as read last, while it is the file on disk: a
		 * full reconcile of 10,000 VIPs spends half its time reading
		 * it. */
		w->e.kept = w->j.found && watch_kept_current(w) ? &w->j : NULL;
		ret = engine_reconcile(&w->e, r);
		w->e.kept = NULL;
	}
	if (repair)
		log_repairs(w, r, now_us());
	else
		report_print(r);
	if (ret != AGENT_EXIT_OK) {
		report_print_errors(r);
		r->error_printed = true;
		if (repair)
			say("watch: the repair failed (exit %d): tried again at the next "
			    "notification or check", ret);
	}
	if (whole && (!w->j.found || !watch_kept_current(w)))
		(void)watch_load_kept(w, r);
	w->n_pend = 0;
	w->due_us = 0;
	w->resync = false;
	w->why = NULL;
	/* The kernel's own notifications of the agent's changes (a sysctl
	 * written, an address's route) are no drift: read them now. */
	watch_read_events(w);
	drop_echoes(w, r);
	if (!w->n_pend && !w->resync)
		w->due_us = 0;
	return ret;
}

/* The sysctls that raise no notification: whether one differs. */
static bool poll_differs(struct watch *w)
{
	if (!w->polled.n || act_observe_list(w->nc, &w->polled) < 0)
		return false;
	for (size_t i = 0; i < w->polled.n; i++) {
		const struct step *s = &w->polled.v[i];

		if (!step_same(s, s->now, s->want) && !held(s, w))
			return true;
	}
	return false;
}

/*
 * Where the kernel keeps an owned table after its owner ends (Linux 6.9,
 * NFT_TABLE_F_PERSIST), the watch owns the table arp lvs_rs_agent: `flush
 * ruleset` skips it, another process cannot delete it, and a watch killed
 * leaves it to the next one. A table owned without that would die with
 * the watch: before 6.9 it is made as apply makes it, and repaired.
 */
static void own_probe(struct watch *w)
{
	int k;

	if (w->probed || !arp_suppresses(w->conf, true))
		return;
	w->probed = true;
	k = arp_nft_probe_own(w->nc);
	if (k < 1)
		say("watch: this kernel keeps no nf_tables table past its owner (%s): the table "
		    "arp %s stays unowned and is repaired when deleted",
		    k == 0 ? "NFT_TABLE_F_PERSIST is Linux 6.9's" : netconf_error(w->nc), ARP_NFT_TABLE);
}

/* After a reconcile: the table the watch's own, when it was made before. */
static void own_table(struct watch *w)
{
	int k = arp_nft_own(w->nc);

	if (k == 1)
		say("watch: took over the table arp %s: flush ruleset leaves it, and it stays "
		    "when the watch is killed", ARP_NFT_TABLE);
	else if (k < 0)
		say("watch: cannot take over the table arp %s (repaired when deleted): %s",
		    ARP_NFT_TABLE, netconf_error(w->nc));
}

/* SIGHUP: the edited config, applied; a broken one keeps the old. */
static void reload(struct watch *w, struct report *r)
{
	struct conf *c = NULL;

	report_reset(r);
	if (agent_load_config(w->o, r, &c) != AGENT_EXIT_OK) {
		report_print_errors(r);
		say("watch: %s has errors: kept the config loaded before (fix it, then "
		    "reload again)", w->o->config);
		return;
	}
	conf_free(w->conf);
	w->conf = c;
	w->e.conf = c;
	say("watch: reloaded %s", w->o->config);
	own_probe(w);
	reconcile(w, r, false);
	own_table(w);
}

/* ---- the loop */

struct timers {
	int64_t poll_us, full_us, ping_us;
	int64_t interval_us, ping_every_us;
};

static int64_t earliest(const struct watch *w, const struct timers *t)
{
	int64_t next = t->full_us;
	double retry = repairs_next_retry(w->rep, now_s());

	if (w->due_us && w->due_us < next)
		next = w->due_us;
	if (t->poll_us && t->poll_us < next)
		next = t->poll_us;
	if (t->ping_us && t->ping_us < next)
		next = t->ping_us;
	if (retry > 0 && (int64_t)(retry * 1e6) + 1000 < next)
		next = (int64_t)(retry * 1e6) + 1000;
	if (w->resync)
		next = 0;
	return next;
}

/* Wait for a notification, a timer or a signal. */
static void wait_once(struct watch *w, const struct timers *t, const sigset_t *unblocked)
{
	struct pollfd p[NETCONF_EV_SOCKETS];
	int64_t left = earliest(w, t) - now_us();
	struct timespec ts;
	nfds_t n = 0;

	if (left < 0)
		left = 0;
	ts.tv_sec = left / 1000000;
	ts.tv_nsec = (left % 1000000) * 1000;
	for (int i = 0; i < NETCONF_EV_SOCKETS; i++)
		if (netconf_events_fd(w->ev, i) >= 0)
			p[n++] = (struct pollfd){ .fd = netconf_events_fd(w->ev, i), .events = POLLIN };
	if (ppoll(p, n, &ts, unblocked) > 0) {
		watch_read_events(w);
		if (watch_all_quick(w))
			w->due_us = now_us();
	}
}

static void loop(struct watch *w, struct report *r)
{
	sigset_t block, unblocked;
	uint64_t wd = agent_watchdog_usec();
	struct timers t = {
		.interval_us = (int64_t)(w->o->interval * 1e6),
		.ping_every_us = (int64_t)(wd / 2),
	};
	double retry_at = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	t.poll_us = now_us() + t.interval_us;
	t.full_us = now_us() + (int64_t)FULL_EVERY_S * 1000000;
	t.ping_us = wd ? now_us() + t.ping_every_us : 0;
	for (;;) {
		int64_t now;
		double retry;

		/* A signal comes either before this check or during ppoll,
		 * which it ends: never in between, unseen. */
		sigprocmask(SIG_BLOCK, &block, &unblocked);
		if (agent_interrupted()) {
			sigprocmask(SIG_SETMASK, &unblocked, NULL);
			return;
		}
		if (agent_take_hangup()) {
			sigprocmask(SIG_SETMASK, &unblocked, NULL);
			reload(w, r);
			continue;
		}
		wait_once(w, &t, &unblocked);
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		if (agent_interrupted())
			return;
		now = now_us();
		if (t.ping_us && now >= t.ping_us) {
			agent_notify("WATCHDOG=1");
			t.ping_us = now + t.ping_every_us;
		}
		retry = repairs_next_retry(w->rep, now / 1e6);
		if (retry_at > 0 && (retry == 0 || retry > retry_at) && now / 1e6 >= retry_at) {
			/* A back-off ended: the object is tried again. */
			w->why = "tried again after its back-off";
			retry_at = 0;
			reconcile(w, r, true);
			write_status(w);
		}
		if (w->resync) {
			int64_t t0 = now_us();

			w->why = "after lost notifications";
			reconcile(w, r, true);
			say("watch: read the kernel whole in %.1f ms", (now_us() - t0) / 1000.0);
		} else if (w->due_us && now >= w->due_us) {
			reconcile(w, r, true);
		} else if (now >= t.full_us) {
			w->why = "found by the periodic check";
			reconcile(w, r, true);
			t.full_us = now + (int64_t)FULL_EVERY_S * 1000000;
		}
		if (t.poll_us && now >= t.poll_us) {
			if (poll_differs(w)) {
				w->why = "found by the poll of the sysctls";
				reconcile(w, r, true);
			}
			t.poll_us = now_us() + t.interval_us;
		}
		retry = repairs_next_retry(w->rep, now_s());
		if (retry > 0)
			retry_at = retry;
	}
}

/* The stop with --keep-on-config-error: whether the config on disk is
 * present but broken (its errors said), so that what is applied stays. */
static bool stop_keeps(const struct agent_opts *o, struct report *r)
{
	struct conf *c = NULL;
	bool keep;

	if (!o->keep_on_config_error || access(o->config, F_OK) < 0)
		return false;
	r->command = "revert";
	keep = agent_load_config(o, r, &c) != AGENT_EXIT_OK && agent_keep_prepared(o, r, "watch");
	conf_free(c);
	if (keep)
		report_print_errors(r);
	return keep;
}

int agent_watch(const struct agent_opts *o, struct report *r)
{
	struct watch w = { .o = o };
	_cleanup_close_ int lock_fd = -1;
	struct nl *rt;
	int ret, k;

	ret = agent_load_config(o, r, &w.conf);
	if (ret && agent_keep_prepared(o, r, "watch")) {
		/* Prepared, not watched: the unit's start succeeds, and ends. */
		agent_notify("READY=1\nSTATUS=the config has errors: kept the last apply, not watching");
		return AGENT_EXIT_OK;
	}
	if (ret == AGENT_EXIT_OK)
		ret = agent_open_netconf(r, &w.nc);
	if (ret == AGENT_EXIT_OK)
		ret = agent_need_net_admin(o, r, "watch");
	if (ret == AGENT_EXIT_OK)
		ret = agent_take_lock(o, r, &lock_fd);
	if (ret)
		goto out;
	(void)agent_lock_mark_watch(lock_fd);
	w.rep = repairs_new(o->backoff, o->budget);
	if (!w.rep || asprintf(&w.watch_path, "%s.watch", o->state) < 0) {
		w.watch_path = NULL;
		report_error(r, "out of memory");
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	/* Listening before the first apply: nothing undone after it is missed. */
	k = netconf_events_open(EVENTS_RCVBUF, &w.ev);
	if (k == 0)
		k = netconf_nl(w.nc, NETLINK_ROUTE, &rt);
	if (k < 0) {
		report_error(r, "watch: cannot listen to the kernel's notifications: %s",
			     strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	w.own_port = nl_portid(rt);
	w.e = (struct engine){
		.nc = w.nc, .conf = w.conf, .config = o->config, .state = o->state,
		.hold = held, .hold_data = &w,
	};

	r->command = "apply";
	own_probe(&w);
	ret = reconcile(&w, r, false);
	if (ret)
		goto out;
	own_table(&w);
	ret = watch_load_kept(&w, r);
	if (ret)
		goto out;
	write_status(&w);
	say("watch: keeping %zu steps of %s prepared", w.j.steps.n, o->config);
	agent_notify("READY=1\nSTATUS=watching");

	loop(&w, r);

	/* SIGTERM, SIGINT: revert exactly, as the oneshot unit's stop; with
	 * --keep-on-config-error and the config now broken (a restart after
	 * an edit), keep the server prepared. */
	agent_notify("STOPPING=1");
	agent_stop_no_more();
	report_reset(r);
	(void)unlink(w.watch_path);
	if (stop_keeps(o, r)) {
		say("watch: %s: kept as it is", agent_signal_name(agent_interrupted()));
		ret = AGENT_EXIT_OK;
		goto out;
	}
	say("watch: %s: reverting", agent_signal_name(agent_interrupted()));
	report_reset(r);
	r->command = "revert";
	r->error_printed = false;
	ret = revert_run(w.nc, o->state, false, r);
out:
	stepindex_done(&w.jx);
	steplist_done(&w.polled);
	journal_done(&w.j);
	netconf_events_close(w.ev);
	netconf_close(w.nc);
	conf_free(w.conf);
	repairs_free(w.rep);
	free(w.watch_path);
	return ret;
}
