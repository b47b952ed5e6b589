// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The INI schema of lvs-rs-agent: the line reader, a key table, the value
 * parsers, and the validation pass over the whole config.
 * Nothing here prints: every problem becomes one "FILE:LINE: message" line in
 * struct conf_errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conf.h"
#include "../lib/suggest.h"

/* A config file larger than this is refused rather than read into memory. */
#define CONF_FILE_MAX (4 * 1024 * 1024)

/* Bytes of user text quoted in a message (the text itself is never cut). */
#define QUOTE_MAX 48
#define QBUF (QUOTE_MAX * 4 + 8)

#define CONF_VIP_KEYS 4

static_assert(sizeof(enum conf_arp_suppress) == sizeof(int), "enum as int");
static_assert(sizeof(enum conf_mode) == sizeof(int), "enum as int");

/* ---- error lines */

void conf_errors_done(struct conf_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static int errors_push(struct conf_errors *e, char *msg)
{
	char **v = realloc(e->v, (e->n + 1) * sizeof(*v));

	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	e->v = v;
	e->v[e->n++] = msg;
	return 0;
}

/* line 0: a message about the whole file. NULL e: count only. */
_printf_(4, 0) static int verrorf(struct conf_errors *e, const char *file,
				  int line, const char *fmt, va_list ap)
{
	char *msg = NULL, *out = NULL;
	int r;

	if (!e || e->n > CONF_ERRORS_MAX)
		return 0;
	if (e->n == CONF_ERRORS_MAX)
		return asprintf(&out, "%s: too many errors, only the first %d are listed",
				file, CONF_ERRORS_MAX) < 0 ? -ENOMEM :
							     errors_push(e, out);
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	if (line > 0)
		r = asprintf(&out, "%s:%d: %s", file, line, msg);
	else
		r = asprintf(&out, "%s: %s", file, msg);
	free(msg);
	if (r < 0)
		return -ENOMEM;
	return errors_push(e, out);
}

_printf_(4, 5) static int errorf(struct conf_errors *e, const char *file,
				 int line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = verrorf(e, file, line, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * User text in a message: quoted, with control and non-ASCII bytes escaped
 * (a message must not carry raw bytes to a terminal) and shortened.
 */
static const char *quote(char buf[static QBUF], const char *s, size_t n)
{
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			snprintf(buf + o, 5, "\\x%02x", ch);
			o += 4;
		} else {
			buf[o++] = ch;
		}
	}
	buf[o++] = '"';
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static const char *quotes(char buf[static QBUF], const char *s)
{
	return quote(buf, s, strlen(s));
}

/* ---- small helpers */

/* Grows an array when it is full; capacities are 4, 8, 16, ... */
static int grow(void **v, size_t n, size_t size)
{
	void *nv;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return 0;
	nv = realloc(*v, (n < 4 ? 4 : 2 * n) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

/* The same notion of whitespace everywhere. */
static bool is_ws(char c)
{
	return isspace((unsigned char)c);
}

static char *lskip(const char *s)
{
	while (*s && is_ws(*s))
		s++;
	return (char *)s;
}

static void rstrip(char *s)
{
	char *end = s + strlen(s);

	while (end > s && is_ws(end[-1]))
		*--end = '\0';
}

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

static bool utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		uint32_t cp, min;
		int n;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
			min = 0x80;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
			min = 0x800;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

static const char *v4_unusable(struct in_addr in)
{
	uint32_t a = ntohl(in.s_addr);

	if (a == 0)
		return "the unspecified address";
	if (a >> 24 == 0)
		return "in 0.0.0.0/8 (\"this network\")";
	if (a >> 24 == 127)
		return "a loopback address";
	if (a >> 28 == 0xe)
		return "a multicast address";
	if (a == 0xffffffff)
		return "the broadcast address";
	return NULL;
}

static const char *v6_unusable(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "the unspecified address";
	if (IN6_IS_ADDR_LOOPBACK(a))
		return "the loopback address";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "a multicast address";
	if (IN6_IS_ADDR_LINKLOCAL(a))
		return "a link-local address";
	if (IN6_IS_ADDR_V4MAPPED(a))
		return "an IPv4-mapped IPv6 address (write the IPv4 address)";
	return NULL;
}

/* ---- struct conf */

struct choice {
	const char *word;
	int value;
};

/* Numbers that are refused with a reason rather than "out of range". */
struct refusal {
	long lo, hi;
	const char *why;
};

static const struct choice arp_suppress_choices[] = {
	{ "sysctl", CONF_ARP_SYSCTL },
	{ "nft", CONF_ARP_NFT },
	{ "both", CONF_ARP_BOTH },
	{ "none", CONF_ARP_NONE },
};

static const struct choice mode_choices[] = {
	{ "dr", CONF_MODE_DR },
	{ "tun", CONF_MODE_TUN },
};

static const struct choice yes_no_choices[] = {
	{ "yes", true },
	{ "no", false },
};

static const char *choice_name(const struct choice *c, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].value == value)
			return c[i].word;
	return "unknown";
}

const char *conf_arp_suppress_name(enum conf_arp_suppress a)
{
	return choice_name(arp_suppress_choices,
			   ARRAY_SIZE(arp_suppress_choices), a);
}

const char *conf_mode_name(enum conf_mode m)
{
	return choice_name(mode_choices, ARRAY_SIZE(mode_choices), m);
}

struct conf *conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->arp_suppress = CONF_ARP_SYSCTL;
	c->arp_ignore = 1;
	c->arp_announce = 2;
	c->rip_auto = true;
	c->rp_filter = 2;
	c->max_vips = CONF_MAX_VIPS_DEFAULT;
	return c;
}

struct conf *conf_free(struct conf *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_groups; i++) {
		for (size_t j = 0; j < c->groups[i].n_vips; j++)
			free(c->groups[i].vips[j].spelling);
		free(c->groups[i].vips);
	}
	free(c->groups);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
	return NULL;
}

