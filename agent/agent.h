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
#include <sys/types.h>
#include <time.h>

#include "../lib/macro.h"
#include "../lib/step.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"

#define AGENT_STATE_PATH "/run/lvs-rs-agent/state"

enum {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_CHECK = 1,
	AGENT_EXIT_USAGE = 2,
	AGENT_EXIT_RUNTIME = 3,
	AGENT_EXIT_ROLLBACK = 4,
	AGENT_EXIT_PENDING = 5, /* plan --detailed-exitcode: apply would change */
};

/*
 * The version of the --json document (doc/lvs-rs-agent.schema.json), its
 * "schema" member. It changes when a member goes, is renamed, or changes
 * type or meaning; a new member does not change it.
 */
#define AGENT_JSON_SCHEMA 1

/* ---- the journal: the steps apply has taken, with their prior values */
struct journal {
	struct steplist steps;
	char config[256]; /* the config file of the last apply */
	time_t created;   /* first apply */
	time_t updated;   /* last write */
	/* The network namespace (and boot) it was written in; all zero in
	 * a journal of an older agent, which the next write binds. */
	struct netconf_netns ns;
	bool found; /* the file exists */
	/*
	 * journal_load_readable() of a damaged journal: the first line that
	 * could not be read (0: none), how many lines there are from it to
	 * the end, and the steps the header counts (0: header unreadable).
	 */
	size_t unread_from, unread_lines, counted;
};
/* A missing file is an empty journal (0). -EBADMSG for a damaged one. */
int journal_load(const char *path, struct journal *j, char *err, size_t errlen);
/*
 * As journal_load, but a damaged journal keeps what could be read before
 * the damage: -EBADMSG, err saying where and why, j->steps the steps before
 * it (none when the header is damaged), j->unread_* what is left unread.
 */
int journal_load_readable(const char *path, struct journal *j, char *err,
			  size_t errlen);
/*
 * tmp file, fsync, rename, fsync dir. Creates the directory if missing.
 * Binds the journal to this process's network namespace (j->ns).
 */
int journal_save(const char *path, struct journal *j);
/* Whose a journal is, from its j->ns against this process's. */
enum journal_owner {
	JOURNAL_OURS,
	JOURNAL_UNBOUND,    /* written by an older agent: cannot be told */
	JOURNAL_OTHER_BOOT, /* before a reboot: nothing of it is in the kernel */
	JOURNAL_OTHER_NETNS,
};
enum journal_owner journal_owner(const struct journal *j,
				 const struct netconf_netns *self);
/* "net:[4026532290] (cookie 5)" for messages. */
void journal_netns_text(const struct netconf_netns *ns, char *buf, size_t len);
/* journal_save without touching its times: a journal put back as it was. */
int journal_write(const char *path, const struct journal *j);
int journal_remove(const char *path);
/*
 * mkdir of the journal's directory (0755) when it is missing; an existing
 * one must be a directory, or a symlink to one that root or this user owns:
 * -ELOOP for another user's symlink, -ENOTDIR.
 */
int agent_mkdir_parent(const char *path);
/*
 * open(2) of a file in a directory another user may own: never through a
 * symlink, never blocking (a FIFO), and only a regular file. flags as for
 * open (O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_CLOEXEC are added); one_link:
 * refuse a file with more than one hard link (one the agent writes through).
 * The fd, or -errno: -ELOOP a symlink, -EISDIR a directory, -EBADFD or
 * -ENXIO another non-regular file, -EMLINK hard links.
 */
int agent_open_regular(const char *path, int flags, mode_t mode, bool one_link);
/* strerror() that says what agent_open_regular() and friends refused. */
const char *agent_file_strerror(int err);
/* fsync of the directory that holds path. */
int agent_fsync_dir(const char *path);
/*
 * Replace path atomically with what write_cb writes to a buffered stream:
 * tmp (same directory) created new (O_EXCL; anything at its name is removed
 * first) 0644 whatever the umask, fsync, rename over path, fsync of the
 * directory. tmp is removed on failure. A path that exists and is not a
 * regular file is refused as agent_open_regular() refuses it. 0 or -errno.
 */
int agent_replace_file(const char *path, const char *tmp,
		       int (*write_cb)(FILE *f, void *data), void *data);
void journal_done(struct journal *j);

/* ---- lock beside the journal */
/*
 * 0 and *ret_fd, -EAGAIN with *holder = PID when busy past wait_s seconds,
 * -EINTR when a signal was caught while waiting, or agent_open_regular()'s
 * refusals of what is at STATE.lock.
 */
int agent_lock(const char *state_path, double wait_s, int *ret_fd, long *holder);

/* ---- signals: apply and revert stop between kernel changes and roll back */
/* Catch SIGTERM, SIGINT and SIGHUP; each kernel change asks first. 0 or -errno. */
int agent_catch_signals(void);
/* The signal caught, or 0. */
int agent_interrupted(void);
/* From now on no kernel change is stopped (the rollback runs to its end). */
void agent_stop_no_more(void);
/* "SIGTERM" */
const char *agent_signal_name(int sig);

/* ---- privileges */
/* Keep only CAP_NET_ADMIN; returns whether we hold it. */
bool agent_drop_privileges(void);

