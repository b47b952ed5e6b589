// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The targets of a run's steps, parsed once: between netconf_run_begin()
 * and netconf_run_end() the address and route kinds keep what they parsed
 * of each step's target, by the step's place in memory, so that the walks
 * of one run (observe, change, read back, rollback) parse each once. 20
 * bytes a step: the device by its index in a small table of names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct parsed_target {
	union netconf_inaddr addr;
	unsigned char v6, prefixlen, dev, set;
};

/* A kept run never covers more steps than this: a step far from the others
 * (another list) is parsed each time instead. */
#define SPAN_MAX (1u << 20)

struct nc_parsed {
	uintptr_t first; /* the address of the step of v[0] */
	size_t n;
	struct parsed_target *v;
	char (*devs)[IF_NAMESIZE];
	size_t n_devs;
};

void netconf_run_begin(struct netconf *nc)
{
	netconf_run_end(nc);
	nc->run = true;
}

void netconf_run_end(struct netconf *nc)
{
	for (size_t i = 0; i < NC_PARSED_KINDS; i++) {
		struct nc_parsed *c = nc->parsed[i];

		if (c) {
			free(c->v);
			free(c->devs);
			free(c);
		}
		nc->parsed[i] = NULL;
	}
	nc->run = false;
}

/* The entry of the step at address s, the kept span grown to take it;
 * NULL when it cannot be kept. */
static struct parsed_target *entry(struct nc_parsed *c, uintptr_t s)
{
	const size_t size = sizeof(struct step);
	uintptr_t lo = c->n ? c->first : s, hi = c->n ? c->first + c->n * size : s + size;
	struct parsed_target *v;
	size_t n, shift;

	if (c->n && (s > c->first ? s - c->first : c->first - s) % size)
		return NULL;
	if (s < lo)
		lo = s;
	if (s + size > hi)
		hi = s + size;
	n = (hi - lo) / size;
	if (n > SPAN_MAX)
		return NULL;
	if (n != c->n) {
		shift = c->n ? (c->first - lo) / size : 0;
		v = realloc(c->v, n * sizeof(*v));
		if (!v)
			return NULL;
		memmove(v + shift, v, c->n * sizeof(*v));
		memset(v, 0, shift * sizeof(*v));
		memset(v + shift + c->n, 0, (n - shift - c->n) * sizeof(*v));
		c->v = v;
		c->n = n;
		c->first = lo;
	}
	return &c->v[(s - c->first) / size];
}

/* The index of dev in c's names, added if new; -1 when it cannot be. */
static int dev_index(struct nc_parsed *c, const char *dev)
{
	char (*devs)[IF_NAMESIZE];

	for (size_t i = 0; i < c->n_devs; i++)
		if (STREQ(c->devs[i], dev))
			return (int)i;
	if (c->n_devs > UINT8_MAX)
		return -1;
	devs = realloc(c->devs, (c->n_devs + 1) * sizeof(*devs));
	if (!devs)
		return -1;
	c->devs = devs;
	memcpy(devs[c->n_devs], dev, IF_NAMESIZE);
	return (int)c->n_devs++;
}

int nc_target(struct netconf *nc, enum nc_parsed_kind kind, const struct step *s,
	      nc_parse_fn parse, struct nc_target *t)
{
	struct parsed_target *e;
	struct nc_parsed *c;
	int r, d;

	if (!nc || !nc->run)
		return parse(s->target, t);
	c = nc->parsed[kind];
	if (!c)
		c = nc->parsed[kind] = calloc(1, sizeof(*c));
	e = c ? entry(c, (uintptr_t)s) : NULL;
	if (e && e->set) {
		memset(t, 0, sizeof(*t));
		t->family = e->v6 ? AF_INET6 : AF_INET;
		t->prefixlen = e->prefixlen;
		memcpy(&t->addr, &e->addr, sizeof(t->addr));
		memcpy(t->dev, c->devs[e->dev], IF_NAMESIZE);
		return 0;
	}
	r = parse(s->target, t);
	if (r < 0 || !e || (d = dev_index(c, t->dev)) < 0)
		return r;
	memcpy(&e->addr, &t->addr, sizeof(e->addr));
	e->v6 = t->family == AF_INET6;
	e->prefixlen = t->prefixlen;
	e->dev = (unsigned char)d;
	e->set = 1;
	return 0;
}
