// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks that need the whole config: defaults filled in, prefixes
 * against anyip, duplicates and overlapping prefixes across groups and
 * files, the device against the mode and family, max_vips.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
		cf_prefix_range(v->family, &v->addr, v->prefixlen, lo, hi);
		inet_ntop(v->family, lo, net, sizeof(net));
		(*n_errors)++;
		if (!g->anyip) {
			r = cf_errorf(err, v->file, v->line,
				      "vip \"%s\": %s is not a host address: a VIP takes /%u or no prefix "
				      "(a whole prefix is local only with anyip = yes)",
				      g->name, cf_quotes(q, v->spelling), max);
		} else if (v->prefixlen < min) {
			r = cf_errorf(err, v->file, v->line,
				      "vip \"%s\": %s: an anyip prefix is /%u to /%u for IPv%d (a shorter one would make the RS's own networks local)",
				      g->name, cf_quotes(q, v->spelling), min, max,
				      v->family == AF_INET ? 4 : 6);
		} else if (memcmp(lo, &v->addr, vip_len(v->family)) != 0) {
			r = cf_errorf(err, v->file, v->line,
				      "%s has host bits set; the network is %s/%u",
				      v->spelling, net, v->prefixlen);
		} else if ((why = cf_vip_unusable(v->family, lo))) {
			r = cf_errorf(err, v->file, v->line,
				      "vip \"%s\": %s is %s, not usable as a VIP",
				      g->name, cf_quotes(q, v->spelling), why);
		} else if ((why = cf_vip_unusable(v->family, hi))) {
			r = cf_errorf(err, v->file, v->line,
				      "vip \"%s\": %s contains %s, not usable as a VIP",
				      g->name, cf_quotes(q, v->spelling), why);
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
			cf_prefix_range(r->v->family, &r->v->addr, r->v->prefixlen,
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

		cf_vip_text(r->v, buf, sizeof(buf));
		cf_vip_text(f->v, obuf, sizeof(obuf));
		(*n_errors)++;
		if (x->how == CLASH_SAME)
			ret = cf_errorf(err, r->v->file, r->v->line,
					"vip \"%s\": %s is already listed at %s:%d (vip \"%s\")",
					r->g->name, buf, f->v->file, f->v->line, f->g->name);
		else
			ret = cf_errorf(err, r->v->file, r->v->line,
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
		r = cf_errorf(err, g->file, g->line,
			      "vip \"%s\" is already defined at %s:%d", g->name,
			      f->file, f->line);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The fallback tunnel devices: which of the director's encapsulations each
 * receives (types, a bit per enum conf_tun_type) and which VIP families
 * it hands on. tunl0 takes IP-in-IP and the IPv4 packets fou unwraps from
 * GUE, sit0 and ip6tnl0 their IPv6 (over an IPv4 or IPv6 outer header);
 * GRE carries either family on gre0 (IPv4 outer) or ip6gre0 (IPv6 outer).
 */
#define TUN_IPIP_GUE (1u << CONF_TUN_IPIP | 1u << CONF_TUN_GUE)
#define TUN_GRE (1u << CONF_TUN_GRE)
static const struct {
	const char *dev;
	unsigned types;
	bool v4, v6;
} tun_devs[] = {
	{ "tunl0", TUN_IPIP_GUE, true, false },
	{ "ip6tnl0", TUN_IPIP_GUE, false, true },
	{ "sit0", TUN_IPIP_GUE, false, true },
	{ "gre0", TUN_GRE, true, true },
	{ "ip6gre0", TUN_GRE, true, true },
};

/* The default device of a tun group of one family, and the one for the
 * other family, for messages. */
static const char *tun_default(enum conf_tun_type t, int family)
{
	if (t == CONF_TUN_GRE)
		return family == AF_INET6 ? "ip6gre0" : "gre0";
	return family == AF_INET6 ? "ip6tnl0" : "tunl0";
}

/* The device of a group: lo for DR; for TUN the fallback tunnel device of
 * the address family and tunnel type, which carries what it receives only. */
static int check_device(struct conf_group *g, struct conf_errors *err,
			unsigned *n_errors)
{
	const struct conf_vip *v4 = NULL, *v6 = NULL, *bad = NULL;
	const char *type = conf_tun_type_name(g->tun_type);
	char buf[INET6_ADDRSTRLEN];
	size_t d;

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
		return cf_errorf(err, g->file, g->device_line,
				 "vip \"%s\": device: lo cannot be a mode = tun device: it decapsulates nothing, and the director's tunnelled packets would be dropped; use the tunnel device (tunl0 for IPv4, ip6tnl0 for IPv6)",
				 g->name);
	}
	if (!g->device_set) {
		if (v4 && v6) {
			g->device[0] = '\0';
			(*n_errors)++;
			if (g->tun_type == CONF_TUN_GRE)
				return cf_errorf(err, g->file, g->line,
						 "vip \"%s\": mode tun with tun_type = gre and IPv4 and IPv6 addresses has no default device (gre0 receives GRE over IPv4, ip6gre0 over IPv6); set device, or split the group by address family",
						 g->name);
			return cf_errorf(err, g->file, g->line,
					 "vip \"%s\": mode tun with IPv4 and IPv6 addresses has no default device (tunl0 is IPv4 only, ip6tnl0 IPv6 only); split the group by address family",
					 g->name);
		}
		strcpy(g->device, tun_default(g->tun_type, v6 ? AF_INET6 : AF_INET));
		return 0;
	}
	for (d = 0; d < ARRAY_SIZE(tun_devs) && strcmp(tun_devs[d].dev, g->device) != 0; d++)
		;
	if (d == ARRAY_SIZE(tun_devs))
		return 0;
	if (!(tun_devs[d].types & 1u << g->tun_type)) {
		(*n_errors)++;
		return cf_errorf(err, g->file, g->device_line,
				 "vip \"%s\": device: %s does not receive the director's tun_type = %s packets; use %s",
				 g->name, g->device, type,
				 tun_default(g->tun_type, v6 && !v4 ? AF_INET6 : AF_INET));
	}
	if (v6 && !tun_devs[d].v6)
		bad = v6;
	else if (v4 && !tun_devs[d].v4)
		bad = v4;
	if (!bad)
		return 0;
	inet_ntop(bad->family, &bad->addr, buf, sizeof(buf));
	(*n_errors)++;
	return cf_errorf(err, bad->file, bad->line,
			 "vip \"%s\": %s is IPv%d, but %s carries only IPv%d; put it in a group with device %s",
			 g->name, buf, bad->family == AF_INET ? 4 : 6, g->device,
			 bad->family == AF_INET ? 6 : 4, tun_default(g->tun_type, bad->family));
}

/*
 * tun_type and tun_port belong to mode = tun, tun_port to tun_type = gue,
 * and gue needs one: the port the director sends to.
 */
static int check_tun_type(const struct conf_group *g, struct conf_errors *err,
			  unsigned *n_errors)
{
	if (g->mode != CONF_MODE_TUN && (g->tun_type_line || g->tun_port_line)) {
		bool type = g->tun_type_line != 0;

		(*n_errors)++;
		return cf_errorf(err, g->file, type ? g->tun_type_line : g->tun_port_line,
				 "vip \"%s\": %s: only a mode = tun group is tunnelled, and this one is mode = dr; set mode = tun or drop the key",
				 g->name, type ? "tun_type" : "tun_port");
	}
	if (g->mode != CONF_MODE_TUN)
		return 0;
	if (g->tun_type == CONF_TUN_GUE && !g->tun_port_line) {
		(*n_errors)++;
		return cf_errorf(err, g->file, g->tun_type_line,
				 "vip \"%s\": tun_type: gue needs tun_port, the UDP port the director sends to (ipvsadm ... -i --tun-type gue --tun-port PORT)",
				 g->name);
	}
	/* A refused tun_type (the group has errors) may have meant gue. */
	if (g->tun_type != CONF_TUN_GUE && g->tun_port_line && !g->has_errors) {
		(*n_errors)++;
		return cf_errorf(err, g->file, g->tun_port_line,
				 "vip \"%s\": tun_port: only tun_type = gue has a port, and this group's tun_type is %s; set tun_type = gue or drop tun_port",
				 g->name, conf_tun_type_name(g->tun_type));
	}
	return 0;
}

/* The MSS clamp is for the replies of TUN groups: a DR group has none. */
static int check_mss(struct conf_group *g, struct conf_errors *err,
		     unsigned *n_errors)
{
	if (g->mode == CONF_MODE_TUN)
		return 0;
	if (g->mss_line) {
		(*n_errors)++;
		return cf_errorf(err, g->file, g->mss_line,
				 "vip \"%s\": mss: only for mode = tun: a DR real server's packets take no tunnel, so its clients' segments need no clamp; remove the line",
				 g->name);
	}
	g->mss = CONF_MSS_OFF;
	return 0;
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
		return cf_errorf(err, grp->vips[c->max_vips - n].file,
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
			r = cf_errorf(err, g->file, g->line,
				      "vip \"%s\" has no address", g->name);
			if (r < 0)
				break;
		}
		r = check_prefixes(g, err, &n_errors);
		if (r >= 0)
			r = check_tun_type(g, err, &n_errors);
		if (r >= 0)
			r = check_device(g, err, &n_errors);
		if (r >= 0)
			r = check_mss(g, err, &n_errors);
	}
	if (r >= 0)
		r = check_duplicate_vips(c, err, &n_errors);
	if (r >= 0)
		r = check_max_vips(c, err, &n_errors);
	if (r < 0)
		return r;
	return n_errors ? -EINVAL : 0;
}
