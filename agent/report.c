// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/* Output: text for people, or one JSON document (json-c) for tools. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "report.h"

int report_change(struct report *r, const struct step *s, const char *from,
		  const char *to)
{
	const struct change *last = r->n_changes ? &r->changes[r->n_changes - 1] : NULL;
	char target[STEP_TARGET_MAX + 16];
	struct change c = { .ops = s->ops, .op = step_sign(s->ops, from, to) };

	if (r->n_changes == r->cap_changes) {
		size_t cap = r->cap_changes ? 2 * r->cap_changes : 16;
		struct change *v = realloc(r->changes, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->changes = v;
		r->cap_changes = cap;
		last = r->n_changes ? &r->changes[r->n_changes - 1] : NULL;
	}
	step_display(s, target, sizeof(target));
	/* The values of one kind repeat: shared with the change before. */
	c.target = text_pool_copy(&r->texts, target, sizeof(target), NULL);
	c.from = text_pool_copy(&r->texts, from, STEP_VALUE_MAX, last ? last->from : NULL);
	c.to = text_pool_copy(&r->texts, to, STEP_VALUE_MAX, last ? last->to : NULL);
	if (!c.target || !c.from || !c.to)
		return -ENOMEM;
	r->changes[r->n_changes++] = c;
	return 0;
}

/* A line made from fmt appended to *v: the line, or NULL without memory. */
_printf_(3, 0) static char *push_line(char ***v, size_t *n, const char *fmt,
				      va_list ap)
{
	char **nv, *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		free(msg);
		return NULL;
	}
	*v = nv;
	(*v)[(*n)++] = msg;
	return msg;
}

static void free_lines(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

void report_error(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	push_line(&r->errors, &r->n_errors, fmt, ap);
	va_end(ap);
}

/* PREFIX and the message; its second line, if any, indented under it. */
static void print_message(FILE *f, const char *prefix, const char *msg)
{
	fputs(prefix, f);
	for (; *msg; msg++) {
		fputc(*msg, f);
		if (*msg == '\n')
			fputs("  ", f);
	}
	fputc('\n', f);
}

void report_warning(struct report *r, const char *fmt, ...)
{
	const char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = push_line(&r->warnings, &r->n_warnings, fmt, ap);
	va_end(ap);
	/* Said at once, before the changes it warns of are made, as errors
	 * are said on stderr in either mode; JSON also carries it. */
	if (msg)
		print_message(stderr, "lvs-rs-agent: warning: ", msg);
}

void report_config_errors(struct report *r, char *const *v, size_t n, size_t more,
			  const char *hint)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s\n", v[i], i ? "" : hint);
	report_error(r, "%s%s", v[0], hint);
	if (n + more > 1)
		report_error(r, "and %zu more configuration errors", n + more - 1);
	r->error_printed = true;
}

void report_reset(struct report *r)
{
	struct report keep = {
		.command = r->command, .json = r->json, .journal = r->journal,
	};

	report_done(r);
	*r = keep;
}

void report_done(struct report *r)
{
	free(r->changes);
	text_pool_free(&r->texts);
	free(r->revert);
	free_lines(&r->errors, &r->n_errors);
	free_lines(&r->warnings, &r->n_warnings);
	checklist_done(&r->checks);
	if (r->watch)
		json_object_put(r->watch);
	r->watch = NULL;
	r->changes = NULL;
	r->revert = NULL;
	r->n_changes = r->cap_changes = r->n_revert = 0;
}


void report_print_errors(const struct report *r)
{
	if (r->error_printed)
		return;
	for (size_t i = 0; i < r->n_errors; i++)
		print_message(stderr, "lvs-rs-agent: ", r->errors[i]);
}

static void print_change_text(const struct change *c)
{
	if (c->op == '~')
		printf("~ %s %s %s -> %s\n", c->ops->kind, c->target, c->from, c->to);
	else
		printf("%c %s %s\n", c->op, c->ops->kind, c->target);
}

