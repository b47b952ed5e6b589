// SPDX-License-Identifier: GPL-2.0-or-later
/* ARP suppression through sysctls, and its check by effective value. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include "arp.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"

size_t arp_sysctl_steps(int arp_ignore, int arp_announce, struct step *out)
{
	static const struct {
		const char *dev, *key;
	} v[ARP_SYSCTL_STEPS] = {
		/* all raises every interface at once (effective = max(all,
		 * dev)); lo is written too because the VIPs live there. */
		{ "all", "arp_ignore" },
		{ "lo", "arp_ignore" },
		{ "all", "arp_announce" },
		{ "lo", "arp_announce" },
	};

	for (size_t i = 0; i < ARP_SYSCTL_STEPS; i++)
		(void)netconf_sysctl_step(&out[i], &arp_sysctl_ops, STEP_ORDER_ARP, v[i].dev,
					  v[i].key, i < 2 ? arp_ignore : arp_announce);
	return ARP_SYSCTL_STEPS;
}

static bool has_ipv4_vip(const struct conf *c)
{
	for (size_t g = 0; g < c->n_groups; g++)
		for (size_t i = 0; i < c->groups[g].n_vips; i++)
			if (c->groups[g].vips[i].family == AF_INET)
				return true;
	return false;
}

bool arp_suppresses(const struct conf *c, bool nft)
{
	return has_ipv4_vip(c) &&
	       (c->arp_suppress == CONF_ARP_BOTH ||
		c->arp_suppress == (nft ? CONF_ARP_NFT : CONF_ARP_SYSCTL));
}

int arp_vips(const struct conf *c, struct arp_vip **ret, size_t *n)
{
	struct arp_vip *v;
	size_t total = 0, k = 0;

	for (size_t g = 0; g < c->n_groups; g++)
		total += c->groups[g].n_vips;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* anyip prefixes too: the whole prefix answers locally. */
	for (size_t g = 0; g < c->n_groups; g++)
		for (size_t i = 0; i < c->groups[g].n_vips; i++) {
			const struct conf_vip *cv = &c->groups[g].vips[i];

			if (cv->family != AF_INET)
				continue;
			v[k].addr = cv->addr.v4;
			v[k++].prefixlen = cv->prefixlen;
		}
	*ret = v;
	*n = k;
	return 0;
}

static int read_conf(const char *dev, const char *key, int *ret)
{
	char path[128];

	snprintf(path, sizeof(path), "net/ipv4/conf/%s/%s", dev, key);
	return netconf_sysctl_read_int(path, ret);
}

static bool holds_ipv4(const struct netconf_host *h, int ifindex)
{
	for (size_t i = 0; i < h->n_addrs; i++)
		if (h->addrs[i].ifindex == ifindex && h->addrs[i].family == AF_INET)
			return true;
	return false;
}

static bool listed(const char *name, const char *const *devs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(devs[i], name) == 0)
			return true;
	return false;
}

bool arp_announce_exposed(const struct netconf_host *h,
			  const struct netconf_link *l,
			  const struct arp_vip *vips, size_t n_vips,
			  const struct netconf_addr **addr,
			  const struct arp_vip **vip)
{
	if (l->flags & (IFF_LOOPBACK | IFF_NOARP))
		return false;
	for (size_t i = 0; i < h->n_addrs; i++) {
		const struct netconf_addr *a = &h->addrs[i];

		if (a->ifindex != l->ifindex || a->family != AF_INET || a->prefixlen >= 32)
			continue;
		for (size_t k = 0; k < n_vips; k++)
			if (netconf_prefix_overlaps(AF_INET, &a->addr.v4, a->prefixlen,
						    &vips[k].addr, vips[k].prefixlen)) {
				*addr = a;
				*vip = &vips[k];
				return true;
			}
	}
	return false;
}

/*
 * The effective value of key on dev, max(all, dev's own): 1 with *eff,
 * found and detail (96 bytes) filled, or 0 when dev's own cannot be read
 * (then a failing check says so, expecting `expected`), or -ENOMEM.
 */
