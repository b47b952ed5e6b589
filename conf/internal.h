/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside conf/: what its files share. Nothing outside conf/ includes this.
 *
 * The files, each using only those listed before it:
 *   conf.c      struct conf's lifecycle, the error lines, quoting user text
 *   hints.c     what a wrong word was most likely meant to be, and the slips
 *   addr.c      VIP addresses: one word parsed, the addresses no VIP may be,
 *               prefixes
 *   keys.c      the sections, the key table and its value parsers
 *   read.c      the line reader: a file's text in, sections and keys out
 *   validate.c  the checks that need the whole config
 *   load.c      files and drop-ins
 */
#ifndef LVS_CONF_INTERNAL_H
#define LVS_CONF_INTERNAL_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"

/* Bytes of user text quoted in a message (the text itself is never cut). */
#define QUOTE_MAX 48
#define QBUF (QUOTE_MAX * 4 + 8)

#define CONF_VIP_KEYS 7

enum section {
	SEC_NONE,  /* before the first section header */
	SEC_AGENT,
	SEC_VIP,
	SEC_SKIP,  /* a section whose header was refused: its keys are ignored */
};

struct choice {
	const char *word;
	int value;
};

/* Numbers that are refused with a reason rather than "out of range". */
struct refusal {
	long lo, hi;
	const char *why;
};

struct parser;

struct conf_key {
	enum section section;
	const char *name;
	int (*parse)(struct parser *p, const struct conf_key *k,
		     const char *value, void *base);
	size_t offset;  /* into struct conf ([agent]) or struct conf_group */
	unsigned slot;  /* index into the "already set at" tables */
	bool multi;     /* continuation lines add values */
	const struct choice *choices;
	size_t n_choices;
	const struct refusal *refused;
	size_t n_refused;
};

/* The state of reading one file's text (read.c), which the key parsers and
 * the error helpers see too. */
struct parser {
	struct conf *c;
	struct conf_errors *err;
	const char *file;
	const char *text;
	size_t len, pos;
	int line; /* the physical line being read */
	unsigned n_errors;
	int ret;  /* sticky -ENOMEM */

	enum section sec;
	size_t group;
	struct conf_where vip_set[CONF_VIP_KEYS];
	const struct conf_key *key; /* what continuation lines extend */

	/* A key line was read since the last section header, so that a line
	 * indented deeper than key_indent continues it. */
	bool in_key;
	size_t key_indent;

	char buf[CONF_LINE_MAX + 1]; /* the current physical line */
	char hint[CONF_WORD_MAX + 32]; /* see cf_hint() */
};

/* ---- text: the same notion of whitespace everywhere */

static inline bool is_ws(char c)
{
	return isspace((unsigned char)c);
}

static inline char *lskip(const char *s)
{
	while (*s && is_ws(*s))
		s++;
	return (char *)s;
}

static inline void rstrip(char *s)
{
	char *end = s + strlen(s);

	while (end > s && is_ws(end[-1]))
		*--end = '\0';
}

/* ---- conf.c */

/* Grows an array when it is full; capacities are 4, 8, 16, ... */
int cf_grow(void **v, size_t n, size_t size);

/* The file name kept in c for the vips and groups to point into. */
const char *cf_add_file(struct conf *c, const char *name);

/* One "FILE:LINE: message" line (line 0: "FILE: message"); NULL e: none. */
_printf_(4, 5) int cf_errorf(struct conf_errors *e, const char *file, int line,
			     const char *fmt, ...);

/*
 * User text in a message: quoted, with control and non-ASCII bytes escaped
 * (a message must not carry raw bytes to a terminal) and shortened.
 */
const char *cf_quote(char buf[static QBUF], const char *s, size_t n);
const char *cf_quotes(char buf[static QBUF], const char *s);

/* Keeps the first failure (r < 0) of a run in p->ret. */
void cf_note(struct parser *p, int r);

/* The group whose section is being read, or NULL. */
struct conf_group *cf_cur_group(struct parser *p);

/*
 * Errors on the current line, "FILE:LINE: ...". Any error inside a [vip]
 * section marks the group, even when the message leaves the group out
 * because it is about the line itself.
 *  lerr: about the line itself: no group or key in the message;
 *  gerr: in a section: "vip "NAME": message" or just the message;
 *  kerr: about a value: "vip "NAME": KEY: message" or "KEY: message".
 */
_printf_(2, 3) void cf_lerr(struct parser *p, const char *fmt, ...);
_printf_(2, 3) void cf_gerr(struct parser *p, const char *fmt, ...);
_printf_(3, 4) void cf_kerr(struct parser *p, const struct conf_key *k,
			    const char *fmt, ...);

/* ---- hints.c */

/*
 * What a word that is no valid value was most likely meant to be, as a
 * suffix for its message: ": did you mean dr?" among k's choices (k may be
 * NULL), or a word on the INI syntax it trips on. "" when nothing fits; the
 * text lives in p until the next call.
 */
const char *cf_hint(struct parser *p, const char *word, size_t n,
		    const struct conf_key *k);

/*
 * "unknown key" for name in the current section, whose keys are names[]:
 * with the section it belongs under (`elsewhere`, or NULL), else the key
 * it is a typo of, else the keys there are.
 */
void cf_unknown_key(struct parser *p, const char *name,
		    const char *const *names, size_t n, const char *elsewhere);

/*
 * "unknown section" for the header text whose first word is n bytes and
 * whose name (the rest) is `rest`; name_ok: rest is a valid group name.
 */
void cf_unknown_section(struct parser *p, const char *text, size_t n,
			const char *rest, bool name_ok);

/* "a, b": reports the line's addresses written with commas; true if so. */
bool cf_commas(struct parser *p, const char *value);

/* ---- addr.c */

static inline size_t vip_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) :
				   sizeof(struct in6_addr);
}

static inline unsigned vip_max(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Why the address (an in_addr or in6_addr) cannot be a VIP, or NULL. */
const char *cf_vip_unusable(int family, const void *addr);

/* The VIP as messages show it: the address, and the prefix if not a host's. */
const char *cf_vip_text(const struct conf_vip *v, char *buf, size_t len);

/*
 * The first (network) and last address of addr/prefixlen, as bytes in
 * network order: lo gets the host bits cleared, hi set.
 */
void cf_prefix_range(int family, const void *addr, unsigned prefixlen,
		     unsigned char *lo, unsigned char *hi);

/* Adds the VIP written as the n bytes at word to g, or reports why not. */
void cf_add_vip(struct parser *p, struct conf_group *g, const char *word,
		size_t n);

/* ---- keys.c */

const struct conf_key *cf_find_key(enum section sec, const char *name);

/* The header's text between '[' and ']': a new section (or SEC_SKIP). */
void cf_section_begin(struct parser *p, char *text);

/* A key line "name = value" (value: its words joined by single spaces). */
void cf_start_key(struct parser *p, const char *name, const char *value);

/* An indented line that continues the last key's value. */
void cf_continue_key(struct parser *p, const char *value);

#endif