/* brief: without the why (the run said once why they all fail). */
static void print_check_text(const struct check *c, bool brief)
{
	const char *tag = !c->ok ? "FAIL" : c->warn ? "WARN" : "ok  ";
	char subject[CHECK_SUBJECT_MAX], found[CHECK_FOUND_MAX + CHECK_DETAIL_MAX + 4];

	check_subject(c, subject, sizeof(subject));
	if (*c->detail)
		snprintf(found, sizeof(found), "%s (%s)", c->found, c->detail);
	else
		snprintf(found, sizeof(found), "%s", c->found);
	if (c->ok && !c->warn)
		printf("%s %s: %s\n", tag, subject, found);
	else if (c->ok)
		printf("%s %s: %s: %s\n", tag, subject, found, c->why);
	else if (brief)
		printf("%s %s: expected %s, found %s\n", tag, subject, c->expected, found);
	else
		printf("%s %s: expected %s, found %s: %s\n", tag, subject,
		       c->expected, found, c->why);
}

static void format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(buf, len, "unknown");
}

/*
 * status: what the journal says was applied and when, and what revert would
 * do now (the journal's prior values against the kernel as observed).
 */
static void print_journal_text(const struct report *r)
{
	const struct journal *j = r->journal;
	_cleanup_free_ bool *planned = NULL;
	char created[64], updated[64], t[STEP_TARGET_MAX + 16];

	if (j->steps.n == 0 && !j->unread_from) {
		printf(r->journal_lost ? "journal: missing, yet the agent's own objects are live "
					 "(FAIL lines below): it was lost\n"
				       : "journal: nothing applied\n");
		return;
	}
	format_time(j->created, created, sizeof(created));
	format_time(j->updated, updated, sizeof(updated));
	printf("journal: %zu step%s, first apply %s, last apply %s\n", j->steps.n,
	       j->steps.n == 1 ? "" : "s", created, updated);
	printf("  config of the last apply: %s\n", j->config[0] ? j->config : "unknown");
	if (j->unread_from == 1)
		printf("  damaged: unreadable as a whole (%zu line%s, the header too): revert --force "
		       "removes only the agent's marked objects, forget drops the journal\n",
		       j->unread_lines, j->unread_lines == 1 ? "" : "s");
	else if (j->unread_from)
		printf("  damaged: unreadable from line %zu on (%zu line%s; the header counts %zu "
		       "step%s, %zu read): revert --force reverts the steps below, forget drops "
		       "the journal\n", j->unread_from, j->unread_lines,
		       j->unread_lines == 1 ? "" : "s", j->counted, j->counted == 1 ? "" : "s",
		       j->steps.n);
	printf("applied (from the values before the first apply):\n");
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];

		step_display(s, t, sizeof(t));
		if (step_same(s, s->prior, s->want))
			printf("  = %s %s %s: so before the first apply; revert leaves it\n",
			       s->ops->kind, t, s->want);
		else if (step_sign(s->ops, s->prior, s->want) == '~')
			printf("  ~ %s %s %s -> %s\n", s->ops->kind, t, s->prior, s->want);
		else
			printf("  %c %s %s\n", step_sign(s->ops, s->prior, s->want),
			       s->ops->kind, t);
	}
	/* The kernel was observed only when status got that far. */
	if (!r->observed)
		return;
	planned = calloc(j->steps.n, sizeof(*planned));
	if (!planned || r->revert_unknown) {
		printf("revert would: (out of memory)\n");
		return;
	}
	printf("revert would:%s\n", r->n_revert ? "" : " change nothing");
	for (size_t i = 0; i < r->n_revert; i++) {
		const struct step *s = r->revert[i].s;
		char op = step_sign(s->ops, s->now, s->prior);

		/* By position: a search of the plan per step is n^2. */
		planned[s - j->steps.v] = true;
		step_display(s, t, sizeof(t));
		if (op == '~')
			printf("  ~ %s %s %s -> %s\n", s->ops->kind, t, s->now, s->prior);
		else
			printf("  %c %s %s\n", op, s->ops->kind, t);
	}
	/* The steps it would leave alone, and why: an operator comparing the
	 * two lists should not have to guess. */
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];

		if (planned[i] || step_same(s, s->prior, s->want))
			continue;
		step_display(s, t, sizeof(t));
		if (step_same(s, s->now, s->prior))
			printf("  (nothing for %s %s: already %s)\n", s->ops->kind, t, s->now);
		else
			printf("  (nothing for %s %s: %s now, %s before: nothing to restore)\n",
			       s->ops->kind, t, s->now, s->prior);
	}
}

