// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TUN mode: the "link" step kind for the tunnel devices, their rp_filter
 * steps, the support probe and the effective rp_filter check.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tunnel.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"

#define WHY_RP_FILTER "decapsulated packets from clients arrive on %s while the route back " \
	"is via eth0: strict reverse-path filtering drops them"

struct fallback {
	const char *dev, *kind, *module, *support;
	const char *packets; /* what it receives, for people */
};

static const struct fallback fallbacks[] = {
	{ "tunl0", "ipip", "ipip", "IP-in-IP tunnel support (CONFIG_NET_IPIP / module ipip)",
	  "IP-in-IP" },
	{ "ip6tnl0", "ip6tnl", "ip6_tunnel",
	  "IPv6 tunnel support (CONFIG_IPV6_TUNNEL / module ip6_tunnel)", "IPv6-in-IPv6" },
	{ "sit0", "sit", "sit", "IPv6-in-IPv4 tunnel support (CONFIG_IPV6_SIT / module sit)",
	  "IPv6-in-IPv4 and GUE" },
	{ "gre0", "gre", "ip_gre", "GRE tunnel support (CONFIG_NET_IPGRE / module ip_gre)", "GRE" },
	{ "ip6gre0", "ip6gre", "ip6_gre",
	  "GRE over IPv6 tunnel support (CONFIG_IPV6_GRE / module ip6_gre)", "GRE over IPv6" },
};

static const struct fallback *fallback_of(const char *dev)
{
	for (size_t i = 0; i < ARRAY_SIZE(fallbacks); i++)
		if (STREQ(fallbacks[i].dev, dev))
			return &fallbacks[i];
	return NULL;
}

const char *tunnel_fallback_kind(const char *dev)
{
	const struct fallback *f = fallback_of(dev);

	return f ? f->kind : NULL;
}

static const struct {
	const char *kind;
	int family; /* of the packets it hands on */
	bool gre;   /* it takes GRE, not IP-in-IP (nor what fou unwraps) */
} carriers[] = {
	{ "ipip", AF_INET, false },
	{ "ip6tnl", AF_INET6, false },
	{ "sit", AF_INET6, false },
	{ "gre", AF_INET, true },
	{ "gre", AF_INET6, true },
	{ "ip6gre", AF_INET, true },
	{ "ip6gre", AF_INET6, true },
};

bool tunnel_kind_carries(enum conf_tun_type type, const char *kind, int family)
{
	for (size_t i = 0; i < ARRAY_SIZE(carriers); i++)
		if (STREQ(carriers[i].kind, kind) && carriers[i].family == family &&
		    carriers[i].gre == (type == CONF_TUN_GRE))
			return true;
	return false;
}

const char *tunnel_kinds(enum conf_tun_type type, int family)
{
	if (type == CONF_TUN_GRE)
		return "gre or ip6gre";
	return family == AF_INET ? "ipip" : "ip6tnl or sit";
}

const char *tunnel_support_name(const char *dev)
{
	const struct fallback *f = fallback_of(dev);

	return f ? f->support : "tunnel support";
}

/* Whether a modules.dep / modules.builtin file lists MODULE.ko[.xz|.zst|...]. */
static int modules_list_has(const char *path, const char *module)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];
	size_t len = strlen(module);

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *end = strchr(line, ':'), *base;

		if (end)
			*end = '\0';
		line[strcspn(line, "\n")] = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		if (strncmp(base, module, len) == 0 && strncmp(base + len, ".ko", 3) == 0)
			return 1;
	}
	return 0;
}

int tunnel_kernel_has(const char *dev, const char *root, const char *release)
{
	const struct fallback *f = fallback_of(dev);

	return f ? tunnel_module_has(f->module, root, release) : -EINVAL;
}

int tunnel_module_has(const char *module, const char *root, const char *release)
{
	const char *lists[] = { "modules.builtin", "modules.dep" };
	char path[512];
	int r;

	/* Loaded (a module, or built in with parameters), else listed. */
	snprintf(path, sizeof(path), "%s/sys/module/%s", root, module);
	if (access(path, F_OK) == 0)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/lib/modules/%s/%s", root,
				     release, lists[i]) >= sizeof(path))
			return -ENAMETOOLONG;
		r = modules_list_has(path, module);
		if (r)
			return r;
	}
	return 0;
}

