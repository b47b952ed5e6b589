// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * The journal: JSON, replaced atomically (tmp file, fsync, rename, fsync of the
 * directory), so a crash at any moment leaves either the old or the new one.
 * Read and written as a stream (no document tree): the journal of 10,000 VIPs
 * must cost little more memory than its steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "../netconf/netconf.h"
#include "../arp/arp.h"
#include "../tunnel/tunnel.h"

static const struct step_ops *const all_ops[] = {
	&netconf_sysctl_ops,
	&netconf_addr_ops,
	&netconf_route_ops,
	&arp_nft_ops,
	&tunnel_link_ops,
};

const struct step_ops *agent_ops_by_kind(const char *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_ops); i++)
		if (strcmp(all_ops[i]->kind, kind) == 0)
			return all_ops[i];
	return NULL;
}

int steplist_add(struct steplist *l, const struct step *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct step *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

void steplist_done(struct steplist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct step *steplist_find(const struct steplist *l, const struct step_ops *ops,
			   const char *target)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ops == ops &&
		    (!target || strcmp(l->v[i].target, target) == 0))
			return &l->v[i];
	return NULL;
}

/* ---- an index by kind and target */

/* FNV-1a over the target, mixed with the kind's ops table. */
static uint32_t step_hash(const struct step_ops *ops, const char *target)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)ops;

	for (const unsigned char *p = (const unsigned char *)target; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

int stepindex_build(struct stepindex *x, const struct steplist *l)
{
	size_t size = 16;

	memset(x, 0, sizeof(*x));
	x->l = l;
	if (l->n >= UINT32_MAX / 4)
		return -E2BIG;
	/* At most half full: short probe sequences. */
	while (size < 2 * l->n)
		size *= 2;
	x->slot = malloc(size * sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	memset(x->slot, 0xff, size * sizeof(*x->slot));
	x->mask = size - 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct step *s = &l->v[i];
		size_t k = step_hash(s->ops, s->target) & x->mask;

		for (;; k = (k + 1) & x->mask) {
			const struct step *o;

			if (x->slot[k] == UINT32_MAX) {
				x->slot[k] = (uint32_t)i;
				break;
			}
			/* Keep the first of duplicates, as steplist_find. */
			o = &l->v[x->slot[k]];
			if (o->ops == s->ops && strcmp(o->target, s->target) == 0)
				break;
		}
	}
	x->n = l->n;
	return 0;
}

struct step *stepindex_find(const struct stepindex *x,
			    const struct step_ops *ops, const char *target)
{
	if (!target) {
		for (size_t i = 0; i < x->n; i++)
			if (x->l->v[i].ops == ops)
				return &x->l->v[i];
		return NULL;
	}
	if (!x->slot)
		return NULL;
	for (size_t k = step_hash(ops, target) & x->mask;
	     x->slot[k] != UINT32_MAX; k = (k + 1) & x->mask) {
		struct step *s = &x->l->v[x->slot[k]];

		if (s->ops == ops && strcmp(s->target, target) == 0)
			return s;
	}
	return NULL;
}

void stepindex_done(struct stepindex *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

void journal_done(struct journal *j)
{
	steplist_done(&j->steps);
	memset(j, 0, sizeof(*j));
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k;

		if (cap - len < 4096) {
			char *b = realloc(buf, cap + 65536);

			if (!b)
				return -ENOMEM;
			buf = b;
			cap += 65536;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		len += k;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/*
 * ---- reading: a small strict JSON reader
 *
 * Straight into the step list, without a document tree: a tree of 10,000
 * steps (json-c) costs some 10 MB, five times the steps themselves. It
 * reads any JSON (RFC 8259) and takes from it what journal_save writes; keys
 * in any order, unknown keys skipped, the last of duplicate keys wins.
 */
#define JSON_DEPTH_MAX 32

struct jreader {
	const char *p, *end;
	bool bad; /* not JSON: stop */
};

static void jr_ws(struct jreader *jr)
{
	while (jr->p < jr->end && (*jr->p == ' ' || *jr->p == '\t' ||
				   *jr->p == '\n' || *jr->p == '\r'))
		jr->p++;
}

/* After white space: the next character is c, taken. */
static bool jr_take(struct jreader *jr, char c)
{
	jr_ws(jr);
	if (jr->p < jr->end && *jr->p == c) {
		jr->p++;
		return true;
	}
	return false;
}

static int jr_peek(struct jreader *jr)
{
	jr_ws(jr);
	return jr->p < jr->end ? (unsigned char)*jr->p : -1;
}

static bool jr_fail(struct jreader *jr)
{
	jr->bad = true;
	return false;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Appends one byte to buf, or notes that the string does not fit. */
static void put_byte(char *buf, size_t len, size_t *n, bool *fits, char c)
{
	if (*n + 1 < len)
		buf[(*n)++] = c;
	else
		*fits = false;
}

/*
 * A string at the cursor, decoded into buf (len bytes with its NUL; buf may
 * be NULL to skip it). *fits is false when it was cut, or held a NUL.
 */
static bool jr_string(struct jreader *jr, char *buf, size_t len, bool *fits)
{
	size_t n = 0;

	*fits = buf != NULL;
	if (!jr_take(jr, '"'))
		return jr_fail(jr);
	while (jr->p < jr->end) {
		unsigned char c = (unsigned char)*jr->p++;
		unsigned long cp;
		char u[4];
		int k, m;

		if (c == '"') {
			if (buf)
				buf[n] = '\0';
			return true;
		}
		if (c < 0x20)
			return jr_fail(jr);
		if (c != '\\') {
			if (buf)
				put_byte(buf, len, &n, fits, (char)c);
			continue;
		}
		if (jr->p >= jr->end)
			break;
		c = (unsigned char)*jr->p++;
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (jr->end - jr->p < 4 || (k = hex4(jr->p)) < 0)
				return jr_fail(jr);
			jr->p += 4;
			cp = (unsigned long)k;
			if (cp >= 0xd800 && cp <= 0xdbff && jr->end - jr->p >= 6 &&
			    jr->p[0] == '\\' && jr->p[1] == 'u' &&
			    (k = hex4(jr->p + 2)) >= 0xdc00 && k <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     ((unsigned long)k - 0xdc00);
				jr->p += 6;
			}
			if (cp == 0)
				*fits = false; /* no C string holds it */
			if (cp < 0x80) {
				u[0] = (char)cp;
				m = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | (cp >> 6));
				u[1] = (char)(0x80 | (cp & 0x3f));
				m = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | (cp >> 12));
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				m = 3;
			} else {
				u[0] = (char)(0xf0 | (cp >> 18));
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				m = 4;
			}
			for (int i = 0; buf && i < m; i++)
				put_byte(buf, len, &n, fits, u[i]);
			continue;
		default:
			return jr_fail(jr);
		}
		if (buf)
			put_byte(buf, len, &n, fits, (char)c);
	}
	return jr_fail(jr);
}

static bool digits(struct jreader *jr)
{
	const char *s = jr->p;

	while (jr->p < jr->end && *jr->p >= '0' && *jr->p <= '9')
		jr->p++;
	return jr->p > s;
}

/* A number at the cursor; *v its integer part (saturated). */
static bool jr_number(struct jreader *jr, long long *v)
{
	const char *s;
	char tmp[64];
	bool integer = true;

	jr_ws(jr);
	s = jr->p;
	if (jr->p < jr->end && *jr->p == '-')
		jr->p++;
	if (jr->p < jr->end && *jr->p == '0')
		jr->p++;
	else if (!digits(jr))
		return jr_fail(jr);
	if (jr->p < jr->end && *jr->p == '.') {
		jr->p++;
		integer = false;
		if (!digits(jr))
			return jr_fail(jr);
	}
	if (jr->p < jr->end && (*jr->p == 'e' || *jr->p == 'E')) {
		jr->p++;
		integer = false;
		if (jr->p < jr->end && (*jr->p == '+' || *jr->p == '-'))
			jr->p++;
		if (!digits(jr))
			return jr_fail(jr);
	}
	if (!v)
		return true;
	if ((size_t)(jr->p - s) >= sizeof(tmp)) {
		*v = *s == '-' ? LLONG_MIN : LLONG_MAX;
		return true;
	}
	memcpy(tmp, s, (size_t)(jr->p - s));
	tmp[jr->p - s] = '\0';
	if (integer) {
		*v = strtoll(tmp, NULL, 10); /* saturates on overflow */
	} else {
		double d = strtod(tmp, NULL);

		*v = d >= 9.2e18 ? LLONG_MAX : d <= -9.2e18 ? LLONG_MIN : (long long)d;
	}
	return true;
}

static bool jr_literal(struct jreader *jr, const char *word)
{
	size_t n = strlen(word);

	jr_ws(jr);
	if ((size_t)(jr->end - jr->p) < n || memcmp(jr->p, word, n) != 0)
		return jr_fail(jr);
	jr->p += n;
	return true;
}

static bool jr_skip(struct jreader *jr, int depth)
{
	bool fits;

	if (depth > JSON_DEPTH_MAX)
		return jr_fail(jr);
	switch (jr_peek(jr)) {
	case '"':
		return jr_string(jr, NULL, 0, &fits);
	case 't':
		return jr_literal(jr, "true");
	case 'f':
		return jr_literal(jr, "false");
	case 'n':
		return jr_literal(jr, "null");
	case '[':
		jr->p++;
		if (jr_take(jr, ']'))
			return true;
		do {
			if (!jr_skip(jr, depth + 1))
				return false;
		} while (jr_take(jr, ','));
		return jr_take(jr, ']') || jr_fail(jr);
	case '{':
		jr->p++;
		if (jr_take(jr, '}'))
			return true;
		do {
			if (!jr_string(jr, NULL, 0, &fits) || !jr_take(jr, ':') ||
			    !jr_skip(jr, depth + 1))
				return jr_fail(jr);
		} while (jr_take(jr, ','));
		return jr_take(jr, '}') || jr_fail(jr);
	default:
		return jr_number(jr, NULL);
	}
}

/*
 * Iterate an object's members: call first with *first true; each true return
 * has read a key into key (cut to len; *fits false if it was) and the ':'.
 */
static bool jr_member(struct jreader *jr, bool *first, char *key, size_t len,
		      bool *fits)
{
	if (*first) {
		*first = false;
		if (!jr_take(jr, '{')) {
			jr_fail(jr);
			return false;
		}
		if (jr_take(jr, '}'))
			return false;
	} else if (!jr_take(jr, ',')) {
		if (!jr_take(jr, '}'))
			jr_fail(jr);
		return false;
	}
	if (!jr_string(jr, key, len, fits) || !jr_take(jr, ':')) {
		jr_fail(jr);
		return false;
	}
	return true;
}

/* A string member's value into a step field: false (the step is damaged)
 * when it is not a string or does not fit. */
static bool jr_field(struct jreader *jr, char *buf, size_t len, bool *seen)
{
	bool fits;

	if (jr_peek(jr) != '"') {
		jr_skip(jr, 1);
		return false;
	}
	if (!jr_string(jr, buf, len, &fits))
		return false;
	*seen = true;
	return fits;
}

/*
 * One element of "steps". Returns false when it is not a whole step of a
 * known kind (jr->bad tells whether it was not even JSON).
 */
static bool jr_step(struct jreader *jr, struct step *s)
{
	char key[16], kind[32];
	bool first = true, fits, ok = true;
	bool has_kind = false, has_target = false, has_prior = false,
	     has_want = false;

	memset(s, 0, sizeof(*s));
	if (jr_peek(jr) != '{') {
		jr_skip(jr, 1);
		return false;
	}
	while (jr_member(jr, &first, key, sizeof(key), &fits)) {
		long long v;

		if (fits && strcmp(key, "kind") == 0) {
			ok &= jr_field(jr, kind, sizeof(kind), &has_kind);
		} else if (fits && strcmp(key, "target") == 0) {
			ok &= jr_field(jr, s->target, sizeof(s->target), &has_target);
		} else if (fits && strcmp(key, "prior") == 0) {
			ok &= jr_field(jr, s->prior, sizeof(s->prior), &has_prior);
		} else if (fits && strcmp(key, "want") == 0) {
			ok &= jr_field(jr, s->want, sizeof(s->want), &has_want);
		} else if (fits && strcmp(key, "order") == 0) {
			char num[24];
			int c = jr_peek(jr);

			/* A number; or, as json-c read it, a string of one. */
			v = 0;
			if (c == '-' || (c >= '0' && c <= '9'))
				jr_number(jr, &v);
			else if (c == '"' && jr_string(jr, num, sizeof(num), &fits) && fits)
				v = strtoll(num, NULL, 10);
			else
				jr_skip(jr, 2);
			s->order = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
		} else {
			jr_skip(jr, 2);
		}
		if (jr->bad)
			return false;
	}
	if (jr->bad)
		return false;
	if (!has_kind || !has_target || !has_prior || !has_want || !ok)
		return false;
	s->ops = agent_ops_by_kind(kind);
	return s->ops != NULL;
}

int journal_load(const char *path, struct journal *j, char *err, size_t errlen)
{
	_cleanup_free_ char *text = NULL;
	struct jreader jr;
	size_t len = 0, damaged = 0;
	bool first = true, fits, has_steps = false;
	char key[16];
	int r;

	memset(j, 0, sizeof(*j));
	r = read_all(path, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "cannot read journal %s: %s", path, strerror(-r));
		return r;
	}
	jr = (struct jreader){ .p = text, .end = text + len };
	while (jr_member(&jr, &first, key, sizeof(key), &fits)) {
		long long v;

		if (fits && strcmp(key, "steps") == 0) {
			/* The last of duplicate keys wins. */
			steplist_done(&j->steps);
			damaged = 0;
			has_steps = jr_peek(&jr) == '[';
			if (!has_steps) {
				jr_skip(&jr, 1);
				continue;
			}
			jr.p++;
			if (jr_take(&jr, ']'))
				continue;
			/* A damaged step is told after the whole text is
			 * known to be JSON: a torn file is "not JSON". */
			for (size_t i = 0;; i++) {
				struct step s;

				if (!jr_step(&jr, &s)) {
					if (jr.bad)
						break;
					if (!damaged)
						damaged = i + 1;
				} else if (!damaged) {
					r = steplist_add(&j->steps, &s);
					if (r < 0) {
						journal_done(j);
						snprintf(err, errlen, "cannot read journal %s: %s",
							 path, strerror(-r));
						return r;
					}
				}
				if (!jr_take(&jr, ','))
					break;
			}
			if (!jr.bad && !jr_take(&jr, ']'))
				jr_fail(&jr);
		} else if (fits && strcmp(key, "config") == 0 && jr_peek(&jr) == '"') {
			/* Cut to fit, as ever. */
			jr_string(&jr, j->config, sizeof(j->config), &fits);
		} else if (fits && (strcmp(key, "created") == 0 ||
				    strcmp(key, "updated") == 0) &&
			   (jr_peek(&jr) == '-' ||
			    (jr_peek(&jr) >= '0' && jr_peek(&jr) <= '9'))) {
			if (jr_number(&jr, &v))
				*(key[0] == 'c' ? &j->created : &j->updated) = (time_t)v;
		} else {
			jr_skip(&jr, 1);
		}
		if (jr.bad)
			break;
	}
	if (!jr.bad && jr_peek(&jr) != -1)
		jr_fail(&jr);
	if (jr.bad || !has_steps) {
		snprintf(err, errlen, "journal %s is damaged (not the agent's JSON)", path);
		journal_done(j);
		return -EBADMSG;
	}
	if (damaged) {
		snprintf(err, errlen, "journal %s: step %zu is damaged", path, damaged);
		journal_done(j);
		return -EBADMSG;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int agent_mkdir_parent(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	const char *dir;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t k = write(fd, buf, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += k;
		len -= k;
	}
	return 0;
}

/*
 * ---- writing: streamed, without a document tree (see the reader); at most
 * WBUF_SIZE bytes in memory whatever the number of steps.
 */
#define WBUF_SIZE 65536

struct jwriter {
	int fd;
	int err;
	size_t n;
	char buf[WBUF_SIZE];
};

static void jw_flush(struct jwriter *w)
{
	if (w->n && !w->err)
		w->err = write_all(w->fd, w->buf, w->n);
	w->n = 0;
}

static void jw_put(struct jwriter *w, const char *s, size_t len)
{
	if (w->n + len > sizeof(w->buf))
		jw_flush(w);
	if (len > sizeof(w->buf)) {
		if (!w->err)
			w->err = write_all(w->fd, s, len);
		return;
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void jw_raw(struct jwriter *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void jw_str(struct jwriter *w, const char *s)
{
	const char *run = s;

	jw_put(w, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_put(w, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': jw_put(w, "\\\"", 2); break;
		case '\\': jw_put(w, "\\\\", 2); break;
		case '\n': jw_put(w, "\\n", 2); break;
		case '\t': jw_put(w, "\\t", 2); break;
		case '\r': jw_put(w, "\\r", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			jw_put(w, esc, 6);
		}
	}
	jw_put(w, run, (size_t)(s - run));
	jw_put(w, "\"", 1);
}

static void jw_int(struct jwriter *w, long long v)
{
	char num[24];

	jw_put(w, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
}

/* The document journal_load reads, on one line. */
static int jw_journal(struct jwriter *w, const struct journal *j)
{
	jw_raw(w, "{\"version\":1,\"config\":");
	jw_str(w, j->config);
	jw_raw(w, ",\"created\":");
	jw_int(w, j->created);
	jw_raw(w, ",\"updated\":");
	jw_int(w, j->updated);
	jw_raw(w, ",\"steps\":[");
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];

		jw_raw(w, i ? ",{\"kind\":" : "{\"kind\":");
		jw_str(w, s->ops->kind);
		jw_raw(w, ",\"target\":");
		jw_str(w, s->target);
		jw_raw(w, ",\"order\":");
		jw_int(w, s->order);
		jw_raw(w, ",\"prior\":");
		jw_str(w, s->prior);
		jw_raw(w, ",\"want\":");
		jw_str(w, s->want);
		jw_raw(w, "}");
	}
	jw_raw(w, "]}\n");
	jw_flush(w);
	return w->err;
}

int journal_save(const char *path, struct journal *j)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ struct jwriter *w = NULL;
	int fd, r;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	r = agent_mkdir_parent(path);
	if (r < 0)
		return r;

	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	j->updated = time(NULL);
	if (!j->created)
		j->created = j->updated;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* 0644 whatever the umask (the unit's is 0077): the journal holds no
	 * secrets, and `lvs-rs-agent status` run by hand as root must read it
	 * although the service's DynamicUser owns it and the agent drops
	 * CAP_DAC_OVERRIDE. */
	r = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (r == 0) {
		w->fd = fd;
		w->err = 0;
		w->n = 0;
		r = jw_journal(w, j);
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	else
		r = fsync_dir(path);
	return r;
}

int journal_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return fsync_dir(path);
}
