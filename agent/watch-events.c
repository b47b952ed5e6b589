// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
/*
 * watch: which notifications concern the agent (the devices and steps of
 * its journal), and each one's cause, taken at once (a command like ip ends
 * right after its change) or with its nf_tables transaction's end.
 */
#include "watch-internal.h"

/* ---- what the agent keeps, for telling which notifications concern it */

static void add_dev(struct watch *w, const char *name)
{
	for (size_t i = 0; i < w->n_devs; i++)
		if (STREQ(w->devs[i], name))
			return;
	if (w->n_devs < DEVS_MAX)
		snprintf(w->devs[w->n_devs++], IF_NAMESIZE, "%s", name);
}

/* The device of a step ("... dev lo ..."; a link's target is its name). */
static void add_dev_of(struct watch *w, const struct step *s)
{
	const char *d = strstr(s->target, " dev ");
	char name[IF_NAMESIZE];

	if (STREQ(s->ops->kind, "link")) {
		add_dev(w, s->target);
	} else if (d) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(d + 5, " "), d + 5);
		add_dev(w, name);
	}
}

/* The kind of a step, when its objects live in an nf_tables table. */
static void add_table_of(struct watch *w, const struct step_ops *ops)
{
	if (!ops->nft_table)
		return;
	for (size_t i = 0; i < w->n_tables; i++)
		if (w->tables[i] == ops)
			return;
	if (w->n_tables < ARRAY_SIZE(w->tables))
		w->tables[w->n_tables++] = ops;
}

