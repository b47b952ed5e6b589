// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "fou" kind: the UDP port on which the kernel's fou unwraps the
 * director's GUE packets (ipvsadm --tun-type gue --tun-port PORT), through
 * generic netlink family "fou" on the handle's generic netlink socket.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fou.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include "tunnel.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"
#include "../netconf/nl.h"

#define FOU_SUPPORT "FOU support (CONFIG_NET_FOU / module fou)"
/* What the kernel asks modprobe for when the family is looked up by name. */
#define FOU_ALIAS "net-pf-16-proto-16-family-fou"

/* ---- targets */

int tunnel_fou_target(uint16_t port, int family, char *buf, size_t len)
{
	int n;

	if (port == 0 || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	n = snprintf(buf, len, "gue %u %s", port, family == AF_INET ? "inet" : "inet6");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The canonical text only: "gue PORT inet" or "gue PORT inet6", PORT in
 * 1..65535 without leading zeros. 0 or -EINVAL. */
int tunnel_fou_parse_target(const char *target, uint16_t *port, int *family)
{
	unsigned long v = 0;
	const char *s;

	if (strncmp(target, "gue ", 4) != 0)
		return -EINVAL;
	s = target + 4;
	if (!isdigit((unsigned char)*s) || *s == '0')
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	if (STREQ(s, " inet"))
		*family = AF_INET;
	else if (STREQ(s, " inet6"))
		*family = AF_INET6;
	else
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* ---- the kernel's fou ports, from one FOU_CMD_GET dump */

struct fou_port {
	uint16_t port; /* host order */
	int family;
	uint8_t type, ipproto;
	bool bound; /* to a local or peer address, or a device */
};

struct fou_view {
	struct fou_port *v;
	size_t n, cap;
};

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int fou_attr_cb(const struct nlattr *attr, void *data)
{
	struct fou_port *p = data;

	switch (mnl_attr_get_type(attr)) {
	case FOU_ATTR_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			p->port = ntohs(mnl_attr_get_u16(attr));
		break;
	case FOU_ATTR_AF:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			p->family = mnl_attr_get_u8(attr);
		break;
	case FOU_ATTR_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			p->type = mnl_attr_get_u8(attr);
		break;
	case FOU_ATTR_IPPROTO:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			p->ipproto = mnl_attr_get_u8(attr);
		break;
	case FOU_ATTR_LOCAL_V4:
	case FOU_ATTR_LOCAL_V6:
	case FOU_ATTR_PEER_V4:
	case FOU_ATTR_PEER_V6:
	case FOU_ATTR_PEER_PORT:
	case FOU_ATTR_IFINDEX:
		/* The kernel tells these of every port, zero when unbound. */
		p->bound |= !all_zero(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
		break;
	}
	return MNL_CB_OK;
}

static int fou_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fou_view *o = data;
	struct fou_port p = { 0 };

	if (mnl_attr_parse(nlh, GENL_HDRLEN, fou_attr_cb, &p) != MNL_CB_OK)
		return -EBADMSG;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 8;
		struct fou_port *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = p;
	return 0;
}

static void fou_reset(void *data)
{
	((struct fou_view *)data)->n = 0;
}

/* A fou request (cmd) or dump on the family's id: the message head. */
static struct nlmsghdr *fou_put(char *buf, uint16_t id, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = id;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = FOU_GENL_VERSION;
	return nlh;
}

/*
 * The generic netlink socket and the family's id, asked of the families
 * the kernel holds (no module load): 0, 1 when the kernel has no fou, or
 * -errno with netconf_error() set.
 */
static int fou_family(struct netconf *nc, struct nl **nl, uint16_t *id)
{
	int r = netconf_nl(nc, NETLINK_GENERIC, nl);

	if (r == 0)
		r = nl_genl_family_registered(*nl, FOU_GENL_NAME, id);
	if (r == -ENOENT)
		return 1;
	if (r < 0 && *nl)
		netconf_set_error(nc, "%s", nl_error(*nl));
	return r;
}

static int fou_read(struct netconf *nc, struct fou_view *o)
{
	char buf[64] = { 0 };
	struct nl *nl = NULL;
	uint16_t id;
	int r = fou_family(nc, &nl, &id);

	if (r != 0)
		return r < 0 ? r : 0; /* no fou: no port */
	r = nl_dump(nl, fou_put(buf, id, FOU_CMD_GET), fou_dump_cb, fou_reset, o,
		    "fou ports (FOU_CMD_GET)");
	if (r < 0)
		netconf_set_error(nc, "%s", nl_error(nl));
	return r;
}

/* The value of the kernel's receiver for port and family: an unbound GUE
 * receiver first, as the agent makes it. */
static void fou_value(const struct fou_view *o, uint16_t port, int family,
		      char *buf, size_t len)
{
	const struct fou_port *seen = NULL;

	for (size_t i = 0; i < o->n; i++) {
		const struct fou_port *p = &o->v[i];

		if (p->port != port || p->family != family)
			continue;
		if (p->type == FOU_ENCAP_GUE && !p->bound) {
			snprintf(buf, len, TUNNEL_FOU_PRESENT);
			return;
		}
		if (!seen)
			seen = p;
	}
	if (!seen)
		snprintf(buf, len, STEP_ABSENT);
	else if (seen->type == FOU_ENCAP_GUE)
		snprintf(buf, len, "gue bound");
	else
		snprintf(buf, len, "direct %u", seen->ipproto);
}

static int fou_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	struct fou_view o = { 0 };
	int r = fou_read(nc, &o);

	for (size_t i = 0; r == 0 && i < n; i++) {
		uint16_t port;
		int family;

		/* A target the journal's validation let through parses. */
		r = tunnel_fou_parse_target(v[i]->target, &port, &family);
		if (r == 0)
			fou_value(&o, port, family, v[i]->now, sizeof(v[i]->now));
	}
	free(o.v);
	return r;
}

/* ---- changes */

/* FOU_CMD_ADD (a GUE receiver: no IP protocol, GUE carries its own) or
 * FOU_CMD_DEL of the step's port and family. */
static int fou_request(struct netconf *nc, const struct step *s, bool add)
{
	char buf[128] = { 0 }, what[STEP_TARGET_MAX + 16];
	struct nlmsghdr *nlh;
	struct nl *nl = NULL;
	uint16_t port, id;
	int family, r;

	r = tunnel_fou_parse_target(s->target, &port, &family);
	if (r < 0)
		return r;
	r = fou_family(nc, &nl, &id);
	if (r > 0) {
		netconf_set_error(nc, "the kernel has no fou (generic netlink family \"fou\")");
		return -EOPNOTSUPP;
	}
	if (r < 0)
		return r;
	r = netconf_fault_point(nc);
	if (r < 0)
		return r;
	nlh = fou_put(buf, id, add ? FOU_CMD_ADD : FOU_CMD_DEL);
	mnl_attr_put_u16(nlh, FOU_ATTR_PORT, htons(port));
	mnl_attr_put_u8(nlh, FOU_ATTR_AF, (uint8_t)family);
	if (add)
		mnl_attr_put_u8(nlh, FOU_ATTR_TYPE, FOU_ENCAP_GUE);
	snprintf(what, sizeof(what), "%s %s", add ? "FOU_CMD_ADD" : "FOU_CMD_DEL", s->target);
	r = nl_talk(nl, nlh, NULL, NULL, what);
	if (r == -EADDRINUSE)
		netconf_set_error(nc, "%s: another socket holds UDP port %u", what, port);
	else if (r < 0)
		netconf_set_error(nc, "%s: %s", what, nl_error(nl));
	return r;
}

/* Only between absent and the agent's GUE receiver: another receiver on
 * the port is not the agent's to change (the probe refuses it). */
static bool fou_restorable(const struct step *s, const char *to)
{
	return (STREQ(to, TUNNEL_FOU_PRESENT) && STREQ(s->now, STEP_ABSENT)) ||
	       (STREQ(to, STEP_ABSENT) && STREQ(s->now, TUNNEL_FOU_PRESENT));
}

static int fou_change(struct netconf *nc, struct step *const *v, size_t n,
		      enum step_field to, int *res)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		const struct step *s = v[i];
		const char *want = step_value(s, to);

		if (!fou_restorable(s, want)) {
			netconf_set_error(nc, "fou %s: %s, not the agent's GUE receiver, is left as it is",
					  s->target, s->now);
			res[i] = -EEXIST;
		} else {
			res[i] = fou_request(nc, s, STREQ(want, TUNNEL_FOU_PRESENT));
		}
		if (res[i] < 0) {
			ret = res[i];
			break;
		}
	}
	return ret;
}

