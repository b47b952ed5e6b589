// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VIP addresses: one word of an address line parsed (an address, maybe with
 * a prefix), the addresses that can never be a VIP, and prefix ranges.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

const char *cf_vip_unusable(int family, const void *addr)
{
	struct in_addr a4;

	if (family == AF_INET6)
		return v6_unusable(addr);
	memcpy(&a4, addr, sizeof(a4));
	return v4_unusable(a4);
}

const char *cf_vip_text(const struct conf_vip *v, char *buf, size_t len)
{
	size_t n;

	inet_ntop(v->family, &v->addr, buf, len);
	n = strlen(buf);
	if (v->prefixlen < vip_max(v->family))
		snprintf(buf + n, len - n, "/%u", v->prefixlen);
	return buf;
}

void cf_prefix_range(int family, const void *addr, unsigned prefixlen,
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

/*
 * The prefix after the '/' of word, for an address of at most max bits:
 * 0 and *ret, or -EINVAL reported.
 */
static int parse_prefix(struct parser *p, const char *word, size_t n,
			const char *slash, unsigned long max,
			unsigned long *ret)
{
	const char *s = slash + 1, *end = word + n;
	unsigned long prefix = 0;
	char q[QBUF];

	cf_quote(q, word, n);
	if (s == end) {
		cf_gerr(p, "%s: the prefix after '/' is missing", q);
		return -EINVAL;
	}
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s)) {
			char qp[QBUF];

			cf_gerr(p, "%s: prefix %s is not a number", q,
				cf_quote(qp, slash + 1, end - slash - 1));
			return -EINVAL;
		}
		if (prefix <= max)
			prefix = prefix * 10 + (*s - '0');
	}
	if (prefix > max) {
		cf_gerr(p, "%s: prefix is out of range for %s (0-%lu)", q,
			max == 32 ? "IPv4" : "IPv6", max);
		return -EINVAL;
	}
	*ret = prefix;
	return 0;
}

void cf_add_vip(struct parser *p, struct conf_group *g, const char *word,
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
	cf_quote(q, word, n);
	if (alen >= sizeof(buf))
		goto not_addr;
	memcpy(buf, word, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &v.addr.v4) == 1)
		v.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &v.addr.v6) == 1)
		v.family = AF_INET6;
	else
		goto not_addr;
	max = vip_max(v.family);
	why = cf_vip_unusable(v.family, &v.addr);
	if (slash) {
		if (parse_prefix(p, word, n, slash, max, &prefix) < 0)
			return;
		if (prefix != max) {
			/*
			 * A prefix: only an anyip group takes one, and the
			 * group may say so further down. conf_validate()
			 * decides, quoting the text as written.
			 */
			v.prefixlen = (unsigned char)prefix;
			v.spelling = strndup(word, n);
			if (!v.spelling) {
				cf_note(p, -ENOMEM);
				return;
			}
			why = NULL;
		}
	}
	if (!v.spelling)
		v.prefixlen = (unsigned char)max;
	if (why) {
		cf_gerr(p, "%s is %s, not usable as a VIP", q, why);
		return;
	}
	if (cf_grow((void **)&g->vips, g->n_vips, sizeof(*g->vips)) < 0) {
		free(v.spelling);
		cf_note(p, -ENOMEM);
		return;
	}
	g->vips[g->n_vips++] = v;
	return;
not_addr:
	cf_gerr(p, "%s is not an IPv4 or IPv6 address%s", q,
		cf_hint(p, word, n, NULL));
}

/* Not an address, but a value checked alike by the config and the journal. */
bool conf_dropin_path_valid(const char *path)
{
	static const char dir[] = "/sysctl.d/", ext[] = ".conf";
	size_t len = strlen(path);
	const char *name = strrchr(path, '/');

	if (path[0] != '/' || len >= CONF_DROPIN_MAX || !name || name == path ||
	    (size_t)(name - path) + 1 < sizeof(dir) - 1 ||
	    memcmp(name + 2 - sizeof(dir), dir, sizeof(dir) - 1) != 0 ||
	    strlen(name + 1) <= sizeof(ext) - 1 ||
	    strcmp(path + len - (sizeof(ext) - 1), ext) != 0 || name[1] == '.')
		return false;
	for (const char *c = path; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return false;
		if (c[0] == '/' && (c[1] == '/' || (c[1] == '.' && (c[2] == '/' ||
				    (c[2] == '.' && c[3] == '/')))))
			return false;
	}
	return true;
}
