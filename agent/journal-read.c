// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the journal: format 2 line by line (a header that counts the
 * steps, then one JSON object a line), format 1 as one document; a journal
 * cut or altered anywhere is damaged, and names only what the agent makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "journal.h"
#include "kinds.h"
#include "../netconf/netconf.h"

/*
 * No line journal_save writes comes near it: a step line holds at most some
 * 900 bytes (its strings full, every byte escaped as \u00XX), the header some
 * 1,700. A longer step line is damage, not a bigger step.
 */
#define JOURNAL_LINE_MAX 4096
/* Fewer bytes than any step line: bounds the room reserved for the steps
 * a header announces by the size of the file. */
#define JOURNAL_STEP_LINE_MIN 32

struct jload {
	const char *path;
	char *err;
	size_t errlen;
	const char *unit; /* "line" (format 2), "step" (format 1) */
	size_t at;        /* its number, from 1 */
	bool v2_steps;    /* at format 2's step lines: the ones before are whole */
	bool got;         /* next_line read line `at` (not the end of the file) */
};

_printf_(2, 3) static int damaged(const struct jload *ld, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ld->at)
		snprintf(ld->err, ld->errlen, "journal %s: %s %zu: damaged: %s",
			 ld->path, ld->unit, ld->at, why);
	else
		snprintf(ld->err, ld->errlen, "journal %s: damaged: %s", ld->path, why);
	return -EBADMSG;
}

/* A value from the file fit for a one-line message: printable ASCII, cut. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		buf[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	buf[n] = '\0';
	return buf;
}

/* A string member into buf (len bytes with its NUL): whole, or damage. */
static int get_string(const struct jload *ld, json_object *o, const char *key,
		      char *buf, size_t len)
{
	json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(o, key, &v))
		return damaged(ld, "\"%s\" is missing", key);
	if (!json_object_is_type(v, json_type_string))
		return damaged(ld, "\"%s\" is not a string", key);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	/* \u0000: no C string holds it. */
	if (strlen(s) != n)
		return damaged(ld, "\"%s\" holds a NUL", key);
	if (n >= len)
		return damaged(ld, "\"%s\" is longer than %zu bytes", key, len - 1);
	memcpy(buf, s, n + 1);
	return 0;
}

/* An integer member in [min, max] (json-c saturates a bigger number to
 * INT64_MIN/MAX: keep them out of the range). */
static int get_int(const struct jload *ld, json_object *o, const char *key,
		   int64_t min, int64_t max, int64_t *ret)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v))
		return damaged(ld, "\"%s\" is missing", key);
	if (!json_object_is_type(v, json_type_int))
		return damaged(ld, "\"%s\" is not an integer", key);
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return damaged(ld, "\"%s\" is out of range", key);
	*ret = x;
	return 0;
}

static bool has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/*
 * A step from its object. Format 2 wants every member, "order" an integer;
 * format 1 as its readers took it: "order" may be missing (0) or, as
 * json_object_get_int read it, a string of an integer. Members this agent
 * does not know are left alone.
 */
static int step_from_json(const struct jload *ld, json_object *o, bool v1,
			  struct step *s)
{
	char kind[32], shown[40];
	int64_t order = 0;
	json_object *v;
	int r;

	memset(s, 0, sizeof(*s));
	if (!json_object_is_type(o, json_type_object))
		return damaged(ld, "not a JSON object");
	r = get_string(ld, o, "kind", kind, sizeof(kind));
	if (r < 0)
		return r;
	/* Known by name first: its other members are read as that kind's. */
	s->ops = kinds_lookup(kind, "");
	if (!s->ops)
		return damaged(ld, "unknown kind \"%s\"",
			       printable(kind, shown, sizeof(shown)));
	if (v1 && json_object_object_get_ex(o, "order", &v) &&
	    json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);
		char *end;
		long x;

