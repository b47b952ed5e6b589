// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line reader: one file's text in, sections and "key = value" out to
 * keys.c, every problem at FILE:LINE.
 *
 * This reader is the only INI parser of lvs-rs-agent; inih is not used,
 * because as Debian builds it it cannot meet the config's contract:
 *  - its line buffer is fixed at 200 bytes (INI_MAX_LINE, no realloc): the
 *    rest of a longer line is read as the next line, so a valid 1024-byte
 *    line breaks and every line number after it is off;
 *  - its handler gets no line number (INI_HANDLER_LINENO is 0, a build-time
 *    choice of the library) and a line it refuses reaches no handler at
 *    all, only the number of the first such line as the return value: no
 *    message could quote the line or say what was meant;
 *  - any indentation continues the last key, where a line here continues it
 *    only when indented deeper than the key's own line (as Python's
 *    configparser does), so that keys indented alike stay keys;
 *  - its lines are C strings: a NUL byte cuts a line without a word, where
 *    it is an error here.
 * A reader that does what inih cannot has split every line already, and
 * inih behind it could only echo the pieces back; so each line is read once,
 * here.
 *
 * The rules themselves are few and are all here: blank lines; a comment is
 * a line starting with ';' or '#', or ';' after whitespace; "[section]";
 * "key = value" or "key: value"; a UTF-8 BOM at the start of the text; CR
 * before LF; continuation lines; at most CONF_LINE_MAX bytes a line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * Where s stops being a name or value: at one of chars (NULL: none) or at an
 * inline comment, which is a ';' that follows whitespace.
 */
static char *find_chars_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && (!chars || !strchr(chars, *s)) &&
	       !(was_space && *s == ';')) {
		was_space = is_ws(*s);
		s++;
	}
	return (char *)s;
}

/*
 * Joins the words of s in place, one space between two: the value as its
 * parser sees it. 0, or an error reported.
 */
static int join_words(struct parser *p, char *s)
{
	char q[QBUF], *out = s, *w;

	for (w = lskip(s); *w; w = lskip(w)) {
		size_t n = 0;

		while (w[n] && !is_ws(w[n]))
			n++;
		if (n > CONF_WORD_MAX) {
			cf_lerr(p, "%s is too long (%zu bytes, a value is at most %d)",
				cf_quote(q, w, n), n, CONF_WORD_MAX);
			p->key = NULL;
			return -EINVAL;
		}
		if (*w == '#') {
			cf_lerr(p, "'#' starts a comment only at the beginning of a line; use ';' after a value");
			p->key = NULL;
			return -EINVAL;
		}
		if (out > s)
			*out++ = ' ';
		memmove(out, w, n);
		out += n;
		w += n;
	}
	*out = '\0';
	return 0;
}

static void read_header(struct parser *p, char *s)
{
	char q[QBUF];
	char *end = find_chars_or_comment(s + 1, "]");
	char *rest;

	p->key = NULL;
	if (*end != ']') {
		p->sec = SEC_SKIP;
		cf_lerr(p, "unterminated section header: missing ']'");
		return;
	}
	*end = '\0';
	rest = lskip(end + 1);
	p->sec = SEC_NONE;
	if (*rest && *rest != ';') {
		if (*rest == '#')
			cf_lerr(p, "'#' starts a comment only at the beginning of a line; use ';' after a section header");
		else
			cf_lerr(p, "unexpected text after the section header: %s",
				cf_quotes(q, rest));
	}
	cf_section_begin(p, s + 1);
	p->in_key = false;
}