static int effective(const char *dev, const char *key, int all,
		     const char *expected, int *eff, char found[16], char *detail,
		     struct checklist *out)
{
	int own, r;

	r = read_conf(dev, key, &own);
	if (r < 0) {
		snprintf(detail, 96, "net.ipv4.conf.%s.%s: %s", dev, key, strerror(-r));
		r = checklist_add(out, false, key, dev, expected, "unreadable", detail,
				  "verify cannot tell whether %s keeps the VIPs out of ARP", dev);
		return r < 0 ? r : 0;
	}
	*eff = own > all ? own : all;
	snprintf(found, 16, "%d", *eff);
	snprintf(detail, 96, "effective: max(all %d, %s %d)", all, dev, own);
	return 1;
}

static int check_ignore(const char *dev, int all, int want, struct checklist *out)
{
	char expected[32], found[16], detail[96];
	int eff, r;

	if (want == 2)
		snprintf(expected, sizeof(expected), "2");
	else
		snprintf(expected, sizeof(expected), "%d..2", want);
	r = effective(dev, "arp_ignore", all, expected, &eff, found, detail, out);
	if (r <= 0)
		return r;
	if (eff >= want && eff <= 2)
		return checklist_add(out, true, "arp_ignore", dev, expected, found, detail, NULL);
	if (eff < want && eff == 0)
		return checklist_add(out, false, "arp_ignore", dev, expected, found, detail,
			"%s answers ARP requests for every local address, the VIPs on other devices too: "
			"the router learns VIP -> this real server's MAC and clients bypass the director",
			dev);
	if (eff < want)
		return checklist_add(out, false, "arp_ignore", dev, expected, found, detail,
			"%s is weaker than the configured arp_ignore %d: it answers requests for its own "
			"addresses from other subnets too", dev, want);
	return checklist_add(out, false, "arp_ignore", dev, expected, found, detail,
		"arp_ignore %d is not one of the LVS policies (1 or 2): %s may drop or answer ARP unexpectedly",
		eff, dev);
}

/* exposed_addr/vip: what arp_announce_exposed() found for dev, or NULL. */
static int check_announce(const char *dev, int all, int want,
			  const struct netconf_addr *exposed_addr,
			  const struct arp_vip *exposed_vip, struct checklist *out)
{
	char expected[32], found[16], detail[96], subnet[INET6_ADDRSTRLEN + 4];
	char vip[INET6_ADDRSTRLEN + 4];
	int eff, r;

	if (exposed_addr)
		want = 2;
	snprintf(expected, sizeof(expected), want == 2 ? "2" : ">= %d", want);
	r = effective(dev, "arp_announce", all, expected, &eff, found, detail, out);
	if (r <= 0)
		return r;
	if (eff >= want)
		return checklist_add(out, true, "arp_announce", dev, expected, found, detail, NULL);
	if (eff == 1 && exposed_addr) {
		netconf_prefix_text(AF_INET, &exposed_addr->addr, exposed_addr->prefixlen, true,
				    subnet, sizeof(subnet));
		netconf_prefix_text(AF_INET, &exposed_vip->addr, exposed_vip->prefixlen, false,
				    vip, sizeof(vip));
		return checklist_add(out, false, "arp_announce", dev, expected, found, detail,
			"VIP %s lies in %s's subnet %s, and level 1 only avoids ARP senders outside the "
			"target's subnet: requests %s sends to that subnet carry the VIP as sender and "
			"neighbours learn VIP -> this real server's MAC", vip, dev, subnet, dev);
	}
	return checklist_add(out, false, "arp_announce", dev, expected, found, detail,
		"%s may send ARP requests with a VIP as sender address: every neighbour on the segment "
		"learns VIP -> this real server's MAC and traffic bypasses the director", dev);
}

