/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TUN mode: the tunnel device that decapsulates the director's packets
 * (tunl0 from ipip, ip6tnl0 from ip6_tunnel), its link state, and the
 * rp_filter policy that lets decapsulated packets from clients through.
 */
#ifndef LVS_TUNNEL_H
#define LVS_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../lib/step.h"

struct netconf;

#define TUNNEL_UP "up"
#define TUNNEL_DOWN "down"
/* and NETCONF_ABSENT: no such device */

/*
 * "link": target is a device name, values "absent", "down", "up". It serves
 * every device that holds VIPs: lo (or another DR device: the kernel
 * flushes the IPv6 addresses of a device that goes down) and the tunnel
 * devices. Built "up" (STEP_ORDER_TUNNEL: after the ARP suppression, before
 * the VIPs) for the device of each group, each once, the TUN groups' first.
 * Its probe: before apply makes an absent fallback device, whether the
 * kernel can have it (tunnel_probe(); plan: tunnel_kernel_has()).
 * To "up" from "absent", change() asks rtnetlink for a link of the fallback
 * device's kind (ipip for tunl0, ip6tnl for ip6tnl0), which makes the kernel
 * load the module; the fallback device appears with it. Other device names
 * are never created (a real tunnel needs endpoints the agent does not know).
 * To "absent": a fallback device cannot be deleted while its module is
 * loaded, so the agent brings it down, and a down device then reads as
 * "absent" for a step whose prior (or this run's start) value is "absent".
 * Every request is one netconf_fault_point().
 */
extern const struct step_ops tunnel_link_ops;

/*
 * Whether a link of rtnetlink kind `kind` (IFLA_INFO_KIND) decapsulates the
 * director's packets for VIPs of `family` (AF_INET, AF_INET6), as IPVS
 * tunnels them: for IPv4 "ipip" (IPv4 in IPv4: tunl0, or an ipip tunnel of
 * the operator's); for IPv6 "ip6tnl" (IPv6 in IPv6: ip6tnl0) and "sit"
 * (IPv6 in IPv4, IPVS's tunnel from an IPv6 VIP to an IPv4 real server
 * address). An ip6tnl device may carry IPv4 as well (mode ipip6 or any),
 * which its kind does not tell: it is not taken for IPv4. GRE kinds come
 * with a tunnel type of their own.
 */
bool tunnel_kind_carries(const char *kind, int family);
/* The kinds tunnel_kind_carries() takes for family, for people:
 * "ipip", "ip6tnl or sit". */
const char *tunnel_kinds(int family);

/* The rtnetlink kind of a fallback device: "ipip", "ip6tnl", or NULL. */
const char *tunnel_fallback_kind(const char *dev);

/*
 * What the kernel lacks when it refuses the kind of `dev`:
 * "IP-in-IP tunnel support (CONFIG_NET_IPIP / module ipip)".
 */
const char *tunnel_support_name(const char *dev);

/* The link step of dev: "up", order STEP_ORDER_TUNNEL (after the ARP
 * suppression, before the VIPs). 0 or -ENAMETOOLONG. */
int tunnel_link_step(const char *dev, struct step *out);

/*
 * The rp_filter policy of TUN mode, kind "sysctl" (netconf's,
 * NETCONF_SYSCTL_KIND): net/ipv4/conf/DEV/rp_filter = rp_filter for each
 * tunnel device of a group with an IPv4 VIP (STEP_ORDER_TUNNEL + 1: the
 * file exists only once the device does), and conf/all/rp_filter
 * (tunnel_all_rp_filter_step()). Its check: tunnel_check() on the devices
 * of the mode = tun groups.
 */
extern const struct step_ops tunnel_sysctl_ops;

#define TUNNEL_ALL_RP_FILTER "net/ipv4/conf/all/rp_filter"

/*
 * The conf/all/rp_filter step (STEP_ORDER_TUNNEL + 1), wanted only when the
 * kernel's value is above rp_filter (then lowered to it), or when a journal
 * says that an earlier apply lowered it from a value above rp_filter
 * (journal_prior, NULL if none): dropping the step then would restore it.
 * Returns 1 with *out filled, 0 for no step, or -errno reading the sysctl.
 */
int tunnel_all_rp_filter_step(int rp_filter, const char *journal_prior,
			      struct step *out);

/*
 * Whether the kernel can have the fallback device `dev`, asked without
 * changing anything but what asking implies: RTM_NEWLINK of its kind with
 * NLM_F_CREATE | NLM_F_EXCL on its own name. A modular kernel loads the
 * module, and the fallback device appears (down) in every namespace. One
 * netconf_fault_point(). 0, -EOPNOTSUPP when the kernel lacks the kind,
 * or another -errno (netconf_error() tells).
 */
int tunnel_probe(struct netconf *nc, const char *dev);

/*
 * Whether the kernel can have the fallback device `dev` without asking it
 * (plan changes nothing, and asking may load a module): its module is
 * loaded (ROOT/sys/module/NAME) or listed in ROOT/lib/modules/RELEASE/
 * modules.builtin or modules.dep. 1 yes, 0 no, -errno when a list cannot be
 * read. root is "" on a live system.
 */
int tunnel_kernel_has(const char *dev, const char *root, const char *release);

/*
 * verify: for each IPv4 tunnel device, the effective rp_filter
 * max(conf/all, conf/DEV) must be 0 or rp_filter: 1 (strict) drops the
 * decapsulated packets, and 2 (loose) is more than rp_filter = 0 allows.
 * Appends to out.
 * 0 or -errno.
 */
int tunnel_check(struct netconf *nc, const char *const *devs, size_t n,
		 int rp_filter, struct checklist *out);

#endif