static const char *add_file(struct conf *c, const char *name)
{
	char **v = realloc(c->files, (c->n_files + 1) * sizeof(*v));
	char *s;

	if (!v)
		return NULL;
	c->files = v;
	s = strdup(name);
	if (!s)
		return NULL;
	c->files[c->n_files++] = s;
	return s;
}

/* ---- the parser state */

enum section {
	SEC_NONE,  /* before the first section header */
	SEC_AGENT,
	SEC_VIP,
	SEC_SKIP,  /* a section whose header was refused: its keys are ignored */
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
	char hint[CONF_WORD_MAX + 32]; /* see hint() */
};

static struct conf_group *cur_group(struct parser *p)
{
	return p->sec == SEC_VIP ? &p->c->groups[p->group] : NULL;
}

static void note(struct parser *p, int r)
{
	if (r < 0 && p->ret == 0)
		p->ret = r;
}

/*
 * "FILE:LINE: [vip "NAME": ][KEY: ]message" for the current line. Any error
 * inside a [vip] section marks the group, even when the message leaves the
 * group out because it is about the line itself.
 */
_printf_(4, 0) static void vperr(struct parser *p, const struct conf_key *k,
				 bool with_group, const char *fmt, va_list ap)
{
	struct conf_group *g = cur_group(p);
	char pre[CONF_NAME_MAX + 32] = "";
	char *msg = NULL;
	size_t o = 0;

	p->n_errors++;
	if (g)
		g->has_errors = true;
	if (!p->err)
		return;
	if (g && with_group)
		o = snprintf(pre, sizeof(pre), "vip \"%s\": ", g->name);
	if (k)
		snprintf(pre + o, sizeof(pre) - o, "%s: ", k->name);
	if (vasprintf(&msg, fmt, ap) < 0) {
		note(p, -ENOMEM);
		return;
	}
	note(p, errorf(p->err, p->file, p->line, "%s%s", pre, msg));
	free(msg);
}

/* An error about the line itself: no group or key in the message. */
_printf_(2, 3) static void lerr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, NULL, false, fmt, ap);
	va_end(ap);
}

/* An error in a section: "vip "NAME": message" or just the message. */
_printf_(2, 3) static void gerr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, NULL, true, fmt, ap);
	va_end(ap);
}

/* An error about a value: "vip "NAME": KEY: message" or "KEY: message". */
_printf_(3, 4) static void kerr(struct parser *p, const struct conf_key *k,
				const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, k, true, fmt, ap);
	va_end(ap);
}

/* ---- value parsers */

/* Splits "first rest" into the first word and what follows it. */
static size_t first_word(const char *value, const char **rest)
{
	size_t n = 0;

	while (value[n] && !is_ws(value[n]))
		n++;
	*rest = lskip(value + n);
	return n;
}

static void allowed_list(const struct conf_key *k, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < k->n_choices && o < len; i++)
		o += snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
			      k->choices[i].word);
}

/*
 * What a word that is no valid value was most likely meant to be, as a
 * suffix for its message: ": did you mean dr?" among k's choices (k may be
 * NULL), or a word on the INI syntax it trips on. "" when nothing fits; the
 * text lives in p until the next call.
 */
static const char *hint(struct parser *p, const char *word, size_t n,
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

static void err_garbage(struct parser *p, const struct conf_key *k,
			const char *value, size_t n, const char *rest)
{
	char q1[QBUF], q2[QBUF];

	kerr(p, k, "trailing garbage after %s: %s", quote(q1, value, n),
	     quotes(q2, rest));
}

/* The value of the word among k's choices; an error reported if none. */
static int match_choice(struct parser *p, const struct conf_key *k,
			const char *value, int *ret)
{
	char q[QBUF], allowed[128];
	const char *rest;
	size_t n = first_word(value, &rest);

	for (size_t i = 0; i < k->n_choices; i++) {
		if (strlen(k->choices[i].word) != n ||
		    memcmp(k->choices[i].word, value, n) != 0)
			continue;
		if (*rest) {
			err_garbage(p, k, value, n, rest);
			return -EINVAL;
		}
		*ret = k->choices[i].value;
		return 0;
	}
	allowed_list(k, allowed, sizeof(allowed));
	kerr(p, k, "%s is not one of %s%s", quotes(q, value), allowed,
	     hint(p, value, n, k));
	return -EINVAL;
}

static int parse_enum(struct parser *p, const struct conf_key *k,
		      const char *value, void *base)
{
	int v, r = match_choice(p, k, value, &v);

	if (r == 0)
		*(int *)((char *)base + k->offset) = v;
	return r;
}

static int parse_bool(struct parser *p, const struct conf_key *k,
		      const char *value, void *base)
{
	int v, r = match_choice(p, k, value, &v);

	if (r == 0)
		*(bool *)((char *)base + k->offset) = v;
	return r;
}

static int parse_int_choice(struct parser *p, const struct conf_key *k,
			    const char *value, void *base)
{
	char q[QBUF], allowed[128];
	const char *s = value;
	char *end;
	long v;

	allowed_list(k, allowed, sizeof(allowed));
	if (!(isdigit((unsigned char)s[0]) ||
	      (s[0] == '-' && isdigit((unsigned char)s[1])))) {
		kerr(p, k, "%s is not a number; allowed: %s", quotes(q, value),
		     allowed);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end) {
		err_garbage(p, k, value, end - value, lskip(end));
		return -EINVAL;
	}
	for (size_t i = 0; errno == 0 && i < k->n_choices; i++) {
		if (k->choices[i].value == v) {
			*(int *)((char *)base + k->offset) = (int)v;
			return 0;
		}
	}
	for (size_t i = 0; errno == 0 && i < k->n_refused; i++) {
		if (v >= k->refused[i].lo && v <= k->refused[i].hi) {
			kerr(p, k, "%ld is not allowed: %s; allowed: %s", v,
			     k->refused[i].why, allowed);
			return -EINVAL;
		}
	}
	kerr(p, k, "%s is out of range; allowed: %s", value, allowed);
	return -EINVAL;
}

/* A count: decimal digits, 1..CONF_MAX_VIPS_LIMIT. */
static int parse_max_vips(struct parser *p, const struct conf_key *k,
			  const char *value, void *base)
{
	char q[QBUF];
	unsigned long v = 0;
	const char *s = value;

	if (!isdigit((unsigned char)*s)) {
		kerr(p, k, "%s is not a number; allowed: 1 to %d", quotes(q, value),
		     CONF_MAX_VIPS_LIMIT);
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*s); s++)
		if (v <= CONF_MAX_VIPS_LIMIT)
			v = v * 10 + (unsigned long)(*s - '0');
	if (*s) {
		err_garbage(p, k, value, (size_t)(s - value), lskip(s));
		return -EINVAL;
	}
	if (v < 1 || v > CONF_MAX_VIPS_LIMIT) {
		kerr(p, k, "%s is out of range; allowed: 1 to %d", quotes(q, value),
		     CONF_MAX_VIPS_LIMIT);
		return -EINVAL;
	}
	*(unsigned *)((char *)base + k->offset) = (unsigned)v;
	return 0;
}

