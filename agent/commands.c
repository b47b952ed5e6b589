// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "act.h"
#include "checks.h"
#include "commands.h"
#include "engine.h"
#include "revert.h"
#include "exit.h"
#include "file.h"
#include "journal.h"
#include "lock.h"
#include "report.h"
#include "signal.h"
#include "state.h"
#include "../conf/conf.h"
#include "../netconf/netconf.h"

static void netconf_closep(struct netconf **nc)
{
	netconf_close(*nc);
}

int agent_load_config(const struct agent_opts *o, struct report *r, struct conf **ret)
{
	struct conf_errors err = { 0 };
	int k;

	k = conf_load(o->config, ret, &err);
	if (k < 0) {
		/* No config at all: the first run, or a -c that names another. */
		const char *hint = k == -ENOENT && err.n == 1 ?
			" (see lvs-rs-agent.conf(5), or -c FILE)" : "";

		if (err.n) {
			report_config_errors(r, err.v, err.n, 0, hint);
		} else {
			fprintf(stderr, "lvs-rs-agent: %s: %s\n", o->config, strerror(-k));
			report_error(r, "%s", strerror(-k));
			r->error_printed = true;
		}
		conf_errors_done(&err);
		return AGENT_EXIT_USAGE;
	}
	conf_errors_done(&err);
	return AGENT_EXIT_OK;
}

int agent_open_netconf(struct report *r, struct netconf **nc)
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

int agent_take_lock(const struct agent_opts *o, struct report *r, int *fd)
{
	long holder = agent_lock_watcher(o->state);
	int k;

	/* A watch keeps the lock for as long as it runs: no use waiting. */
	if (holder > 0) {
		report_error(r, "lvs-rs-agent watch (PID %ld) keeps this server prepared and holds %s.lock:\n"
			     "systemctl reload lvs-rs-agent-watch applies an edited config (SIGHUP), "
			     "systemctl stop lvs-rs-agent-watch reverts", holder, o->state);
		return AGENT_EXIT_RUNTIME;
	}
	k = agent_lock(o->state, o->wait, fd, &holder);

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

int agent_need_net_admin(const struct agent_opts *o, struct report *r, const char *verb)
{
	if (o->have_net_admin)
		return AGENT_EXIT_OK;
	report_error(r, "%s changes the kernel and needs CAP_NET_ADMIN, which this process lacks:\n"
		     "run it as root, or grant CAP_NET_ADMIN as an ambient capability", verb);
	return AGENT_EXIT_RUNTIME;
}

/*
 * --keep-on-config-error, for the units' start and stop: `systemctl
 * restart` runs the stop (revert) and then the start (apply), and systemd
 * tells neither which it is part of. With a present but broken config the
 * server keeps what the last apply made, so a typo never leaves it without
 * its VIPs while the director still sends it traffic; a missing config (the
 * uninstall order) reverts, and with nothing applied (at boot: /run is
 * empty) the start fails as without the option. 1 when kept, else 0.
 */
int agent_keep_prepared(const struct agent_opts *o, struct report *r, const char *verb)
{
	const char *unit = STREQ(verb, "watch") ? "lvs-rs-agent-watch" : "lvs-rs-agent";
	const char *then = STREQ(verb, "watch") ? "restart" : "reload";
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
	report_warning(r, "%s: the config has errors: kept the %zu changes of the last apply;\n"
		       "fix it, then systemctl %s %s (or remove it to revert)", verb, n, then, unit);
	return 1;
}

int agent_apply(const struct agent_opts *o, struct report *r, bool dry_run)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct engine e = { .config = o->config, .state = o->state, .dry_run = dry_run };
	int ret;

	ret = agent_load_config(o, r, &c);
	if (ret && !dry_run && agent_keep_prepared(o, r, "apply"))
		return AGENT_EXIT_OK;
	/* rip = auto: the desired steps depend on the interfaces. */
	if (ret == AGENT_EXIT_OK)
		ret = agent_open_netconf(r, &nc);
	if (ret == AGENT_EXIT_OK && !dry_run)
		ret = agent_need_net_admin(o, r, "apply");
	if (ret == AGENT_EXIT_OK && !dry_run)
		ret = agent_take_lock(o, r, &lock_fd);
	if (ret)
		return ret;
	e.nc = nc;
	e.conf = c;
	return engine_reconcile(&e, r);
}

int agent_revert(const struct agent_opts *o, struct report *r)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	int ret;

	if (o->keep_on_config_error && access(o->config, F_OK) == 0) {
		_cleanup_(conf_freep) struct conf *c = NULL;

		if (agent_load_config(o, r, &c) != AGENT_EXIT_OK &&
		    agent_keep_prepared(o, r, "revert"))
			return AGENT_EXIT_OK;
	}
	ret = agent_need_net_admin(o, r, "revert");
	if (ret == AGENT_EXIT_OK)
		ret = agent_take_lock(o, r, &lock_fd);
	if (ret == AGENT_EXIT_OK)
		ret = agent_open_netconf(r, &nc);
	if (ret)
		return ret;
	return revert_run(nc, o->state, o->force, r);
}