static const char *watch_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "?";
}

static int64_t watch_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static void watch_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

/* status: the running watch, its contested objects and recent repairs. */
static void print_watch_text(json_object *w)
{
	json_object *a;
	char t1[32], t2[32];
	size_t n;

	watch_time(watch_int(w, "started"), t1, sizeof(t1));
	watch_time(watch_int(w, "last_repair"), t2, sizeof(t2));
	printf("watch: PID %lld, running since %s, %lld repairs (last %s), %lld resyncs\n",
	       (long long)watch_int(w, "pid"), t1, (long long)watch_int(w, "repairs"), t2,
	       (long long)watch_int(w, "resyncs"));
	if (json_object_object_get_ex(w, "contested", &a) && json_object_is_type(a, json_type_array))
		for (n = 0; n < json_object_array_length(a); n++) {
			json_object *c = json_object_array_get_idx(a, n);

			watch_time(watch_int(c, "since"), t1, sizeof(t1));
			watch_time(watch_int(c, "retry"), t2, sizeof(t2));
			printf("contested: %s %s (undone again and again, last by %s): left alone "
			       "since %s, tried again at %s\n", watch_str(c, "kind"),
			       watch_str(c, "target"), watch_str(c, "by"), t1, t2);
		}
	if (!json_object_object_get_ex(w, "recent", &a) || !json_object_is_type(a, json_type_array) ||
	    !json_object_array_length(a))
		return;
	printf("recent repairs (newest first):\n");
	for (n = 0; n < json_object_array_length(a); n++) {
		json_object *c = json_object_array_get_idx(a, n), *ms;

		watch_time(watch_int(c, "time"), t1, sizeof(t1));
		printf("  %s %s %s %s by %s, restored in %.1f ms\n", t1, watch_str(c, "kind"),
		       watch_str(c, "target"), watch_str(c, "what"), watch_str(c, "by"),
		       json_object_object_get_ex(c, "ms", &ms) ? json_object_get_double(ms) : 0.0);
	}
}

static void print_text(struct report *r)
{
	const char *verb = r->command;
	size_t failed = checklist_failed(&r->checks);
	/* verify where nothing was applied: its warning says why they fail */
	bool brief = STREQ(r->command, "verify") && r->applied == REPORT_APPLIED_NO;

	if (r->journal)
		print_journal_text(r);
	for (size_t i = 0; i < r->n_changes; i++) {
		static const char *const tag[] = {
			[CHANGE_DONE] = "",
			[CHANGE_UNDONE] = "(undone) ",
			[CHANGE_FAILED] = "(failed) ",
			[CHANGE_SKIPPED] = "(not made) ",
			[CHANGE_LEFT] = "(left) ",
		};

		fputs(tag[r->changes[i].state], stdout);
		print_change_text(&r->changes[i]);
	}
	if (r->journal && r->checks.n)
		printf("checks (the live kernel, as verify):\n");
	for (size_t i = 0; i < r->checks.n; i++)
		print_check_text(&r->checks.v[i], brief);

	if (r->watch)
		print_watch_text(r->watch);
	if (r->n_errors)
		return;
	if (strcmp(r->command, "forget") == 0 && !r->forgot)
		printf("forget: no journal: nothing to forget\n");
	else if (strcmp(r->command, "forget") == 0)
		printf("forget: journal removed; %zu change%s that revert would have made left "
		       "undone%s\n", r->n_changes, r->n_changes == 1 ? "" : "s",
		       r->n_changes ? " (listed above)" : "");
	else if (strcmp(r->command, "verify") == 0 || strcmp(r->command, "status") == 0)
		printf("%s: %zu checks, %zu failed\n", verb, r->checks.n, failed);
	else if (strcmp(r->command, "check-config") == 0)
		return;
	else if (r->n_changes == 0)
		printf("%s: nothing to change\n", verb);
	else
		printf("%s: %zu change%s\n", verb, r->n_changes,
		       r->n_changes == 1 ? "" : "s");
}