/* ---- the report: what a run changed and checked, printed at the end */
enum change_state {
	CHANGE_DONE,
	CHANGE_UNDONE,  /* made, then rolled back after a failure */
	CHANGE_FAILED,  /* the kernel refused it */
	CHANGE_SKIPPED, /* not attempted: the run stopped before it */
	CHANGE_LEFT,    /* forget: what revert would have done, left undone */
};

struct change {
	char op;
	enum change_state state;
	const struct step_ops *ops;
	char target[STEP_TARGET_MAX];
	char from[STEP_VALUE_MAX];
	char to[STEP_VALUE_MAX];
};

/* Whether the agent has applied anything here: its journal holds steps. */
enum report_applied {
	REPORT_APPLIED_UNKNOWN, /* not asked, or the journal was unreadable */
	REPORT_APPLIED_NO,
	REPORT_APPLIED_YES,
};

struct report {
	const char *command; /* NULL: a usage error before one was known */
	bool json;
	struct change *changes;
	size_t n_changes, cap_changes;
	bool changes_undone; /* rolled back after a failure */
	struct checklist checks;
	struct journal *journal; /* status */
	bool observed;     /* status: the journal's steps were read from the kernel */
	bool journal_lost; /* status: no journal, yet the agent's marked objects live */
	bool forgot;       /* forget removed a journal */
	char **errors; /* one line each; the first is the cause */
	size_t n_errors;
	bool error_printed; /* already on stderr, line by line */
	/* Not errors, but worth telling: said on stderr at once (text), kept
	 * for JSON's "warnings". One line each (at most two, split by '\n'). */
	char **warnings;
	size_t n_warnings;
	enum report_applied applied; /* verify, status */
	const char *summary_verb; /* "apply", "plan", ... */
};
int report_change(struct report *r, const struct step *s, const char *from,
		  const char *to);
/* One message, at most two lines (the second after '\n'); the first error
 * is the cause. */
void report_error(struct report *r, const char *fmt, ...) _printf_(2, 3);
void report_warning(struct report *r, const char *fmt, ...) _printf_(2, 3);
void report_print(struct report *r);
/* Each error line to stderr, "lvs-rs-agent: " first (unless already printed). */
void report_print_errors(const struct report *r);
void report_done(struct report *r);

/* ---- commands */
struct agent_opts {
	const char *config;
	const char *state;
	double wait;
	bool json;
	bool force; /* revert: also without a whole journal */
	bool have_net_admin;
};
int agent_apply(const struct agent_opts *o, struct report *r, bool dry_run);
int agent_revert(const struct agent_opts *o, struct report *r);
/* Drop the journal, saying what it leaves in the kernel; change nothing. */
int agent_forget(const struct agent_opts *o, struct report *r);
int agent_verify(const struct agent_opts *o, struct report *r);
int agent_status(const struct agent_opts *o, struct report *r, struct journal *j);
int agent_check_config(const struct agent_opts *o, struct report *r);

/* ---- the config against the host's links and addresses (topology.c) */
struct conf;
struct netconf_host;
struct arp_vip;

enum topo_mode {
	TOPO_VERIFY, /* every finding, as a check: ok ones too */
	TOPO_APPLY,  /* the failing findings, as refusals of the config */
};

/*
 * One finding: a check for verify (kind, target, expected, found, detail,
 * why), and for apply a refusal of the config key at FILE:LINE (group the
 * [vip] group or NULL, key its key: "device", "address", "arp_announce").
 */
struct topo_finding {
	bool ok;
	const char *kind; /* "device", "tunnel", "vip", "anyip", "arp_announce" */
	const char *group;
	const char *key;
	const char *file;
	int line;
	char target[CHECK_TARGET_MAX];
	char expected[CHECK_EXPECTED_MAX];
	char found[CHECK_FOUND_MAX];
	char detail[CHECK_DETAIL_MAX];
	char why[CHECK_WHY_MAX];
};
typedef int (*topo_cb)(const struct topo_finding *f, void *data);

/*
 * The checks no kernel value of the agent's own shows: a DR device that
 * answers ARP or ND, a TUN device of a kind that does not decapsulate the
 * group's family, a VIP that is another interface's address, an anyip
 * prefix covering a subnet or address of the host, and (apply only: verify
 * checks the effective value) arp_announce = 1 beside a VIP in an
 * interface's subnet. journal (apply, may be NULL): an address of the
 * agent's own that this apply removes is no finding. cb gets each finding;
 * a negative return stops the walk and is returned. 0 or -errno.
 */
int agent_topology(const struct conf *c, const struct netconf_host *h,
		   enum topo_mode mode, const struct steplist *journal,
		   topo_cb cb, void *data);

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
 * *holder as agent_lock; agent_open_regular()'s refusals.
 */
int agent_lock_shared(const char *state_path, double wait_s, int *ret_fd,
		      long *holder);
/*
 * After EACCES/EPERM on path (or, when it does not exist, its directory):
 * why, in place of strerror, when another uid owns it, and `todo` when that
 * uid is the service's (its DynamicUser). Two lines, split by '\n'; ""
 * when no other uid owns it.
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