int agent_forget(const struct agent_opts *o, struct report *r)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
	int ret;

	ret = agent_take_lock(o, r, &lock_fd);
	if (ret == AGENT_EXIT_OK)
		ret = agent_open_netconf(r, &nc);
	if (ret)
		return ret;
	return revert_forget(nc, o->state, r);
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
	ret = agent_load_config(o, r, &c);
	if (ret == AGENT_EXIT_OK)
		ret = agent_open_netconf(r, &nc);
	if (ret == AGENT_EXIT_OK)
		ret = checks_config(c, nc, r, "verify");
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

/*
 * The live checks as verify makes them, when the config can be read;
 * status needs only the journal, so a missing or broken config is told
 * (a warning) and leaves the checks of the journal's own steps.
 */
static int status_config(const struct agent_opts *o, struct netconf *nc, struct report *r,
			 const struct journal *j)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct conf_errors cerr = { 0 };
	int k, ret = AGENT_EXIT_OK;

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
		if (j->steps.n && j->config[0] && !state_same_file(j->config, o->config))
			report_warning(r, "the last apply used the config %s;\n"
				       "the checks are against %s", j->config, o->config);
		ret = checks_config(c, nc, r, "status");
	}
	conf_errors_done(&cerr);
	return ret;
}

static int status(const struct agent_opts *o, struct report *r, struct journal *j)
{
	_cleanup_(netconf_closep) struct netconf *nc = NULL;
	_cleanup_close_ int lock_fd = -1;
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
	/* A watch holds the lock for as long as it runs: read without it (the
	 * journal is replaced atomically, so the one read is whole). */
	k = agent_lock_watcher(o->state) > 0 ? 0 :
	    agent_lock_shared(o->state, o->wait, &lock_fd, &holder);
	if (k == -EAGAIN)
		return lock_busy(o, r, holder);
	/* Not a lock file the agent made: someone planted it. */
	if (k == -ELOOP || k == -EISDIR || k == -EBADFD) {
		report_error(r, "cannot open %s.lock: %s", o->state, agent_file_strerror(k));
		return AGENT_EXIT_RUNTIME;
	}

	ret = state_load(o->state, r, "status", STATE_READABLE | STATE_READ_ONLY, j, damage,
			 sizeof(damage), &gone);
	if (ret)
		return ret;
	r->journal = j;
	r->applied = j->steps.n ? REPORT_APPLIED_YES : REPORT_APPLIED_NO;
	ret = agent_open_netconf(r, &nc);
	if (ret == AGENT_EXIT_OK)
		ret = act_observe_for(nc, r, "status", &j->steps);
	if (ret)
		return ret;
	r->observed = true;
	ret = status_config(o, nc, r, j);
	/* Then each journal step verify did not already check. */
	if (ret == AGENT_EXIT_OK)
		ret = checks_journal(nc, r, j);
	if (ret)
		return ret;
	if (damage[0]) {
		state_damage(r, damage, j);
		return AGENT_EXIT_RUNTIME;
	}
	return checklist_failed(&r->checks) ? AGENT_EXIT_CHECK : AGENT_EXIT_OK;
}

/* A running watch's account beside the journal (STATE.watch), when the
 * watch that wrote it holds the lock. */
static void status_watch(const struct agent_opts *o, struct report *r)
{
	_cleanup_free_ char *path = NULL;
	long pid = agent_lock_watcher(o->state);
	json_object *doc, *v;

	if (pid <= 0 || asprintf(&path, "%s.watch", o->state) < 0)
		return;
	doc = json_object_from_file(path);
	if (doc && json_object_object_get_ex(doc, "pid", &v) && json_object_get_int64(v) == pid)
		r->watch = doc;
	else if (doc)
		json_object_put(doc);
}

int agent_status(const struct agent_opts *o, struct report *r, struct journal *j)
{
	int ret = status(o, r, j);

	status_watch(o, r);
	/* What revert would do now, once the kernel was read: the report
	 * shows it whatever else status could tell. */
	if (r->observed)
		revert_show(&j->steps, r);
	return ret;
}

int agent_check_config(const struct agent_opts *o, struct report *r)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct steplist want = { 0 };
	size_t vips = 0;
	int ret;

	ret = agent_load_config(o, r, &c);
	if (ret)
		return ret;
	/* No kernel access: without the interfaces, no per-interface rules. */
	if (engine_build(c, NULL, NULL, "check-config", &want, r) < 0) {
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
