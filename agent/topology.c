// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config against the host's links and addresses: what no kernel value
 * of the agent's own shows, but what makes a real server break LVS all the
 * same. A VIP on a device that answers ARP or neighbour solicitations, a
 * VIP that is another interface's own address, a tun group on a device
 * that decapsulates nothing, an anyip prefix that swallows the host's own
 * networks, arp_announce = 1 beside a VIP in an interface's subnet.
 *
 * One walk, two uses: apply and plan refuse a config with any finding (each
 * one line, FILE:LINE of the key to change), verify turns them into checks
 * (they can appear after an apply: an address added, a flag cleared).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "topology.h"
#include "../lib/steplist.h"
#include "../arp/arp.h"
#include "../conf/conf.h"
#include "../netconf/netconf.h"
#include "../tunnel/tunnel.h"

struct walk {
	const struct conf *c;
	const struct netconf_host *h;
	enum topo_mode mode;
	const struct steplist *journal;
	topo_cb cb;
	void *data;
};

static unsigned full_len(int family)
{
	return family == AF_INET ? 32 : 128;
}

static const char *link_name(const struct netconf_host *h, int ifindex)
{
	for (size_t i = 0; i < h->n_links; i++)
		if (h->links[i].ifindex == ifindex)
			return h->links[i].name;
	return "?";
}

_printf_(3, 4) static int emit(const struct walk *w, struct topo_finding *f,
			       const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(f->why, sizeof(f->why), fmt, ap);
		va_end(ap);
	}
	return w->cb(f, w->data);
}

static void finding(struct topo_finding *f, bool ok, const char *kind,
		    const struct conf_group *g, const char *key,
		    const char *file, int line)
{
	memset(f, 0, sizeof(*f));
	f->ok = ok;
	f->kind = kind;
	f->group = g ? g->name : NULL;
	f->key = key;
	f->file = file;
	f->line = line;
}

/*
 * The address families to judge group g's device by (fam[0] IPv4, fam[1]
 * IPv6). verify checks each device once, with the VIPs of every group of
 * the same mode on it: false for a device an earlier group had. apply
 * blames each group's own line, with its own VIPs.
 */
static bool families(const struct walk *w, size_t g, bool fam[2])
{
	const struct conf_group *grp = &w->c->groups[g];

	fam[0] = fam[1] = false;
	for (size_t k = 0; k < w->c->n_groups; k++) {
		const struct conf_group *o = &w->c->groups[k];

		if (w->mode == TOPO_APPLY ? k != g :
		    o->mode != grp->mode || strcmp(o->device, grp->device) != 0)
			continue;
		if (k < g)
			return false;
		for (size_t i = 0; i < o->n_vips; i++)
			fam[o->vips[i].family == AF_INET6] = true;
	}
	return true;
}

/* The line that chose a group's device: its device key, or its [vip]
 * line for the default. */
static int device_line(const struct conf_group *g)
{
	return g->device_line ? g->device_line : g->line;
}

static bool nft_suppresses(const struct conf *c)
{
	return c->arp_suppress == CONF_ARP_NFT || c->arp_suppress == CONF_ARP_BOTH;
}

/*
 * A DR device that answers ARP or neighbour solicitations. arp_ignore never
 * hides an address configured on the receiving interface, and IPv6 answers
 * a solicitation for any address of it: only a loopback or IFF_NOARP
 * device keeps its VIPs to itself, unless the nft input rule drops the
 * requests (IPv4 only: nf_tables arp does not see ND).
 */