static int parse_rip(struct parser *p, const struct conf_key *k,
		     const char *value, void *base)
{
	struct conf *c = base;
	char q[QBUF], buf[INET_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a;
	const char *rest, *why;
	size_t n = first_word(value, &rest);

	if (*rest) {
		err_garbage(p, k, value, n, rest);
		return -EINVAL;
	}
	if (strcmp(value, "auto") == 0) {
		c->rip_auto = true;
		return 0;
	}
	if (n < sizeof(buf))
		memcpy(buf, value, n + 1);
	if (n >= sizeof(buf) || inet_pton(AF_INET, buf, &a) != 1) {
		if (inet_pton(AF_INET6, value, &a6) == 1)
			kerr(p, k, "%s is IPv6, but ARP is IPv4 only; use auto or an IPv4 address",
			     quotes(q, value));
		else
			kerr(p, k, "%s is neither auto nor an IPv4 address",
			     quotes(q, value));
		return -EINVAL;
	}
	why = v4_unusable(a);
	if (why) {
		kerr(p, k, "%s is %s, not usable as an ARP sender", value, why);
		return -EINVAL;
	}
	c->rip_auto = false;
	c->rip = a;
	return 0;
}

/* What the kernel's dev_valid_name() would refuse, and not-UTF-8. */
static int parse_device(struct parser *p, const struct conf_key *k,
			const char *value, void *base)
{
	struct conf_group *g = base;
	size_t n = strlen(value);
	char q[QBUF];

	quotes(q, value);
	if (strpbrk(value, " \t\n\v\f\r")) {
		kerr(p, k, "interface name %s contains whitespace", q);
		return -EINVAL;
	}
	if (n >= IF_NAMESIZE) {
		kerr(p, k, "interface name %s is longer than %d bytes", q,
		     IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
		kerr(p, k, "%s is not a valid interface name", q);
		return -EINVAL;
	}
	if (strpbrk(value, "/:")) {
		kerr(p, k, "interface name %s contains '%c'", q,
		     *strpbrk(value, "/:"));
		return -EINVAL;
	}
	if (!utf8_valid(value)) {
		kerr(p, k, "interface name %s is not valid UTF-8", q);
		return -EINVAL;
	}
	/* The kernel's isspace() counts Latin-1 NBSP as a space, and so
	 * refuses any name with that byte, inside UTF-8 sequences too. */
	if (strchr(value, '\xa0')) {
		kerr(p, k, "interface name %s contains byte 0xa0, which the kernel counts as whitespace",
		     q);
		return -EINVAL;
	}
	memcpy(g->device, value, n + 1);
	g->device_set = true;
	g->device_line = p->line;
	return 0;
}

static void add_vip(struct parser *p, struct conf_group *g, const char *word,
		    size_t n)
{
	char q[QBUF], buf[INET6_ADDRSTRLEN];
	const char *slash = memchr(word, '/', n);
	size_t alen = slash ? (size_t)(slash - word) : n;
	struct conf_vip v;
	const char *why;
	unsigned long prefix, max;

	/* all of the union zero: duplicates are found by comparing bytes */
	memset(&v, 0, sizeof(v));
	v.file = p->file;
	v.line = p->line;
	quote(q, word, n);
	if (alen >= sizeof(buf))
		goto not_addr;
	memcpy(buf, word, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &v.addr.v4) == 1) {
		v.family = AF_INET;
		max = 32;
		why = v4_unusable(v.addr.v4);
	} else if (inet_pton(AF_INET6, buf, &v.addr.v6) == 1) {
		v.family = AF_INET6;
		max = 128;
		why = v6_unusable(&v.addr.v6);
	} else {
		goto not_addr;
	}
	if (slash) {
		const char *s = slash + 1, *end = word + n;

		if (s == end) {
			gerr(p, "%s: the prefix after '/' is missing", q);
			return;
		}
		prefix = 0;
		for (; s < end; s++) {
			if (!isdigit((unsigned char)*s)) {
				char qp[QBUF];

				gerr(p, "%s: prefix %s is not a number", q,
				     quote(qp, slash + 1, end - slash - 1));
				return;
			}
			if (prefix <= max)
				prefix = prefix * 10 + (*s - '0');
		}
		if (prefix > max) {
			gerr(p, "%s: prefix is out of range for %s (0-%lu)", q,
			     max == 32 ? "IPv4" : "IPv6", max);
			return;
		}
		if (prefix != max) {
			/*
			 * A prefix: only an anyip group takes one, and the
			 * group may say so further down. conf_validate()
			 * decides, quoting the text as written.
			 */
			v.prefixlen = (unsigned char)prefix;
			v.spelling = strndup(word, n);
			if (!v.spelling) {
				note(p, -ENOMEM);
				return;
			}
			why = NULL;
		}
	}
	if (!v.spelling)
		v.prefixlen = (unsigned char)max;
	if (why) {
		gerr(p, "%s is %s, not usable as a VIP", q, why);
		return;
	}
	if (grow((void **)&g->vips, g->n_vips, sizeof(*g->vips)) < 0) {
		free(v.spelling);
		note(p, -ENOMEM);
		return;
	}
	g->vips[g->n_vips++] = v;
	return;
not_addr:
	gerr(p, "%s is not an IPv4 or IPv6 address%s", q, hint(p, word, n, NULL));
}

static int parse_address(struct parser *p, const struct conf_key *k,
			 const char *value, void *base)
{
	struct conf_group *g = base;
	unsigned before = p->n_errors;
	const char *s = lskip(value);

	g->address_set = true;
	/* "a, b": one error for the line, not one per address. */
	if (strchr(s, ',')) {
		char q[QBUF];

		gerr(p, "addresses are separated by spaces, not commas: %s",
		     quotes(q, s));
		return -EINVAL;
	}
	while (*s) {
		size_t n = 0;

		while (s[n] && !is_ws(s[n]))
			n++;
		add_vip(p, g, s, n);
		s = lskip(s + n);
	}
	return p->n_errors == before ? 0 : -EINVAL;
}

static const struct refusal arp_ignore_refused[] = {
	{ 0, 0, "the VIP would still be answered in ARP" },
	{ 3, 8, "3-8 are not for LVS" },
};
static const struct refusal arp_announce_refused[] = {
	{ 0, 0, "a VIP could be announced as the ARP sender" },
};
static const struct refusal rp_filter_refused[] = {
	{ 1, 1, "strict mode breaks TUN" },
};
static const struct choice arp_ignore_choices[] = { { "1", 1 }, { "2", 2 } };
static const struct choice arp_announce_choices[] = { { "2", 2 }, { "1", 1 } };
static const struct choice rp_filter_choices[] = { { "2", 2 }, { "0", 0 } };

#define CHOICES(a) .choices = (a), .n_choices = ARRAY_SIZE(a)
#define REFUSED(a) .refused = (a), .n_refused = ARRAY_SIZE(a)

static const struct conf_key keys[] = {
	{ .section = SEC_AGENT, .name = "arp_suppress", .parse = parse_enum,
	  .offset = offsetof(struct conf, arp_suppress), .slot = 0,
	  CHOICES(arp_suppress_choices) },
	{ .section = SEC_AGENT, .name = "arp_ignore", .parse = parse_int_choice,
	  .offset = offsetof(struct conf, arp_ignore), .slot = 1,
	  CHOICES(arp_ignore_choices), REFUSED(arp_ignore_refused) },
	{ .section = SEC_AGENT, .name = "arp_announce", .parse = parse_int_choice,
	  .offset = offsetof(struct conf, arp_announce), .slot = 2,
	  CHOICES(arp_announce_choices), REFUSED(arp_announce_refused) },
	{ .section = SEC_AGENT, .name = "rip", .parse = parse_rip,
	  .offset = offsetof(struct conf, rip), .slot = 3 },
	{ .section = SEC_AGENT, .name = "rp_filter", .parse = parse_int_choice,
	  .offset = offsetof(struct conf, rp_filter), .slot = 4,
	  CHOICES(rp_filter_choices), REFUSED(rp_filter_refused) },
	{ .section = SEC_AGENT, .name = "max_vips", .parse = parse_max_vips,
	  .offset = offsetof(struct conf, max_vips), .slot = 5 },
	{ .section = SEC_VIP, .name = "address", .parse = parse_address,
	  .offset = offsetof(struct conf_group, vips), .slot = 0,
	  .multi = true },
	{ .section = SEC_VIP, .name = "mode", .parse = parse_enum,
	  .offset = offsetof(struct conf_group, mode), .slot = 1,
	  CHOICES(mode_choices) },
	{ .section = SEC_VIP, .name = "device", .parse = parse_device,
	  .offset = offsetof(struct conf_group, device), .slot = 2 },
	{ .section = SEC_VIP, .name = "anyip", .parse = parse_bool,
	  .offset = offsetof(struct conf_group, anyip), .slot = 3,
	  CHOICES(yes_no_choices) },
};

static const struct conf_key *find_key(enum section sec, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].section == sec && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

struct conf_where conf_agent_where(const struct conf *c, const char *key)
{
	const struct conf_key *k = find_key(SEC_AGENT, key);

	return k ? c->agent_set[k->slot] : (struct conf_where){ 0 };
}

static void known_keys(enum section sec, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(keys) && o < len; i++)
		if (keys[i].section == sec)
			o += snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
				      keys[i].name);
}

