/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The report of a run: what it changed and checked, its errors and
 * warnings, printed at the end as text or one JSON document. A warning is
 * said on stderr at once. A report is zeroed to start; report_reset()
 * empties it for the next run of the same process.
 */
#ifndef LVS_AGENT_REPORT_H
#define LVS_AGENT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "../lib/macro.h"
#include "../lib/step.h"

/*
 * The version of the --json document (doc/lvs-rs-agent.schema.json), its
 * "schema" member. It changes when a member goes, is renamed, or changes
 * type or meaning; a new member does not change it.
 */
#define AGENT_JSON_SCHEMA 1

struct journal;
struct json_object;

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
	/* Texts in the report's pool: the target as people read it. */
	const char *target, *from, *to;
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
	struct text_pool *texts; /* of the changes */
	bool changes_undone; /* rolled back after a failure */
	struct checklist checks;
	struct journal *journal; /* status */
	bool observed;     /* status: the journal's steps were read from the kernel */
	/* status: what revert would do now (plan_revert() of the journal's
	 * steps as observed), or revert_unknown when it could not be told. */
	struct action *revert;
	size_t n_revert;
	bool revert_unknown;
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
	/* status: a running watch's account (STATE.watch), or NULL. */
	struct json_object *watch;
};
int report_change(struct report *r, const struct step *s, const char *from,
		  const char *to);
/* One message, at most two lines (the second after '\n'); the first error
 * is the cause. */
void report_error(struct report *r, const char *fmt, ...) _printf_(2, 3);
void report_warning(struct report *r, const char *fmt, ...) _printf_(2, 3);
/*
 * Configuration errors, one "FILE:LINE: message" each: every line to
 * stderr at once, the first (with hint after it, and how many more) in the
 * report.
 */
void report_config_errors(struct report *r, char *const *v, size_t n, size_t more,
			  const char *hint);
void report_print(struct report *r);
/* Each error line to stderr, "lvs-rs-agent: " first (unless already printed). */
void report_print_errors(const struct report *r);
/* Empty it for another run: command, json and journal stay. */
void report_reset(struct report *r);
void report_done(struct report *r);

#endif
