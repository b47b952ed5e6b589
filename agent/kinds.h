/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of step kinds: every kind the agent knows, in the order the
 * engine builds their steps. The only place that names the kinds.
 */
#ifndef LVS_AGENT_KINDS_H
#define LVS_AGENT_KINDS_H

#include <stddef.h>

#include "../lib/step.h"

/* The i-th kind, NULL past the last. */
const struct step_ops *kinds_at(size_t i);
/*
 * The kind of a journal's step: the ops named `kind` whose valid_target
 * takes target; when none does, the first of that name (whose validation
 * then refuses the step). NULL for a name no kind has.
 */
const struct step_ops *kinds_lookup(const char *kind, const char *target);

#endif