/*
 * The --json document is written as it is made, one member or array element
 * at a time, each through json-c (escaping): the whole tree at once would
 * take some 50 MB for status at 10,000 VIPs. The output is the same bytes as json-c's
 * JSON_C_TO_STRING_PLAIN of the whole document.
 */
struct jw {
	FILE *f;
	bool more; /* a member was written: the next one needs a comma */
};

/* Write V (NULL: null) and release it. */
static void jw_value(FILE *f, json_object *v)
{
	fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	json_object_put(v);
}

/* KEY is one of this file's constants: no escaping needed. */
static void jw_key(struct jw *w, const char *key)
{
	fprintf(w->f, "%s\"%s\":", w->more ? "," : "", key);
	w->more = true;
}

static void jw_member(struct jw *w, const char *key, json_object *v)
{
	jw_key(w, key);
	jw_value(w->f, v);
}

/* The I-th element of an array being written. */
static void jw_element(struct jw *w, size_t i, json_object *v)
{
	if (i)
		fputc(',', w->f);
	jw_value(w->f, v);
}

static json_object *change_json(const char *op, const char *kind, const char *target,
				const char *from, const char *to)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "target", json_object_new_string(target));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "to", json_object_new_string(to));
	return o;
}

/* What revert would do now, as change objects in its order; null when it
 * cannot be told (rather than a wrong []). */
static void revert_json(struct jw *w, const struct report *r)
{
	if (r->revert_unknown) {
		jw_member(w, "revert", NULL);
		jw_member(w, "unread", NULL);
		return;
	}
	jw_key(w, "revert");
	fputc('[', w->f);
	for (size_t i = 0; i < r->n_revert; i++) {
		const struct step *s = r->revert[i].s;
		char op[2] = { step_sign(s->ops, s->now, s->prior), 0 };
		char t[STEP_TARGET_MAX + 16];

		step_display(s, t, sizeof(t));
		jw_element(w, i, change_json(op, s->ops->kind, t, s->now, s->prior));
	}
	fputc(']', w->f);
}

static void messages_json(struct jw *w, const char *key, char *const *v, size_t n)
{
	jw_key(w, key);
	fputc('[', w->f);
	for (size_t i = 0; i < n; i++)
		jw_element(w, i, json_object_new_string(v[i]));
	fputc(']', w->f);
}

/* null for a value status could not read (no journal, or an error). */
static json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static json_object *time_or_null(time_t t)
{
	return t ? json_object_new_int64(t) : NULL;
}

/*
 * status: the journal's steps and what revert would do now. Every member is
 * there for any status document, null when it could not be told: the
 * journal unreadable (all of them), the kernel unread ("now", "revert").
 */
static void journal_json(struct jw *w, const struct report *r)
{
	const struct journal *j = r->journal;
	bool observed = j && r->observed;

	if (!j) {
		jw_member(w, "journal", NULL);
		jw_member(w, "config", NULL);
		jw_member(w, "created", NULL);
		jw_member(w, "updated", NULL);
		jw_member(w, "revert", NULL);
		jw_member(w, "unread", NULL);
		return;
	}
	jw_key(w, "journal");
	fputc('[', w->f);
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];
		json_object *o = json_object_new_object();
		char t[STEP_TARGET_MAX + 16];

		step_display(s, t, sizeof(t));
		json_object_object_add(o, "kind", json_object_new_string(s->ops->kind));
		json_object_object_add(o, "target", json_object_new_string(t));
		json_object_object_add(o, "prior", json_object_new_string(s->prior));
		json_object_object_add(o, "want", json_object_new_string(s->want));
		json_object_object_add(o, "now", observed ? json_object_new_string(s->now) : NULL);
		jw_element(w, i, o);
	}
	fputc(']', w->f);
	jw_member(w, "config", string_or_null(j->steps.n ? j->config : NULL));
	jw_member(w, "created", time_or_null(j->steps.n ? j->created : 0));
	jw_member(w, "updated", time_or_null(j->steps.n ? j->updated : 0));
	if (observed)
		revert_json(w, r);
	else
		jw_member(w, "revert", NULL);
	/* A damaged journal: the lines from the damage on, unread. */
	if (j->unread_from) {
		json_object *u = json_object_new_object();

		json_object_object_add(u, "from_line", json_object_new_int64((int64_t)j->unread_from));
		json_object_object_add(u, "lines", json_object_new_int64((int64_t)j->unread_lines));
		json_object_object_add(u, "steps_counted", json_object_new_int64((int64_t)j->counted));
		jw_member(w, "unread", u);
	} else {
		jw_member(w, "unread", NULL);
	}
}