int tunnel_module_alias(const char *alias, const char *root, const char *release)
{
	char path[512], line[512], name[256], mod[256];
	_cleanup_fclose_ FILE *f = NULL;

	if ((size_t)snprintf(path, sizeof(path), "%s/lib/modules/%s/modules.alias", root,
			     release) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "alias %255s %255s", name, mod) == 2 && STREQ(name, alias))
			return 1;
	return 0;
}

/* ---- requests */

/* RTM_NEWLINK of the fallback kind on its own name; EEXIST is fine. */
static int link_create(struct netconf *nc, const char *dev)
{
	/* Zeroed: attribute padding goes to the kernel as it is. */
	char buf[256] = { 0 }, what[64];
	const char *kind = tunnel_fallback_kind(dev);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *info;
	int r;

	if (!kind) {
		/* A real tunnel needs endpoints the config does not give. */
		netconf_set_error(nc, "%s does not exist, and the agent creates only the fallback tunnel devices tunl0, ip6tnl0, sit0, gre0 and ip6gre0",
				  dev);
		return -ENODEV;
	}
	r = netconf_fault_point(nc);
	if (r < 0)
		return r;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, dev);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	snprintf(what, sizeof(what), "RTM_NEWLINK %s kind %s", dev, kind);
	/*
	 * Once the module is loaded the fallback device exists in this
	 * namespace, and asking for it by name answers EEXIST: what counts
	 * is that it is there.
	 */
	r = netconf_talk(nc, nlh, what);
	return r == -EEXIST ? 0 : r;
}

static int link_set_up(struct netconf *nc, const char *dev, bool up)
{
	/* Zeroed: attribute padding goes to the kernel as it is. */
	char buf[256] = { 0 }, what[64];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r;

	r = netconf_fault_point(nc);
	if (r < 0)
		return r;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, dev);
	snprintf(what, sizeof(what), "RTM_NEWLINK %s %s", dev, up ? "up" : "down");
	return netconf_talk(nc, nlh, what);
}

int tunnel_probe(struct netconf *nc, const char *dev)
{
	return link_create(nc, dev);
}

/* ---- the "link" step kind */

static bool not_up(const char *v)
{
	return STREQ(v, NETCONF_ABSENT) || STREQ(v, TUNNEL_DOWN);
}

static int link_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	_cleanup_free_ struct netconf_link *links = NULL;
	size_t n_links = 0;
	int r;

	r = netconf_dump_links(nc, &links, &n_links);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct step *s = v[i];
		const char *now = NETCONF_ABSENT;

		for (size_t k = 0; k < n_links; k++)
			if (STREQ(links[k].name, s->target)) {
				now = links[k].flags & IFF_UP ? TUNNEL_UP : TUNNEL_DOWN;
				break;
			}
		/*
		 * A fallback device outlives its last user: undoing "absent ->
		 * up" can only bring it down. For a step that goes back to a
		 * not-up value, absent and down are the same.
		 */
		if (STREQ(now, TUNNEL_DOWN) && fallback_of(s->target)) {
			if (STREQ(s->was, NETCONF_ABSENT) ||
			    (!not_up(s->was) && STREQ(s->prior, NETCONF_ABSENT)))
				now = NETCONF_ABSENT;
		}
		r = STEP_SET(s->now, now);
		if (r < 0)
			return r;
	}
	return 0;
}

static int link_change_one(struct netconf *nc, const struct step *s,
			   const char *to)
{
	int r;

	if (STREQ(to, TUNNEL_UP)) {
		if (STREQ(s->now, NETCONF_ABSENT)) {
			r = link_create(nc, s->target);
			if (r < 0)
				return r;
		}
		return link_set_up(nc, s->target, true);
	}
	if (STREQ(to, TUNNEL_DOWN) || STREQ(to, NETCONF_ABSENT)) {
		/* Nothing to bring down when it is not there. */
		if (STREQ(s->now, NETCONF_ABSENT))
			return 0;
		return link_set_up(nc, s->target, false);
	}
	netconf_set_error(nc, "link %s: unknown state \"%s\"", s->target, to);
	return -EINVAL;
}

static int link_change(struct netconf *nc, struct step *const *v, size_t n,
		       enum step_field to, int *res)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		res[i] = link_change_one(nc, v[i], step_value(v[i], to));
		if (res[i] < 0 && !ret)
			ret = res[i];
		/* The first failure's text stays in netconf_error(). */
		if (ret < 0)
			break;
	}
	return ret;
}

