/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TUN mode: the tunnel device that decapsulates the director's packets
 * (tunl0 from ipip, ip6tnl0 from ip6_tunnel, sit0 from sit, gre0 from
 * ip_gre, ip6gre0 from ip6_gre), its link state, the rp_filter policy that
 * lets decapsulated packets from clients through, and the fou port that
 * unwraps the director's GUE (fou.c).
 */
#ifndef LVS_TUNNEL_H
#define LVS_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../conf/conf.h"
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
 * device's kind (ipip for tunl0, ip6tnl for ip6tnl0, sit for sit0, gre for
 * gre0, ip6gre for ip6gre0), which makes the kernel
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
 * director's packets of tunnel type `type` for VIPs of `family` (AF_INET,
 * AF_INET6), as IPVS tunnels them. IP-in-IP, and GUE, whose inner packet
 * fou hands on as IP-in-IP: for IPv4 "ipip" (IPv4 in IPv4: tunl0, or an
 * ipip tunnel of the operator's); for IPv6 "ip6tnl" (IPv6 in IPv6:
 * ip6tnl0) and "sit" (IPv6 in IPv4, IPVS's tunnel from an IPv6 VIP to an
 * IPv4 real server address). An ip6tnl device may carry IPv4 as well (mode
 * ipip6 or any), which its kind does not tell: it is not taken for IPv4.
 * GRE: "gre" (IPv4 outer header) and "ip6gre" (IPv6), either family.
 */
bool tunnel_kind_carries(enum conf_tun_type type, const char *kind, int family);
/* The kinds tunnel_kind_carries() takes, for people: "ipip", "ip6tnl or
 * sit", "gre or ip6gre". */
const char *tunnel_kinds(enum conf_tun_type type, int family);

/* The rtnetlink kind of a fallback device: "ipip", "ip6tnl", "sit", "gre",
 * "ip6gre", or NULL. */
const char *tunnel_fallback_kind(const char *dev);

/*
 * What the kernel lacks when it refuses the kind of `dev`:
 * "IP-in-IP tunnel support (CONFIG_NET_IPIP / module ipip)".
 */
const char *tunnel_support_name(const char *dev);

/*
 * A probe's refusal in ctx->err: the kernel lacks `support`, which group g
 * (NULL: unknown) needs; plan adds that apply would fail. -EOPNOTSUPP.
 */
int tunnel_lacks(const struct kind_ctx *ctx, const char *support,
		 const struct conf_group *g);

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
/* The same for a module by name ("fou"). */
int tunnel_module_has(const char *module, const char *root, const char *release);
/* Whether ROOT/lib/modules/RELEASE/modules.alias names `alias`: the kernel
 * then loads its module on demand. 1, 0, or -errno. */
int tunnel_module_alias(const char *alias, const char *root, const char *release);

/*
 * verify: for each IPv4 tunnel device, the effective rp_filter
 * max(conf/all, conf/DEV) must be 0 or rp_filter: 1 (strict) drops the
 * decapsulated packets, and 2 (loose) is more than rp_filter = 0 allows.
 * Appends to out.
 * 0 or -errno.
 */
int tunnel_check(struct netconf *nc, const char *const *devs, size_t n,
		 int rp_filter, struct checklist *out);

