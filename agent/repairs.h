/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the watch repaired: a budget of repairs per object, past which the
 * object is contested (left alone for a back-off that doubles, then tried
 * again), the counts by kind and by cause, and the recent repairs, written
 * for status (STATE.watch) and as Prometheus metrics.
 */
#ifndef LVS_AGENT_REPAIRS_H
#define LVS_AGENT_REPAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../lib/step.h"

/* Repairs of one object within REPAIR_WINDOW_S seconds before it is
 * contested: by default, and at most. */
#define REPAIR_BUDGET 5
#define REPAIR_BUDGET_MAX 1000
#define REPAIR_WINDOW_S 60
#define REPAIR_BACKOFF_S 30
#define REPAIR_BACKOFF_MAX_S 300
/* The recent repairs kept for status. */
#define REPAIR_RECENT 16

struct repairs;

/* backoff_s: the first pause of a contested object (it doubles up to
 * REPAIR_BACKOFF_MAX_S, or to backoff_s when that is longer). budget: the
 * repairs of one object within REPAIR_WINDOW_S before it is contested (at
 * most REPAIR_BUDGET_MAX); 0: never contested. */
struct repairs *repairs_new(double backoff_s, unsigned int budget);
void repairs_free(struct repairs *x);

/*
 * A repair of the object (kind, target as people read it) at now (a
 * monotonic clock, seconds), what it had become ("removed"), by whom, and
 * how long it took. Returns the back-off in seconds when the object has
 * just become contested (to be said once), else 0. -ENOMEM as a negative.
 */
double repairs_note(struct repairs *x, const char *kind, const char *target,
		    const char *what, const char *who, double ms, double now);
/* Whether the object is contested and its back-off still runs. */
bool repairs_held(const struct repairs *x, const char *kind, const char *target, double now);
/* The first moment a back-off ends after now, or 0 when none runs. */
double repairs_next_retry(const struct repairs *x, double now);
/* Objects contested now. */
size_t repairs_contested(const struct repairs *x, double now);
/* A full read of the kernel after lost events. */
void repairs_resync(struct repairs *x);

/*
 * STATE.watch: the watch's PID, its counts, the contested objects and the
 * recent repairs as one JSON document, replaced atomically, mode 0644.
 * 0 or -errno.
 */
int repairs_write_state(const struct repairs *x, const char *path, double now);
/* The metrics (lvs_rs_agent_watch_*) to a Prometheus textfile. 0 or -errno. */
int repairs_write_prom(const struct repairs *x, const char *path, double now);

#endif
