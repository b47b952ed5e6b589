// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
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
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "kinds.h"
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

/*
 * The steps the config asks, each kind's in the registry's order. old: the
 * journal's steps, or NULL; nc NULL: without kernel access (check-config).
 * 0, or -errno with the reason reported (-EOPNOTSUPP: the config cannot be
 * served as written).
 */
static int desired_steps(const struct conf *c, struct netconf *nc,
			 const struct steplist *old, const char *verb,
			 struct steplist *out, struct report *r)
{
	char err[512] = "";
	struct kind_ctx ctx = {
		.conf = c, .nc = nc, .journal = old, .verb = verb,
		.err = err, .errlen = sizeof(err),
	};
	const struct step_ops *ops;

	for (size_t i = 0; (ops = kinds_at(i)); i++) {
		int k = ops->build ? ops->build(&ctx, out) : 0;

		if (k < 0) {
			if (err[0])
				report_error(r, "%s", err);
			else
				report_error(r, "%s: %s steps: %s", verb, ops->kind, strerror(-k));
			return k;
		}
	}
	return 0;
}

/* Configuration errors, one "FILE:LINE: message" each: every line to
 * stderr, the first (with hint after it, and how many more) in the report.
 * Exit code 2. */
static int config_errors(struct report *r, char *const *v, size_t n,
			 size_t more, const char *hint)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s\n", v[i], i ? "" : hint);
	report_error(r, "%s%s", v[0], hint);
	if (n + more > 1)
		report_error(r, "and %zu more configuration errors", n + more - 1);
	r->error_printed = true;
	return AGENT_EXIT_USAGE;
}

static int load_config(const struct agent_opts *o, struct report *r,
		       struct conf **ret)
{
	struct conf_errors err = { 0 };
	int k;

	k = conf_load(o->config, ret, &err);
	if (k < 0) {
		/* No config at all: the first run, or a -c that names another. */
		const char *hint = k == -ENOENT && err.n == 1 ?
			" (see lvs-rs-agent.conf(5), or -c FILE)" : "";

		if (err.n) {
			k = config_errors(r, err.v, err.n, 0, hint);
		} else {
			fprintf(stderr, "lvs-rs-agent: %s: %s\n", o->config, strerror(-k));
			report_error(r, "%s", strerror(-k));
			r->error_printed = true;
			k = AGENT_EXIT_USAGE;
		}
		conf_errors_done(&err);
		return k;
	}
	conf_errors_done(&err);
	return AGENT_EXIT_OK;
}

/* ---- the config against the host (agent/topology.c) */

struct refusals {
	struct conf_errors lines; /* the first CONF_ERRORS_MAX */
	size_t more;
};

static int refusal_cb(const struct topo_finding *f, void *data)
{
	struct refusals *x = data;
	char *line, **v;

	if (f->ok)
		return 0;
	if (x->lines.n >= CONF_ERRORS_MAX) {
		x->more++;
		return 0;
	}
	if (asprintf(&line, "%s:%d: %s%s%s%s: %s", f->file, f->line,
		     f->group ? "vip \"" : "", f->group ? f->group : "",
		     f->group ? "\": " : "", f->key, f->why) < 0)
		return -ENOMEM;
	v = realloc(x->lines.v, (x->lines.n + 1) * sizeof(*v));
	if (!v) {
		free(line);
		return -ENOMEM;
	}
	x->lines.v = v;
	v[x->lines.n++] = line;
	return 0;
}

/*
 * apply and plan: a config that the host's links and addresses make wrong
 * for LVS (agent_topology()) is refused before anything changes, each
 * finding one FILE:LINE line. journal: the agent's own steps (its stale
 * addresses are no finding). Returns an exit code.
 */