/* The key of sec that name is a typo of, or NULL. */
static const char *suggest_key(enum section sec, const char *name)
{
	const char *names[ARRAY_SIZE(keys)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].section == sec)
			names[n++] = keys[i].name;
	return suggest(name, names, n);
}

/* ---- keys as the reader finds them */

static void *key_base(struct parser *p)
{
	return p->sec == SEC_AGENT ? (void *)p->c : (void *)cur_group(p);
}

static void start_key(struct parser *p, const char *name, const char *value)
{
	const struct conf_key *k;
	struct conf_where *set;
	char q[QBUF], known[128];

	p->key = NULL;
	if (p->sec == SEC_NONE) {
		lerr(p, "key %s outside a section; it belongs under [agent] or [vip NAME]",
		     quotes(q, name));
		return;
	}
	k = find_key(p->sec, name);
	if (!k) {
		enum section other = p->sec == SEC_AGENT ? SEC_VIP : SEC_AGENT;
		const char *guess = suggest_key(p->sec, name);

		known_keys(p->sec, known, sizeof(known));
		if (find_key(other, name))
			gerr(p, "unknown key %s%s: it belongs under %s",
			     quotes(q, name), p->sec == SEC_AGENT ? " in [agent]" : "",
			     other == SEC_AGENT ? "[agent]" : "[vip NAME]");
		else if (guess)
			gerr(p, "unknown key %s%s: did you mean %s?", quotes(q, name),
			     p->sec == SEC_AGENT ? " in [agent]" : "", guess);
		else
			gerr(p, "unknown key %s%s; known keys: %s",
			     quotes(q, name), p->sec == SEC_AGENT ? " in [agent]" : "",
			     known);
		return;
	}
	set = p->sec == SEC_AGENT ? &p->c->agent_set[k->slot] :
				    &p->vip_set[k->slot];
	if (set->line) {
		kerr(p, k, "already set at %s:%d", set->file, set->line);
		return;
	}
	set->file = p->file;
	set->line = p->line;
	if (!*value) {
		kerr(p, k, "empty value");
		return;
	}
	p->key = k;
	/* A single-valued key gets one error: ignore its continuations. */
	if (k->parse(p, k, value, key_base(p)) < 0 && !k->multi)
		p->key = NULL;
}