/*
 * The MSS clamp of TUN groups, kind "mss": the nf_tables table "inet
 * lvs_rs_agent_mss" (the agent's marker comment), whose chain "output"
 * (hook output, priority mangle) lowers the MSS option of TCP SYN-ACKs
 * from a VIP to the group's MSS when it is larger, never raising it: one
 * interval set per family and MSS ("v4_1440", "v6_1420") and one rule
 * each,
 *   ip saddr @v4_1440 tcp flags & (syn | ack) == (syn | ack)
 *     tcp option maxseg size > 1440 tcp option maxseg size set 1440
 * (ip6 saddr for v6_ sets). Targets and values:
 *   "inet lvs_rs_agent_mss"  present | absent | foreign | incomplete
 *       foreign: a table of that name without the marker, never touched;
 *       incomplete: the agent's table holding anything it does not make
 *       (a rule, chain, set, flag or element changed, missing or added;
 *       an element no step names: observe gets every step of the kind).
 *   "inet lvs_rs_agent_mss vip 198.51.100.10"  the MSS its SYN-ACKs are
 *       clamped to ("1440"), absent, or incomplete (the table is; then
 *       every step of the kind reads so)
 *   "inet lvs_rs_agent_mss vip 2001:db8::/64"  the same for a prefix
 *       (anyip)
 * Every change() is one nf_tables transaction that deletes the table (if
 * there) and makes it whole: what the call's steps ask, and of a sound
 * table the elements no step of the call decides. Order STEP_ORDER_TUNNEL:
 * the clamp is in force before a VIP answers. Built for the VIPs of every
 * mode = tun group whose mss is not off: N, or auto, from the MTU of the
 * way back to clients (netconf_route_back() of the VIP's family) less the
 * VIP's IP header, TCP's 20 bytes and the tunnel's overhead
 * (tunnel_overhead()); none for auto without kernel access (check-config).
 */
extern const struct step_ops tunnel_mss_ops;

#define TUNNEL_MSS_TABLE "lvs_rs_agent_mss"
#define TUNNEL_MSS_TARGET "inet " TUNNEL_MSS_TABLE
#define TUNNEL_MSS_FOREIGN "foreign"
#define TUNNEL_MSS_INCOMPLETE "incomplete"

/*
 * The bytes the director's tunnel adds before a packet of a group with
 * tunnel type `type` (enum conf_tun_type) reaches this host, with an outer
 * header of outer_family: the outer IP header (20, or 40 for IPv6) and
 * what the type adds at most: IP-in-IP nothing; GRE its 4-byte header and
 * the 4 of a checksum; GUE 8 of UDP, its 4-byte header and 8 of a remote
 * checksum option.
 */
unsigned tunnel_overhead(int type, int outer_family);

/*
 * "fou" (fou.c): the UDP port on which the kernel's fou unwraps the
 * director's GUE packets, one per tun_port and outer family of the
 * tun_type = gue groups. Target "gue PORT inet" or "gue PORT inet6"
 * (tunnel_fou_target()); values:
 *   "absent"     no fou receiver on that port and family
 *   "present"    a GUE receiver there, bound to no address or device, as
 *                `ip fou add port PORT gue [-6]` makes it
 *   (observed only) another receiver on the port: "direct N" (fou of IP
 *   protocol N), "gue bound" (GUE bound to an address, peer or device)
 * Built "present", STEP_ORDER_TUNNEL. Observe: one FOU_CMD_GET dump (a
 * kernel without the family has no port). Change: FOU_CMD_ADD with the
 * port, family and FOU_ENCAP_GUE (no IP protocol: GUE's header carries
 * it), FOU_CMD_DEL with port and family, one netconf_fault_point() each;
 * only between absent and present (restorable). Probe: another receiver
 * on the port is refused; an absent family is asked for by name (one
 * netconf_fault_point()), which makes a modular kernel load fou if the
 * module has the family's alias; a kernel without fou, or with a module
 * it does not load on demand (Debian 12's 6.1: no alias), is told (plan
 * looks for the module and the alias instead).
 * The unwrapped packet goes to the tunnel device of its family as an
 * IP-in-IP one: tunl0 (IPv4 in IPv4), sit0 (IPv6 in IPv4), ip6tnl0 (IPv6
 * outer header), which the link kind brings up.
 */
extern const struct step_ops tunnel_fou_ops;

#define TUNNEL_FOU_PRESENT "present"

/* 0, -EINVAL (port 0, another family), -ENAMETOOLONG. */
int tunnel_fou_target(uint16_t port, int family, char *buf, size_t len);
/* The canonical text only. 0 or -EINVAL, outputs untouched on failure. */
int tunnel_fou_parse_target(const char *target, uint16_t *port, int *family);
/* The outer family of the director's GUE packets for a group on dev: IPv6
 * for ip6tnl0, IPv4 for any other (tunl0, sit0). */
int tunnel_fou_family(const char *dev);

#endif
