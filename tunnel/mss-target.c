// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MSS clamp's targets and values: the table, one element per VIP or
 * anyip prefix, each in one canonical spelling.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mss-internal.h"
#include "../conf/conf.h"
#include "../netconf/netconf.h"

void mss_entry_text(const struct mss_entry *e, char *buf, size_t len)
{
	unsigned char a[16];

	key_of(e->family, e->lo, a);
	netconf_prefix_text(e->family, a, e->plen, false, buf, len);
}

int mss_entry_cmp(const void *a, const void *b)
{
	const struct mss_entry *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* ---- targets and values */

int mss_vip_target(int family, const void *addr, unsigned plen, char *buf,
		   size_t len)
{
	char a[INET6_ADDRSTRLEN + 4];
	int k;

	netconf_prefix_text(family, addr, plen, false, a, sizeof(a));
	k = snprintf(buf, len, "%s vip %s", TUNNEL_MSS_TARGET, a);
	return k < 0 || (size_t)k >= len ? -ENAMETOOLONG : 0;
}

/* The reverse of mss_vip_target()'s address, for its canonical text only:
 * an address, or a network address and a prefix shorter than the
 * family's, written as netconf_prefix_text() writes it. */
static int parse_vip(const char *text, struct mss_entry *e)
{
	char t[INET6_ADDRSTRLEN + 4], again[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned char a[16];
	unsigned long plen;
	char *end;

	if (alen >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(t, text, alen);
	t[alen] = '\0';
	if (inet_pton(AF_INET, t, a) == 1)
		e->family = AF_INET;
	else if (inet_pton(AF_INET6, t, a) == 1)
		e->family = AF_INET6;
	else
		return -EINVAL;
	plen = family_bits(e->family);
	if (slash) {
		if (slash[1] < '1' || slash[1] > '9')
			return -EINVAL;
		plen = strtoul(slash + 1, &end, 10);
		if (*end || plen >= family_bits(e->family))
			return -EINVAL;
	}
	e->plen = (unsigned char)plen;
	e->lo = num_of(e->family, a);
	if (e->lo & (((mss_u128)1 << (family_bits(e->family) - plen)) - 1))
		return -EINVAL; /* host bits */
	netconf_prefix_text(e->family, a, e->plen, false, again, sizeof(again));
	if (strcmp(again, text) != 0)
		return -EINVAL;
	e->hi = range_end(e->family, e->lo, e->plen);
	return 0;
}

int mss_parse_target(const char *t, struct mss_target *p)
{
	size_t len = strlen(TUNNEL_MSS_TARGET);

	memset(p, 0, sizeof(*p));
	if (strncmp(t, TUNNEL_MSS_TARGET, len) != 0)
		return -EINVAL;
	t += len;
	if (*t == '\0') {
		p->table = true;
		return 0;
	}
	if (strncmp(t, " vip ", 5) != 0)
		return -EINVAL;
	return parse_vip(t + 5, &p->e);
}

int mss_value(const char *value)
{
	int v = 0;

	if (value[0] < '1' || value[0] > '9' || strlen(value) > 5)
		return 0;
	for (; *value; value++) {
		if (*value < '0' || *value > '9')
			return 0;
		v = v * 10 + (*value - '0');
	}
	return v >= CONF_MSS_MIN && v <= CONF_MSS_MAX ? v : 0;
}