static void link_explain(const struct step *s, char *buf, size_t len)
{
	if (STREQ(s->target, "ip6tnl0"))
		snprintf(buf, len, "the VIPs of this mode = tun group live on %s: unless it is up, "
			 "the kernel answers the director's IPv6-in-IPv6 packets with ICMPv6 errors",
			 s->target);
	else if (STREQ(s->target, "tunl0"))
		snprintf(buf, len, "the VIPs of this mode = tun group live on %s: unless it is up, "
			 "the kernel drops the director's IP-in-IP packets", s->target);
	else if (fallback_of(s->target))
		snprintf(buf, len, "the VIPs of this mode = tun group live on %s: unless it is up, "
			 "the kernel drops the director's %s packets", s->target,
			 fallback_of(s->target)->packets);
	else if (STREQ(s->now, NETCONF_ABSENT))
		snprintf(buf, len, "the VIPs are configured on %s, which does not exist: nothing "
			 "holds them", s->target);
	else if (STREQ(s->target, "lo"))
		snprintf(buf, len, "lo holds the VIPs: while it is down the kernel flushes its IPv6 "
			 "addresses, the IPv6 VIPs with them, and the host's own loopback traffic stops");
	else
		snprintf(buf, len, "the VIPs live on %s: while it is down it receives nothing for them, "
			 "and the kernel flushes its IPv6 addresses, the IPv6 VIPs with them", s->target);
}

/* The devices of the groups of that mode, each once, into v (room for
 * every group). Returns their number. */
static size_t group_devs(const struct conf *c, enum conf_mode mode, const char **v)
{
	size_t n = 0, k;

	for (size_t g = 0; g < c->n_groups; g++) {
		if (c->groups[g].mode != mode)
			continue;
		for (k = 0; k < n && !STREQ(v[k], c->groups[g].device); k++)
			;
		if (k == n)
			v[n++] = c->groups[g].device;
	}
	return n;
}

