// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * The watch's account of its repairs. An object another process keeps
 * undoing is not fought for ever: past its budget of repairs within
 * REPAIR_WINDOW_S it is contested, left as it is for a back-off, then tried
 * once more; each time it is contested again the back-off doubles.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "attrib.h"
#include "file.h"
#include "prom.h"
#include "repairs.h"
#include "../lib/macro.h"

#define KIND_MAX 16
#define COUNTS_MAX 64

struct obj {
	char kind[KIND_MAX];
	char target[STEP_TARGET_MAX];
	double times[REPAIR_BUDGET_MAX]; /* the last repairs, a ring */
	size_t n, head;
	double backoff;     /* the next back-off, s */
	double hold_until;  /* a contested object's back-off ends (0: none) */
	time_t since;       /* contested since (wall clock) */
	char who[ATTRIB_MAX];
};

struct count {
	char kind[KIND_MAX];
	char cause[32];
	unsigned long n;
};

struct recent {
	time_t when;
	char kind[KIND_MAX];
	char target[STEP_TARGET_MAX];
	char what[40];
	char who[ATTRIB_MAX];
	double ms;
};

struct repairs {
	double backoff0, backoff_max;
	unsigned int budget; /* 0: never contested */
	size_t ring;         /* the times kept of each object */
	struct obj *objs;
	size_t n_objs, cap_objs;
	struct count counts[COUNTS_MAX];
	size_t n_counts;
	unsigned long total, resyncs;
	time_t last, started;
	struct recent recent[REPAIR_RECENT];
	size_t n_recent, recent_head;
};

struct repairs *repairs_new(double backoff_s, unsigned int budget)
{
	struct repairs *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->budget = budget < REPAIR_BUDGET_MAX ? budget : REPAIR_BUDGET_MAX;
	x->ring = x->budget ? x->budget : 1;
	x->backoff0 = backoff_s > 0 ? backoff_s : REPAIR_BACKOFF_S;
	x->backoff_max = x->backoff0 > REPAIR_BACKOFF_MAX_S ? x->backoff0 : REPAIR_BACKOFF_MAX_S;
	x->started = time(NULL);
	return x;
}

void repairs_free(struct repairs *x)
{
	if (!x)
		return;
	free(x->objs);
	free(x);
}

static struct obj *find(const struct repairs *x, const char *kind, const char *target)
{
	for (size_t i = 0; i < x->n_objs; i++)
		if (STREQ(x->objs[i].kind, kind) && STREQ(x->objs[i].target, target))
			return &x->objs[i];
	return NULL;
}

/* Objects neither contested nor repaired within the window are forgotten. */
static void prune(struct repairs *x, double now)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n_objs; i++) {
		const struct obj *o = &x->objs[i];
		double last = o->n ? o->times[(o->head + x->ring - 1) % x->ring] : 0;
		bool keep = o->hold_until > 0 || now - last < REPAIR_WINDOW_S ||
			    (o->backoff > x->backoff0 && now - last < x->backoff_max);

		if (keep)
			x->objs[n++] = *o;
	}
	x->n_objs = n;
}

static void count(struct repairs *x, const char *kind, const char *who)
{
	char cause[32];
	size_t i;

	attrib_name(who, cause, sizeof(cause));
	for (i = 0; i < x->n_counts; i++)
		if (STREQ(x->counts[i].kind, kind) && STREQ(x->counts[i].cause, cause))
			break;
	if (i == x->n_counts) {
		/* Bounded: a long tail of causes shares one series. */
		if (i == COUNTS_MAX)
			snprintf(cause, sizeof(cause), "other");
		for (i = 0; i < x->n_counts; i++)
			if (STREQ(x->counts[i].kind, kind) && STREQ(x->counts[i].cause, cause))
				break;
		if (i == x->n_counts) {
			if (i == COUNTS_MAX)
				i--;
			else
				x->n_counts++;
			snprintf(x->counts[i].kind, KIND_MAX, "%s", kind);
			snprintf(x->counts[i].cause, sizeof(x->counts[i].cause), "%s", cause);
		}
	}
	x->counts[i].n++;
}

