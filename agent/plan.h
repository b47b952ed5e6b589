/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan of a run: from the steps the config asks, the journal's steps
 * and the values the kernel has, the ordered changes and the journal after
 * them; revert's and rollback's changes likewise. Pure: it reads the steps'
 * values (->now as observed) and touches neither kernel nor file.
 */
#ifndef LVS_AGENT_PLAN_H
#define LVS_AGENT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/step.h"
#include "../lib/steplist.h"

/* One change: make s's field `to` true in the kernel. */
struct action {
	struct step *s;
	enum step_field to;
	int res;   /* after the change: 0 or -errno */
	bool done; /* the change was made */
};

/* apply's plan. Zero it before plan_merge(); plan_done() frees it. */
struct plan {
	/*
	 * The desired steps (the config's want; the journal's prior where an
	 * earlier apply made them, else the kernel's as plan_priors() found
	 * it), then the journal's steps the config asks no more (stale:
	 * restored to their prior values).
	 */
	struct steplist all;
	size_t n_want; /* all.v[0..n_want) are the desired steps */
	/* The journal's steps and the desired ones by kind and target; freed
	 * by plan_actions(), whose actions take their room. */
	struct stepindex oldx, wantx;
	struct action *acts;
	size_t n_acts;
};

/*
 * all = *desired (taken over: *desired is left empty), each with the
 * journal's prior where the journal holds its object, then a copy of each
 * journal step that no desired step holds. 0 or -ENOMEM (-E2BIG).
 */
int plan_merge(struct plan *p, struct steplist *desired, const struct steplist *journal);
/* Whether s (in p->all) is a journal step the config asks no more. */
bool plan_stale(const struct plan *p, const struct step *s);
/* Whether the journal holds the object of s (a desired step). */
bool plan_journaled(const struct plan *p, const struct step *s);
/* Whether the config asks for the object of s, one of any kind. */
bool plan_wanted(const struct plan *p, const struct step *s);
/*
 * Once all is observed: a desired step that the journal does not hold
 * takes the kernel's value as its prior (what revert restores).
 */
void plan_priors(struct plan *p);
/*
 * The actions of the run, in order: the stale VIPs go (descending), then
 * each wanted step that differs from the kernel (ascending: the ARP
 * suppression before the devices before the VIPs), then the stale rest
 * (descending): no moment with a VIP while ARP is answered for it. A stale
 * part of a transactional kind of which a part stays wanted (an element of
 * the nft set) joins the wanted ones, with its prior as its want: the
 * whole changes in one call. Frees the indexes. 0 or -ENOMEM.
 */
int plan_actions(struct plan *p);
/*
 * After the changes: all holds the next journal, the desired steps only
 * (the stale ones are restored). The actions point at freed steps after it.
 */
void plan_final(struct plan *p);
void plan_done(struct plan *p);

/*
 * revert: the steps of l (observed) that must go back to their prior
 * values, in revert's order, into v (room for l->n) as actions to
 * STEP_PRIOR; *n their number. The same plan serves revert, status and
 * forget.
 */
void plan_revert(const struct steplist *l, struct action *v, size_t *n);

/*
 * rollback: the steps of acts[0..n) that were done, newest first, into v
 * (room for n). Returns their number.
 */
size_t plan_done_steps(const struct action *acts, size_t n, struct step **v);
/*
 * rollback, once v[0..k) is observed again: the actions that put each back
 * to its value at the start of the run (->was), where that is a change
 * (step_restorable()), in v's order, into back (room for k). Returns their
 * number.
 */
size_t plan_undo(struct step *const *v, size_t k, struct action *back);

#endif