static struct file_id file_id(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return (struct file_id){ .found = false };
	return (struct file_id){
		.found = true, .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
		.mtim = st.st_mtim, .ctim = st.st_ctim,
	};
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool watch_kept_current(const struct watch *w)
{
	struct file_id now = file_id(w->o->state);

	if (!now.found || !w->jid.found)
		return now.found == w->jid.found;
	return now.dev == w->jid.dev && now.ino == w->jid.ino && now.size == w->jid.size &&
	       same_time(now.mtim, w->jid.mtim) && same_time(now.ctim, w->jid.ctim);
}

/* The journal as the last reconcile left it. An exit code. */
int watch_load_kept(struct watch *w, struct report *r)
{
	char err[512];
	int k;

	stepindex_done(&w->jx);
	steplist_done(&w->polled);
	journal_done(&w->j);
	w->n_devs = 0;
	w->n_tables = 0;
	/* Only this process writes the journal while it holds the lock: the
	 * file's identity read before the file is the one of what it read. */
	w->jid = file_id(w->o->state);
	k = journal_load(w->o->state, &w->j, err, sizeof(err));
	if (k == 0)
		k = stepindex_build(&w->jx, &w->j.steps);
	if (k < 0) {
		report_error(r, "watch: cannot read the journal %s: %s", w->o->state,
			     err[0] && k == -EBADMSG ? err : strerror(-k));
		return AGENT_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < w->j.steps.n; i++) {
		const struct step *s = &w->j.steps.v[i];

		add_dev_of(w, s);
		add_table_of(w, s->ops);
		/* The kernel notifies no change of these: they are polled. */
		if (STREQ(s->ops->kind, "sysctl") && steplist_add(&w->polled, s) < 0) {
			report_error(r, "out of memory");
			return AGENT_EXIT_RUNTIME;
		}
	}
	return AGENT_EXIT_OK;
}

static bool uses_dev(const struct watch *w, const char *dev)
{
	for (size_t i = 0; i < w->n_devs; i++)
		if (STREQ(w->devs[i], dev))
			return true;
	return false;
}

/* Whether the object of a notification is one the agent keeps: *ops its
 * kind (for nf_tables, the kind whose table it is in), or NULL. */
static bool concerns(const struct watch *w, const struct netconf_event *e,
		     const struct step_ops **ops)
{
	if (STREQ(e->kind, "nft")) {
		for (size_t i = 0; i < w->n_tables; i++)
			if (STREQ(w->tables[i]->nft_table, e->target)) {
				*ops = w->tables[i];
				return true;
			}
		*ops = NULL;
		return false;
	}
	*ops = kinds_lookup(e->kind, e->target);
	if (STREQ(e->kind, "link"))
		return uses_dev(w, e->target);
	return *ops && stepindex_find(&w->jx, *ops, e->target);
}

/* ---- notifications */

/* A notification's target as the report's changes spell it. */
static void display(const struct step_ops *ops, const char *target, char *buf, size_t len)
{
	struct step s = { .ops = ops };

	if (!ops) {
		snprintf(buf, len, "%s", target);
		return;
	}
	snprintf(s.target, sizeof(s.target), "%s", target);
	step_display(&s, buf, len);
}

/* What the repair of p needs is all known: an address or route removed, or
 * an nf_tables transaction whole (its NEWGEN come). Others (a link, whose
 * change the kernel follows with more; a sysctl) wait for the burst's end. */
static bool quick(const struct pending *p)
{
	if (p->nft)
		return !p->gen_wait;
	return p->removed && (STREQ(p->kind, "address") || STREQ(p->kind, "route"));
}

bool watch_all_quick(const struct watch *w)
{
	for (size_t i = 0; i < w->n_pend; i++)
		if (!quick(&w->pend[i]))
			return false;
	return w->n_pend > 0;
}

/* A relevant notification at t: the reconcile waits for the burst's end. */
static void debounce(struct watch *w, int64_t t)
{
	if (!w->n_pend)
		w->first_us = t;
	w->due_us = t + DEBOUNCE_US;
	if (w->due_us > w->first_us + DEBOUNCE_MAX_US)
		w->due_us = w->first_us + DEBOUNCE_MAX_US;
}

/* Room for one more notification's cause, or NULL when full: what the list
 * cannot hold is lost to repair_notified(), so the full reconcile runs. */
static struct pending *pend(struct watch *w, int64_t t)
{
	debounce(w, t);
	if (w->n_pend == PENDING_MAX) {
		if (!w->resync)
			say("watch: more than %d objects undone at once: reading the kernel whole",
			    PENDING_MAX);
		w->resync = true;
		return NULL;
	}
	return &w->pend[w->n_pend++];
}

/* The end of an nf_tables transaction: its process, or the agent's own. */
static void nft_gen(struct watch *w, const struct netconf_event *e, int64_t t)
{
	bool own = e->pid == (uint32_t)getpid() || attrib_own_port(NETLINK_NETFILTER, e->portid);
	size_t n = 0;

	for (size_t i = 0; i < w->n_pend; i++) {
		struct pending *p = &w->pend[i];

		if (!p->gen_wait) {
			w->pend[n++] = *p;
			continue;
		}
		if (own)
			continue;
		p->gen_wait = false;
		attrib_nft(e->portid, e->pid, e->comm, p->who, sizeof(p->who));
		w->pend[n++] = *p;
	}
	w->n_pend = n;
	if (n && !own)
		debounce(w, t);
	if (!n)
		w->due_us = 0;
}

static int on_event(const struct netconf_event *e, void *data)
{
	struct watch *w = data;
	const struct step_ops *ops;
	struct pending *p;
	char target[STEP_TARGET_MAX];
	const char *kind, *raw;
	int64_t t = now_us();
	bool nft;

	if (e->gen) {
		nft_gen(w, e, t);
		return 0;
	}
	/* The agent's own changes (rtnetlink: its socket's port; nf_tables:
	 * the transaction's process, at its NEWGEN). */
	if (!e->kind || (e->portid && e->portid == w->own_port) || !concerns(w, e, &ops))
		return 0;
	nft = STREQ(e->kind, "nft");
	/* nf_tables: the table's step stands for all it holds. */
	raw = nft ? ops->nft_table : e->target;
	kind = ops ? ops->kind : e->kind;
	display(ops, raw, target, sizeof(target));
	/* Contested: not even looked into, and no reconcile for it. */
	if (repairs_held(w->rep, kind, target, now_s()))
		return 0;
	for (size_t i = 0; i < w->n_pend; i++)
		if (STREQ(w->pend[i].kind, kind) && STREQ(w->pend[i].target, target) &&
		    w->pend[i].removed == e->removed) {
			debounce(w, t);
			return 0;
		}
	p = pend(w, t);
	if (!p)
		return 0;
	*p = (struct pending){ .removed = e->removed, .nft = nft, .t_us = t };
	snprintf(p->kind, sizeof(p->kind), "%s", kind);
	snprintf(p->target, sizeof(p->target), "%s", target);
	snprintf(p->raw, sizeof(p->raw), "%s", raw);
	if (nft) {
		/* Taken up once the transaction's NEWGEN has come. */
		p->gen_wait = true;
		w->due_us = 0;
	} else if (STREQ(e->kind, "sysctl") && !e->portid) {
		snprintf(p->who, sizeof(p->who), "a write to /proc/sys");
	} else if (STREQ(e->kind, "link") && !e->portid) {
		/* The kernel tells a link's new state without its requester. */
		snprintf(p->who, sizeof(p->who), "a process the kernel does not name");
	} else {
		/* At once: a command like ip ends right after its change. */
		attrib_port(NETLINK_ROUTE, e->portid, p->who, sizeof(p->who));
	}
	return 0;
}

/* Everything queued; a lost notification asks for a full reconcile. */
void watch_read_events(struct watch *w)
{
	for (int i = 0; i < NETCONF_EV_SOCKETS; i++) {
		int k = netconf_events_read(w->ev, i, on_event, w);

		if (k == -ENOBUFS && !w->resync) {
			w->resync = true;
			repairs_resync(w->rep);
			say("watch: notifications were lost (the socket's buffer overflowed): "
			    "reading the kernel whole");
		} else if (k < 0 && k != -ENOBUFS) {
			say("watch: cannot read the kernel's notifications: %s: "
			    "reading the kernel whole", strerror(-k));
			w->resync = true;
		}
	}
}