/* ---- build, probe, verify */

static int fou_build(const struct kind_ctx *ctx, struct steplist *out)
{
	const struct conf *c = ctx->conf;

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];
		struct step s = { .ops = &tunnel_fou_ops, .order = STEP_ORDER_TUNNEL };
		int r;

		if (grp->mode != CONF_MODE_TUN || grp->tun_type != CONF_TUN_GUE)
			continue;
		r = tunnel_fou_target(grp->tun_port, tunnel_fou_family(grp->device), s.target,
				      sizeof(s.target));
		if (r == 0)
			r = STEP_SET(s.want, TUNNEL_FOU_PRESENT);
		if (r < 0)
			return r;
		/* Groups that share a port share its receiver. */
		if (steplist_find(out, &tunnel_fou_ops, s.target))
			continue;
		r = steplist_add(out, &s);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The first GUE group whose port and family are the step's, for messages. */
static const struct conf_group *fou_group(const struct conf *c, const struct step *s)
{
	char t[STEP_TARGET_MAX];

	for (size_t g = 0; g < c->n_groups; g++) {
		const struct conf_group *grp = &c->groups[g];

		if (grp->mode == CONF_MODE_TUN && grp->tun_type == CONF_TUN_GUE &&
		    tunnel_fou_target(grp->tun_port, tunnel_fou_family(grp->device), t,
				      sizeof(t)) == 0 && STREQ(t, s->target))
			return grp;
	}
	return NULL;
}