static void continue_key(struct parser *p, const char *value)
{
	const struct conf_key *k = p->key;
	char q[QBUF];

	if (!k)
		return; /* the key was refused; that error is reported */
	if (!k->multi) {
		kerr(p, k, "%s: an indented line continues the previous value, and %s takes one value",
		     quotes(q, value), k->name);
		p->key = NULL;
		return;
	}
	k->parse(p, k, value, key_base(p));
}

/* ---- sections */

static bool group_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == n;
}

static void section_begin(struct parser *p, char *text)
{
	struct conf *c = p->c;
	struct conf_group *g;
	char q[QBUF];
	const char *rest;
	size_t n;

	text = lskip(text);
	rstrip(text);
	n = first_word(text, &rest);
	p->sec = SEC_SKIP;
	if (n == 5 && memcmp(text, "agent", 5) == 0) {
		if (*rest) {
			lerr(p, "[agent] takes no name: %s", quotes(q, text));
			return;
		}
		p->sec = SEC_AGENT;
		return;
	}
	if (!(n == 3 && memcmp(text, "vip", 3) == 0)) {
		static const char *const sections[] = { "agent", "vip" };
		char word[CONF_WORD_MAX + 1];
		const char *guess = NULL;

		if (n < sizeof(word)) {
			memcpy(word, text, n);
			word[n] = '\0';
			guess = suggest(word, sections, ARRAY_SIZE(sections));
		}
		if (guess && strcmp(guess, "agent") == 0)
			lerr(p, "unknown section %s: did you mean [agent]?", quotes(q, text));
		else if (guess)
			lerr(p, "unknown section %s: did you mean [vip %s]?", quotes(q, text),
			     group_name_valid(rest) ? rest : "NAME");
		else
			lerr(p, "unknown section %s; known: [agent], [vip NAME]",
			     quotes(q, text));
		return;
	}
	if (!*rest) {
		lerr(p, "[vip] needs a name: [vip NAME]");
		return;
	}
	if (!group_name_valid(rest)) {
		lerr(p, "invalid vip name %s: use 1-%d letters, digits, '_', '.' or '-'",
		     quotes(q, rest), CONF_NAME_MAX - 1);
		return;
	}
	if (grow((void **)&c->groups, c->n_groups, sizeof(*c->groups)) < 0) {
		note(p, -ENOMEM);
		return;
	}
	g = &c->groups[c->n_groups];
	memset(g, 0, sizeof(*g));
	strcpy(g->name, rest);
	g->mode = CONF_MODE_DR;
	g->file = p->file;
	g->line = p->line;
	p->group = c->n_groups++;
	p->sec = SEC_VIP;
	memset(p->vip_set, 0, sizeof(p->vip_set));
}

/* ---- the reader: one file's text in, sections and keys out */

/*
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
			lerr(p, "%s is too long (%zu bytes, a value is at most %d)",
			     quote(q, w, n), n, CONF_WORD_MAX);
			p->key = NULL;
			return -EINVAL;
		}
		if (*w == '#') {
			lerr(p, "'#' starts a comment only at the beginning of a line; use ';' after a value");
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
		lerr(p, "unterminated section header: missing ']'");
		return;
	}
	*end = '\0';
	rest = lskip(end + 1);
	p->sec = SEC_NONE;
	if (*rest && *rest != ';') {
		if (*rest == '#')
			lerr(p, "'#' starts a comment only at the beginning of a line; use ';' after a section header");
		else
			lerr(p, "unexpected text after the section header: %s",
			     quotes(q, rest));
	}
	section_begin(p, s + 1);
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
			lerr(p, "expected \"key = value\" or \"[section]\", found %s (to continue %s, "
			     "indent the line deeper than its key)", quotes(q, s), last->name);
		else
			lerr(p, "expected \"key = value\" or \"[section]\", found %s",
			     quotes(q, s));
		return;
	}
	if (!*s) {
		lerr(p, "missing key name before '%c'", sep);
		return;
	}
	if (strlen(s) > CONF_WORD_MAX) {
		lerr(p, "key %s is too long (%zu bytes)", quotes(q, s),
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
		start_key(p, s, value);
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
	return find_key(SEC_AGENT, name) || find_key(SEC_VIP, name);
}

static void read_continuation(struct parser *p, char *s)
{
	*find_chars_or_comment(s, NULL) = '\0';
	if (looks_like_key(s)) {
		char q[QBUF];

		rstrip(s);
		lerr(p, "%s: an indented line continues the previous value%s%s%s: "
		     "remove the indentation or join the lines", quotes(q, s),
		     p->key ? " (" : "", p->key ? p->key->name : "", p->key ? ")" : "");
		return;
	}
	if (join_words(p, s) < 0)
		return;
	if (p->sec != SEC_SKIP)
		continue_key(p, s);
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
		lerr(p, "line is %zu bytes long, at most %d are allowed", n,
		     CONF_LINE_MAX);
		p->key = NULL;
		return false;
	}
	nul = memchr(l, '\0', n);
	if (nul) {
		lerr(p, "NUL byte at column %zu", (size_t)(nul - l) + 1);
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

	p.file = add_file(c, filename ? filename : "<string>");
	if (!p.file)
		return -ENOMEM;
	while (p.pos < p.len && p.ret == 0)
		if (next_line(&p))
			read_line(&p);
	return p.ret < 0 ? p.ret : p.n_errors ? -EINVAL : 0;
}

/* ---- validation of the whole config */

