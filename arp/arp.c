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
#include "../netconf/netconf.h"

static void sysctl_step(struct step *s, const char *dev, const char *key,
			int value)
{
	memset(s, 0, sizeof(*s));
	s->ops = &netconf_sysctl_ops;
	s->order = STEP_ORDER_ARP;
	snprintf(s->target, sizeof(s->target), "net/ipv4/conf/%s/%s", dev, key);
	snprintf(s->want, sizeof(s->want), "%d", value);
}

size_t arp_sysctl_steps(int arp_ignore, int arp_announce, struct step *out)
{
	/* all raises every interface at once (effective = max(all, dev)); lo
	 * is written too because the VIPs live there. */
	sysctl_step(&out[0], "all", "arp_ignore", arp_ignore);
	sysctl_step(&out[1], "lo", "arp_ignore", arp_ignore);
	sysctl_step(&out[2], "all", "arp_announce", arp_announce);
	sysctl_step(&out[3], "lo", "arp_announce", arp_announce);
	return ARP_SYSCTL_STEPS;
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