		errno = 0;
		x = strtol(t, &end, 10);
		if (errno || end == t || *end || x < INT_MIN || x > INT_MAX)
			return damaged(ld, "\"order\" is not an integer");
		order = x;
	} else if (!v1 || has(o, "order")) {
		r = get_int(ld, o, "order", INT_MIN, INT_MAX, &order);
		if (r < 0)
			return r;
	}
	s->order = (int)order;
	r = get_string(ld, o, "target", s->target, sizeof(s->target));
	/* Kinds may share a name ("sysctl"): the target tells which. */
	if (r == 0)
		s->ops = kinds_lookup(kind, s->target);
	if (r == 0)
		r = get_string(ld, o, "want", s->want, sizeof(s->want));
	if (r == 0)
		r = get_string(ld, o, "prior", s->prior, sizeof(s->prior));
	return r;
}

/*
 * What a journal names must be what the agent itself makes: each kind says
 * which targets and values are its own (step_ops.valid_target and
 * valid_value). A journal may be written by another user than the one who
 * reverts it; a step naming anything else (kernel/hostname as a sysctl) is
 * damage, and nothing of that journal is acted on. A pass of its own after
 * the whole file is read: the format's errors are told first.
 */
/* *bad: the index of the step refused (as many as there are when none). */
static int validate(struct jload *ld, const struct steplist *l, size_t *bad_at)
{
	bool v1 = STREQ(ld->unit, "step");
	char shown[64], target[STEP_TARGET_MAX];

	for (size_t i = 0; i < l->n; i++) {
		const struct step *s = &l->v[i];
		const char *bad = NULL;

		*bad_at = i;
		ld->at = v1 ? i + 1 : i + 2;
		if (!s->ops->valid_target || !s->ops->valid_target(s->target))
			return damaged(ld, "%s \"%s\" is not one the agent makes", s->ops->kind,
				       printable(s->target, shown, sizeof(shown)));
		if (!s->ops->valid_value(s->target, STEP_WANT, s->want))
			bad = "want";
		else if (!s->ops->valid_value(s->target, STEP_PRIOR, s->prior))
			bad = "prior";
		if (bad)
			return damaged(ld, "\"%s\" \"%s\" is not a value of %s %s", bad,
				       printable(bad[0] == 'w' ? s->want : s->prior, shown,
						 sizeof(shown)),
				       s->ops->kind, printable(s->target, target, sizeof(target)));
	}
	*bad_at = l->n;
	return 0;
}

/* Room for n steps in one block: a journal read costs its steps, not the
 * slack of a doubling array. */