static size_t vip_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static unsigned vip_max(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* The VIP as messages show it: the address, and the prefix if not a host's. */
static const char *vip_text(const struct conf_vip *v, char *buf, size_t len)
{
	size_t n;

	inet_ntop(v->family, &v->addr, buf, len);
	n = strlen(buf);
	if (v->prefixlen < vip_max(v->family))
		snprintf(buf + n, len - n, "/%u", v->prefixlen);
	return buf;
}

/*
 * The first (network) and last address of addr/prefixlen, as bytes in
 * network order: lo gets the host bits cleared, hi set.
 */
static void prefix_range(int family, const void *addr, unsigned prefixlen,
			 unsigned char *lo, unsigned char *hi)
{
	const unsigned char *b = addr;

	for (size_t i = 0; i < vip_len(family); i++) {
		unsigned keep = prefixlen >= 8 * (i + 1) ? 8 :
				prefixlen > 8 * i ? prefixlen - 8 * i : 0;
		unsigned char host = (unsigned char)(0xffu >> keep);

		lo[i] = b[i] & (unsigned char)~host;
		hi[i] = b[i] | host;
	}
}

/* The address-family rules for a VIP address (unspecified, loopback, ...). */
static const char *vip_unusable(int family, const void *addr)
{
	struct in_addr a4;

	if (family == AF_INET6)
		return v6_unusable(addr);
	memcpy(&a4, addr, sizeof(a4));
	return v4_unusable(a4);
}

/*
 * A prefix is for anyip groups only, and must be their network's own
 * address, within the anyip bounds, and hold no address that cannot be a
 * VIP. Each VIP refused here is reported and dropped from the group, so
 * that the duplicate check does not report it again.
 */
static int check_prefixes(struct conf_group *g, struct conf_errors *err,
			  unsigned *n_errors)
{
	size_t keep = 0;
	int r = 0;

	for (size_t i = 0; i < g->n_vips; i++) {
		struct conf_vip *v = &g->vips[i];
		unsigned max = vip_max(v->family);
		unsigned min = v->family == AF_INET ? CONF_ANYIP_MIN_V4 :
						      CONF_ANYIP_MIN_V6;
		unsigned char lo[16], hi[16];
		char q[QBUF], net[INET6_ADDRSTRLEN];
		const char *why;

		if (!v->spelling || r < 0) {
			g->vips[keep++] = *v;
			continue;
		}
		prefix_range(v->family, &v->addr, v->prefixlen, lo, hi);
		inet_ntop(v->family, lo, net, sizeof(net));
		(*n_errors)++;
		if (!g->anyip) {
			r = errorf(err, v->file, v->line,
				   "vip \"%s\": %s is not a host address: a VIP takes /%u or no prefix "
				   "(a whole prefix is local only with anyip = yes)",
				   g->name, quotes(q, v->spelling), max);
		} else if (v->prefixlen < min) {
			r = errorf(err, v->file, v->line,
				   "vip \"%s\": %s: an anyip prefix is /%u to /%u for IPv%d (a shorter one would make the RS's own networks local)",
				   g->name, quotes(q, v->spelling), min, max,
				   v->family == AF_INET ? 4 : 6);
		} else if (memcmp(lo, &v->addr, vip_len(v->family)) != 0) {
			r = errorf(err, v->file, v->line,
				   "%s has host bits set; the network is %s/%u",
				   v->spelling, net, v->prefixlen);
		} else if ((why = vip_unusable(v->family, lo))) {
			r = errorf(err, v->file, v->line,
				   "vip \"%s\": %s is %s, not usable as a VIP",
				   g->name, quotes(q, v->spelling), why);
		} else if ((why = vip_unusable(v->family, hi))) {
			r = errorf(err, v->file, v->line,
				   "vip \"%s\": %s contains %s, not usable as a VIP",
				   g->name, quotes(q, v->spelling), why);
		} else {
			/* Valid: the spelling was only for messages. */
			(*n_errors)--;
			free(v->spelling);
			v->spelling = NULL;
			g->vips[keep++] = *v;
			continue;
		}
		g->has_errors = true;
		free(v->spelling);
	}
	g->n_vips = keep;
	return r < 0 ? r : 0;
}

struct vip_ref {
	const struct conf_vip *v;
	const struct conf_group *g;
	size_t idx;
	unsigned char lo[16], hi[16];
};

static int vip_ref_cmp(const void *a, const void *b)
{
	const struct vip_ref *x = a, *y = b;
	int r;

	if (x->v->family != y->v->family)
		return x->v->family < y->v->family ? -1 : 1;
	r = memcmp(x->lo, y->lo, vip_len(x->v->family));
	if (r)
		return r;
	/* A prefix before what it holds, then in the order written. */
	if (x->v->prefixlen != y->v->prefixlen)
		return x->v->prefixlen < y->v->prefixlen ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool same_vip(const struct vip_ref *x, const struct vip_ref *y)
{
	return x->v->family == y->v->family &&
	       x->v->prefixlen == y->v->prefixlen &&
	       memcmp(x->lo, y->lo, vip_len(x->v->family)) == 0;
}

/* A problem between two listings: `at` is where it is reported. */
enum clash { CLASH_SAME, CLASH_INSIDE, CLASH_CONTAINS };

struct vip_clash {
	const struct vip_ref *at, *other;
	enum clash how;
};

static int clash_cmp(const void *a, const void *b)
{
	const struct vip_clash *x = a, *y = b;

	if (x->at->idx != y->at->idx)
		return x->at->idx < y->at->idx ? -1 : 1;
	return x->other->idx < y->other->idx ? -1 : x->other->idx > y->other->idx;
}

/*
 * A VIP must have one owner: the same VIP twice (in any spelling), or an
 * address or prefix inside another prefix (anyip), is an error naming both
 * places. Prefixes nest or are disjoint, so after sorting by first address
 * (longer prefixes first) everything that overlaps an earlier entry lies
 * inside the one reaching furthest so far. Each problem is reported at the
 * listing written later, in the order written.
 */
static int check_duplicate_vips(struct conf *c, struct conf_errors *err,
				unsigned *n_errors)
{
	_cleanup_free_ struct vip_ref *refs = NULL;
	_cleanup_free_ struct vip_clash *clashes = NULL;
	char buf[INET6_ADDRSTRLEN + 8], obuf[INET6_ADDRSTRLEN + 8];
	const struct vip_ref *cover = NULL, *run = NULL;
	size_t n = 0, n_clashes = 0, i;

	for (i = 0; i < c->n_groups; i++)
		n += c->groups[i].n_vips;
	if (n < 2)
		return 0;
	refs = calloc(n, sizeof(*refs));
	clashes = calloc(n, sizeof(*clashes));
	if (!refs || !clashes)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < c->n_groups; i++)
		for (size_t j = 0; j < c->groups[i].n_vips; j++, n++) {
			struct vip_ref *r = &refs[n];

			r->v = &c->groups[i].vips[j];
			r->g = &c->groups[i];
			r->idx = n;
			prefix_range(r->v->family, &r->v->addr, r->v->prefixlen,
				     r->lo, r->hi);
		}
	qsort(refs, n, sizeof(*refs), vip_ref_cmp);
	for (i = 0; i < n; i++) {
		const struct vip_ref *r = &refs[i];
		struct vip_clash *x = &clashes[n_clashes];

		if (cover && cover->v->family != r->v->family)
			cover = run = NULL;
		/* Sorted by the order written within one VIP: the run's first
		 * is its first listing. */
		if (run && same_vip(run, r)) {
			*x = (struct vip_clash){ r, run, CLASH_SAME };
			n_clashes++;
			continue;
		}
		run = r;
		if (cover && memcmp(r->lo, cover->hi, vip_len(r->v->family)) <= 0) {
			if (cover->idx < r->idx)
				*x = (struct vip_clash){ r, cover, CLASH_INSIDE };
			else
				*x = (struct vip_clash){ cover, r, CLASH_CONTAINS };
			n_clashes++;
			continue;
		}
		cover = r;
	}
	if (n_clashes > 1)
		qsort(clashes, n_clashes, sizeof(*clashes), clash_cmp);
	for (i = 0; i < n_clashes; i++) {
		const struct vip_clash *x = &clashes[i];
		const struct vip_ref *r = x->at, *f = x->other;
		int ret;

		vip_text(r->v, buf, sizeof(buf));
		vip_text(f->v, obuf, sizeof(obuf));
		(*n_errors)++;
		if (x->how == CLASH_SAME)
			ret = errorf(err, r->v->file, r->v->line,
				     "vip \"%s\": %s is already listed at %s:%d (vip \"%s\")",
				     r->g->name, buf, f->v->file, f->v->line, f->g->name);
		else
			ret = errorf(err, r->v->file, r->v->line,
				     "vip \"%s\": %s %s %s listed at %s:%d (vip \"%s\"); a VIP must have one owner",
				     r->g->name, buf,
				     x->how == CLASH_INSIDE ? "is inside" : "contains",
				     obuf, f->v->file, f->v->line, f->g->name);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int group_cmp(const void *a, const void *b)
{
	const struct conf_group *x = *(const struct conf_group *const *)a;
	const struct conf_group *y = *(const struct conf_group *const *)b;
	int r = strcmp(x->name, y->name);

	/* groups are stored in the order they were written */
	return r ? r : (x < y ? -1 : x > y);
}

static int check_duplicate_groups(struct conf *c, struct conf_errors *err,
				  unsigned *n_errors)
{
	_cleanup_free_ const struct conf_group **v = NULL;
	_cleanup_free_ const struct conf_group **first = NULL;
	size_t n = c->n_groups;

	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	first = calloc(n, sizeof(*first));
	if (!v || !first)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = &c->groups[i];
	qsort(v, n, sizeof(*v), group_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i]->name, v[i - 1]->name) == 0)
			first[v[i] - c->groups] = first[v[i - 1] - c->groups] ?
							  first[v[i - 1] - c->groups] :
							  v[i - 1];
	for (size_t i = 0; i < n; i++) {
		const struct conf_group *g = &c->groups[i], *f = first[i];
		int r;

		if (!f)
			continue;
		(*n_errors)++;
		r = errorf(err, g->file, g->line,
			   "vip \"%s\" is already defined at %s:%d", g->name,
			   f->file, f->line);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The device of a group: lo for DR; for TUN the fallback tunnel device of
 * the address family, which carries that family only. */
static int check_device(struct conf_group *g, struct conf_errors *err,
			unsigned *n_errors)
{
	const struct conf_vip *v4 = NULL, *v6 = NULL, *bad = NULL;
	const char *other = NULL;
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < g->n_vips; i++) {
		if (g->vips[i].family == AF_INET && !v4)
			v4 = &g->vips[i];
		if (g->vips[i].family == AF_INET6 && !v6)
			v6 = &g->vips[i];
	}
	if (g->mode == CONF_MODE_DR) {
		if (!g->device_set)
			strcpy(g->device, "lo");
		return 0;
	}
	if (g->device_set && strcmp(g->device, "lo") == 0) {
		(*n_errors)++;
		return errorf(err, g->file, g->device_line,
			      "vip \"%s\": device: lo cannot be a mode = tun device: it decapsulates nothing, and the director's tunnelled packets would be dropped; use the tunnel device (tunl0 for IPv4, ip6tnl0 for IPv6)",
			      g->name);
	}
	if (!g->device_set) {
		if (v4 && v6) {
			g->device[0] = '\0';
			(*n_errors)++;
			return errorf(err, g->file, g->line,
				      "vip \"%s\": mode tun with IPv4 and IPv6 addresses has no default device (tunl0 is IPv4 only, ip6tnl0 IPv6 only); split the group by address family",
				      g->name);
		}
		strcpy(g->device, v6 ? "ip6tnl0" : "tunl0");
		return 0;
	}
	if (strcmp(g->device, "tunl0") == 0 && v6) {
		bad = v6;
		other = "ip6tnl0";
	} else if (strcmp(g->device, "ip6tnl0") == 0 && v4) {
		bad = v4;
		other = "tunl0";
	}
	if (!bad)
		return 0;
	inet_ntop(bad->family, &bad->addr, buf, sizeof(buf));
	(*n_errors)++;
	return errorf(err, bad->file, bad->line,
		      "vip \"%s\": %s is IPv%d, but %s carries only IPv%d; put it in a group with device %s",
		      g->name, buf, bad->family == AF_INET ? 4 : 6, g->device,
		      bad->family == AF_INET ? 6 : 4, other);
}

/*
 * Past max_vips, the error names the first VIP over it, where it is
 * written: the limit and how to raise it, and why there is one.
 */
static int check_max_vips(const struct conf *c, struct conf_errors *err,
			  unsigned *n_errors)
{
	size_t n = 0;

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];

		if (n + grp->n_vips <= c->max_vips) {
			n += grp->n_vips;
			continue;
		}
		(*n_errors)++;
		return errorf(err, grp->vips[c->max_vips - n].file,
			      grp->vips[c->max_vips - n].line,
			      "vip \"%s\": VIP number %u is over [agent] max_vips = %u: the kernel's "
			      "time for apply and revert grows faster than the number of VIPs "
			      "(lvs-rs-agent.conf(5), max_vips); raise max_vips to allow more",
			      grp->name, c->max_vips + 1, c->max_vips);
	}
	return 0;
}