double repairs_note(struct repairs *x, const char *kind, const char *target,
		    const char *what, const char *who, double ms, double now)
{
	struct recent *rc = &x->recent[x->recent_head];
	struct obj *o;

	x->total++;
	x->last = time(NULL);
	count(x, kind, who);
	*rc = (struct recent){ .when = x->last, .ms = ms };
	snprintf(rc->kind, sizeof(rc->kind), "%s", kind);
	snprintf(rc->target, sizeof(rc->target), "%s", target);
	snprintf(rc->what, sizeof(rc->what), "%s", what);
	snprintf(rc->who, sizeof(rc->who), "%s", who);
	x->recent_head = (x->recent_head + 1) % REPAIR_RECENT;
	if (x->n_recent < REPAIR_RECENT)
		x->n_recent++;

	prune(x, now);
	o = find(x, kind, target);
	if (!o) {
		if (array_grow((void **)&x->objs, x->n_objs, &x->cap_objs, sizeof(*o)) < 0)
			return -ENOMEM;
		o = &x->objs[x->n_objs++];
		*o = (struct obj){ .backoff = x->backoff0 };
		snprintf(o->kind, sizeof(o->kind), "%s", kind);
		snprintf(o->target, sizeof(o->target), "%s", target);
	}
	/* The repair after a back-off: the object is tried again afresh. */
	if (o->hold_until > 0 && now >= o->hold_until)
		o->hold_until = 0;
	snprintf(o->who, sizeof(o->who), "%s", who);
	o->times[o->head] = now;
	o->head = (o->head + 1) % x->ring;
	if (o->n < x->ring)
		o->n++;
	/* The oldest of the last `budget` repairs within the window. */
	if (x->budget && o->n == x->budget && now - o->times[o->head] < REPAIR_WINDOW_S) {
		double b = o->backoff;

		o->hold_until = now + b;
		o->since = x->last;
		o->n = 0;
		o->backoff = b * 2 > x->backoff_max ? x->backoff_max : b * 2;
		return b;
	}
	return 0;
}

bool repairs_held(const struct repairs *x, const char *kind, const char *target, double now)
{
	const struct obj *o = find(x, kind, target);

	return o && o->hold_until > now;
}

double repairs_next_retry(const struct repairs *x, double now)
{
	double next = 0;

	for (size_t i = 0; i < x->n_objs; i++) {
		double t = x->objs[i].hold_until;

		if (t > now && (next == 0 || t < next))
			next = t;
	}
	return next;
}

size_t repairs_contested(const struct repairs *x, double now)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n_objs; i++)
		n += x->objs[i].hold_until > now;
	return n;
}

void repairs_resync(struct repairs *x)
{
	x->resyncs++;
}

/* ---- STATE.watch */

struct doc {
	const struct repairs *x;
	double now;
};