/*
 * The document of doc/lvs-rs-agent.schema.json, version AGENT_JSON_SCHEMA:
 * the members every document has, then those of its command.
 */
static void print_json(struct report *r)
{
	static const char *const state[] = {
		[CHANGE_DONE] = "done",
		[CHANGE_UNDONE] = "undone",
		[CHANGE_FAILED] = "failed",
		[CHANGE_SKIPPED] = "not made",
		[CHANGE_LEFT] = "left",
	};
	struct jw w = { .f = stdout };
	const char *cmd = r->command ? r->command : "";
	bool plan = STREQ(cmd, "plan");
	bool changed = false;

	/* Changed: some change was made and stays so (forget's are left). */
	for (size_t i = 0; i < r->n_changes && !plan && !r->changes_undone; i++)
		changed |= r->changes[i].state == CHANGE_DONE;
	fputc('{', w.f);
	jw_member(&w, "schema", json_object_new_int(AGENT_JSON_SCHEMA));
	jw_member(&w, "command", string_or_null(r->command));
	jw_member(&w, "changed", json_object_new_boolean(changed));
	jw_member(&w, "ok", json_object_new_boolean(!r->n_errors &&
						   checklist_failed(&r->checks) == 0));
	jw_key(&w, "changes");
	fputc('[', w.f);
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct change *c = &r->changes[i];
		char op[2] = { c->op, 0 };
		json_object *o = change_json(op, c->ops->kind, c->target, c->from, c->to);

		if (!plan)
			json_object_object_add(o, "state", json_object_new_string(state[c->state]));
		jw_element(&w, i, o);
	}
	fputc(']', w.f);
	jw_key(&w, "checks");
	fputc('[', w.f);
	for (size_t i = 0; i < r->checks.n; i++) {
		const struct check *c = &r->checks.v[i];
		json_object *o = json_object_new_object();
		char subject[CHECK_SUBJECT_MAX];

		check_subject(c, subject, sizeof(subject));
		json_object_object_add(o, "ok", json_object_new_boolean(c->ok));
		json_object_object_add(o, "warn", json_object_new_boolean(c->warn));
		json_object_object_add(o, "kind", json_object_new_string(c->kind));
		json_object_object_add(o, "target", json_object_new_string(c->target));
		json_object_object_add(o, "subject", json_object_new_string(subject));
		json_object_object_add(o, "expected", json_object_new_string(c->expected));
		json_object_object_add(o, "found", json_object_new_string(c->found));
		json_object_object_add(o, "detail", json_object_new_string(c->detail));
		json_object_object_add(o, "why", json_object_new_string(c->why));
		jw_element(&w, i, o);
	}
	fputc(']', w.f);
	if (plan)
		jw_member(&w, "pending", r->n_errors ? NULL :
				 json_object_new_boolean(r->n_changes > 0));
	if (STREQ(cmd, "verify") || STREQ(cmd, "status"))
		jw_member(&w, "applied", r->applied == REPORT_APPLIED_UNKNOWN ? NULL :
				 json_object_new_boolean(r->applied == REPORT_APPLIED_YES));
	if (STREQ(cmd, "status")) {
		journal_json(&w, r);
		jw_member(&w, "watch", r->watch ? json_object_get(r->watch) : NULL);
	}
	messages_json(&w, "warnings", r->warnings, r->n_warnings);
	jw_member(&w, "error", r->n_errors ? json_object_new_string(r->errors[0]) : NULL);
	messages_json(&w, "errors", r->errors, r->n_errors);
	fputs("}\n", w.f);
}

void report_print(struct report *r)
{
	if (r->json)
		print_json(r);
	else
		print_text(r);
	fflush(stdout);
}