static int link_build(const struct kind_ctx *ctx, struct steplist *out)
{
	const struct conf *c = ctx->conf;
	_cleanup_free_ const char **devs = calloc(c->n_groups + 1, sizeof(*devs));
	static const enum conf_mode modes[] = { CONF_MODE_TUN, CONF_MODE_DR };
	struct step s;
	int r;

	if (!devs)
		return -ENOMEM;
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		size_t n = group_devs(c, modes[m], devs);

		for (size_t i = 0; i < n; i++) {
			/* A device of both modes comes up once. */
			if (steplist_find(out, &tunnel_link_ops, devs[i]))
				continue;
			if (tunnel_link_step(devs[i], &s) < 0)
				return -ENAMETOOLONG;
			r = steplist_add(out, &s);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The mode = tun group on dev, for messages. */
static const struct conf_group *tun_group(const struct conf *c, const char *dev)
{
	for (size_t g = 0; g < c->n_groups; g++)
		if (c->groups[g].mode == CONF_MODE_TUN && STREQ(c->groups[g].device, dev))
			return &c->groups[g];
	return NULL;
}

int tunnel_lacks(const struct kind_ctx *ctx, const char *support,
		 const struct conf_group *g)
{
	char what[48] = "";

	if (g && g->tun_type != CONF_TUN_IPIP)
		snprintf(what, sizeof(what), ", tun_type = %s", conf_tun_type_name(g->tun_type));
	snprintf(ctx->err, ctx->errlen, "this kernel lacks %s,\nneeded by vip \"%s\" mode = tun%s%s",
		 support, g ? g->name : "?", what,
		 ctx->dry_run ? ": no such module is loaded, built in or installed, so apply "
				"would fail" : "");
	return -EOPNOTSUPP;
}

/*
 * Before anything changes: an absent fallback device must be one the
 * kernel can have. Asking for its kind loads the module (the device
 * appears, down, and stays: the one trace a run can leave), or tells that
 * the kernel lacks it; then nothing at all is changed, DR groups included.
 * plan does not ask: it looks for the module on disk and in /sys/module.
 */
static int link_probe(const struct kind_ctx *ctx, struct step *const *v, size_t n)
{
	int asked = 0, k;

	for (size_t i = 0; i < n; i++) {
		const struct step *s = v[i];
		const struct conf_group *g = tun_group(ctx->conf, s->target);

		if (!STREQ(s->now, NETCONF_ABSENT) || !tunnel_fallback_kind(s->target))
			continue;
		if (ctx->dry_run) {
			struct utsname u;

			k = uname(&u) < 0 ? -errno : tunnel_kernel_has(s->target, "", u.release);
			if (k == 0)
				return tunnel_lacks(ctx, tunnel_support_name(s->target), g);
			/* Not known (a list unreadable): apply will ask. */
			continue;
		}
		asked = 1;
		k = tunnel_probe(ctx->nc, s->target);
		if (k == -EOPNOTSUPP)
			tunnel_lacks(ctx, tunnel_support_name(s->target), g);
		else if (k < 0)
			snprintf(ctx->err, ctx->errlen, "%s: cannot create tunnel device %s: %s; "
				 "nothing was changed\n(kernel: %s)", ctx->verb, s->target,
				 strerror(-k), netconf_error(ctx->nc));
		if (k < 0)
			return k;
	}
	return asked;
}

static bool link_valid_target(const char *target)
{
	return netconf_ifname_valid(target);
}

static bool link_valid_value(const char *target, enum step_field f,
			     const char *value)
{
	return STREQ(value, TUNNEL_UP) || STREQ(value, TUNNEL_DOWN) ||
	       STREQ(value, NETCONF_ABSENT);
}

const struct step_ops tunnel_link_ops = {
	.kind = "link",
	.build = link_build,
	.probe = link_probe,
	.observe = link_observe,
	.change = link_change,
	.explain = link_explain,
	.valid_target = link_valid_target,
	.valid_value = link_valid_value,
};

/* ---- steps */

int tunnel_link_step(const char *dev, struct step *out)
{
	memset(out, 0, sizeof(*out));
	out->ops = &tunnel_link_ops;
	out->order = STEP_ORDER_TUNNEL;
	if (STEP_SET(out->target, dev) < 0 || STEP_SET(out->want, TUNNEL_UP) < 0)
		return -ENAMETOOLONG;
	return 0;
}

static bool int_above(const char *v, int limit)
{
	char *end;
	long x;

	if (!v || !*v)
		return false;
	x = strtol(v, &end, 10);
	return !*end && x > limit;
}

int tunnel_all_rp_filter_step(int rp_filter, const char *journal_prior,
			      struct step *out)
{
	int cur, r;

	r = netconf_sysctl_read_int(TUNNEL_ALL_RP_FILTER, &cur);
	if (r < 0)
		return r;
	if (cur <= rp_filter && !int_above(journal_prior, rp_filter))
		return 0;
	r = netconf_sysctl_step(out, &tunnel_sysctl_ops, STEP_ORDER_TUNNEL + 1, "all",
				"rp_filter", rp_filter);
	return r < 0 ? r : 1;
}

/* ---- verify */

int tunnel_check(struct netconf *nc, const char *const *devs, size_t n,
		 int rp_filter, struct checklist *out)
{
	char path[STEP_TARGET_MAX], expected[32], found[16], detail[96];
	int all, r;

	r = netconf_sysctl_read_int(TUNNEL_ALL_RP_FILTER, &all);
	if (r < 0)
		return r;
	/* Not an order: 1 (strict) is the one that breaks, 2 (loose) is not. */
	snprintf(expected, sizeof(expected), rp_filter ? "0 or %d" : "%d", rp_filter);
	for (size_t i = 0; i < n; i++) {
		int dev, eff;

		if (STREQ(devs[i], "ip6tnl0"))
			continue;
		snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", devs[i]);
		r = netconf_sysctl_read_int(path, &dev);
		if (r == -ENOENT) {
			r = checklist_add(out, false, "rp_filter", devs[i], expected,
					  NETCONF_ABSENT, "device missing",
					  "without %s the director's IP-in-IP packets are not decapsulated",
					  devs[i]);
			if (r < 0)
				return r;
			continue;
		}
		if (r < 0)
			return r;
		eff = all > dev ? all : dev;
		snprintf(found, sizeof(found), "%d", eff);
		snprintf(detail, sizeof(detail), "effective: max(all %d, %s %d)", all,
			 devs[i], dev);
		if (eff == 0 || eff == rp_filter)
			r = checklist_add(out, true, "rp_filter", devs[i], expected, found,
					  detail, NULL);
		else if (eff == 1)
			r = checklist_add(out, false, "rp_filter", devs[i], expected, found,
					  detail, WHY_RP_FILTER, devs[i]);
		else
			r = checklist_add(out, false, "rp_filter", devs[i], expected, found,
					  detail,
					  "rp_filter = %d is configured; loose reverse-path filtering on %s "
					  "drops decapsulated packets from clients the RS has no route to",
					  rp_filter, devs[i]);
		if (r < 0)
			return r;
	}
	(void)nc;
	return 0;
}

/* ---- the rp_filter kind */

/* Whether any mode = tun group on dev has an IPv4 VIP. */
static bool tun_dev_ipv4(const struct conf *c, const char *dev)
{
	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];

		if (grp->mode != CONF_MODE_TUN || !STREQ(grp->device, dev))
			continue;
		for (size_t i = 0; i < grp->n_vips; i++)
			if (grp->vips[i].family == AF_INET)
				return true;
	}
	return false;
}