/* What the kernel lacks for fou: the module, or its loading on demand. */
static int fou_missing(const struct kind_ctx *ctx, const struct step *s, const char *release)
{
	const struct conf_group *g = fou_group(ctx->conf, s);

	if (tunnel_module_has("fou", "", release) <= 0)
		return tunnel_lacks(ctx, FOU_SUPPORT, g);
	snprintf(ctx->err, ctx->errlen, "module fou is not loaded, and this kernel does not load it "
		 "on demand,\nneeded by vip \"%s\" mode = tun, tun_type = gue: load it at boot (a "
		 "line fou in /etc/modules-load.d/) or by modprobe fou; nothing was changed",
		 g ? g->name : "?");
	return -EOPNOTSUPP;
}

/*
 * Before anything changes: a port held by another receiver is refused (the
 * agent would have to replace it, and revert could not put it back), and
 * the kernel must have fou. Asking for the family by name makes a modular
 * kernel load fou when the module has the family's alias (no trace beyond
 * the module); Debian 12's has none, and an installed module that is not
 * loaded is told as such. plan only looks: the module, and its alias.
 */
static int fou_probe(const struct kind_ctx *ctx, struct step *const *v, size_t n)
{
	const struct step *need = NULL;
	struct nl *nl = NULL;
	struct utsname u;
	uint16_t id;
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct step *s = v[i];
		uint16_t port;
		int family;

		if (STREQ(s->now, STEP_ABSENT)) {
			need = need ? need : s;
			continue;
		}
		if (STREQ(s->now, TUNNEL_FOU_PRESENT) ||
		    tunnel_fou_parse_target(s->target, &port, &family) < 0)
			continue;
		snprintf(ctx->err, ctx->errlen, "%s: UDP port %u (%s) already has a fou receiver that "
			 "is not GUE as the agent makes it (%s), needed by vip \"%s\" tun_type = gue; "
			 "nothing was changed\n(ip fou del port %u%s frees it)", ctx->verb, port,
			 family == AF_INET ? "IPv4" : "IPv6", s->now, fou_group(ctx->conf, s) ?
			 fou_group(ctx->conf, s)->name : "?", port, family == AF_INET ? "" : " -6");
		return -EEXIST;
	}
	if (!need)
		return 0;
	r = fou_family(ctx->nc, &nl, &id);
	if (r < 0) {
		snprintf(ctx->err, ctx->errlen, "%s: cannot ask for generic netlink family fou: %s; "
			 "nothing was changed", ctx->verb, netconf_error(ctx->nc));
		return r;
	}
	if (r == 0)
		return 0; /* registered: nothing to load */
	if (uname(&u) < 0)
		return -errno;
	/* A kernel whose fou has no alias for its family (Debian 12's 6.1)
	 * does not load it on demand: apply would fail, plan says so too. */
	if (ctx->dry_run && tunnel_module_alias(FOU_ALIAS, "", u.release) <= 0)
		return fou_missing(ctx, need, u.release);
	if (ctx->dry_run)
		return 0;
	r = netconf_fault_point(ctx->nc);
	if (r == 0)
		r = nl_genl_family(nl, FOU_GENL_NAME, &id);
	if (r == -ENOENT)
		return fou_missing(ctx, need, u.release);
	if (r < 0) {
		snprintf(ctx->err, ctx->errlen, "%s: cannot ask for generic netlink family fou: %s; "
			 "nothing was changed", ctx->verb, r == -EINTR || r == -EIO ?
			 netconf_error(ctx->nc) : nl_error(nl));
		return r;
	}
	return 1;
}