static void read_key(struct parser *p, char *s, size_t indent)
{
	char q[QBUF];
	char *end = find_chars_or_comment(s, "=:");
	char *value, sep = *end;
	const struct conf_key *last = p->key;

	p->key = NULL; /* a new key, or a refused line: either ends the last */
	*end = '\0';
	rstrip(s);
	if (sep != '=' && sep != ':') {
		/* After a list: most likely meant to continue it. */
		if (p->in_key && last && last->multi)
			cf_lerr(p, "expected \"key = value\" or \"[section]\", found %s (to continue %s, "
				"indent the line deeper than its key)", cf_quotes(q, s), last->name);
		else
			cf_lerr(p, "expected \"key = value\" or \"[section]\", found %s",
				cf_quotes(q, s));
		return;
	}
	if (!*s) {
		cf_lerr(p, "missing key name before '%c'", sep);
		return;
	}
	if (strlen(s) > CONF_WORD_MAX) {
		cf_lerr(p, "key %s is too long (%zu bytes)", cf_quotes(q, s),
			strlen(s));
		return;
	}
	value = end + 1;
	*find_chars_or_comment(value, NULL) = '\0';
	if (join_words(p, value) < 0)
		return;
	p->in_key = true;
	p->key_indent = indent;
	if (p->sec != SEC_SKIP)
		cf_start_key(p, s, value);
}

/*
 * Whether an indented line (comment cut off) reads as "key = value": no
 * value holds '=', and "KEY: value" counts when KEY is a known key (an
 * IPv6 address has ':' too).
 */
static bool looks_like_key(const char *s)
{
	const char *end = find_chars_or_comment(s, "=:");
	char name[CONF_WORD_MAX + 1];
	size_t n = end - s;

	if (*end == '=')
		return true;
	if (*end != ':')
		return false;
	while (n > 0 && is_ws(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	return cf_find_key(SEC_AGENT, name) || cf_find_key(SEC_VIP, name);
}

static void read_continuation(struct parser *p, char *s)
{
	*find_chars_or_comment(s, NULL) = '\0';
	if (looks_like_key(s)) {
		char q[QBUF];

		rstrip(s);
		cf_lerr(p, "%s: an indented line continues the previous value%s%s%s: "
			"remove the indentation or join the lines", cf_quotes(q, s),
			p->key ? " (" : "", p->key ? p->key->name : "", p->key ? ")" : "");
		return;
	}
	if (join_words(p, s) < 0)
		return;
	if (p->sec != SEC_SKIP)
		cf_continue_key(p, s);
}

/* One physical line, in p->buf. */
static void read_line(struct parser *p)
{
	char *s = lskip(p->buf);
	size_t indent = s - p->buf;

	if (!*s || *s == ';' || *s == '#')
		return;
	if (p->in_key && indent > p->key_indent)
		read_continuation(p, s);
	else if (*s == '[')
		read_header(p, s);
	else
		read_key(p, s, indent);
}

/* Takes the next physical line into p->buf; false at the end or on error. */
static bool next_line(struct parser *p)
{
	const char *l = p->text + p->pos;
	const char *eol = memchr(l, '\n', p->len - p->pos);
	size_t n = eol ? (size_t)(eol - l) : p->len - p->pos;
	const char *nul;

	p->pos += n + (eol ? 1 : 0);
	p->line++;
	if (n > 0 && l[n - 1] == '\r')
		n--;
	if (p->line == 1 && n >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0) {
		l += 3;
		n -= 3;
	}
	if (n > CONF_LINE_MAX) {
		cf_lerr(p, "line is %zu bytes long, at most %d are allowed", n,
			CONF_LINE_MAX);
		p->key = NULL;
		return false;
	}
	nul = memchr(l, '\0', n);
	if (nul) {
		cf_lerr(p, "NUL byte at column %zu", (size_t)(nul - l) + 1);
		p->key = NULL;
		return false;
	}
	memcpy(p->buf, l, n);
	p->buf[n] = '\0';
	return true;
}

int conf_parse_string(struct conf *c, const char *filename, const char *text,
		      size_t len, struct conf_errors *err)
{
	struct parser p = {
		.c = c,
		.err = err,
		.text = text,
		.len = text ? len : 0,
	};

	p.file = cf_add_file(c, filename ? filename : "<string>");
	if (!p.file)
		return -ENOMEM;
	while (p.pos < p.len && p.ret == 0)
		if (next_line(&p))
			read_line(&p);
	return p.ret < 0 ? p.ret : p.n_errors ? -EINVAL : 0;
}