static int check_dr_devices(const struct walk *w)
{
	const struct conf *c = w->c;

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];
		const struct netconf_link *l = netconf_host_link(w->h, grp->device);
		struct topo_finding f;
		bool fam[2], v6, quiet;
		int r;

		if (grp->mode != CONF_MODE_DR || !l || !families(w, g, fam))
			continue;
		v6 = fam[1];
		quiet = l->flags & (IFF_LOOPBACK | IFF_NOARP);
		finding(&f, quiet || (!v6 && nft_suppresses(c)), "device", grp, "device",
			grp->file, device_line(grp));
		snprintf(f.target, sizeof(f.target), "%s", grp->device);
		snprintf(f.expected, sizeof(f.expected), "%s",
			 !v6 && nft_suppresses(c) ? "any (nft drops ARP for the VIPs)" :
						    "loopback or noarp");
		snprintf(f.found, sizeof(f.found), "%s",
			 l->flags & IFF_LOOPBACK ? "loopback" :
			 l->flags & IFF_NOARP ? "noarp" : "arp");
		if (f.ok) {
			if (w->mode == TOPO_VERIFY && (r = emit(w, &f, NULL)) < 0)
				return r;
			continue;
		}
		if (v6)
			r = emit(w, &f, "%s answers neighbour solicitations for every address on it, "
				 "the IPv6 VIPs too (arp_suppress = nft covers ARP, not ND): clients "
				 "bypass the director; put the VIPs on lo", grp->device);
		else
			r = emit(w, &f, "%s answers ARP for the IPv4 VIPs on it: arp_ignore never "
				 "hides an address of the receiving interface, so clients bypass the "
				 "director; put them on lo, or use arp_suppress = nft or both", grp->device);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A TUN device must decapsulate the director's packets for the group's
 * family: the link kind tells (tunnel_kind_carries()). A device that does
 * not exist yet is the link step's to report (apply makes the fallback
 * devices, of the right kind).
 */
