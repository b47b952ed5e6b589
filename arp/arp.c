// SPDX-License-Identifier: GPL-2.0-or-later
/* ARP suppression through sysctls, and its check by effective value. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static bool holds_ipv4(const struct netconf_addr *a, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].ifindex == ifindex && a[i].family == AF_INET)
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

static int check_one(const char *dev, const char *key, int all, int want,
		     bool is_ignore, struct checklist *out)
{
	char expected[32], found[16], detail[96];
	int own, eff, r;
	bool ok;

	if (!is_ignore)
		snprintf(expected, sizeof(expected), want == 2 ? "2" : ">= %d", want);
	else if (want == 2)
		snprintf(expected, sizeof(expected), "2");
	else
		snprintf(expected, sizeof(expected), "%d..2", want);
	r = read_conf(dev, key, &own);
	if (r < 0) {
		snprintf(detail, sizeof(detail), "net.ipv4.conf.%s.%s: %s", dev, key,
			 strerror(-r));
		return checklist_add(out, false, key, dev, expected, "unreadable", detail,
				     "verify cannot tell whether %s keeps the VIPs out of ARP", dev);
	}
	eff = own > all ? own : all;
	snprintf(found, sizeof(found), "%d", eff);
	snprintf(detail, sizeof(detail), "effective: max(all %d, %s %d)", all, dev, own);
	if (is_ignore) {
		ok = eff >= want && eff <= 2;
		if (ok)
			return checklist_add(out, true, key, dev, expected, found, detail, NULL);
		if (eff < want && eff == 0)
			return checklist_add(out, false, key, dev, expected, found, detail,
				"%s answers ARP requests for every local address, the VIPs on other devices too: "
				"the router learns VIP -> this real server's MAC and clients bypass the director",
				dev);
		if (eff < want)
			return checklist_add(out, false, key, dev, expected, found, detail,
				"%s is weaker than the configured arp_ignore %d: it answers requests for its own "
				"addresses from other subnets too", dev, want);
		return checklist_add(out, false, key, dev, expected, found, detail,
			"arp_ignore %d is not one of the LVS policies (1 or 2): %s may drop or answer ARP unexpectedly",
			eff, dev);
	}
	ok = eff >= want;
	if (ok)
		return checklist_add(out, true, key, dev, expected, found, detail, NULL);
	return checklist_add(out, false, key, dev, expected, found, detail,
		"%s may send ARP requests with a VIP as sender address: every neighbour on the segment "
		"learns VIP -> this real server's MAC and traffic bypasses the director", dev);
}

int arp_check_sysctl(struct netconf *nc, int want_ignore, int want_announce,
		     const char *const *vip_devs, size_t n_vip_devs,
		     struct checklist *out)
{
	_cleanup_free_ struct netconf_link *links = NULL;
	_cleanup_free_ struct netconf_addr *addrs = NULL;
	size_t n_links, n_addrs;
	int all_ignore, all_announce, r;

	r = netconf_dump_links(nc, &links, &n_links);
	if (r < 0)
		return r;
	r = netconf_dump_addrs(nc, AF_INET, &addrs, &n_addrs);
	if (r < 0)
		return r;
	r = read_conf("all", "arp_ignore", &all_ignore);
	if (r < 0)
		return r;
	r = read_conf("all", "arp_announce", &all_announce);
	if (r < 0)
		return r;

	for (size_t i = 0; i < n_links; i++) {
		const char *dev = links[i].name;

		if (!holds_ipv4(addrs, n_addrs, links[i].ifindex) &&
		    !listed(dev, vip_devs, n_vip_devs))
			continue;
		r = check_one(dev, "arp_ignore", all_ignore, want_ignore, true, out);
		if (r < 0)
			return r;
		r = check_one(dev, "arp_announce", all_announce, want_announce,
			      false, out);
		if (r < 0)
			return r;
	}
	return 0;
}