static int steplist_reserve(struct steplist *l, size_t n)
{
	struct step *v;

	if (n <= l->cap)
		return 0;
	v = realloc(l->v, n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->cap = n;
	return 0;
}

/*
 * The next line into *line: its length with the newline, 0 at the end of the
 * file, -EBADMSG for a NUL byte, or -errno (err says so).
 */
static ssize_t next_line(struct jload *ld, FILE *f, char **line, size_t *cap)
{
	ssize_t n;

	n = getline(line, cap, f);
	ld->got = n > 0;
	if (n < 0) {
		if (feof(f))
			return 0;
		n = errno ? -errno : -EIO;
		snprintf(ld->err, ld->errlen, "cannot read journal %s: %s",
			 ld->path, strerror((int)-n));
		return n;
	}
	ld->at++;
	if (memchr(*line, '\0', (size_t)n))
		return damaged(ld, "a NUL byte");
	if (n > INT_MAX) /* json_tokener_parse_ex takes an int */
		return damaged(ld, "longer than %d bytes", INT_MAX);
	return n;
}

static bool blank(const char *s, size_t n)
{
	return strspn(s, " \t\r\n") >= n;
}

/* json-c's reason for a line that is no whole JSON value. */
static int not_json(const struct jload *ld, json_tokener *tok)
{
	enum json_tokener_error e = json_tokener_get_error(tok);

	if (e == json_tokener_continue)
		return damaged(ld, "the JSON text is cut short");
	return damaged(ld, "not JSON (%s)", json_tokener_error_desc(e));
}

/*
 * Format 1, one JSON document {"version":1,"config":..,"created":..,
 * "updated":..,"steps":[{step},...]} (json-c wrote it in one line, the
 * streaming writer of 5c9e5ac too; any white space is read). json-c reads it
 * as one tree, about 1 KB a step: old journals are small in practice (a few
 * VIPs; before 5c9e5ac the agent itself held such a tree), so this costs
 * little. A big one (10,000 steps: some 12 MB more) stays so until an apply
 * that changes something writes format 2. doc is the document when line 1
 * (*line, n bytes) held all of it, else NULL and tok holds the start of it:
 * the next lines go on with it.
 */
static int load_v1(struct jload *ld, FILE *f, json_tokener *tok,
		   json_object *doc, char **line, size_t *cap, ssize_t n,
		   struct journal *j)
{
	json_object *steps;
	size_t len, used = json_tokener_get_parse_end(tok);
	int64_t t;
	int r = 0;

	while (!doc) {
		n = next_line(ld, f, line, cap);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return not_json(ld, tok);
		doc = json_tokener_parse_ex(tok, *line, (int)n);
		if (!doc && json_tokener_get_error(tok) != json_tokener_continue)
			return not_json(ld, tok);
		used = json_tokener_get_parse_end(tok);
	}
	/* The rest of the line after the document, then the rest of the file:
	 * white space only. */
	if (!blank(*line + used, (size_t)n - used))
		r = damaged(ld, "text after the JSON document");
	while (r == 0 && (n = next_line(ld, f, line, cap)) > 0)
		if (!blank(*line, (size_t)n))
			r = damaged(ld, "text after the JSON document");
	if (r == 0 && n < 0)
		r = (int)n;
	if (r < 0)
		goto out;

	ld->at = 0;
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "steps", &steps) ||
	    !json_object_is_type(steps, json_type_array)) {
		r = damaged(ld, "not the agent's JSON (no \"steps\" array)");
		goto out;
	}
	if (has(doc, "version")) {
		r = get_int(ld, doc, "version", 1, 1, &t);
		if (r < 0)
			goto out;
	}
	if (has(doc, "config")) {
		r = get_string(ld, doc, "config", j->config, sizeof(j->config));
		if (r < 0)
			goto out;
	}
	if (has(doc, "created")) {
		r = get_int(ld, doc, "created", 0, INT64_MAX - 1, &t);
		if (r < 0)
			goto out;
		j->created = (time_t)t;
	}
	if (has(doc, "updated")) {
		r = get_int(ld, doc, "updated", 0, INT64_MAX - 1, &t);
		if (r < 0)
			goto out;
		j->updated = (time_t)t;
	}
	len = json_object_array_length(steps);
	r = steplist_reserve(&j->steps, len);
	ld->unit = "step";
	for (size_t i = 0; r == 0 && i < len; i++) {
		struct step s;

		ld->at = i + 1;
		r = step_from_json(ld, json_object_array_get_idx(steps, i), true, &s);
		if (r == 0)
			r = steplist_add(&j->steps, &s);
	}
out:
	json_object_put(doc);
	return r;
}

/* An optional integer member in [0, INT64_MAX - 1], 0 when missing. */
static int get_opt_u64(const struct jload *ld, json_object *o, const char *key,
		       uint64_t *ret)
{
	int64_t x = 0;
	int r = has(o, key) ? get_int(ld, o, key, 0, INT64_MAX - 1, &x) : 0;

	*ret = (uint64_t)x;
	return r;
}

/*
 * The namespace the journal belongs to (header members of this agent; an
 * older one wrote none: all zero). A boot id is hex digits and dashes.
 */
static int get_netns(const struct jload *ld, json_object *head,
		     struct netconf_netns *ns)
{
	int r;

