/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the agent has made here: the journal of this network namespace (and
 * boot), and the objects in the kernel that carry the agent's mark whatever
 * a journal says; and how messages name a few of them.
 */
#ifndef LVS_AGENT_STATE_H
#define LVS_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/steplist.h"

struct journal;
struct netconf;
struct report;

enum {
	STATE_READABLE = 1,  /* a damaged journal: go on with the steps before it */
	STATE_FOREIGN = 2,   /* one of another namespace too (forget) */
	STATE_READ_ONLY = 4, /* status, by hand: say whose a journal it cannot read is */
};

/*
 * Load the journal at path for `verb` and make sure it belongs here.
 * Returns an exit code, the reason reported. damage: "" or why the journal
 * is damaged; j then holds the steps before the damage, and only a
 * STATE_READABLE caller goes on with them. A journal from before this boot
 * is emptied with a warning and *gone set: nothing it recorded is in this
 * kernel any more, so the caller replaces or removes the file. One of
 * another network namespace is refused (its changes are there, not here)
 * unless STATE_FOREIGN.
 */
int state_load(const char *path, struct report *r, const char *verb, unsigned flags,
	       struct journal *j, char *damage, size_t len, bool *gone);
/* A damaged journal, and the two ways on, as the run's error. */
void state_damage(struct report *r, const char *damage, const struct journal *j);

/*
 * The objects in the kernel that carry the agent's mark and that no step of
 * `known` holds, into out: the agent made them, and no journal says so.
 * Only the kinds that have a step in `kinds` (NULL: every kind), in
 * revert's order (the VIPs' kinds first). 0 or -errno.
 */
int state_unrecorded(struct netconf *nc, const struct steplist *known,
		     const struct steplist *kinds, struct steplist *out);

/* The most steps a one-line message names; it counts the others. */
#define STATE_SHOWN_MAX 4
/* "route local 198.51.100.0/24 dev lo table local, nft arp lvs_rs_agent
 * and 3 more": v[0..shown) named, of n. */
void state_steps_text(const struct step *const *v, size_t shown, size_t n,
		      char *buf, size_t len);
/* state_steps_text of the steps of l for which keep(step, data) holds
 * (keep NULL: all); returns their number. */
size_t state_list_text(const struct steplist *l,
		       bool (*keep)(const struct step *s, const void *data),
		       const void *data, char *buf, size_t len);
/* Whether two paths name one file (as they are spelt, when either is
 * gone). */
bool state_same_file(const char *a, const char *b);

#endif