/*
 * Each IPv4 tunnel device's rp_filter, and conf/all/rp_filter lowered when
 * above the configured value. Without kernel access (check-config) no step
 * for conf/all.
 */
static int sysctl_build(const struct kind_ctx *ctx, struct steplist *out)
{
	const struct conf *c = ctx->conf;
	_cleanup_free_ const char **devs = calloc(c->n_groups + 1, sizeof(*devs));
	size_t n = devs ? group_devs(c, CONF_MODE_TUN, devs) : 0;
	bool any_ipv4 = false;
	struct step s;
	int r;

	if (!devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* IPv6 has no rp_filter. */
		if (!tun_dev_ipv4(c, devs[i]))
			continue;
		any_ipv4 = true;
		r = netconf_sysctl_step(&s, &tunnel_sysctl_ops, STEP_ORDER_TUNNEL + 1, devs[i],
					"rp_filter", c->rp_filter);
		if (r == 0)
			r = steplist_add(out, &s);
		if (r < 0)
			return r;
	}
	if (any_ipv4 && ctx->nc) {
		const struct step *j = ctx->journal ? steplist_find(ctx->journal, &tunnel_sysctl_ops,
								    TUNNEL_ALL_RP_FILTER) : NULL;

		r = tunnel_all_rp_filter_step(c->rp_filter, j ? j->prior : NULL, &s);
		if (r < 0) {
			snprintf(ctx->err, ctx->errlen, "cannot read /proc/sys/%s: %s",
				 TUNNEL_ALL_RP_FILTER, strerror(-r));
			return r;
		}
		if (r > 0)
			return steplist_add(out, &s);
	}
	return 0;
}

static int sysctl_check(const struct kind_ctx *ctx, struct checklist *out)
{
	const struct conf *c = ctx->conf;
	_cleanup_free_ const char **devs = calloc(c->n_groups + 1, sizeof(*devs));
	int r;

	size_t n = 0, m;

	if (!devs)
		return -ENOMEM;
	/* IPv6 has no rp_filter: only the devices of IPv4 VIPs. */
	m = group_devs(c, CONF_MODE_TUN, devs);
	for (size_t i = 0; i < m; i++)
		if (tun_dev_ipv4(c, devs[i]))
			devs[n++] = devs[i];
	r = tunnel_check(ctx->nc, devs, n, c->rp_filter, out);
	if (r < 0)
		snprintf(ctx->err, ctx->errlen, "%s: cannot read the rp_filter policy: %s",
			 ctx->verb, strerror(-r));
	return r;
}

static const struct netconf_sysctl_keys keys = {
	.keys = (const char *const[]){ "rp_filter", NULL },
	.any_dev = true,
	.want = { "0", "2" },
};

static bool sysctl_valid_target(const char *target)
{
	return netconf_sysctl_valid_target(&keys, target);
}

static bool sysctl_valid_value(const char *target, enum step_field f, const char *value)
{
	return netconf_sysctl_valid_value(&keys, target, f, value);
}

const struct step_ops tunnel_sysctl_ops = {
	NETCONF_SYSCTL_KIND,
	.build = sysctl_build,
	.check = sysctl_check,
	.valid_target = sysctl_valid_target,
	.valid_value = sysctl_valid_value,
};