	memset(ns, 0, sizeof(*ns));
	r = get_opt_u64(ld, head, "netns_cookie", &ns->cookie);
	if (r == 0)
		r = get_opt_u64(ld, head, "netns_inode", &ns->ino);
	if (r == 0)
		r = get_opt_u64(ld, head, "netns_dev", &ns->dev);
	if (r == 0 && has(head, "boot_id")) {
		r = get_string(ld, head, "boot_id", ns->boot_id, sizeof(ns->boot_id));
		if (r == 0 && strspn(ns->boot_id, "0123456789abcdef-") != strlen(ns->boot_id))
			r = damaged(ld, "\"boot_id\" is not a boot id");
	}
	return r;
}

/* Format 2 after its header (line 1, head): one line per step. */
static int load_v2(struct jload *ld, FILE *f, json_tokener *tok,
		   json_object *head, char **line, size_t *cap,
		   struct journal *j)
{
	json_object *o;
	struct stat st;
	char format[32], shown[40];
	int64_t created, updated, count;
	size_t room;
	ssize_t n;
	int r;

	r = get_string(ld, head, "format", format, sizeof(format));
	if (r == 0 && strcmp(format, JOURNAL_FORMAT) != 0)
		return damaged(ld, "\"format\" is \"%s\", not \"" JOURNAL_FORMAT "\"",
			       printable(format, shown, sizeof(shown)));
	if (r == 0)
		r = get_string(ld, head, "config", j->config, sizeof(j->config));
	if (r == 0)
		r = get_int(ld, head, "created", 0, INT64_MAX - 1, &created);
	if (r == 0)
		r = get_int(ld, head, "updated", 0, INT64_MAX - 1, &updated);
	/* stepindex_build takes fewer than UINT32_MAX / 4. */
	if (r == 0)
		r = get_int(ld, head, "steps", 0, UINT32_MAX / 4 - 1, &count);
	if (r == 0)
		r = get_netns(ld, head, &j->ns);
	if (r < 0)
		return r;
	j->created = (time_t)created;
	j->updated = (time_t)updated;
	j->counted = (size_t)count;
	ld->v2_steps = true;
	room = (size_t)count;
	if (fstat(fileno(f), &st) == 0 && (size_t)st.st_size / JOURNAL_STEP_LINE_MIN < room)
		room = (size_t)st.st_size / JOURNAL_STEP_LINE_MIN;
	if (steplist_reserve(&j->steps, room) < 0)
		return -ENOMEM;

	for (size_t i = 0; i < (size_t)count; i++) {
		struct step s;

		n = next_line(ld, f, line, cap);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			ld->at++;
			return damaged(ld, "missing: the header counts %zu steps, "
				       "the file ends after %zu", (size_t)count, i);
		}
		if ((*line)[n - 1] != '\n')
			return damaged(ld, "cut short (no newline at its end)");
		if (n > JOURNAL_LINE_MAX)
			return damaged(ld, "longer than %d bytes", JOURNAL_LINE_MAX);
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, *line, (int)n);
		if (!o)
			return not_json(ld, tok);
		r = step_from_json(ld, o, false, &s);
		json_object_put(o);
		if (r == 0)
			r = steplist_add(&j->steps, &s);
		if (r < 0)
			return r;
	}
	n = next_line(ld, f, line, cap);
	if (n < 0)
		return (int)n;
	if (n > 0)
		return damaged(ld, "a line after the %zu steps the header counts",
			       (size_t)count);
	return 0;
}

/* The lines from the one being read to the end of the file: what a damaged
 * journal leaves unread. */
static size_t lines_left(FILE *f, char **line, size_t *cap, bool at_line)
{
	size_t n = at_line ? 1 : 0;

	while (getline(line, cap, f) >= 0)
		n++;
	return n;
}