static int refuse_topology(const struct conf *c, struct netconf *nc,
			   const struct steplist *journal, struct report *r,
			   const char *verb)
{
	struct netconf_host host;
	struct refusals x = { 0 };
	int k, ret = AGENT_EXIT_OK;

	k = netconf_host_load(nc, &host);
	if (k < 0) {
		report_error(r, "%s: cannot list the interfaces and addresses: %s (%s)", verb,
			     strerror(-k), netconf_error(nc));
		return AGENT_EXIT_RUNTIME;
	}
	k = agent_topology(c, &host, TOPO_APPLY, journal, refusal_cb, &x);
	if (k < 0) {
		report_error(r, "%s: %s", verb, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	} else if (x.lines.n) {
		ret = config_errors(r, x.lines.v, x.lines.n, x.more, "");
	}
	conf_errors_done(&x.lines);
	netconf_host_done(&host);
	return ret;
}

/* ---- observing */

/*
 * One observe call per kind over every step of that kind. A transactional
 * kind (the nft table) is observed whole: every step of that kind in
 * `whole` (the run's list, which v points into; NULL when v is all of it),
 * so that it can tell what its object holds beyond them.
 */
static int observe(struct netconf *nc, struct step *const *v, size_t n,
		   struct steplist *whole)
{
	_cleanup_free_ struct step **group = NULL;
	const struct step_ops *seen[8];
	size_t n_seen = 0;

	if (n == 0)
		return 0;
	group = malloc((n + (whole ? whole->n : 0)) * sizeof(*group));
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
		if (ops->transactional && whole) {
			for (j = 0; j < whole->n; j++)
				if (whole->v[j].ops == ops)
					group[k++] = &whole->v[j];
		} else {
			for (j = i; j < n; j++)
				if (v[j]->ops == ops)
					group[k++] = v[j];
		}
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
	return observe(nc, v, l->n, NULL);
}

/* observe_list, a failure told as what `verb` could not do. An exit code. */
static int observe_for(struct netconf *nc, struct report *r, const char *verb,
		       struct steplist *l)
{
	int k = observe_list(nc, l);

	if (k < 0) {
		report_error(r, "%s: cannot read the kernel's state: %s", verb, strerror(-k));
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

/* ---- acting */

static void describe(const struct step *s, const char *from, const char *to,
		     char *buf, size_t len)
{
	char t[STEP_TARGET_MAX + 16];
	char op = step_sign(s->ops, from, to);

	step_display(s, t, sizeof(t));
	if (op == '+')
		snprintf(buf, len, "adding %s %s", s->ops->kind, t);
	else if (op == '-')
		snprintf(buf, len, "removing %s %s", s->ops->kind, t);
	else
		snprintf(buf, len, "setting %s %s from %s to %s", s->ops->kind, t,
			 from, to);
}

/* Columns of an error line, "lvs-rs-agent: " included, that a message
 * keeps to where it can. */
#define MESSAGE_COLUMNS 100

/*
 * An error and, in parentheses, what tells more: on one line when both fit,
 * else the parenthesis on a second.
 */
static void report_error_more(struct report *r, const char *what, const char *more)
{
	size_t n = strlen("lvs-rs-agent: ") + strlen(what) + strlen(more) + 3;

	report_error(r, "%s%s(%s)", what, n <= MESSAGE_COLUMNS ? " " : "\n", more);
}

static void report_failure(struct netconf *nc, struct report *r,
			   const char *verb, const struct action *a)
{
	char what[256], line[512], more[320];
	const char *kmsg = netconf_error(nc);

	describe(a->s, a->s->now, step_value(a->s, a->to), what, sizeof(what));
	snprintf(line, sizeof(line), "%s: %s: %s", verb, what, strerror(-a->res));
	if (a->res == -EPERM || a->res == -EACCES) {
		report_error_more(r, line, "the agent needs CAP_NET_ADMIN in this network namespace");
	} else if (kmsg && *kmsg) {
		snprintf(more, sizeof(more), "kernel: %s", kmsg);
		report_error_more(r, line, more);
	} else {
		report_error(r, "%s", line);
	}
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
 * Undo the done actions of this run, newest first, back to the values seen at
 * its start. Returns 0, or the number of steps left changed (listed in r).
 */
static int rollback(struct netconf *nc, struct action *acts, size_t n,
		    struct steplist *whole, struct report *r)
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
	if (observe(nc, v, k, whole) < 0)
		goto leftover;
	{
		size_t m = 0;

		for (size_t i = 0; i < k; i++)
			if (step_restorable(v[i], v[i]->was))
				back[m++] = (struct action){ .s = v[i], .to = STEP_WAS };
		execute(nc, back, m);
		/* Keep going after a failed batch: undo as much as possible. */
		for (size_t i = 0; i < m; i++)
			if (!back[i].done && back[i].res == 0)
				execute(nc, &back[i], 1);
	}
leftover:
	if (observe(nc, v, k, whole) < 0) {
		report_error(r, "rollback: cannot read the kernel back; left changed, possibly: all %zu steps of this run", k);
		return (int)k;
	}
	for (size_t i = 0; i < k; i++) {
		char t[STEP_TARGET_MAX + 16];

		if (!step_restorable(v[i], v[i]->was))
			continue;
		step_display(v[i], t, sizeof(t));
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
	       struct action *acts, size_t n, struct steplist *whole)
{
	_cleanup_free_ struct step **v = NULL;
	char cause[32];
	size_t made = 0;
	ssize_t failed;
	int left, sig;

	if (n == 0)
		return AGENT_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		memcpy(acts[i].s->was, acts[i].s->now, sizeof(acts[i].s->was));
	failed = execute(nc, acts, n);
	/* Stopped by a signal before a change (one caught after the last
	 * change leaves the run done). */
	sig = failed >= 0 && acts[failed].res == -EINTR ? agent_interrupted() : 0;
	if (failed < 0) {
		/* Read back: never report success without asking the kernel. */
		v = malloc(n * sizeof(*v));
		if (!v)
			return AGENT_EXIT_RUNTIME;
		for (size_t i = 0; i < n; i++)
			v[i] = acts[i].s;
		if (observe(nc, v, n, whole) < 0) {
			report_error(r, "%s: cannot read the kernel back: %s", verb,
				     netconf_error(nc));
			failed = 0;
		} else {
			for (size_t i = 0; i < n; i++) {
				const char *want = step_value(acts[i].s, acts[i].to);
				char t[STEP_TARGET_MAX + 16];

				if (step_same(acts[i].s, acts[i].s->now, want))
					continue;
				step_display(acts[i].s, t, sizeof(t));
				report_error(r, "%s: %s %s reads back as %s, not %s",
					     verb, acts[i].s->ops->kind, t,
					     acts[i].s->now, want);
				failed = i;
				break;
			}
		}
		if (failed < 0)
			return AGENT_EXIT_OK;
	} else if (failed >= 0 && !sig) {
		report_failure(nc, r, verb, &acts[failed]);
	}
	/* A second signal does not stop the rollback. */
	agent_stop_no_more();
	left = rollback(nc, acts, n, whole, r);
	r->changes_undone = true;
	/* The report holds one change per action, in the same order. A change
	 * the signal stopped was not refused: it was not made. */
	for (size_t i = 0; i < n && r->n_changes >= n; i++) {
		struct change *c = &r->changes[r->n_changes - n + i];

		c->state = acts[i].done ? CHANGE_UNDONE :
			   acts[i].res && !(sig && acts[i].res == -EINTR) ? CHANGE_FAILED :
			   CHANGE_SKIPPED;
		made += acts[i].done;
	}
	snprintf(cause, sizeof(cause), "%s%s", sig ? "interrupted by " : "",
		 sig ? agent_signal_name(sig) : "");
	if (left != 0) {
		report_error(r, "%s: %s%sthe rollback left %d step%s changed (listed above)",
			     verb, cause, sig ? ": " : "", left, left == 1 ? "" : "s");
		return AGENT_EXIT_ROLLBACK;
	}
	if (sig && made == 0)
		report_error(r, "%s: %s: nothing was changed", verb, cause);
	else
		report_error(r, "%s: %s%severy change of this run was rolled back", verb,
			     cause, sig ? ": " : "");
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

/*
 * The run ends before its first kernel change: the last n changes of the
 * report were not made, and say so (text "(not made)", JSON "not made" and
 * "changed": false). Returns AGENT_EXIT_RUNTIME.
 */
static int not_made(struct report *r, size_t n)
{
	for (size_t i = r->n_changes >= n ? r->n_changes - n : 0; i < r->n_changes; i++)
		r->changes[i].state = CHANGE_SKIPPED;
	return AGENT_EXIT_RUNTIME;
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
		report_error(r, "lock %s.lock is held by PID %ld, another lvs-rs-agent run:\n"
			     "gave up after %g s (--wait SECONDS waits longer)", o->state, holder,
			     o->wait);
	else
		report_error(r, "lock %s.lock is busy:\ngave up after %g s (--wait SECONDS waits longer)",
			     o->state, o->wait);
	return AGENT_EXIT_RUNTIME;
}

static int take_lock(const struct agent_opts *o, struct report *r, int *fd)
{
	long holder = 0;
	int k = agent_lock(o->state, o->wait, fd, &holder);

	if (k == -EAGAIN)
		return lock_busy(o, r, holder);
	if (k == -EINTR) {
		report_error(r, "interrupted by %s while waiting for the lock %s.lock: nothing was changed",
			     agent_signal_name(agent_interrupted()), o->state);
		return AGENT_EXIT_RUNTIME;
	}
	if (k < 0) {
		char lock[4096], hint[768] = "";

		snprintf(lock, sizeof(lock), "%s.lock", o->state);
		if (k == -EACCES || k == -EPERM)
			agent_owner_hint(lock, "systemctl reload lvs-rs-agent applies, stop reverts",
					 hint, sizeof(hint));
		report_error(r, "cannot open %s: %s", lock, *hint ? hint : agent_file_strerror(k));
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

static int need_net_admin(const struct agent_opts *o, struct report *r,
			  const char *verb)
{
	if (o->have_net_admin)
		return AGENT_EXIT_OK;
	report_error(r, "%s changes the kernel and needs CAP_NET_ADMIN, which this process lacks:\n"
		     "run it as root, or grant CAP_NET_ADMIN as an ambient capability", verb);
	return AGENT_EXIT_RUNTIME;
}

/* ---- the journal of this network namespace, and the agent's marks */

enum {
	JL_READABLE = 1, /* a damaged journal: go on with the steps before it */
	JL_FOREIGN = 2,  /* one of another namespace too (forget) */
	JL_READ_ONLY = 4, /* status, by hand: say whose a journal it cannot read is */
};

/* A damaged journal, and the two ways on. */
static void report_damage(struct report *r, const char *damage, const struct journal *j)
{
	report_error(r, "%s;\nrevert --force reverts the %zu step%s before it, forget drops "
		     "the journal (lvs-rs-agent(8), JOURNAL)", damage, j->steps.n,
		     j->steps.n == 1 ? "" : "s");
}

/*
 * Load the journal for `verb` and make sure it belongs here. Returns an exit
 * code, the reason reported. damage: "" or why the journal is damaged; j
 * then holds the steps before the damage, and only a JL_READABLE caller
 * goes on with them. A journal from before this boot is emptied with a
 * warning and *gone set: nothing it recorded is in this kernel any more,
 * so the caller replaces or removes the file. One of another network
 * namespace is refused (its changes are there, not here) unless JL_FOREIGN.
 */
static int load_journal(const struct agent_opts *o, struct report *r,
			const char *verb, unsigned flags, struct journal *j,
			char *damage, size_t len, bool *gone)
{
	struct netconf_netns self;
	char theirs[96], ours[96], hint[512] = "";
	int k;

	damage[0] = '\0';
	*gone = false;
	k = journal_load_readable(o->state, j, damage, len);
	if (k < 0 && k != -EBADMSG) {
		if ((k == -EACCES || k == -EPERM) && (flags & JL_READ_ONLY))
			agent_owner_hint(o->state, "make it readable (chmod 0644; its directory 0755)",
					 hint, sizeof(hint));
		if (*hint)
			report_error(r, "cannot read journal %s: %s", o->state, hint);
		else
			report_error(r, "%s", damage);
		return AGENT_EXIT_RUNTIME;
	}
	if (k == 0)
		damage[0] = '\0';
	(void)netconf_netns_self(&self);
	switch (journal_owner(j, &self)) {
	case JOURNAL_OURS:
	case JOURNAL_UNBOUND:
		break;
	case JOURNAL_OTHER_BOOT:
		report_warning(r, "journal %s was written before this boot (boot id %s):\n"
			       "nothing it recorded is in this kernel any more, so it counts as none",
			       o->state, j->ns.boot_id);
		journal_done(j);
		damage[0] = '\0';
		*gone = true;
		return AGENT_EXIT_OK;
	case JOURNAL_OTHER_NETNS:
		journal_netns_text(&j->ns, theirs, sizeof(theirs));
		journal_netns_text(&self, ours, sizeof(ours));
		if (flags & JL_FOREIGN) {
			report_warning(r, "journal %s belongs to network namespace %s, not this one (%s):\n"
				       "what it recorded is there, and stays", o->state, theirs, ours);
			break;
		}
		report_error(r, "journal %s belongs to network namespace %s; this %s runs in %s:\n"
			     "run it there, give each namespace its own journal (-s), or, if that "
			     "namespace is gone, forget", o->state, theirs, verb, ours);
		return AGENT_EXIT_RUNTIME;
	}
	if (damage[0] && !(flags & JL_READABLE)) {
		report_damage(r, damage, j);
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

struct marks {
	const struct steplist *known;
	struct stepindex x; /* of known, made at the first marked object */
	bool indexed;
	struct steplist *out;
};

static int mark_cb(const struct step *s, void *data)
{
	struct marks *m = data;
	int k;

	/* Most hosts have none: no index of 10,000 steps for nothing. */
	if (!m->indexed) {
		k = stepindex_build(&m->x, m->known);
		if (k < 0)
			return k;
		m->indexed = true;
	}
	if (stepindex_find(&m->x, s->ops, s->target))
		return 0;
	return steplist_add(m->out, s);
}

/*
 * The objects in the kernel that carry the agent's mark and that no step of
 * `known` holds, into out: the agent made them, and no journal says so.
 * Only the kinds that have a step in `kinds` (NULL: every kind).
 */
static int unrecorded(struct netconf *nc, const struct steplist *known,
		      const struct steplist *kinds, struct steplist *out)
{
	struct marks m = { .known = known, .out = out };
	const struct step_ops *ops;
	int k = 0;

	size_t n = 0;

	while (kinds_at(n))
		n++;
	/* In revert's order: the VIPs' kinds first. */
	while (k == 0 && n-- > 0) {
		ops = kinds_at(n);
		if (ops->marked && (!kinds || steplist_find(kinds, ops, NULL)))
			k = ops->marked(nc, mark_cb, &m);
	}
	stepindex_done(&m.x);
	return k;
}

/* The most steps a one-line message names; it counts the others. */
#define SHOWN_MAX 4

/* "route local 198.51.100.0/24 dev lo table local, nft arp lvs_rs_agent
 * and 3 more": v[0..shown) named, of n. */
static void steps_text(const struct step *const *v, size_t shown, size_t n,
		       char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < shown && used < len; i++) {
		char t[STEP_TARGET_MAX + 16];

		step_display(v[i], t, sizeof(t));
		used += (size_t)snprintf(buf + used, len - used, "%s%s %s",
					 i ? ", " : "", v[i]->ops->kind, t);
	}
	if (n > shown && used < len)
		snprintf(buf + used, len - used, " and %zu more", n - shown);
}

/* steps_text of the steps of l for which keep(step, data) holds (keep
 * NULL: all); returns their number. */
static size_t list_text(const struct steplist *l,
			bool (*keep)(const struct step *s, const void *data),
			const void *data, char *buf, size_t len)
{
	const struct step *v[SHOWN_MAX] = { NULL };
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!keep || keep(&l->v[i], data)) {
			if (n < SHOWN_MAX)
				v[n] = &l->v[i];
			n++;
		}
	steps_text(v, n < SHOWN_MAX ? n : SHOWN_MAX, n, buf, len);
	return n;
}

static bool same_file(const char *a, const char *b)
{
	_cleanup_free_ char *ra = realpath(a, NULL), *rb = realpath(b, NULL);

	if (ra && rb)
		return strcmp(ra, rb) == 0;
	return strcmp(a, b) == 0;
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
 * Before anything changes: whether the kernel can have what apply is about
 * to make, each kind asked with its steps among all.v[0..n_want) (plan:
 * without asking the kernel anything that could change it). Returns an
 * exit code; *probed when a kind asked the kernel.
 */
static int probe(const struct conf *c, struct netconf *nc, struct steplist *all,
		 size_t n_want, bool dry_run, const char *verb, struct report *r,
		 bool *probed)
{
	_cleanup_free_ struct step **v = malloc((n_want ? n_want : 1) * sizeof(*v));
	char err[512] = "";
	struct kind_ctx ctx = {
		.conf = c, .nc = nc, .verb = verb, .dry_run = dry_run,
		.err = err, .errlen = sizeof(err),
	};
	const struct step_ops *ops;

	if (!v) {
		report_error(r, "%s: %s", verb, strerror(ENOMEM));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; (ops = kinds_at(i)); i++) {
		size_t n = 0;
		int k;

		if (!ops->probe)
			continue;
		for (size_t j = 0; j < n_want; j++)
			if (all->v[j].ops == ops)
				v[n++] = &all->v[j];
		k = n ? ops->probe(&ctx, v, n) : 0;
		if (k > 0)
			*probed = true;
		if (k == -EINTR && agent_interrupted()) {
			report_error(r, "%s: interrupted by %s: nothing was changed", verb,
				     agent_signal_name(agent_interrupted()));
			return AGENT_EXIT_RUNTIME;
		}
		if (k < 0) {
			report_error(r, "%s", err[0] ? err : strerror(-k));
			return AGENT_EXIT_RUNTIME;
		}
	}
	return AGENT_EXIT_OK;
}

static bool in_index(const struct step *s, const void *x)
{
	return stepindex_find(x, s->ops, s->target) != NULL;
}

static bool not_in_index(const struct step *s, const void *x)
{
	return !in_index(s, x);
}

/*
 * Never take the agent's own objects for pre-existing. A desired step that
 * the journal does not hold but the kernel does (the journal lost, or one
 * written elsewhere) would get the kernel's value as its prior, and revert
 * would keep the object for ever: when it carries the agent's mark its
 * prior is absent instead. Marked objects that neither the journal nor the
 * config holds are told, and left. The kernel is asked only when there is
 * such a step, or no journal. Returns an exit code.
 */
static int disown_marked(struct netconf *nc, struct report *r, const char *verb,
			 const struct journal *old, const struct stepindex *oldx,
			 const struct stepindex *wantx, struct steplist *all,
			 const bool *stale)
{
	struct steplist marks = { 0 };
	struct stepindex mx = { 0 };
	bool need = !old->found;
	char text[512];
	size_t n;
	int k;

	for (size_t i = 0; i < all->n && !need; i++)
		need = !stale[i] && all->v[i].ops->marked &&
		       strcmp(all->v[i].now, NETCONF_ABSENT) != 0 &&
		       !stepindex_find(oldx, all->v[i].ops, all->v[i].target);
	if (!need)
		return AGENT_EXIT_OK;
	k = unrecorded(nc, &old->steps, all, &marks);
	if (k == 0)
		k = stepindex_build(&mx, &marks);
	if (k < 0) {
		report_error(r, "%s: cannot read the agent's marked objects: %s (%s)", verb,
			     strerror(-k), netconf_error(nc));
		goto out;
	}
	for (size_t i = 0; i < all->n; i++)
		if (!stale[i] && stepindex_find(&mx, all->v[i].ops, all->v[i].target) &&
		    !stepindex_find(oldx, all->v[i].ops, all->v[i].target))
			snprintf(all->v[i].prior, sizeof(all->v[i].prior), NETCONF_ABSENT);
	n = list_text(&marks, in_index, wantx, text, sizeof(text));
	if (n)
		report_warning(r, "%s: %s %zu of the agent's own objects that are live (%s): they "
			       "count as the agent's, not as pre-existing, so revert removes them%s",
			       verb, old->found ? "the journal has no step for" : "no journal records",
			       n, text, old->found ? "" : "; sysctls and addresses carry no mark: "
			       "their values are recorded as found");
	n = list_text(&marks, not_in_index, wantx, text, sizeof(text));
	if (n)
		report_warning(r, "%s: %zu of the agent's own objects are live but in neither the "
			       "journal nor the config (%s): left as they are; revert --force "
			       "removes them", verb, n, text);
out:
	stepindex_done(&mx);
	steplist_done(&marks);
	return k < 0 ? AGENT_EXIT_RUNTIME : AGENT_EXIT_OK;
}

/*
 * The config is not the one of the last apply: what only that one asked
 * for is undone by this run (the stale steps' actions). Said before it is;
 * a config moved or switched that undoes nothing needs no word.
 */
static void warn_config_moved(const struct agent_opts *o, struct report *r,
			      const char *verb, const struct journal *old,
			      const struct action *acts, size_t n_acts,
			      const struct steplist *all, const bool *stale)
{
	const struct step *v[SHOWN_MAX] = { NULL };
	char text[512];
	size_t n = 0;

	for (size_t i = 0; i < n_acts; i++)
		if (stale[acts[i].s - all->v]) {
			if (n < SHOWN_MAX)
				v[n] = acts[i].s;
			n++;
		}
	if (!n)
		return;
	steps_text(v, n < SHOWN_MAX ? n : SHOWN_MAX, n, text, sizeof(text));
	report_warning(r, "%s: the last apply used the config %s, this run %s:\n"
		       "what only that one asked for is undone (%zu change%s: %s)", verb,
		       old->config, o->config, n, n == 1 ? "" : "s", text);
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
	bool gone, config_moved;
	int ret, k;

	ret = load_config(o, r, &c);
	if (ret)
		return ret;
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
	ret = load_journal(o, r, verb, 0, &old, err, sizeof(err), &gone);
	if (ret)
		goto out;
	ret = refuse_topology(c, nc, &old.steps, r, verb);
	if (ret)
		goto out;
	/* After the journal: a value an earlier apply lowered stays wanted. */
	k = desired_steps(c, nc, &old.steps, verb, &want, r);
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

		ret = probe(c, nc, &all, all.n - n_stale, dry_run, verb, r, &probed);
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
	ret = disown_marked(nc, r, verb, &old, &oldx, &wantx, &all, stale);
	if (ret)
		goto out;

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
			    step_restorable(&all.v[i], all.v[i].prior))
				acts[n_acts++] = (struct action){ &all.v[i], STEP_PRIOR, 0, 0 };
		qsort(acts + a0, n_acts - a0, sizeof(*acts), cmp_order_desc);
		a1 = n_acts;
		for (size_t i = 0; i < all.n; i++)
			if (!stale[i] && !step_same(&all.v[i], all.v[i].now, all.v[i].want))
				acts[n_acts++] = (struct action){ &all.v[i], STEP_WANT, 0, 0 };
		/* A stale part of a whole that stays (an element of the nft
		 * set) goes in the same call as the wanted parts: its `want`
		 * becomes its prior value, and the final journal drops it. */
		for (size_t i = 0; i < all.n; i++)
			if (stale[i] && all.v[i].order < STEP_ORDER_VIP &&
			    all.v[i].ops->transactional &&
			    stepindex_find(&wantx, all.v[i].ops, NULL) &&
			    step_restorable(&all.v[i], all.v[i].prior)) {
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
			    step_restorable(&all.v[i], all.v[i].prior))
				acts[n_acts++] = (struct action){ &all.v[i], STEP_PRIOR, 0, 0 };
		qsort(acts + a2, n_acts - a2, sizeof(*acts), cmp_order_desc);
	}
	stepindex_done(&oldx);
	stepindex_done(&wantx);
	config_moved = old.steps.n && old.config[0] && !same_file(old.config, o->config);
	if (config_moved)
		warn_config_moved(o, r, verb, &old, acts, n_acts, &all, stale);
	k = record_actions(r, acts, n_acts);
	if (k < 0)
		goto oom;
	if (dry_run) {
		ret = AGENT_EXIT_OK;
		goto out;
	}
	if (agent_interrupted()) {
		report_error(r, "%s: interrupted by %s: nothing was changed", verb,
			     agent_signal_name(agent_interrupted()));
		ret = not_made(r, n_acts);
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
				     verb, o->state, agent_file_strerror(k));
			ret = not_made(r, n_acts);
			goto out;
		}
	}
	ret = act(nc, r, verb, acts, n_acts, &all);
	if (ret != AGENT_EXIT_OK) {
		/* Put the journal back as it was before this run. */
		if (ret == AGENT_EXIT_RUNTIME) {
			k = old.steps.n ? journal_write(o->state, &old)
					: journal_remove(o->state);
			if (k < 0)
				report_error(r, "cannot restore the journal %s: %s",
					     o->state, agent_file_strerror(k));
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
	/* The journal names the config it is of: written again when that
	 * changes, so that its warning is given once. */
	if ((n_acts > 0 && n_stale > 0) ||
	    (n_acts == 0 && (all.n != old.steps.n || !old.updated || config_moved))) {
		next.steps = all;
		k = next.steps.n ? journal_save(o->state, &next)
				 : journal_remove(o->state);
		next.steps = (struct steplist){ 0 };
		if (k < 0) {
			report_error(r, "%s: applied, but cannot write the journal %s: %s",
				     verb, o->state, agent_file_strerror(k));
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

/*
 * revert --force: the agent's marked objects that the journal (its readable
 * steps) does not hold join it, to be removed; without --force, when there
 * is no journal, they are told and the run stops (exit 3): plain revert
 * undoes only what a journal records. Returns an exit code.
 */
static int revert_marked(const struct agent_opts *o, struct report *r,
			 struct netconf *nc, struct journal *j)
{
	struct steplist marks = { 0 };
	char text[512];
	int k, ret = AGENT_EXIT_OK;

	k = unrecorded(nc, &j->steps, NULL, &marks);
	if (k < 0) {
		report_error(r, "revert: cannot read the agent's marked objects: %s (%s)",
			     strerror(-k), netconf_error(nc));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	if (!marks.n)
		goto out;
	list_text(&marks, NULL, NULL, text, sizeof(text));
	if (!o->force) {
		report_error(r, "revert: no journal %s, yet %zu of the agent's own objects are live "
			     "(%s): the journal that recorded them is gone; revert --force removes "
			     "them (sysctls and addresses carry no mark: what an apply changed of "
			     "them cannot be told, and is left)", o->state, marks.n, text);
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	report_warning(r, "revert --force: removing %zu of the agent's own objects that no journal "
		       "step records (%s); sysctls and addresses carry no mark: those an apply "
		       "changed without a journal step are left as they are", marks.n, text);
	for (size_t i = 0; i < marks.n && k == 0; i++) {
		snprintf(marks.v[i].prior, sizeof(marks.v[i].prior), NETCONF_ABSENT);
		memcpy(marks.v[i].want, marks.v[i].now, sizeof(marks.v[i].want));
		k = steplist_add(&j->steps, &marks.v[i]);
	}
	if (k < 0) {
		report_error(r, "revert: %s", strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	steplist_done(&marks);
	return ret;
}

int agent_revert(const struct agent_opts *o, struct report *r)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	_cleanup_free_ struct action *acts = NULL;
	struct journal j = { 0 };
	char damage[512];
	size_t n_acts = 0;
	bool gone;
	int ret, k;

	ret = need_net_admin(o, r, "revert");
	if (ret)
		return ret;
	ret = take_lock(o, r, &lock_fd);
	if (ret)
		return ret;
	ret = load_journal(o, r, "revert", o->force ? JL_READABLE : 0, &j, damage,
			   sizeof(damage), &gone);
	if (ret)
		goto out;
	if (damage[0])
		report_warning(r, "revert --force: %s: reverting the %zu step%s before it; what the "
			       "%zu line%s from line %zu on recorded (the header counts %zu step%s) "
			       "is left as it is", damage, j.steps.n, j.steps.n == 1 ? "" : "s",
			       j.unread_lines, j.unread_lines == 1 ? "" : "s", j.unread_from,
			       j.counted, j.counted == 1 ? "" : "s");
	ret = open_netconf(r, &nc);
	if (ret)
		goto out;
	/* Without a whole journal, the agent's marks tell what is its own. */
	if (o->force || !j.found) {
		ret = revert_marked(o, r, nc, &j);
		if (ret)
			goto out;
	}
	if (j.steps.n == 0)
		goto done;
	ret = observe_for(nc, r, "revert", &j.steps);
	if (ret)
		goto out;
	acts = calloc(j.steps.n, sizeof(*acts));
	if (!acts) {
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < j.steps.n; i++) {
		struct step *s = &j.steps.v[i];

		if (!step_restorable(s, s->prior))
			continue;
		acts[n_acts++] = (struct action){ s, STEP_PRIOR, 0, 0 };
	}
	qsort(acts, n_acts, sizeof(*acts), cmp_order_desc);
	if (record_actions(r, acts, n_acts) < 0) {
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	ret = act(nc, r, "revert", acts, n_acts, &j.steps);
	if (ret != AGENT_EXIT_OK)
		goto out;
done:
	if (!j.found && !gone)
		goto out;
	k = journal_remove(o->state);
	if (k < 0) {
		report_error(r, "revert: done, but cannot remove the journal %s: %s",
			     o->state, agent_file_strerror(k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	journal_done(&j);
	return ret;
}

/* ---- forget */

int agent_forget(const struct agent_opts *o, struct report *r)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	_cleanup_free_ const struct step **plan = NULL;
	struct netconf_netns self;
	struct journal j = { 0 };
	char damage[512];
	size_t n = 0;
	bool gone;
	int ret, k;

	ret = take_lock(o, r, &lock_fd);
	if (ret)
		return ret;
	ret = load_journal(o, r, "forget", JL_READABLE | JL_FOREIGN, &j, damage,
			   sizeof(damage), &gone);
	if (ret)
		goto out;
	if (!j.found && !gone)
		goto out;
	if (damage[0])
		report_warning(r, "forget: %s: what the %zu line%s from line %zu on recorded (the "
			       "header counts %zu step%s, %zu read) is left in the kernel too, "
			       "unknown", damage, j.unread_lines, j.unread_lines == 1 ? "" : "s",
			       j.unread_from, j.counted, j.counted == 1 ? "" : "s", j.steps.n);
	(void)netconf_netns_self(&self);
	plan = calloc(j.steps.n ? j.steps.n : 1, sizeof(*plan));
	if (!plan) {
		report_error(r, "forget: %s", strerror(ENOMEM));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	if (journal_owner(&j, &self) == JOURNAL_OTHER_NETNS) {
		/* Not here to look at: what the journal says was done stays. */
		for (size_t i = 0; i < j.steps.n; i++) {
			struct step *s = &j.steps.v[i];

			memcpy(s->now, s->want, sizeof(s->now));
		}
	} else if (j.steps.n) {
		ret = open_netconf(r, &nc);
		if (ret)
			goto out;
		ret = observe_for(nc, r, "forget", &j.steps);
		if (ret)
			goto out;
	}
	/* What revert would do now: what forgetting leaves undone. */
	if (agent_revert_plan(&j.steps, plan, &n) < 0) {
		report_error(r, "forget: %s", strerror(ENOMEM));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (report_change(r, plan[i], plan[i]->now, plan[i]->prior) < 0) {
			report_error(r, "forget: %s", strerror(ENOMEM));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
		r->changes[r->n_changes - 1].state = CHANGE_LEFT;
	}
	k = journal_remove(o->state);
	if (k < 0) {
		report_error(r, "forget: cannot remove the journal %s: %s", o->state, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
	r->forgot = k == 0;
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
		bool ok = step_same(s, s->now, s->want);

		step_display(s, target, sizeof(target));
		if (!ok && s->ops->explain)
			s->ops->explain(s, why, sizeof(why));
		else if (!ok)
			snprintf(why, sizeof(why), "apply sets it to %s; the effective checks tell what breaks",
				 s->want);
		checklist_add(&r->checks, ok, s->ops->kind, target, s->want, s->now, NULL,
			      ok ? NULL : "%s", why);
	}
}

/* A topology finding as a check of verify. */
static int check_cb(const struct topo_finding *f, void *data)
{
	return checklist_add(data, f->ok, f->kind, f->target, f->expected, f->found,
			     f->detail, f->ok ? NULL : "%s", f->why);
}

/*
 * verify's checks: the config's steps against the kernel, then the effective
 * values (the ARP policy on every interface holding IPv4, the rp_filter of
 * the tunnel devices), then the VIPs against the host's links and addresses
 * (agent_topology()). Returns an exit code; a failed check is not an error.
 */
static int config_checks(const struct conf *c, struct netconf *nc,
			 struct report *r, const char *verb)
{
	struct steplist want = { 0 };
	struct netconf_host host = { 0 };
	char err[512] = "";
	struct kind_ctx ctx = {
		.conf = c, .nc = nc, .host = &host, .verb = verb,
		.err = err, .errlen = sizeof(err),
	};
	const struct step_ops *ops;
	int ret = AGENT_EXIT_OK, k;

	k = desired_steps(c, nc, NULL, verb, &want, r);
	if (k < 0) {
		ret = k == -EOPNOTSUPP ? AGENT_EXIT_USAGE : AGENT_EXIT_RUNTIME;
		goto out;
	}
	ret = observe_for(nc, r, verb, &want);
	if (ret)
		goto out;
	step_checks(&want, r);
	/* Done with: its memory (10,000 VIPs: 2 MB) serves the host's
	 * addresses next. */
	steplist_done(&want);
	k = netconf_host_load(nc, &host);
	if (k < 0) {
		report_error(r, "%s: cannot list the interfaces and addresses: %s", verb,
			     strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; (ops = kinds_at(i)); i++) {
		k = ops->check ? ops->check(&ctx, &r->checks) : 0;
		if (k < 0) {
			report_error(r, "%s", err[0] ? err : strerror(-k));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
	}
	k = agent_topology(c, &host, TOPO_VERIFY, NULL, check_cb, &r->checks);
	if (k < 0) {
		report_error(r, "%s: %s", verb, strerror(-k));
		ret = AGENT_EXIT_RUNTIME;
	}
out:
	netconf_host_done(&host);
	steplist_done(&want);
	return ret;
}

/*
 * Whether the agent applied anything here: apply leaves a journal for as
 * long as something it did stands (revert and an apply of nothing remove
 * it), so its presence tells without reading 10,000 steps.
 */
static enum report_applied journal_applied(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return st.st_size > 0 ? REPORT_APPLIED_YES : REPORT_APPLIED_NO;
	return errno == ENOENT ? REPORT_APPLIED_NO : REPORT_APPLIED_UNKNOWN;
}

int agent_verify(const struct agent_opts *o, struct report *r)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	int ret;

	r->applied = journal_applied(o->state);
	ret = load_config(o, r, &c);
	if (ret)
		return ret;
	ret = open_netconf(r, &nc);
	if (ret)
		return ret;
	ret = config_checks(c, nc, r, "verify");
	if (ret)
		return ret;
	if (!checklist_failed(&r->checks))
		return AGENT_EXIT_OK;
	/* The failures of a server never prepared: say so before them. Who
	 * prepared it by hand passes, journal or not. */
	if (r->applied == REPORT_APPLIED_NO) {
		bool conf = !STREQ(o->config, CONF_DEFAULT_PATH);
		bool state = !STREQ(o->state, AGENT_STATE_PATH);

		report_warning(r, "the agent has applied nothing here yet (no journal %s):\n"
			       "run lvs-rs-agent%s%s%s%s apply, or start its unit, to prepare this server",
			       o->state, conf ? " -c " : "", conf ? o->config : "",
			       state ? " -s " : "", state ? o->state : "");
	}
	return AGENT_EXIT_CHECK;
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
		if (step_restorable(&l->v[i], l->v[i].prior))
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

/*
 * A failed check for each object that carries the agent's mark and that the
 * journal does not hold: revert would leave it. Returns an exit code.
 */
static int unrecorded_checks(struct netconf *nc, struct report *r,
			     const struct journal *j)
{
	struct steplist marks = { 0 };
	int k;

	k = unrecorded(nc, &j->steps, NULL, &marks);
	if (k < 0) {
		steplist_done(&marks);
		report_error(r, "status: cannot read the agent's marked objects: %s (%s)",
			     strerror(-k), netconf_error(nc));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < marks.n; i++) {
		char t[STEP_TARGET_MAX + 16];

		step_display(&marks.v[i], t, sizeof(t));
		checklist_add(&r->checks, false, marks.v[i].ops->kind, t, "recorded", "unrecorded",
			      marks.v[i].now, "it carries the agent's mark, but %s: revert leaves "
			      "it; revert --force removes it", j->found ? "the journal has no step "
			      "for it" : "there is no journal (lost)");
	}
	r->journal_lost = marks.n && !j->found;
	steplist_done(&marks);
	return AGENT_EXIT_OK;
}

int agent_status(const struct agent_opts *o, struct report *r, struct journal *j)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct conf_errors cerr = { 0 };
	struct steplist rest = { 0 };
	struct subjects done = { 0 };
	char damage[512];
	long holder = 0;
	bool gone;
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
	/* Not a lock file the agent made: someone planted it. */
	if (k == -ELOOP || k == -EISDIR || k == -EBADFD) {
		report_error(r, "cannot open %s.lock: %s", o->state, agent_file_strerror(k));
		return AGENT_EXIT_RUNTIME;
	}

	ret = load_journal(o, r, "status", JL_READABLE | JL_READ_ONLY, j, damage,
			   sizeof(damage), &gone);
	if (ret)
		return ret;
	r->journal = j;
	r->applied = j->steps.n ? REPORT_APPLIED_YES : REPORT_APPLIED_NO;
	ret = open_netconf(r, &nc);
	if (ret)
		return ret;
	ret = observe_for(nc, r, "status", &j->steps);
	if (ret)
		return ret;
	r->observed = true;

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
		checklist_add(&r->checks, true, "config", o->config, "valid",
			      k == -ENOENT ? "missing" : k == -EINVAL ? "invalid" : "unreadable",
			      why, "status checks only the journal's steps (verify's checks need the config)");
		r->checks.v[r->checks.n - 1].warn = true;
	} else {
		if (j->steps.n && j->config[0] && !same_file(j->config, o->config))
			report_warning(r, "the last apply used the config %s;\n"
				       "the checks are against %s", j->config, o->config);
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

		step_display(s, target, sizeof(target));
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

	ret = unrecorded_checks(nc, r, j);
	if (ret)
		return ret;
	if (damage[0]) {
		report_damage(r, damage, j);
		return AGENT_EXIT_RUNTIME;
	}
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
	if (desired_steps(c, NULL, NULL, "check-config", &want, r) < 0) {
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
