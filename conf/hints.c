// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hints: what a wrong word was most likely meant to be (a key, a section, a
 * value among a key's choices), and the INI slips people make on the way
 * (quoted values, ';' without a space, addresses with commas).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../lib/suggest.h"

const char *cf_hint(struct parser *p, const char *word, size_t n,
		    const struct conf_key *k)
{
	const char *names[8], *guess;
	char w[CONF_WORD_MAX + 1];
	size_t m = 0;

	p->hint[0] = '\0';
	if (n && (word[0] == '"' || word[0] == '\''))
		return " (values are written without quotes)";
	if (memchr(word, ';', n))
		return " (';' starts a comment only after a space)";
	if (!k || n >= sizeof(w))
		return p->hint;
	memcpy(w, word, n);
	w[n] = '\0';
	for (size_t i = 0; i < k->n_choices && m < ARRAY_SIZE(names); i++)
		names[m++] = k->choices[i].word;
	guess = suggest(w, names, m);
	if (guess)
		snprintf(p->hint, sizeof(p->hint), ": did you mean %s?", guess);
	return p->hint;
}

void cf_unknown_key(struct parser *p, const char *name,
		    const char *const *names, size_t n, const char *elsewhere)
{
	const char *guess = suggest(name, names, n);
	const char *in = p->sec == SEC_AGENT ? " in [agent]" : "";
	char q[QBUF], known[128];
	size_t o = 0;

	cf_quotes(q, name);
	if (elsewhere) {
		cf_gerr(p, "unknown key %s%s: it belongs under %s", q, in,
			elsewhere);
		return;
	}
	if (guess) {
		cf_gerr(p, "unknown key %s%s: did you mean %s?", q, in, guess);
		return;
	}
	known[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof(known); i++)
		o += snprintf(known + o, sizeof(known) - o, "%s%s",
			      o ? ", " : "", names[i]);
	cf_gerr(p, "unknown key %s%s; known keys: %s", q, in, known);
}

void cf_unknown_section(struct parser *p, const char *text, size_t n,
			const char *rest, bool name_ok)
{
	static const char *const sections[] = { "agent", "vip" };
	char word[CONF_WORD_MAX + 1], q[QBUF];
	const char *guess = NULL;

	if (n < sizeof(word)) {
		memcpy(word, text, n);
		word[n] = '\0';
		guess = suggest(word, sections, ARRAY_SIZE(sections));
	}
	cf_quotes(q, text);
	if (guess && strcmp(guess, "agent") == 0)
		cf_lerr(p, "unknown section %s: did you mean [agent]?", q);
	else if (guess)
		cf_lerr(p, "unknown section %s: did you mean [vip %s]?", q,
			name_ok ? rest : "NAME");
	else
		cf_lerr(p, "unknown section %s; known: [agent], [vip NAME]", q);
}

bool cf_commas(struct parser *p, const char *value)
{
	char q[QBUF];

	if (!strchr(value, ','))
		return false;
	/* One error for the line, not one per address. */
	cf_gerr(p, "addresses are separated by spaces, not commas: %s",
		cf_quotes(q, value));
	return true;
}
