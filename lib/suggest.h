/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "Did you mean ...?": the known word a typo was meant to be. */
#ifndef LVS_LIB_SUGGEST_H
#define LVS_LIB_SUGGEST_H

#include <stddef.h>

/*
 * The one candidate that `word` is a typo of (letters swapped, missing,
 * extra or wrong, any case), or NULL when none is close or two are equally
 * close: a wrong guess misleads more than none.
 */
const char *suggest(const char *word, const char *const *cands, size_t n);

#endif