int conf_validate(struct conf *c, struct conf_errors *err)
{
	unsigned n_errors = 0;
	int r;

	r = check_duplicate_groups(c, err, &n_errors);
	for (size_t i = 0; r >= 0 && i < c->n_groups; i++) {
		struct conf_group *g = &c->groups[i];

		/* A group with errors has had its say; "no address" would
		 * only repeat a refused address line. */
		if (!g->address_set && !g->has_errors) {
			n_errors++;
			r = errorf(err, g->file, g->line,
				   "vip \"%s\" has no address", g->name);
			if (r < 0)
				break;
		}
		r = check_prefixes(g, err, &n_errors);
		if (r >= 0)
			r = check_device(g, err, &n_errors);
	}
	if (r >= 0)
		r = check_duplicate_vips(c, err, &n_errors);
	if (r >= 0)
		r = check_max_vips(c, err, &n_errors);
	if (r < 0)
		return r;
	return n_errors ? -EINVAL : 0;
}

/* ---- files */

/* What a file that is not a regular one is, for a message. */
static const char *file_type(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

/* -EBADFD with *type set for anything but a regular file. */
static int read_file(const char *path, char **ret, size_t *ret_len,
		     const char **type)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	/* O_NONBLOCK: a FIFO in place of the config must not hang the run
	 * (the open of one blocks until a writer comes). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*type = file_type(st.st_mode);
		return -EBADFD;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= CONF_FILE_MAX)
				return -EFBIG;
			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int load_one(struct conf *c, const char *path, struct conf_errors *err)
{
	_cleanup_free_ char *text = NULL;
	const char *type = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, &text, &len, &type);
	if (r == -EBADFD)
		return errorf(err, path, 0, "%s, not a regular file: the config is read from regular files only",
			      type) < 0 ? -ENOMEM : r;
	if (r == -EFBIG)
		return errorf(err, path, 0, "larger than %d bytes",
			      CONF_FILE_MAX) < 0 ? -ENOMEM : -EFBIG;
	if (r < 0)
		return errorf(err, path, 0, "%s", strerror(-r)) < 0 ? -ENOMEM :
									r;
	return conf_parse_string(c, path, text, len, err);
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* The names of path.d/ *.conf in strcmp order; a missing directory is none. */
static int list_dropins(const char *dir, char ***ret, size_t *ret_n,
			struct conf_errors *err)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		if (r == -ENOENT)
			r = 0;
		else if (errorf(err, dir, 0, "%s", strerror(-r)) < 0)
			r = -ENOMEM;
		*ret = NULL;
		*ret_n = 0;
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!is_dropin_name(de->d_name))
			continue;
		if (grow((void **)&v, n, sizeof(*v)) < 0 ||
		    !(v[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r == 0 && errno != 0) {
		r = -errno;
		if (errorf(err, dir, 0, "%s", strerror(-r)) < 0)
			r = -ENOMEM;
	}
	closedir(d);
	if (r < 0) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), strcmp_ptr);
	*ret = v;
	*ret_n = n;
	return 0;
}