static int load(const char *path, struct journal *j, char *err, size_t errlen,
		bool keep)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	struct jload ld = {
		.path = path, .err = err, .errlen = errlen, .unit = "line",
	};
	json_tokener *tok = NULL;
	json_object *o, *v;
	bool kept = false;
	size_t cap = 0;
	ssize_t n;
	int r;

	memset(j, 0, sizeof(*j));
	if (errlen)
		err[0] = '\0';
	/* Not through a symlink, and never blocking on a FIFO: the directory
	 * may be another user's. */
	r = agent_open_regular(path, O_RDONLY, 0, false);
	if (r == -ENOENT)
		return 0;
	if (r >= 0 && !(f = fdopen(r, "r"))) {
		int fd = r;

		r = -errno;
		close(fd);
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot read journal %s: %s", path,
			 agent_file_strerror(r));
		return r;
	}
	j->found = true;
	tok = json_tokener_new();
	if (!tok) {
		r = -ENOMEM;
		goto out;
	}
	/* No trailing commas, comments, or text after the value on its line
	 * (white space aside). */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

	n = next_line(&ld, f, &line, &cap);
	if (n <= 0) {
		ld.at = 1;
		r = n < 0 ? (int)n : damaged(&ld, "empty file");
		goto out;
	}
	/* Line 1: the header of format 2, or (all or the start of) the
	 * document of format 1. */
	o = json_tokener_parse_ex(tok, line, (int)n);
	if (!o && json_tokener_get_error(tok) == json_tokener_continue) {
		r = load_v1(&ld, f, tok, NULL, &line, &cap, n, j);
		goto out;
	}
	if (!o) {
		r = not_json(&ld, tok);
		goto out;
	}
	if (!json_object_object_get_ex(o, "version", &v) ||
	    (json_object_is_type(v, json_type_int) && json_object_get_int64(v) == 1)) {
		r = load_v1(&ld, f, tok, o, &line, &cap, n, j);
		goto out;
	}
	if (json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) == JOURNAL_VERSION) {
		r = line[n - 1] != '\n' ? damaged(&ld, "cut short (no newline at its end)")
					: load_v2(&ld, f, tok, o, &line, &cap, j);
	} else {
		r = damaged(&ld, "\"version\" is not 1 or 2 (a newer agent's journal?)");
	}
	json_object_put(o);
out:
	if (tok)
		json_tokener_free(tok);
	/* Whole but naming what the agent does not make: damaged from the
	 * first such step on, the steps before it readable as any others. */
	if (r == 0) {
		size_t bad = 0;

		r = validate(&ld, &j->steps, &bad);
		if (r == -EBADMSG && keep && ld.v2_steps) {
			j->unread_from = ld.at;
			j->unread_lines = j->steps.n - bad;
			j->steps.n = bad;
			kept = true;
		}
	}
	if (kept) {
		/* the readable steps are in j: nothing more to do */
	} else if (r == -EBADMSG && keep) {
		/*
		 * The steps of format 2 before the damaged line are whole;
		 * nothing of a damaged header or of format 1 (one document) is.
		 */
		bool at_line = ld.got;

		if (!ld.v2_steps) {
			journal_done(j);
			j->found = true;
			rewind(f);
			at_line = false;
		}
		j->unread_from = ld.v2_steps ? ld.at : 1;
		j->unread_lines = lines_left(f, &line, &cap, at_line);
		/* The steps before the damage are taken only as any others:
		 * each one the agent makes. The first that is not moves the
		 * damage up to its line. */
		if (ld.v2_steps) {
			size_t bad = 0, from = j->unread_from;

			if (validate(&ld, &j->steps, &bad) < 0) {
				j->unread_from = ld.at;
				j->unread_lines += from - ld.at;
				j->steps.n = bad;
			}
		}
	} else if (r < 0) {
		/* Never half read. */
		journal_done(j);
		if (errlen && !err[0])
			snprintf(err, errlen, "cannot read journal %s: %s",
				 path, strerror(-r));
	}
	return r;
}

int journal_load(const char *path, struct journal *j, char *err, size_t errlen)
{
	return load(path, j, err, errlen, false);
}

int journal_load_readable(const char *path, struct journal *j, char *err,
			  size_t errlen)
{
	return load(path, j, err, errlen, true);
}

