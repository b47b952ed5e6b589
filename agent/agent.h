/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The program: the plan (observe, diff, act), the journal, the lock,
 * privileges and output. Only main.c exits.
 */
#ifndef LVS_AGENT_H
#define LVS_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../lib/macro.h"
#include "../lib/step.h"

#define AGENT_STATE_PATH "/run/lvs-rs-agent/state"

enum {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_CHECK = 1,
	AGENT_EXIT_USAGE = 2,
	AGENT_EXIT_RUNTIME = 3,
	AGENT_EXIT_ROLLBACK = 4,
};

/* ---- a growable list of steps (owned copies) */
struct steplist {
	struct step *v;
	size_t n, cap;
};
int steplist_add(struct steplist *l, const struct step *s);
void steplist_done(struct steplist *l);
/* The step of that kind and target; target NULL: the first of that kind. */
struct step *steplist_find(const struct steplist *l, const struct step_ops *ops,
			   const char *target);
/*
 * steplist_find in O(1) for big lists (10,000 VIPs): an index of l->v[0..n)
 * by kind and target, n = l->n at build time. It keeps indexes, not
 * pointers, so l may grow afterwards (new steps are not indexed).
 */
struct stepindex {
	const struct steplist *l;
	size_t n;
	uint32_t *slot; /* UINT32_MAX: empty */
	size_t mask;
};
int stepindex_build(struct stepindex *x, const struct steplist *l);
/* As steplist_find over the indexed steps (target NULL: a linear scan). */
struct step *stepindex_find(const struct stepindex *x,
			    const struct step_ops *ops, const char *target);
void stepindex_done(struct stepindex *x);
const struct step_ops *agent_ops_by_kind(const char *kind);

/* ---- the journal: the steps apply has taken, with their prior values */
struct journal {
	struct steplist steps;
	char config[256]; /* the config file of the last apply */
	time_t created;   /* first apply */
	time_t updated;   /* last write */
};
/* A missing file is an empty journal (0). -EBADMSG for a damaged one. */
int journal_load(const char *path, struct journal *j, char *err, size_t errlen);
/* tmp file, fsync, rename, fsync dir. Creates the directory if missing. */
int journal_save(const char *path, struct journal *j);
int journal_remove(const char *path);
/* mkdir of the journal's directory (0755) when it is missing. */
int agent_mkdir_parent(const char *path);
/* fsync of the directory that holds path. */
int agent_fsync_dir(const char *path);
/*
 * Replace path atomically with what write_cb writes to a buffered stream:
 * tmp (same directory) created 0644 whatever the umask, fsync, rename over
 * path, fsync of the directory. tmp is removed on failure. 0 or -errno.
 */
int agent_replace_file(const char *path, const char *tmp,
		       int (*write_cb)(FILE *f, void *data), void *data);
void journal_done(struct journal *j);

/* ---- lock beside the journal */
/* 0 and *ret_fd, -EAGAIN with *holder = PID when busy past wait_s seconds. */
int agent_lock(const char *state_path, double wait_s, int *ret_fd, long *holder);

/* ---- privileges */
/* Keep only CAP_NET_ADMIN; returns whether we hold it. */
bool agent_drop_privileges(void);

/* ---- the report: what a run changed and checked, printed at the end */
enum change_state {
	CHANGE_DONE,
	CHANGE_UNDONE,  /* made, then rolled back after a failure */
	CHANGE_FAILED,  /* the kernel refused it */
	CHANGE_SKIPPED, /* not attempted: the run stopped before it */
};

struct change {
	char op;
	enum change_state state;
	const struct step_ops *ops;
	char target[STEP_TARGET_MAX];
	char from[STEP_VALUE_MAX];
	char to[STEP_VALUE_MAX];
};

struct report {
	const char *command;
	bool json;
	struct change *changes;
	size_t n_changes, cap_changes;
	bool changes_undone; /* rolled back after a failure */
	struct checklist checks;
	struct journal *journal; /* status */
	char **errors; /* one line each; the first is the cause */
	size_t n_errors;
	bool error_printed; /* already on stderr, line by line */
	const char *summary_verb; /* "apply", "plan", ... */
};
int report_change(struct report *r, const struct step *s, const char *from,
		  const char *to);
void report_error(struct report *r, const char *fmt, ...) _printf_(2, 3);
void report_print(struct report *r);
/* Each error line to stderr, "lvs-rs-agent: " first (unless already printed). */
void report_print_errors(const struct report *r);
void report_done(struct report *r);
void agent_display_target(const struct step *s, char *buf, size_t len);

/* ---- commands */
struct agent_opts {
	const char *config;
	const char *state;
	double wait;
	bool json;
	bool have_net_admin;
	bool keep_on_config_error;
};
int agent_apply(const struct agent_opts *o, struct report *r, bool dry_run);
int agent_revert(const struct agent_opts *o, struct report *r);
int agent_verify(const struct agent_opts *o, struct report *r);
int agent_status(const struct agent_opts *o, struct report *r, struct journal *j);
int agent_check_config(const struct agent_opts *o, struct report *r);

/* ---- status and verify by hand (issue 7) */
/*
 * The journal's steps that revert would change now (their ->now observed),
 * in revert's order: *n of them in v (room for l->n). 0 or -ENOMEM.
 */
int agent_revert_plan(const struct steplist *l, const struct step **v, size_t *n);
/*
 * Read lock beside the journal for a command that changes nothing: opens
 * STATE.lock read-only and never creates it. 0 and *ret_fd; -ENOENT or
 * -EACCES when there is no lock file this process may read; -EAGAIN with
 * *holder as agent_lock.
 */
int agent_lock_shared(const char *state_path, double wait_s, int *ret_fd,
		      long *holder);
/*
 * After EACCES/EPERM on path (or, when it does not exist, its directory):
 * why, when another uid owns it, and `todo` when that uid is the service's
 * (its DynamicUser). "" when no other uid owns it.
 */
void agent_owner_hint(const char *path, const char *todo, char *buf, size_t len);

/* ---- Prometheus textfile (verify/status --prometheus FILE) */

/* A label value escaped for the text format (\\, \", \n; a byte that is not
 * UTF-8 becomes U+FFFD). malloc'd; NULL without memory. */
char *agent_prom_escape(const char *s);
/* lvs_rs_agent_check_ok{kind,subject} per check (kind: the subject's first
 * word), _checks, _checks_failed, _verify_success, _last_verify_timestamp_seconds. */
int agent_prom_format(FILE *f, const struct checklist *checks, bool success,
		      time_t when);
/* agent_prom_format's text to path atomically (path.tmp.PID, fsync, rename,
 * fsync of the directory), mode 0644. 0 or -errno. */
int agent_prom_write(const char *path, const struct checklist *checks,
		     bool success, time_t when);

#endif