static void fou_explain(const struct step *s, char *buf, size_t len)
{
	uint16_t port = 0;
	int family = AF_INET;

	(void)tunnel_fou_parse_target(s->target, &port, &family);
	if (STREQ(s->now, STEP_ABSENT))
		snprintf(buf, len, "the director's GUE packets to UDP %u (%s) are dropped: nothing "
			 "receives them", port, family == AF_INET ? "IPv4" : "IPv6");
	else
		snprintf(buf, len, "UDP %u (%s) has a fou receiver of another kind (%s): it does "
			 "not unwrap the director's GUE packets for the VIPs", port,
			 family == AF_INET ? "IPv4" : "IPv6", s->now);
}

static bool fou_valid_target(const char *target)
{
	char canon[STEP_TARGET_MAX];
	uint16_t port;
	int family;

	return tunnel_fou_parse_target(target, &port, &family) == 0 &&
	       tunnel_fou_target(port, family, canon, sizeof(canon)) == 0 &&
	       STREQ(canon, target);
}

/* apply asks "present"; a prior is what the probe let through: absent, or
 * the agent's kind of receiver already there. */
static bool fou_valid_value(const char *target, enum step_field f, const char *value)
{
	(void)target;
	if (STREQ(value, TUNNEL_FOU_PRESENT))
		return true;
	return f == STEP_PRIOR && STREQ(value, STEP_ABSENT);
}

const struct step_ops tunnel_fou_ops = {
	.kind = "fou",
	.build = fou_build,
	.probe = fou_probe,
	.observe = fou_observe,
	.change = fou_change,
	.explain = fou_explain,
	.restorable = fou_restorable,
	.valid_target = fou_valid_target,
	.valid_value = fou_valid_value,
};

int tunnel_fou_family(const char *dev)
{
	return STREQ(dev, "ip6tnl0") ? AF_INET6 : AF_INET;
}