static int check_tun_devices(const struct walk *w)
{
	const struct conf *c = w->c;

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];
		const struct netconf_link *l = netconf_host_link(w->h, grp->device);
		bool fam[2];

		if (grp->mode != CONF_MODE_TUN || !l || !families(w, g, fam))
			continue;
		for (int k = 0; k < 2; k++) {
			int family = k ? AF_INET6 : AF_INET;
			struct topo_finding f;
			int r;

			if (!fam[k])
				continue;
			finding(&f, tunnel_kind_carries(grp->tun_type, l->kind, family), "tunnel", grp, "device",
				grp->file, device_line(grp));
			snprintf(f.target, sizeof(f.target), "%s", grp->device);
			snprintf(f.expected, sizeof(f.expected), "%s", tunnel_kinds(grp->tun_type, family));
			snprintf(f.found, sizeof(f.found), "%s", *l->kind ? l->kind : "none");
			if (f.ok) {
				r = w->mode == TOPO_VERIFY ? emit(w, &f, NULL) : 0;
			} else {
				snprintf(f.detail, sizeof(f.detail), "IPv%d VIPs", k ? 6 : 4);
				r = emit(w, &f, "mode = tun needs a tunnel device that decapsulates the "
					 "director's packets to IPv%d (kind %s); %s is %s%s: the tunnelled "
					 "packets for the VIPs on it are dropped", k ? 6 : 4,
					 tunnel_kinds(grp->tun_type, family), grp->device, *l->kind ? "of kind " : "",
					 *l->kind ? l->kind : "no tunnel");
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- VIPs that are the host's own addresses */

struct vip_ref {
	int family;
	union netconf_inaddr addr;
	const struct conf_group *g;
	const struct conf_vip *v;
};

static int vip_ref_cmp(const void *a, const void *b)
{
	const struct vip_ref *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

/* An address of the agent's own, which this apply removes as stale: the
 * journal's step for it (its target names only an address), added by the
 * agent (prior absent). */
static bool agents_stale(const struct walk *w, const struct netconf_addr *a,
			 const char *dev)
{
	char target[STEP_TARGET_MAX];
	const struct step *s;

	if (!w->journal || a->prefixlen != full_len(a->family) ||
	    netconf_addr_target(a->family, &a->addr, a->prefixlen, dev, target,
				sizeof(target)) < 0)
		return false;
	s = steplist_find(w->journal, NULL, target);
	return s && strcmp(s->prior, NETCONF_ABSENT) == 0;
}

static int own_address(const struct walk *w, const struct vip_ref *x,
		       const struct netconf_addr *a)
{
	const char *dev = link_name(w->h, a->ifindex);
	char vip[INET6_ADDRSTRLEN + 4];
	struct topo_finding f;

	if (w->mode == TOPO_APPLY && agents_stale(w, a, dev))
		return 0;
	netconf_prefix_text(x->family, &x->addr, full_len(x->family), false, vip, sizeof(vip));
	finding(&f, false, "vip", x->g, "address", x->v->file, x->v->line);
	snprintf(f.target, sizeof(f.target), "%s", vip);
	snprintf(f.expected, sizeof(f.expected), "only on %s", x->g->device);
	snprintf(f.found, sizeof(f.found), "%s", dev);
	netconf_prefix_text(a->family, &a->addr, a->prefixlen, false, f.detail,
			    sizeof(f.detail));
	snprintf(f.detail + strlen(f.detail), sizeof(f.detail) - strlen(f.detail),
		 " on %s", dev);
	return emit(w, &f, "VIP %s is an address of %s: a VIP must be no interface's own "
		    "address (with arp_suppress = nft this real server stops answering ARP for "
		    "it and drops off its network); choose another VIP, or remove it from %s",
		    vip, dev, dev);
}

/*
 * A VIP (or an anyip host prefix) that is an address of an interface other
 * than its group's device. Sorted once, then one search per address.
 */
static int check_own_addresses(const struct walk *w)
{
	_cleanup_free_ struct vip_ref *v = NULL;
	size_t n = 0, total = 0;
	int r;

	for (size_t g = 0; g < w->c->n_groups; g++)
		total += w->c->groups[g].n_vips;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t g = 0; g < w->c->n_groups; g++) {
		const struct conf_group *grp = &w->c->groups[g];

		for (size_t i = 0; i < grp->n_vips; i++) {
			const struct conf_vip *cv = &grp->vips[i];

			if (cv->prefixlen < full_len(cv->family))
				continue; /* a prefix: check_anyip() */
			v[n].family = cv->family;
			memcpy(&v[n].addr, &cv->addr, sizeof(cv->addr));
			v[n].g = grp;
			v[n++].v = cv;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), vip_ref_cmp);
	for (size_t i = 0; i < w->h->n_addrs && n; i++) {
		const struct netconf_addr *a = &w->h->addrs[i];
		struct vip_ref key = { .family = a->family, .addr = a->addr };
		const struct vip_ref *x;

		x = bsearch(&key, v, n, sizeof(*v), vip_ref_cmp);
		if (!x || strcmp(link_name(w->h, a->ifindex), x->g->device) == 0)
			continue;
		r = own_address(w, x, a);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * An anyip prefix makes every address in it local: one that covers a
 * subnet of an interface (of any device) or holds an address of another
 * interface turns the host's connections to that network back on itself.
 * A prefix inside an interface's subnet is fine (VIPs from the LAN's range,
 * as the seed's layout has them), as long as it holds none of the host's
 * own addresses.
 */
static int check_anyip(const struct walk *w)
{
	for (size_t g = 0; g < w->c->n_groups; g++) {
		const struct conf_group *grp = &w->c->groups[g];

		if (!grp->anyip)
			continue;
		for (size_t i = 0; i < grp->n_vips; i++) {
			const struct conf_vip *cv = &grp->vips[i];
			char prefix[INET6_ADDRSTRLEN + 4];

			if (cv->prefixlen >= full_len(cv->family))
				continue; /* one address: check_own_addresses() */
			netconf_prefix_text(cv->family, &cv->addr, cv->prefixlen, false, prefix,
				    sizeof(prefix));
			for (size_t k = 0; k < w->h->n_addrs; k++) {
				const struct netconf_addr *a = &w->h->addrs[k];
				const char *dev = link_name(w->h, a->ifindex);
				bool subnet = a->prefixlen < full_len(a->family);
				struct topo_finding f;
				char what[INET6_ADDRSTRLEN + 4];
				int r;

				if (a->family != cv->family)
					continue;
				/* The subnet inside the prefix; else the address
				 * itself, but for one on the group's own device. */
				subnet = subnet &&
					 netconf_prefix_contains(cv->family, &cv->addr, cv->prefixlen,
								 &a->addr, a->prefixlen);
				if (!subnet &&
				    (strcmp(dev, grp->device) == 0 ||
				     !netconf_prefix_contains(cv->family, &cv->addr, cv->prefixlen,
							      &a->addr, full_len(a->family))))
					continue;
				netconf_prefix_text(a->family, &a->addr,
						    subnet ? a->prefixlen : full_len(a->family),
						    true, what, sizeof(what));
				finding(&f, false, "anyip", grp, "address", cv->file, cv->line);
				snprintf(f.target, sizeof(f.target), "%s", prefix);
				snprintf(f.expected, sizeof(f.expected), "none of the host's networks");
				snprintf(f.found, sizeof(f.found), "%s", dev);
				snprintf(f.detail, sizeof(f.detail), "%s %s %s", subnet ? "covers" : "holds",
					 subnet ? "subnet" : "address", what);
				if (subnet)
					r = emit(w, &f, "anyip prefix %s covers %s's subnet %s: every address "
						 "in it is local, so this real server's connections to %s land on "
						 "itself (refused) instead of going out through %s", prefix, dev,
						 what, what, dev);
				else
					r = emit(w, &f, "anyip prefix %s holds %s's own address %s: a VIP must "
						 "be no interface's own address (with arp_suppress = nft this real "
						 "server stops answering ARP for it), and the prefix's other "
						 "addresses become unreachable from this server", prefix, dev, what);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* apply: arp_announce = 1 asked with a VIP inside an interface's subnet
 * (verify checks the effective value: arp_check_sysctl()). */
static int check_announce(const struct walk *w, const struct arp_vip *vips,
			  size_t n_vips)
{
	struct conf_where where = conf_agent_where(w->c, "arp_announce");

	if (w->mode != TOPO_APPLY || w->c->arp_announce != 1 ||
	    w->c->arp_suppress != CONF_ARP_SYSCTL)
		return 0;
	for (size_t i = 0; i < w->h->n_links; i++) {
		const struct netconf_link *l = &w->h->links[i];
		const struct netconf_addr *a;
		const struct arp_vip *v;
		struct topo_finding f;
		char vip[INET6_ADDRSTRLEN + 4], subnet[INET6_ADDRSTRLEN + 4];
		int r;

		if (!arp_announce_exposed(w->h, l, vips, n_vips, &a, &v))
			continue;
		netconf_prefix_text(AF_INET, &v->addr, v->prefixlen, false, vip, sizeof(vip));
		netconf_prefix_text(AF_INET, &a->addr, a->prefixlen, true, subnet, sizeof(subnet));
		finding(&f, false, "arp_announce", NULL, "arp_announce", where.file, where.line);
		snprintf(f.target, sizeof(f.target), "%s", l->name);
		snprintf(f.expected, sizeof(f.expected), "2");
		snprintf(f.found, sizeof(f.found), "1");
		snprintf(f.detail, sizeof(f.detail), "VIP %s in subnet %s", vip, subnet);
		r = emit(w, &f, "1 keeps VIP %s as the ARP sender on %s: it lies in %s's subnet "
			 "%s, and level 1 only avoids senders outside the target's subnet, so "
			 "neighbours learn VIP -> this real server's MAC; use 2", vip, l->name,
			 l->name, subnet);
		if (r < 0)
			return r;
	}
	return 0;
}

int agent_topology(const struct conf *c, const struct netconf_host *h,
		   enum topo_mode mode, const struct steplist *journal,
		   topo_cb cb, void *data)
{
	struct walk w = { c, h, mode, journal, cb, data };
	_cleanup_free_ struct arp_vip *vips = NULL;
	size_t n_vips = 0;
	int r;

	r = arp_vips(c, &vips, &n_vips);
	if (r < 0)
		return r;
	r = check_dr_devices(&w);
	if (r == 0)
		r = check_tun_devices(&w);
	if (r == 0)
		r = check_own_addresses(&w);
	if (r == 0)
		r = check_anyip(&w);
	if (r == 0)
		r = check_announce(&w, vips, n_vips);
	return r;
}