int arp_check_sysctl(const struct netconf_host *h, int want_ignore,
		     int want_announce, const char *const *vip_devs,
		     size_t n_vip_devs, const struct arp_vip *vips,
		     size_t n_vips, struct checklist *out)
{
	int all_ignore, all_announce, r;

	r = read_conf("all", "arp_ignore", &all_ignore);
	if (r < 0)
		return r;
	r = read_conf("all", "arp_announce", &all_announce);
	if (r < 0)
		return r;

	for (size_t i = 0; i < h->n_links; i++) {
		const struct netconf_link *l = &h->links[i];
		const struct netconf_addr *a = NULL;
		const struct arp_vip *v = NULL;

		if (!holds_ipv4(h, l->ifindex) && !listed(l->name, vip_devs, n_vip_devs))
			continue;
		r = check_ignore(l->name, all_ignore, want_ignore, out);
		if (r < 0)
			return r;
		if (vips && !arp_announce_exposed(h, l, vips, n_vips, &a, &v))
			a = NULL;
		r = check_announce(l->name, all_announce, want_announce, a, v, out);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the sysctl kind */

static int sysctl_build(const struct kind_ctx *ctx, struct steplist *out)
{
	const struct conf *c = ctx->conf;
	struct step s[ARP_SYSCTL_STEPS];
	size_t n;
	int r;

	if (!arp_suppresses(c, false))
		return 0;
	n = arp_sysctl_steps(c->arp_ignore, c->arp_announce, s);
	for (size_t i = 0; i < n; i++) {
		r = steplist_add(out, &s[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The device of each group, each once; *ret is malloc'd. */
static int vip_devs(const struct conf *c, const char ***ret, size_t *n)
{
	const char **v = calloc(c->n_groups + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*n = 0;
	for (size_t g = 0; g < c->n_groups; g++)
		if (!listed(c->groups[g].device, v, *n))
			v[(*n)++] = c->groups[g].device;
	*ret = v;
	return 0;
}

static int sysctl_check(const struct kind_ctx *ctx, struct checklist *out)
{
	_cleanup_free_ struct arp_vip *vips = NULL;
	_cleanup_free_ const char **devs = NULL;
	const struct conf *c = ctx->conf;
	size_t n_vips = 0, n_devs = 0;
	int r;

	if (!has_ipv4_vip(c))
		return 0;
	if (c->arp_suppress == CONF_ARP_NONE) {
		r = checklist_add(out, true, "arp_suppress", NULL, "none", "none", NULL,
				  "the agent suppresses no ARP: unless something else does, the "
				  "IPv4 VIPs are answered in ARP and clients may bypass the director");
		if (r == 0)
			out->v[out->n - 1].warn = true;
		return r;
	}
	if (!arp_suppresses(c, false))
		return 0;
	r = vip_devs(c, &devs, &n_devs);
	if (r == 0)
		r = arp_vips(c, &vips, &n_vips);
	/* With both, the nft output rule rewrites a VIP as sender whatever
	 * arp_announce does. */
	if (r == 0)
		r = arp_check_sysctl(ctx->host, c->arp_ignore, c->arp_announce, devs, n_devs,
				     c->arp_suppress == CONF_ARP_SYSCTL ? vips : NULL, n_vips, out);
	if (r < 0)
		snprintf(ctx->err, ctx->errlen, "%s: cannot read the ARP policy: %s", ctx->verb,
			 strerror(-r));
	return r;
}

static const struct netconf_sysctl_keys keys = {
	.keys = (const char *const[]){ "arp_ignore", "arp_announce", NULL },
	.want = { "1", "2" },
};

static bool sysctl_valid_target(const char *target)
{
	return netconf_sysctl_valid_target(&keys, target);
}

static bool sysctl_valid_value(const char *target, enum step_field f, const char *value)
{
	return netconf_sysctl_valid_value(&keys, target, f, value);
}

const struct step_ops arp_sysctl_ops = {
	NETCONF_SYSCTL_KIND,
	.build = sysctl_build,
	.check = sysctl_check,
	.valid_target = sysctl_valid_target,
	.valid_value = sysctl_valid_value,
};