static int put_state(FILE *f, void *data)
{
	const struct doc *d = data;
	const struct repairs *x = d->x;
	json_object *o = json_object_new_object(), *a, *e;
	time_t wall = time(NULL);

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "started", json_object_new_int64(x->started));
	json_object_object_add(o, "repairs", json_object_new_int64((int64_t)x->total));
	json_object_object_add(o, "resyncs", json_object_new_int64((int64_t)x->resyncs));
	json_object_object_add(o, "last_repair", x->last ? json_object_new_int64(x->last) : NULL);
	a = json_object_new_array();
	for (size_t i = 0; i < x->n_objs; i++) {
		const struct obj *ob = &x->objs[i];

		if (ob->hold_until <= d->now)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "kind", json_object_new_string(ob->kind));
		json_object_object_add(e, "target", json_object_new_string(ob->target));
		json_object_object_add(e, "since", json_object_new_int64(ob->since));
		json_object_object_add(e, "retry", json_object_new_int64(
			wall + (int64_t)(ob->hold_until - d->now + 0.999)));
		json_object_object_add(e, "by", json_object_new_string(ob->who));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "contested", a);
	a = json_object_new_array();
	for (size_t k = 0; k < x->n_recent; k++) {
		/* Newest first. */
		const struct recent *rc =
			&x->recent[(x->recent_head + REPAIR_RECENT - 1 - k) % REPAIR_RECENT];

		e = json_object_new_object();
		json_object_object_add(e, "time", json_object_new_int64(rc->when));
		json_object_object_add(e, "kind", json_object_new_string(rc->kind));
		json_object_object_add(e, "target", json_object_new_string(rc->target));
		json_object_object_add(e, "what", json_object_new_string(rc->what));
		json_object_object_add(e, "by", json_object_new_string(rc->who));
		json_object_object_add(e, "ms", json_object_new_double(rc->ms));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "recent", a);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), f);
	fputc('\n', f);
	json_object_put(o);
	return ferror(f) ? -EIO : 0;
}

int repairs_write_state(const struct repairs *x, const char *path, double now)
{
	struct doc d = { x, now };
	_cleanup_free_ char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	return agent_replace_file(path, tmp, put_state, &d);
}

/* ---- metrics */

static void label(FILE *f, const char *name, const char *value, bool last)
{
	_cleanup_free_ char *v = agent_prom_escape(value);

	fprintf(f, "%s=\"%s\"%s", name, v ? v : "", last ? "}" : ",");
}

static int put_prom(FILE *f, void *data)
{
	const struct doc *d = data;
	const struct repairs *x = d->x;

	fputs("# HELP lvs_rs_agent_watch_repairs_total Repairs lvs-rs-agent watch made, by kind and by the process that had undone the object.\n"
	      "# TYPE lvs_rs_agent_watch_repairs_total counter\n", f);
	for (size_t i = 0; i < x->n_counts; i++) {
		fputs("lvs_rs_agent_watch_repairs_total{", f);
		label(f, "kind", x->counts[i].kind, false);
		label(f, "cause", x->counts[i].cause, true);
		fprintf(f, " %lu\n", x->counts[i].n);
	}
	fputs("# HELP lvs_rs_agent_watch_contested Objects lvs-rs-agent watch has stopped repairing for a back-off: another process keeps undoing them.\n"
	      "# TYPE lvs_rs_agent_watch_contested gauge\n", f);
	for (size_t i = 0; i < x->n_objs; i++) {
		if (x->objs[i].hold_until <= d->now)
			continue;
		fputs("lvs_rs_agent_watch_contested{", f);
		label(f, "kind", x->objs[i].kind, false);
		label(f, "target", x->objs[i].target, true);
		fputs(" 1\n", f);
	}
	fprintf(f, "# HELP lvs_rs_agent_watch_contested_objects Objects contested now.\n"
		"# TYPE lvs_rs_agent_watch_contested_objects gauge\n"
		"lvs_rs_agent_watch_contested_objects %zu\n", repairs_contested(x, d->now));
	fprintf(f, "# HELP lvs_rs_agent_watch_resyncs_total Full reads of the kernel after lost events.\n"
		"# TYPE lvs_rs_agent_watch_resyncs_total counter\n"
		"lvs_rs_agent_watch_resyncs_total %lu\n", x->resyncs);
	fprintf(f, "# HELP lvs_rs_agent_watch_last_repair_timestamp_seconds Unix time of the last repair (0: none yet).\n"
		"# TYPE lvs_rs_agent_watch_last_repair_timestamp_seconds gauge\n"
		"lvs_rs_agent_watch_last_repair_timestamp_seconds %lld\n", (long long)x->last);
	return ferror(f) ? -EIO : 0;
}

int repairs_write_prom(const struct repairs *x, const char *path, double now)
{
	struct doc d = { x, now };
	_cleanup_free_ char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	return agent_replace_file(path, tmp, put_prom, &d);
}