int conf_load(const char *path, struct conf **ret, struct conf_errors *err)
{
	_cleanup_conf_ struct conf *c = NULL;
	_cleanup_free_ char *dir = NULL;
	char **names = NULL;
	size_t n_names = 0;
	int r, first = 0;

	c = conf_new();
	if (!c)
		return -ENOMEM;
	if (asprintf(&dir, "%s.d", path) < 0) {
		dir = NULL; /* undefined after a failure */
		return -ENOMEM;
	}

	r = load_one(c, path, err);
	if (r < 0 && r != -EINVAL)
		return r; /* no main file, no config */
	first = r;

	r = list_dropins(dir, &names, &n_names, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < n_names; i++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/%s", dir, names[i]) < 0) {
			p = NULL; /* undefined after a failure */
			r = -ENOMEM;
		} else {
			r = load_one(c, p, err);
		}
		/* A system error (an unreadable drop-in) outranks -EINVAL. */
		if (r < 0 && (first == 0 || first == -EINVAL))
			first = r;
		if (r == -ENOMEM)
			break;
	}
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	if (first == -ENOMEM)
		return first;

	r = conf_validate(c, err);
	if (r < 0 && first == 0)
		first = r;
	if (first < 0)
		return first;
	*ret = TAKE_PTR(c);
	return 0;
}
