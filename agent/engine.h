/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine: the kinds' steps for a config, and a reconcile that makes the
 * kernel match it. A reconcile keeps nothing between calls: one process may
 * call it again and again (a loop that repairs drift), with the config it
 * last loaded, on one open netconf handle, holding the journal's lock.
 */
#ifndef LVS_AGENT_ENGINE_H
#define LVS_AGENT_ENGINE_H

#include <stdbool.h>

struct conf;
struct journal;
struct netconf;
struct report;
struct step;
struct steplist;

/*
 * The steps config c asks, each kind's (its build hook) in the registry's
 * order, appended to out. journal: the journal's steps, or NULL; nc NULL:
 * without kernel access (check-config). verb names the command in
 * messages. 0, or -errno with the reason reported (-EOPNOTSUPP: the config
 * cannot be served as written).
 */
int engine_build(const struct conf *c, struct netconf *nc, const struct steplist *journal,
		 const char *verb, struct steplist *out, struct report *r);

/* What one reconcile works with: all of it the caller's, read only. */
struct engine {
	struct netconf *nc;
	const struct conf *conf;
	const char *config; /* the config's path, named in the journal */
	/* The journal; the caller holds its lock unless dry_run. */
	const char *state;
	bool dry_run; /* plan: say what would change, change nothing */
	/*
	 * A long-running caller's objects to leave as they are in this run
	 * (watch: one another process keeps changing): a change towards the
	 * config of a step for which hold() is true is not made, and with it
	 * none of its kind when the kind is one whole (transactional). The
	 * journal keeps the step and its prior all the same. NULL: none.
	 */
	bool (*hold)(const struct step *s, void *data);
	void *hold_data;
	/*
	 * A long-running caller's copy of the journal on disk, read in place
	 * of the file (watch: it holds the lock all along, and has checked
	 * that the file is still the one it read). NULL: the file is read.
	 */
	const struct journal *kept;
};

/*
 * Make the kernel match e->conf: refuse a config that the host's links and
 * addresses make wrong for LVS, build the steps, observe them, ask each
 * kind whether the kernel can have them, plan (plan.h), write the journal
 * before the first change, make the changes, read them back, roll back on
 * any failure (the journal put back as it was), and write the journal
 * after. Every change, warning and error goes to r (reset it between calls
 * to keep only this one's). Returns an exit code.
 */
int engine_reconcile(const struct engine *e, struct report *r);

#endif
