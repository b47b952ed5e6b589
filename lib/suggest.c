// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "suggest.h"

/* Longer words are no typos of the short names this is for. */
#define WORD_MAX 64

/*
 * Edit distance with adjacent transpositions (optimal string alignment),
 * ignoring case: "stauts" is one edit from "status", "APPLY" none.
 */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[WORD_MAX + 1][WORD_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* How many edits still make a typo of a word this long: "dr" -> "de" is a
 * typo, "dr" -> "tun" is another word. */
static size_t close_enough(size_t len)
{
	return len <= 3 ? 1 : len <= 6 ? 2 : 3;
}

const char *suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	bool tie = false;

	if (!*word || strlen(word) > WORD_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (strlen(cands[i]) > WORD_MAX)
			continue;
		d = distance(word, cands[i]);
		if (d > close_enough(strlen(cands[i])) || d > best_d)
			continue;
		tie = d == best_d;
		if (d < best_d) {
			best = cands[i];
			best_d = d;
		}
	}
	return tie ? NULL : best;
}
