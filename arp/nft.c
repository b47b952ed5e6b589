// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ARP suppression through nf_tables: the table "arp lvs_rs_agent" with a set
 * of the IPv4 VIPs, an input chain that drops ARP requests for them and an
 * output chain that rewrites the sender of ARP requests from a VIP to the
 * outgoing interface's own address (libnftnl on libmnl).
 *
 * Every change() call is one nf_tables batch, atomic in the kernel. The
 * NETLINK_NETFILTER socket is this file's own (static, opened on first use,
 * closed at exit): netconf's socket speaks rtnetlink.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_arp.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arp.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"

#define SET_NAME "vips"
/* The table's comment (NFTNL_UDATA_TABLE_COMMENT): `nft list` shows it, and
 * it tells the agent's table from a user's table of the same name. */
#define MARKER "managed by lvs-rs-agent; revert with: lvs-rs-agent revert"
#define SET_ID 1
#define SET_KEY_TYPE 7 /* nft's ipv4_addr */
#define ACK_TIMEOUT_MS 10000
/* The value of an output rule in the agent's chain that it did not write
 * as it is (apply replaces it). */
#define RULE_OTHER "other"

enum kind { K_TABLE, K_VIP, K_RULE };

struct parsed {
	enum kind kind;
	struct in_addr vip;	/* K_VIP: the address, or a prefix's first */
	unsigned char plen;	/* K_VIP: 32, or an anyip prefix's length */
	char key[IF_NAMESIZE];	/* K_RULE: interface, or "*" for any */
};

/* ---- addresses as numbers: intervals are compared and counted */

static uint32_t host_of(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static struct in_addr addr_of(uint32_t h)
{
	return (struct in_addr){ .s_addr = htonl(h) };
}

/* How many addresses a prefix holds: 1 for a /32, 2^32 for a /0. */
static uint64_t prefix_size(unsigned plen)
{
	return (uint64_t)1 << (32 - plen);
}

/* "198.51.100.10" for a VIP, "198.51.100.0/24" for a prefix. */
static void vip_text(struct in_addr a, unsigned plen, char *buf, size_t len)
{
	char t[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, t, sizeof(t));
	if (plen < 32)
		snprintf(buf, len, "%s/%u", t, plen);
	else
		snprintf(buf, len, "%s", t);
}

/* The reverse, for the canonical text only: a network address, a prefix
 * 0..31 in decimal without leading zeros (a VIP has none). */
static int parse_vip(const char *text, struct in_addr *a, unsigned char *plen)
{
	char t[INET_ADDRSTRLEN + 4], again[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long l = 32;

	if (alen >= INET_ADDRSTRLEN || strlen(text) >= sizeof(t))
		return -EINVAL;
	memcpy(t, text, alen);
	t[alen] = '\0';
	if (inet_pton(AF_INET, t, a) != 1)
		return -EINVAL;
	if (slash) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		l = strtoul(slash + 1, &end, 10);
		if (*end || l >= 32)
			return -EINVAL;
		if (l < 32 && (host_of(*a) & (uint32_t)(prefix_size(l) - 1)))
			return -EINVAL;
	}
	vip_text(*a, (unsigned)l, again, sizeof(again));
	if (strcmp(again, text) != 0)
		return -EINVAL;
	*plen = (unsigned char)l;
	return 0;
}

/* ---- targets */

static int parse_target(const char *t, struct parsed *p)
{
	const char *rest;
	size_t len = strlen(ARP_NFT_TARGET);

	memset(p, 0, sizeof(*p));
	if (strncmp(t, ARP_NFT_TARGET, len) != 0)
		return -EINVAL;
	rest = t + len;
	if (*rest == '\0') {
		p->kind = K_TABLE;
		return 0;
	}
	if (strncmp(rest, " vip ", 5) == 0) {
		p->kind = K_VIP;
		return parse_vip(rest + 5, &p->vip, &p->plen);
	}
	if (strncmp(rest, " output ", 8) == 0) {
		rest += 8;
		if (!*rest || strlen(rest) >= IF_NAMESIZE)
			return -EINVAL;
		p->kind = K_RULE;
		snprintf(p->key, sizeof(p->key), "%s", rest);
		return 0;
	}
	return -EINVAL;
}

static void init_step(struct step *s, const char *want)
{
	memset(s, 0, sizeof(*s));
	s->ops = &arp_nft_ops;
	s->order = STEP_ORDER_ARP;
	snprintf(s->want, sizeof(s->want), "%s", want);
}

static bool is_vip(struct in_addr a, const struct arp_vip *vips, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = host_of(vips[i].addr);

		if (host_of(a) >= lo &&
		    host_of(a) < lo + prefix_size(vips[i].prefixlen))
			return true;
	}
	return false;
}

/*
 * The primary IPv4 address of every interface but loopback, VIPs excluded
 * (a VIP on eth0 is not the address ARP should carry). One step each.
 */
static int rule_steps_auto(struct netconf *nc, const struct arp_vip *vips,
			   size_t n_vips, struct steplist *out)
{
	_cleanup_free_ struct netconf_link *links = NULL;
	_cleanup_free_ struct netconf_addr *addrs = NULL;
	size_t n_links, n_addrs;
	int r;

	r = netconf_dump_links(nc, &links, &n_links);
	if (r < 0)
		return r;
	r = netconf_dump_addrs(nc, AF_INET, &addrs, &n_addrs);
	if (r < 0)
		return r;
	for (size_t l = 0; l < n_links; l++) {
		if (links[l].flags & IFF_LOOPBACK)
			continue;
		for (size_t i = 0; i < n_addrs; i++) {
			const struct netconf_addr *a = &addrs[i];
			struct step s;

			if (a->ifindex != links[l].ifindex ||
			    (a->flags & IFA_F_SECONDARY) ||
			    a->scope != RT_SCOPE_UNIVERSE ||
			    is_vip(a->addr.v4, vips, n_vips))
				continue;
			init_step(&s, "");
			inet_ntop(AF_INET, &a->addr.v4, s.want, sizeof(s.want));
			snprintf(s.target, sizeof(s.target), "%s output %s",
				 ARP_NFT_TARGET, links[l].name);
			r = steplist_add(out, &s);
			if (r < 0)
				return r;
			break;
		}
	}
	return 0;
}

/* The table, one element per VIP or prefix, the output rules (rip NULL:
 * auto, one per interface; nc NULL too: none). */
static int nft_steps(struct netconf *nc, const struct arp_vip *vips,
		     size_t n_vips, const struct in_addr *rip,
		     struct steplist *out)
{
	bool interval = false;
	struct step s;
	int r;

	for (size_t i = 0; i < n_vips; i++)
		if (vips[i].prefixlen < 32)
			interval = true;
	/* A set's flags are fixed: one with intervals only when needed, so
	 * that a config without prefixes keeps the plain set it always had. */
	init_step(&s, interval ? ARP_NFT_INTERVAL : NETCONF_PRESENT);
	snprintf(s.target, sizeof(s.target), "%s", ARP_NFT_TARGET);
	r = steplist_add(out, &s);
	for (size_t i = 0; r == 0 && i < n_vips; i++) {
		char a[INET_ADDRSTRLEN + 4];

		if (vips[i].prefixlen > 32)
			return -EINVAL;
		init_step(&s, NETCONF_PRESENT);
		vip_text(vips[i].addr, vips[i].prefixlen, a, sizeof(a));
		snprintf(s.target, sizeof(s.target), "%s vip %s", ARP_NFT_TARGET, a);
		r = steplist_add(out, &s);
	}
	if (r < 0)
		return r;
	if (rip) {
		init_step(&s, "");
		inet_ntop(AF_INET, rip, s.want, sizeof(s.want));
		snprintf(s.target, sizeof(s.target), "%s output *", ARP_NFT_TARGET);
		return steplist_add(out, &s);
	}
	return nc ? rule_steps_auto(nc, vips, n_vips, out) : 0;
}

static int nft_build(const struct kind_ctx *ctx, struct steplist *out)
{
	_cleanup_free_ struct arp_vip *vips = NULL;
	const struct conf *c = ctx->conf;
	size_t n_vips = 0;
	int r;

	if (!arp_suppresses(c, true))
		return 0;
	r = arp_vips(c, &vips, &n_vips);
	if (r < 0)
		return r;
	r = nft_steps(ctx->nc, vips, n_vips, c->rip_auto ? NULL : &c->rip, out);
	if (r < 0)
		snprintf(ctx->err, ctx->errlen,
			 "arp_suppress = %s: cannot list the interfaces for rip = auto: %s",
			 conf_arp_suppress_name(c->arp_suppress), strerror(-r));
	return r;
}

/* ---- the socket */

static struct mnl_socket *nl;
static uint32_t nl_portid, nl_seq;

static void nft_close(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
}

static int nft_socket(struct netconf *nc)
{
	int one = 1;

	if (nl)
		return 0;
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		int r = -errno;

		netconf_set_error(nc, "cannot open the nf_tables netlink socket");
		return r;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		nft_close();
		netconf_set_error(nc, "cannot bind the nf_tables netlink socket");
		return r;
	}
	/* Best effort: without them there is no kernel text, but it works. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_portid = mnl_socket_get_portid(nl);
	nl_seq = (uint32_t)time(NULL);
	atexit(nft_close);
	return 0;
}

/* Room for a batch of `bytes` and its acks; FORCE needs CAP_NET_ADMIN, the
 * plain option is capped by net.core.[rw]mem_max. */
static void nft_buffers(size_t bytes)
{
	int fd = mnl_socket_get_fd(nl);
	int v = bytes > (1 << 28) ? (1 << 28) : (int)bytes;

	if (v < (1 << 20))
		v = 1 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* The error of an ack and the kernel's extended-ack text, if any. */
static int ack_error(const struct nlmsghdr *nlh, char *text, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	text[0] = '\0';
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		mnl_attr_for_each(a, nlh, off) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
				snprintf(text, len, "%s", mnl_attr_get_str(a));
				break;
			}
		}
	}
	return e->error;
}

/* Receive once, with a timeout: an ack the kernel never sends must not hang
 * the agent with its lock held. */
static ssize_t recv_timed(char *buf, size_t len)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	int k;

	do
		k = poll(&p, 1, ACK_TIMEOUT_MS);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	if (k == 0)
		return -ETIMEDOUT;
	k = (int)mnl_socket_recvfrom(nl, buf, len);
	return k < 0 ? -errno : k;
}

/*
 * One request (get or dump); cb sees each reply message. -ENOENT and other
 * kernel errors come back as they are; an interrupted dump is retried.
 */
static int nft_query(struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		     void (*reset)(void *data))
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];

	for (int attempt = 0; attempt < 5; attempt++) {
		uint32_t seq = ++nl_seq;
		int r = 0;

		nlh->nlmsg_seq = seq;
		if (reset)
			reset(data);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
			return -errno;
		for (;;) {
			ssize_t n = recv_timed(buf, sizeof(buf));

			if (n < 0)
				return (int)n;
			r = mnl_cb_run(buf, (size_t)n, seq, nl_portid, cb, data);
			if (r <= MNL_CB_STOP)
				break;
		}
		if (r == MNL_CB_STOP)
			return 0;
		if (errno != EINTR)
			return -errno;
		/* NLM_F_DUMP_INTR: the ruleset changed during the dump. */
	}
	return -EINTR;
}

/* ---- what the kernel has */

enum tstate { T_ABSENT, T_FOREIGN, T_INCOMPLETE, T_PRESENT };

struct orule {
	uint64_t handle;
	char key[IF_NAMESIZE];	/* "*" when the rule has no oifname */
	char value[STEP_VALUE_MAX];
};

/* A set element as the kernel lists it (host byte order). */
struct oelem {
	uint32_t key;
	bool end; /* NFT_SET_ELEM_INTERVAL_END */
};

/*
 * What the set holds, as ranges [lo, hi): a plain set's elements are
 * ranges of one address. An interval's end element is the address after
 * its last; one reaching 255.255.255.255 has none (hi = 2^32).
 */
struct range {
	uint32_t lo;
	uint64_t hi;
};

struct observed {
	enum tstate table;
	bool marker, set, chain_in, chain_out, rule_in;
	bool interval; /* the set has NFT_SET_INTERVAL */
	/*
	 * What the agent never makes: table flags (dormant switches the whole
	 * table off), another chain or set, a set "vips" of another key or
	 * flags, a second rule in the input chain, two output rules for one
	 * interface. Any of them makes the table incomplete: apply rebuilds it.
	 */
	bool table_flags, extra_chain, extra_set, dup_rule;
	size_t n_rules_in;
	struct oelem *elems;
	size_t n_elems, cap_elems;
	struct range *ranges; /* sorted by lo */
	size_t n_ranges;
	struct orule *rules;
	size_t n_rules, cap_rules;
};

static void observed_done(struct observed *o)
{
	free(o->elems);
	free(o->ranges);
	free(o->rules);
	memset(o, 0, sizeof(*o));
}

static int marker_cb(const struct nftnl_udata *attr, void *data)
{
	bool *found = data;
	const char *s = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && len > 0 &&
	    s[len - 1] == '\0' && strcmp(s, MARKER) == 0)
		*found = true;
	return 0;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct observed *o = data;
	struct nftnl_table *t = nftnl_table_alloc();
	const void *ud;
	uint32_t len = 0;

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		o->table = T_FOREIGN;
		ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
		if (ud && len)
			nftnl_udata_parse(ud, len, marker_cb, &o->marker);
		if (nftnl_table_is_set(t, NFTNL_TABLE_FLAGS) &&
		    nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) != 0)
			o->table_flags = true;
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static bool chain_is(struct nftnl_chain *c, const char *name, uint32_t hook)
{
	const char *type, *cname = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);

	if (!cname || strcmp(cname, name) != 0 ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		return false;
	type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	return nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) == hook &&
	       nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO) == 0 &&
	       nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_ACCEPT &&
	       type && strcmp(type, "filter") == 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct observed *o = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *table;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0) {
		table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
		if (table && strcmp(table, ARP_NFT_TABLE) == 0) {
			if (chain_is(c, "input", NF_ARP_IN))
				o->chain_in = true;
			else if (chain_is(c, "output", NF_ARP_OUT))
				o->chain_out = true;
			else
				o->extra_chain = true;
		}
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct observed *o = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	struct nftnl_set_elem *e;
	int ret = MNL_CB_ERROR;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(s);
	if (!it)
		goto out;
	while ((e = nftnl_set_elems_iter_next(it))) {
		uint32_t len = 0;
		const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		struct in_addr a;

		if (!k || len != sizeof(struct in_addr))
			continue;
		if (o->n_elems == o->cap_elems) {
			size_t cap = o->cap_elems ? 2 * o->cap_elems : 64;
			struct oelem *v = realloc(o->elems, cap * sizeof(*v));

			if (!v)
				goto out;
			o->elems = v;
			o->cap_elems = cap;
		}
		memcpy(&a, k, sizeof(a));
		o->elems[o->n_elems].key = host_of(a);
		o->elems[o->n_elems++].end =
			nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			 NFT_SET_ELEM_INTERVAL_END);
	}
	ret = MNL_CB_OK;
out:
	if (it)
		nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return ret;
}

/*
 * A rule's expressions as one line of text: the shape check compares it with
 * the text of the rule the agent would write, so any difference (another
 * operation, offset, set or verdict) shows.
 */
struct sig {
	char text[512];
	size_t len;
	char oif[IF_NAMESIZE];
	bool has_oif, has_addr;
	struct in_addr addr;
	bool meta_oif;
};

static void sig_add(struct sig *g, const char *fmt, ...) _printf_(2, 3);
static void sig_add(struct sig *g, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (g->len >= sizeof(g->text))
		return;
	va_start(ap, fmt);
	k = vsnprintf(g->text + g->len, sizeof(g->text) - g->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		g->len += (size_t)k;
}

static void sig_hex(struct sig *g, const void *p, uint32_t len)
{
	const unsigned char *b = p;

	for (uint32_t i = 0; i < len; i++)
		sig_add(g, "%02x", b[i]);
}

static int expr_cb(struct nftnl_expr *e, void *data)
{
	struct sig *g = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const void *p;
	uint32_t len = 0;

	if (strcmp(name, "meta") == 0) {
		sig_add(g, "meta %u %u;", nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY),
			nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG));
		g->meta_oif = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) ==
			      NFT_META_OIFNAME;
		return 0;
	}
	if (strcmp(name, "cmp") == 0) {
		p = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
		sig_add(g, "cmp %u %u ", nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG),
			nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP));
		sig_hex(g, p, len);
		sig_add(g, ";");
		if (g->meta_oif && p && len == IFNAMSIZ &&
		    memchr(p, '\0', len)) {
			snprintf(g->oif, sizeof(g->oif), "%s", (const char *)p);
			g->has_oif = true;
		}
		g->meta_oif = false;
		return 0;
	}
	g->meta_oif = false;
	if (strcmp(name, "payload") == 0) {
		sig_add(g, "payload %u %u %u %u %u %u;",
			nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE),
			nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
			nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN),
			nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG),
			nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_SREG),
			nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE));
	} else if (strcmp(name, "lookup") == 0) {
		const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);

		sig_add(g, "lookup %u %s %u;",
			nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG),
			set ? set : "", nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS));
	} else if (strcmp(name, "immediate") == 0) {
		uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);

		if (dreg == NFT_REG_VERDICT) {
			sig_add(g, "verdict %d;", (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT));
		} else {
			p = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
			sig_add(g, "imm %u ", dreg);
			sig_hex(g, p, len);
			sig_add(g, ";");
			if (p && len == sizeof(struct in_addr)) {
				memcpy(&g->addr, p, len);
				g->has_addr = true;
			}
		}
	} else {
		sig_add(g, "%s;", name);
	}
	return 0;
}

static struct nftnl_rule *build_rule(const char *chain, const char *oif,
				     const struct in_addr *rip);

static void rule_sig(struct nftnl_rule *r, struct sig *g)
{
	memset(g, 0, sizeof(*g));
	nftnl_expr_foreach(r, expr_cb, g);
}

/* The text of the rule the agent writes, for the shape check. */
static bool same_as_ours(const struct sig *g, const char *chain,
			 const char *oif, const struct in_addr *rip)
{
	struct nftnl_rule *r = build_rule(chain, oif, rip);
	struct sig want;
	bool same;

	if (!r)
		return false;
	rule_sig(r, &want);
	nftnl_rule_free(r);
	same = strcmp(want.text, g->text) == 0;
	return same;
}

static const struct orule *find_rule(const struct observed *o, const char *key)
{
	for (size_t i = 0; i < o->n_rules; i++)
		if (strcmp(o->rules[i].key, key) == 0)
			return &o->rules[i];
	return NULL;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct observed *o = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *table, *chain;
	struct sig g;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	if (!table || !chain || strcmp(table, ARP_NFT_TABLE) != 0)
		goto out;
	rule_sig(r, &g);
	if (strcmp(chain, "input") == 0) {
		o->n_rules_in++;
		if (same_as_ours(&g, "input", NULL, NULL))
			o->rule_in = true;
	} else if (strcmp(chain, "output") == 0) {
		struct orule *x;

		if (o->n_rules == o->cap_rules) {
			size_t cap = o->cap_rules ? 2 * o->cap_rules : 8;
			struct orule *v = realloc(o->rules, cap * sizeof(*v));

			if (!v) {
				nftnl_rule_free(r);
				return MNL_CB_ERROR;
			}
			o->rules = v;
			o->cap_rules = cap;
		}
		x = &o->rules[o->n_rules++];
		memset(x, 0, sizeof(*x));
		x->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		snprintf(x->key, sizeof(x->key), "%s", g.has_oif ? g.oif : "*");
		if (find_rule(o, x->key) != x)
			o->dup_rule = true; /* a second rule for one interface */
		if (g.has_addr &&
		    same_as_ours(&g, "output", g.has_oif ? g.oif : NULL, &g.addr))
			inet_ntop(AF_INET, &g.addr, x->value, sizeof(x->value));
		else
			/* Ours by place, not by shape: replaced by apply. */
			snprintf(x->value, sizeof(x->value), RULE_OTHER);
	}
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static void reset_elems(void *data)
{
	((struct observed *)data)->n_elems = 0;
}

/* Every set of the table: "vips" as the agent makes it, nothing else. */
static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct observed *o = data;
	struct nftnl_set *s = nftnl_set_alloc();
	const char *name;
	uint32_t flags;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0) {
		const char *table = nftnl_set_get_str(s, NFTNL_SET_TABLE);

		if (!table || strcmp(table, ARP_NFT_TABLE) != 0)
			goto out;
		name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		flags = nftnl_set_is_set(s, NFTNL_SET_FLAGS) ?
			nftnl_set_get_u32(s, NFTNL_SET_FLAGS) : 0;
		if (!name || strcmp(name, SET_NAME) != 0 ||
		    (flags & ~(uint32_t)NFT_SET_INTERVAL) ||
		    nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE) != SET_KEY_TYPE ||
		    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) != sizeof(struct in_addr)) {
			o->extra_set = true;
		} else {
			o->set = true;
			o->interval = flags & NFT_SET_INTERVAL;
		}
	}
out:
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static void reset_sets(void *data)
{
	struct observed *o = data;

	o->set = o->interval = o->extra_set = false;
}

/* At one key an interval's end sorts before the next one's start. */
static int oelem_cmp(const void *a, const void *b)
{
	const struct oelem *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (int)y->end - (int)x->end;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/*
 * The elements as ranges: each start with the end element that follows it
 * (nft writes them in pairs, and the kernel keeps intervals apart), a start
 * without one reaching the top of the address space.
 */
static int make_ranges(struct observed *o)
{
	size_t n = 0;

	if (o->n_elems)
		qsort(o->elems, o->n_elems, sizeof(*o->elems), oelem_cmp);
	o->ranges = calloc(o->n_elems + 1, sizeof(*o->ranges));
	if (!o->ranges)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_elems; i++) {
		const struct oelem *e = &o->elems[i];

		if (e->end)
			continue; /* an end without its start: nothing */
		o->ranges[n].lo = e->key;
		if (!o->interval)
			o->ranges[n].hi = (uint64_t)e->key + 1;
		else if (i + 1 < o->n_elems && o->elems[i + 1].end)
			o->ranges[n].hi = o->elems[++i].key;
		else
			o->ranges[n].hi = (uint64_t)UINT32_MAX + 1;
		n++;
	}
	o->n_ranges = n;
	if (n > 1)
		qsort(o->ranges, n, sizeof(*o->ranges), range_cmp);
	return 0;
}

/* Whether the set holds exactly the VIP or prefix a/plen. */
static bool has_range(const struct observed *o, struct in_addr a, unsigned plen)
{
	struct range key = {
		.lo = host_of(a),
		.hi = host_of(a) + prefix_size(plen),
	};

	return o->n_ranges &&
	       bsearch(&key, o->ranges, o->n_ranges, sizeof(*o->ranges),
		       range_cmp) != NULL;
}

static void reset_rules(void *data)
{
	struct observed *o = data;

	o->n_rules = 0;
	o->n_rules_in = 0;
	o->rule_in = o->dup_rule = false;
}

static void reset_chains(void *data)
{
	struct observed *o = data;

	o->chain_in = o->chain_out = o->extra_chain = false;
}

/* Attribute padding is not written by every builder: send no stack garbage. */
static char *zeroed(char *buf, size_t len)
{
	memset(buf, 0, len);
	return buf;
}

/* A request about the agent's sets: every set of its table
 * (NFT_MSG_GETSET, a dump) or the elements of "vips" (NFT_MSG_GETSETELEM). */
static int query_set(uint16_t type, uint16_t flags, mnl_cb_t cb,
		     struct observed *o, void (*reset)(void *data))
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, ARP_NFT_TABLE);
	if (type != NFT_MSG_GETSET)
		nftnl_set_set_str(s, NFTNL_SET_NAME, SET_NAME);
	nlh = nftnl_nlmsg_build_hdr(zeroed(buf, sizeof(buf)), type, NFPROTO_ARP, flags, 0);
	if (type == NFT_MSG_GETSET)
		nftnl_set_nlmsg_build_payload(nlh, s);
	else
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nft_query(nlh, cb, o, reset);
}

static int read_kernel(struct netconf *nc, struct observed *o)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int r;

	memset(o, 0, sizeof(*o));
	r = nft_socket(nc);
	if (r < 0)
		return r;

	{
		struct nftnl_table *t = nftnl_table_alloc();

		if (!t)
			return -ENOMEM;
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, ARP_NFT_TABLE);
		nlh = nftnl_nlmsg_build_hdr(zeroed(buf, sizeof(buf)),
					    NFT_MSG_GETTABLE, NFPROTO_ARP,
					    NLM_F_ACK, 0);
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_table_free(t);
		r = nft_query(nlh, table_cb, o, NULL);
	}
	if (r == -ENOENT) {
		o->table = T_ABSENT;
		return 0;
	}
	if (r < 0)
		goto fail;
	if (!o->marker)
		return 0; /* T_FOREIGN: its content is not the agent's */

	nlh = nftnl_nlmsg_build_hdr(zeroed(buf, sizeof(buf)),
				    NFT_MSG_GETCHAIN, NFPROTO_ARP,
				    NLM_F_DUMP, 0);
	r = nft_query(nlh, chain_cb, o, reset_chains);
	if (r < 0)
		goto fail;

	/* The sets' flags, then the elements of the agent's. */
	r = query_set(NFT_MSG_GETSET, NLM_F_DUMP, set_cb, o, reset_sets);
	if (r < 0 && r != -ENOENT)
		goto fail;
	if (o->set) {
		r = query_set(NFT_MSG_GETSETELEM, NLM_F_DUMP, elem_cb, o,
			      reset_elems);
		if (r == -ENOENT)
			o->set = false; /* deleted in between */
		else if (r < 0)
			goto fail;
	}
	r = make_ranges(o);
	if (r < 0)
		goto fail;

	{
		struct nftnl_rule *rl = nftnl_rule_alloc();

		if (!rl)
			return -ENOMEM;
		nftnl_rule_set_str(rl, NFTNL_RULE_TABLE, ARP_NFT_TABLE);
		nlh = nftnl_nlmsg_build_hdr(zeroed(buf, sizeof(buf)),
					    NFT_MSG_GETRULE, NFPROTO_ARP,
					    NLM_F_DUMP, 0);
		nftnl_rule_nlmsg_build_payload(nlh, rl);
		nftnl_rule_free(rl);
		r = nft_query(nlh, rule_cb, o, reset_rules);
	}
	if (r < 0)
		goto fail;
	o->table = o->set && o->chain_in && o->chain_out && o->rule_in &&
		   o->n_rules_in == 1 && !o->table_flags && !o->extra_chain &&
		   !o->extra_set && !o->dup_rule ? T_PRESENT : T_INCOMPLETE;
	return 0;
fail:
	netconf_set_error(nc, "cannot read the nf_tables table arp %s: %s",
			  ARP_NFT_TABLE, strerror(-r));
	return r;
}

static const char *table_value(enum tstate t, bool interval)
{
	switch (t) {
	case T_PRESENT:
		return interval ? ARP_NFT_INTERVAL : NETCONF_PRESENT;
	case T_FOREIGN:
		return ARP_NFT_FOREIGN;
	case T_INCOMPLETE:
		return ARP_NFT_INCOMPLETE;
	default:
		return NETCONF_ABSENT;
	}
}

static bool has_table_step(struct step *const *v, size_t n, size_t *idx)
{
	for (size_t i = 0; i < n; i++) {
		struct parsed p;

		if (parse_target(v[i]->target, &p) == 0 && p.kind == K_TABLE) {
			*idx = i;
			return true;
		}
	}
	return false;
}

/*
 * A table whose set must change its flags is made again in the batch that
 * deletes it: what its set holds goes over to the new set, except what this
 * call's steps decide themselves. Sorted ranges of those steps, to look up.
 */
static int step_ranges(struct step *const *v, size_t n, struct range **ret,
		       size_t *n_ret)
{
	struct range *x = calloc(n + 1, sizeof(*x));
	size_t k = 0;

	if (!x)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct parsed p;

		if (parse_target(v[i]->target, &p) < 0 || p.kind != K_VIP)
			continue;
		x[k].lo = host_of(p.vip);
		x[k++].hi = host_of(p.vip) + prefix_size(p.plen);
	}
	if (k > 1)
		qsort(x, k, sizeof(*x), range_cmp);
	*ret = x;
	*n_ret = k;
	return 0;
}

/*
 * What the table holds beyond the steps: an element or an output rule that
 * none of them names. Only meaningful when v is every step of the kind
 * (the engine observes a transactional kind whole).
 */
static int foreign_content(const struct observed *o, struct step *const *v,
			   size_t n, bool *ret)
{
	_cleanup_free_ struct range *mine = NULL;
	size_t n_mine = 0;
	int r;

	*ret = false;
	r = step_ranges(v, n, &mine, &n_mine);
	if (r < 0)
		return r;
	for (size_t i = 0; i < o->n_ranges && !*ret; i++)
		if (!n_mine || !bsearch(&o->ranges[i], mine, n_mine, sizeof(*mine),
					range_cmp))
			*ret = true;
	for (size_t k = 0; k < o->n_rules && !*ret; k++) {
		bool named = false;

		for (size_t i = 0; i < n && !named; i++) {
			struct parsed p;

			named = parse_target(v[i]->target, &p) == 0 &&
				p.kind == K_RULE && strcmp(p.key, o->rules[k].key) == 0;
		}
		*ret = !named;
	}
	return 0;
}

static int nft_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	struct observed o;
	size_t table_idx;
	bool foreign = false;
	enum tstate table;
	int r;

	r = read_kernel(nc, &o);
	if (r == 0 && o.table == T_PRESENT && has_table_step(v, n, &table_idx))
		r = foreign_content(&o, v, n, &foreign);
	if (r < 0) {
		observed_done(&o);
		return r;
	}
	table = o.table == T_PRESENT && foreign ? T_INCOMPLETE : o.table;
	for (size_t i = 0; i < n; i++) {
		struct step *s = v[i];
		const char *now = NETCONF_ABSENT;
		struct parsed p;

		if (parse_target(s->target, &p) < 0) {
			observed_done(&o);
			return -EINVAL;
		}
		if (p.kind == K_TABLE) {
			now = table_value(table, o.interval);
		} else if (table == T_INCOMPLETE) {
			/* A damaged table is rebuilt whole: its content is
			 * not vouched for, and apply writes all of it again. */
			now = ARP_NFT_INCOMPLETE;
		} else if (table == T_PRESENT && p.kind == K_VIP) {
			if (has_range(&o, p.vip, p.plen))
				now = NETCONF_PRESENT;
		} else if (table == T_PRESENT && p.kind == K_RULE) {
			const struct orule *x = find_rule(&o, p.key);

			if (x)
				now = x->value;
		}
		snprintf(s->now, sizeof(s->now), "%s", now);
	}
	observed_done(&o);
	return 0;
}

/* ---- building messages */

static struct nftnl_expr *expr_payload(uint32_t dreg, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return e;
}

static struct nftnl_expr *expr_cmp(const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return e;
}

static struct nftnl_expr *expr_lookup(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, SET_NAME);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, SET_ID);
	return e;
}

/* The offsets of struct arphdr followed by Ethernet/IPv4 addresses. */
#define ARP_OP_OFF 6
#define ARP_SPA_OFF 14
#define ARP_TPA_OFF 24

/*
 * input:  arp operation request arp daddr ip @vips drop
 * output: [oifname OIF] arp operation request arp saddr ip @vips
 *         arp saddr ip set RIP
 */
static struct nftnl_rule *build_rule(const char *chain, const char *oif,
				     const struct in_addr *rip)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e[8] = { 0 };
	uint16_t request = htons(1); /* ARPOP_REQUEST */
	size_t n = 0;
	bool input = strcmp(chain, "input") == 0;

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_ARP);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ARP_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (oif) {
		char name[IFNAMSIZ] = { 0 };

		snprintf(name, sizeof(name), "%s", oif);
		e[n] = nftnl_expr_alloc("meta");
		if (e[n]) {
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_META_KEY, NFT_META_OIFNAME);
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_META_DREG, NFT_REG_1);
		}
		n++;
		e[n++] = expr_cmp(name, sizeof(name));
	}
	e[n++] = expr_payload(NFT_REG_1, ARP_OP_OFF, 2);
	e[n++] = expr_cmp(&request, sizeof(request));
	e[n++] = expr_payload(NFT_REG_1, input ? ARP_TPA_OFF : ARP_SPA_OFF, 4);
	e[n++] = expr_lookup();
	if (input) {
		e[n] = nftnl_expr_alloc("immediate");
		if (e[n]) {
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_IMM_VERDICT, NF_DROP);
		}
		n++;
	} else {
		e[n] = nftnl_expr_alloc("immediate");
		if (e[n] && rip) {
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_IMM_DREG, NFT_REG_1);
			nftnl_expr_set(e[n], NFTNL_EXPR_IMM_DATA, rip, sizeof(*rip));
		}
		n++;
		e[n] = nftnl_expr_alloc("payload");
		if (e[n]) {
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_PAYLOAD_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_PAYLOAD_BASE,
					   NFT_PAYLOAD_NETWORK_HEADER);
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_PAYLOAD_OFFSET, ARP_SPA_OFF);
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_PAYLOAD_LEN, 4);
			nftnl_expr_set_u32(e[n], NFTNL_EXPR_PAYLOAD_CSUM_TYPE,
					   NFT_PAYLOAD_CSUM_NONE);
		}
		n++;
	}
	for (size_t i = 0; i < n; i++)
		if (!e[i])
			goto fail;
	for (size_t i = 0; i < n; i++)
		nftnl_rule_add_expr(r, e[i]);
	return r;
fail:
	for (size_t i = 0; i < n; i++)
		if (e[i])
			nftnl_expr_free(e[i]);
	nftnl_rule_free(r);
	return NULL;
}

/* ---- one batch */

struct batch {
	struct mnl_nlmsg_batch *b;
	char *buf;
	uint32_t first_seq;
	/* owner[seq - first_seq]: index of the step a message serves, or
	 * SIZE_MAX for the batch's begin and end and for messages that serve
	 * the whole call (the table, its set and chains). */
	size_t *owner;
	size_t n_msgs, cap_msgs;
	bool oom;
};

static struct nlmsghdr *next_hdr(struct batch *bt, uint16_t type,
				 uint16_t flags, size_t owner)
{
	struct nlmsghdr *nlh;

	if (bt->oom || bt->n_msgs == bt->cap_msgs) {
		bt->oom = true;
		return NULL;
	}
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type,
				    NFPROTO_ARP, flags | NLM_F_ACK,
				    bt->first_seq + (uint32_t)bt->n_msgs);
	bt->owner[bt->n_msgs++] = owner;
	return nlh;
}

static void close_msg(struct batch *bt)
{
	if (!bt->oom && !mnl_nlmsg_batch_next(bt->b))
		bt->oom = true;
}

static void put_table(struct batch *bt, bool create, size_t owner)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_udata_buf *ud = NULL;
	struct nlmsghdr *nlh;

	if (!t) {
		bt->oom = true;
		return;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_ARP);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, ARP_NFT_TABLE);
	if (create) {
		ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT, MARKER)) {
			bt->oom = true;
			goto out;
		}
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA,
				     nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	}
	/* NLM_F_EXCL: a table created behind our back since observe makes
	 * the batch fail instead of being taken over. */
	nlh = next_hdr(bt, create ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE,
		       create ? NLM_F_CREATE | NLM_F_EXCL : 0, owner);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		close_msg(bt);
	}
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	nftnl_table_free(t);
}

static void put_set(struct batch *bt, bool interval, size_t owner)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s) {
		bt->oom = true;
		return;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_ARP);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, ARP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, SET_NAME);
	nftnl_set_set_u32(s, NFTNL_SET_ID, SET_ID);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, SET_KEY_TYPE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, sizeof(struct in_addr));
	if (interval)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
	nlh = next_hdr(bt, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, owner);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		close_msg(bt);
	}
	nftnl_set_free(s);
}

static void put_chain(struct batch *bt, const char *name, uint32_t hook,
		      size_t owner)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		bt->oom = true;
		return;
	}
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_ARP);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ARP_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = next_hdr(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, owner);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		close_msg(bt);
	}
	nftnl_chain_free(c);
}

/*
 * The addresses [lo, hi) in one message: in a plain set the element lo
 * (hi is lo + 1); in an interval set, as nft writes a range, lo and then
 * hi flagged NFT_SET_ELEM_INTERVAL_END, which a range reaching the top of
 * the address space goes without. A delete names both, as nft does.
 */
static void put_elem(struct batch *bt, uint32_t lo, uint64_t hi, bool interval,
		     bool add, size_t owner)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nftnl_set_elem *end = NULL;
	struct in_addr a = addr_of(lo);
	struct nlmsghdr *nlh;

	if (interval && hi <= UINT32_MAX)
		end = nftnl_set_elem_alloc();
	if (!s || !e || (interval && hi <= UINT32_MAX && !end)) {
		bt->oom = true;
		nftnl_set_free(s);
		if (e)
			nftnl_set_elem_free(e);
		if (end)
			nftnl_set_elem_free(end);
		return;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_ARP);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, ARP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, SET_NAME);
	nftnl_set_set_u32(s, NFTNL_SET_ID, SET_ID);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &a, sizeof(a));
	nftnl_set_elem_add(s, e);
	if (end) {
		struct in_addr b = addr_of((uint32_t)hi);

		nftnl_set_elem_set(end, NFTNL_SET_ELEM_KEY, &b, sizeof(b));
		nftnl_set_elem_set_u32(end, NFTNL_SET_ELEM_FLAGS,
				       NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, end);
	}
	nlh = next_hdr(bt, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
		       add ? NLM_F_CREATE | NLM_F_EXCL : 0, owner);
	if (nlh) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		close_msg(bt);
	}
	nftnl_set_free(s);
}

static void put_rule(struct batch *bt, const char *chain, const char *oif,
		     const struct in_addr *rip, size_t owner)
{
	struct nftnl_rule *r = build_rule(chain, oif, rip);
	struct nlmsghdr *nlh;

	if (!r) {
		bt->oom = true;
		return;
	}
	nlh = next_hdr(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, owner);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		close_msg(bt);
	}
	nftnl_rule_free(r);
}

static void put_delrule(struct batch *bt, uint64_t handle, size_t owner)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		bt->oom = true;
		return;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_ARP);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ARP_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "output");
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nlh = next_hdr(bt, NFT_MSG_DELRULE, 0, owner);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		close_msg(bt);
	}
	nftnl_rule_free(r);
}

/*
 * Send the batch and read every ack (each message carries NLM_F_ACK; the
 * kernel acks all of them, and on any error applies none). err_idx gets the
 * owner of the first failing message; text the kernel's text for it.
 */
static int talk(struct batch *bt, size_t *err_idx, char *text, size_t len)
{
	_cleanup_free_ char *rx = NULL;
	_cleanup_free_ bool *acked = NULL;
	size_t rx_len = MNL_SOCKET_BUFFER_SIZE * 8, n_acked = 0, expect = 0;
	uint32_t begin = bt->first_seq;
	uint32_t end = bt->first_seq + (uint32_t)bt->n_msgs - 1;
	int first = 0;

	*err_idx = SIZE_MAX;
	rx = malloc(rx_len);
	acked = calloc(bt->n_msgs, sizeof(*acked));
	if (!rx || !acked)
		return -ENOMEM;
	/* Begin and end carry no NLM_F_ACK. */
	expect = bt->n_msgs - 2;
	nft_buffers(mnl_nlmsg_batch_size(bt->b) * 2 + bt->n_msgs * 64);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0)
		return -errno;
	while (n_acked < expect) {
		ssize_t n = recv_timed(rx, rx_len);
		const struct nlmsghdr *m;
		int left;

		if (n < 0)
			return first ? first : (int)n;
		left = (int)n;
		for (m = (const struct nlmsghdr *)rx; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			char t[256];
			size_t i;
			int e;

			if (m->nlmsg_type != NLMSG_ERROR ||
			    m->nlmsg_seq < begin || m->nlmsg_seq > end)
				continue;
			i = m->nlmsg_seq - begin;
			e = ack_error(m, t, sizeof(t));
			if (!acked[i]) {
				acked[i] = true;
				if (i != 0 && m->nlmsg_seq != end)
					n_acked++;
			}
			if (e < 0 && !first) {
				first = e;
				*err_idx = bt->owner[i];
				snprintf(text, len, "%s", t);
			}
			/* The batch as a whole refused (no CAP_NET_ADMIN,
			 * a malformed batch): no per-message acks follow. */
			if (e < 0 && (i == 0 || m->nlmsg_seq == end))
				return first;
		}
	}
	return first;
}

static void fail_all(int *res, size_t n, int r)
{
	for (size_t i = 0; i < n; i++)
		res[i] = r;
}

static void put_carried(struct batch *bt, const struct observed *o,
			struct step *const *v, size_t n, bool interval,
			size_t owner)
{
	_cleanup_free_ struct range *mine = NULL;
	size_t n_mine = 0;

	if (step_ranges(v, n, &mine, &n_mine) < 0) {
		bt->oom = true;
		return;
	}
	for (size_t i = 0; i < o->n_ranges; i++) {
		const struct range *g = &o->ranges[i];

		if (n_mine && bsearch(g, mine, n_mine, sizeof(*mine), range_cmp))
			continue;
		/* A plain set holds single addresses only; a range was
		 * never the agent's then (its own are steps of this call). */
		if (!interval && g->hi != (uint64_t)g->lo + 1)
			continue;
		put_elem(bt, g->lo, g->hi, interval, true, owner);
	}
	/* The output rules as well, but for those this call writes. */
	for (size_t i = 0; i < o->n_rules; i++) {
		const struct orule *x = &o->rules[i];
		struct in_addr rip;
		bool written = false;

		for (size_t k = 0; k < n && !written; k++) {
			struct parsed p;

			written = parse_target(v[k]->target, &p) == 0 &&
			       p.kind == K_RULE && strcmp(p.key, x->key) == 0;
		}
		/* A rule not of the agent's shape is replaced by apply. */
		if (written || inet_pton(AF_INET, x->value, &rip) != 1)
			continue;
		put_rule(bt, "output", strcmp(x->key, "*") ? x->key : NULL, &rip,
			 owner);
	}
}

static int nft_change(struct netconf *nc, struct step *const *v, size_t n,
		      enum step_field to, int *res)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ size_t *owner = NULL;
	struct observed o = { 0 };
	struct batch bt = { 0 };
	size_t table_idx = SIZE_MAX, err_idx, buf_len, limit, cap;
	bool table_in = has_table_step(v, n, &table_idx);
	bool create = false, drop = false, rebuild = false, damaged = false;
	bool interval;
	char text[256] = "";
	int r;

	if (n == 0)
		return 0;
	fail_all(res, n, 0);
	/* The output rules' handles (a rule is replaced by delete and add),
	 * and the table's state right now. */
	r = read_kernel(nc, &o);
	if (r < 0)
		goto fail;

	/* The set's flags after this batch. */
	interval = o.interval;
	if (table_in) {
		const char *want = step_value(v[table_idx], to);

		if (strcmp(want, NETCONF_PRESENT) == 0 ||
		    strcmp(want, ARP_NFT_INTERVAL) == 0) {
			interval = strcmp(want, ARP_NFT_INTERVAL) == 0;
			/* Damage of any kind, seen now or by the observe of
			 * the whole kind (content no step names), rebuilds
			 * the table whole: every step of it is in this call. */
			damaged = o.table == T_INCOMPLETE ||
				  (o.table == T_PRESENT &&
				   strcmp(v[table_idx]->now, ARP_NFT_INCOMPLETE) == 0);
			/* The flags of a set are fixed when it is made. */
			rebuild = damaged ||
				  (o.table == T_PRESENT && o.interval != interval);
			create = o.table != T_PRESENT || rebuild;
		} else if (strcmp(want, NETCONF_ABSENT) == 0) {
			drop = o.table != T_ABSENT;
		} else {
			netconf_set_error(nc, "the table arp %s cannot be made \"%s\"",
					  ARP_NFT_TABLE, want);
			r = -EINVAL;
			goto fail;
		}
		if (o.table == T_FOREIGN && (create || drop)) {
			netconf_set_error(nc, "a table arp %s exists that lvs-rs-agent did not create; "
					  "it is left alone (delete or rename it, or use arp_suppress = sysctl)",
					  ARP_NFT_TABLE);
			r = -EEXIST;
			goto fail;
		}
	} else if (o.table != T_PRESENT) {
		netconf_set_error(nc, "the table arp %s is %s", ARP_NFT_TABLE,
				  table_value(o.table, o.interval));
		r = o.table == T_FOREIGN ? -EEXIST : -ENOENT;
		goto fail;
	}

	/* Room for this call's messages and the carried elements. */
	cap = 2 * n + o.n_rules + (rebuild ? o.n_ranges : 0) + 16;
	limit = cap * 512;
	buf_len = 2 * limit; /* libmnl: a message may overrun the limit */
	buf = calloc(1, buf_len);
	owner = calloc(cap, sizeof(*owner));
	if (!buf || !owner) {
		r = -ENOMEM;
		goto fail;
	}
	bt.buf = buf;
	bt.owner = owner;
	bt.cap_msgs = cap;
	bt.b = mnl_nlmsg_batch_start(buf, limit);
	if (!bt.b) {
		r = -ENOMEM;
		goto fail;
	}
	bt.first_seq = nl_seq + 1;

	nftnl_batch_begin(mnl_nlmsg_batch_current(bt.b), bt.first_seq);
	bt.owner[bt.n_msgs++] = SIZE_MAX;
	mnl_nlmsg_batch_next(bt.b);

	if (drop) {
		/* Deleting the table removes its set, chains and rules: the
		 * other steps of this call are done with it. */
		put_table(&bt, false, table_idx);
	} else {
		if (create) {
			/* A damaged table of the agent's, or one whose set
			 * must change its flags, is deleted and made again in
			 * this batch: one transaction. */
			if (rebuild)
				put_table(&bt, false, table_idx);
			put_table(&bt, true, table_idx);
			put_set(&bt, interval, table_idx);
			put_chain(&bt, "input", NF_ARP_IN, table_idx);
			put_chain(&bt, "output", NF_ARP_OUT, table_idx);
			put_rule(&bt, "input", NULL, NULL, table_idx);
			/* A sound table's content that no step of this call
			 * decides goes over; a damaged one's is not vouched
			 * for, and its steps are all in this call. */
			if (rebuild && !damaged)
				put_carried(&bt, &o, v, n, interval, table_idx);
		}
		for (size_t i = 0; i < n; i++) {
			const char *want = step_value(v[i], to);
			uint32_t lo;
			struct parsed p;

			if (parse_target(v[i]->target, &p) < 0) {
				r = -EINVAL;
				netconf_set_error(nc, "bad nft target \"%s\"", v[i]->target);
				goto fail;
			}
			if (p.kind != K_VIP)
				continue;
			lo = host_of(p.vip);
			if (!interval && p.plen < 32 &&
			    strcmp(want, NETCONF_PRESENT) == 0) {
				r = -EINVAL;
				netconf_set_error(nc, "%s: a prefix needs the set %s with intervals (table %s)",
						  v[i]->target, SET_NAME, ARP_NFT_INTERVAL);
				goto fail;
			}
			if (strcmp(want, NETCONF_PRESENT) == 0)
				put_elem(&bt, lo, lo + prefix_size(p.plen), interval, true, i);
			else if (!create)
				put_elem(&bt, lo, lo + prefix_size(p.plen), interval, false, i);
		}
		for (size_t i = 0; i < n; i++) {
			const char *want = step_value(v[i], to);
			struct in_addr rip;
			struct parsed p;

			if (parse_target(v[i]->target, &p) < 0 || p.kind != K_RULE)
				continue;
			if (!create)
				for (size_t k = 0; k < o.n_rules; k++)
					if (strcmp(o.rules[k].key, p.key) == 0)
						put_delrule(&bt, o.rules[k].handle, i);
			if (strcmp(want, NETCONF_ABSENT) == 0)
				continue;
			if (inet_pton(AF_INET, want, &rip) != 1) {
				r = -EINVAL;
				netconf_set_error(nc, "output rule %s: \"%s\" is not an IPv4 address",
						  p.key, want);
				goto fail;
			}
			put_rule(&bt, "output", strcmp(p.key, "*") ? p.key : NULL,
				 &rip, i);
		}
	}
	if (bt.n_msgs + 1 > bt.cap_msgs)
		bt.oom = true;
	if (!bt.oom) {
		bt.owner[bt.n_msgs] = SIZE_MAX;
		nftnl_batch_end(mnl_nlmsg_batch_current(bt.b),
				bt.first_seq + (uint32_t)bt.n_msgs);
		bt.n_msgs++;
		if (!mnl_nlmsg_batch_next(bt.b))
			bt.oom = true;
	}
	if (bt.oom) {
		r = -ENOMEM;
		netconf_set_error(nc, "the nf_tables batch does not fit its buffer");
		goto fail;
	}
	nl_seq += (uint32_t)bt.n_msgs;

	/* One kernel change: the whole batch. */
	r = netconf_fault_point(nc);
	if (r < 0)
		goto fail_quiet;
	r = talk(&bt, &err_idx, text, sizeof(text));
	if (r < 0) {
		char what[STEP_TARGET_MAX + 16];

		if (err_idx < n)
			snprintf(what, sizeof(what), "%s", v[err_idx]->target);
		else
			snprintf(what, sizeof(what), "nf_tables batch");
		netconf_set_error(nc, "%s: %s", what, text[0] ? text : strerror(-r));
		goto fail_quiet;
	}
	mnl_nlmsg_batch_stop(bt.b);
	observed_done(&o);
	return 0;
fail:
	if (!netconf_error(nc)[0])
		netconf_set_error(nc, "nf_tables: %s", strerror(-r));
fail_quiet:
	if (bt.b)
		mnl_nlmsg_batch_stop(bt.b);
	observed_done(&o);
	/* The kernel applies a batch whole or not at all. */
	fail_all(res, n, r);
	return r;
}

/* ---- verify and output */

static void nft_explain(const struct step *s, char *buf, size_t len)
{
	struct parsed p;

	if (parse_target(s->target, &p) < 0) {
		snprintf(buf, len, "unknown nft target");
		return;
	}
	if (p.kind == K_TABLE) {
		if (strcmp(s->now, NETCONF_ABSENT) == 0 && strcmp(s->want, NETCONF_ABSENT) != 0)
			snprintf(buf, len,
				 "no ARP suppression: the VIPs are answered in ARP and announced as ARP sender, "
				 "so the router learns VIP -> this real server's MAC and clients bypass the director");
		else if (strcmp(s->now, ARP_NFT_FOREIGN) == 0)
			snprintf(buf, len,
				 "a table arp %s that lvs-rs-agent did not create is in the way: the agent neither "
				 "uses nor overwrites it, and cannot vouch that it suppresses ARP for the VIPs",
				 ARP_NFT_TABLE);
		else if (strcmp(s->now, ARP_NFT_INCOMPLETE) == 0)
			snprintf(buf, len,
				 "the table differs from what the agent makes: its set, a chain, a hook or a rule "
				 "changed or removed, a flag (dormant) set, or a rule, chain, set or element that no "
				 "VIP or interface of the config accounts for added: ARP requests for the VIPs may be "
				 "answered (apply rebuilds it)");
		else if (strcmp(s->now, NETCONF_PRESENT) == 0 &&
			 strcmp(s->want, ARP_NFT_INTERVAL) == 0)
			snprintf(buf, len,
				 "the set %s holds single addresses only (made without the interval flag), so the "
				 "anyip prefixes cannot be in it and ARP requests for them are answered "
				 "(apply makes the table again with an interval set)", SET_NAME);
		else if (strcmp(s->now, ARP_NFT_INTERVAL) == 0 &&
			 strcmp(s->want, NETCONF_PRESENT) == 0)
			snprintf(buf, len,
				 "the set %s is an interval set although no VIP is a prefix: it still suppresses "
				 "ARP for the VIPs (apply makes it plain again)", SET_NAME);
		else
			snprintf(buf, len, "the table arp %s is still there: ARP for the VIPs stays suppressed",
				 ARP_NFT_TABLE);
		return;
	}
	if (strcmp(s->now, ARP_NFT_INCOMPLETE) == 0) {
		snprintf(buf, len,
			 "the table arp %s is damaged (its own line tells how), so what it holds is not "
			 "vouched for: apply rebuilds the table whole, this part with it", ARP_NFT_TABLE);
		return;
	}
	if (p.kind == K_VIP) {
		char a[INET_ADDRSTRLEN + 4];

		vip_text(p.vip, p.plen, a, sizeof(a));
		if (strcmp(s->want, NETCONF_PRESENT) == 0 && p.plen < 32)
			snprintf(buf, len,
				 "VIPs %s not in the set %s: this real server answers ARP requests for them and sends "
				 "ARP requests with them as sender, so clients and routers bypass the director",
				 a, SET_NAME);
		else if (strcmp(s->want, NETCONF_PRESENT) == 0)
			snprintf(buf, len,
				 "VIP %s not in the set %s: this real server answers ARP requests for it and sends "
				 "ARP requests with it as sender, so clients and routers bypass the director",
				 a, SET_NAME);
		else
			snprintf(buf, len, "%s is still in the set %s", a, SET_NAME);
		return;
	}
	if (strcmp(s->now, NETCONF_ABSENT) == 0)
		snprintf(buf, len,
			 "mangle rule for %s missing: ARP requests this real server sends%s%s from a VIP "
			 "carry the VIP as sender, and neighbours learn VIP -> this real server's MAC",
			 strcmp(p.key, "*") ? p.key : "every interface",
			 strcmp(p.key, "*") ? " out of " : "", strcmp(p.key, "*") ? p.key : "");
	else if (strcmp(s->want, NETCONF_ABSENT) == 0)
		snprintf(buf, len, "a mangle rule for %s is still in the output chain", p.key);
	else
		snprintf(buf, len,
			 "the mangle rule for %s writes %s as ARP sender, not %s: neighbours may map that "
			 "address to this real server's MAC (apply replaces the rule)",
			 p.key, s->now, s->want);
}

/*
 * The table when it carries the marker, and while it is whole its elements
 * (those that are a VIP or a prefix) and output rules: deleting the table
 * takes everything in it.
 */
static int nft_marked(struct netconf *nc,
		      int (*cb)(const struct step *s, void *data), void *data)
{
	struct observed o;
	struct step s;
	int r;

	r = read_kernel(nc, &o);
	if (r < 0 || (o.table != T_PRESENT && o.table != T_INCOMPLETE))
		goto out;
	init_step(&s, "");
	snprintf(s.target, sizeof(s.target), "%s", ARP_NFT_TARGET);
	snprintf(s.now, sizeof(s.now), "%s", table_value(o.table, o.interval));
	r = cb(&s, data);
	for (size_t i = 0; r == 0 && o.table == T_PRESENT && i < o.n_ranges; i++) {
		uint64_t size = o.ranges[i].hi - o.ranges[i].lo;
		unsigned plen = 32;
		char a[INET_ADDRSTRLEN + 4];

		while (plen > 0 && prefix_size(plen) < size)
			plen--;
		if (prefix_size(plen) != size || (o.ranges[i].lo & (size - 1)))
			continue; /* not a VIP or a prefix: not the agent's */
		init_step(&s, "");
		vip_text(addr_of(o.ranges[i].lo), plen, a, sizeof(a));
		snprintf(s.target, sizeof(s.target), "%s vip %s", ARP_NFT_TARGET, a);
		snprintf(s.now, sizeof(s.now), "%s", NETCONF_PRESENT);
		r = cb(&s, data);
	}
	for (size_t i = 0; r == 0 && o.table == T_PRESENT && i < o.n_rules; i++) {
		init_step(&s, "");
		snprintf(s.target, sizeof(s.target), "%s output %s", ARP_NFT_TARGET,
			 o.rules[i].key);
		snprintf(s.now, sizeof(s.now), "%s", o.rules[i].value);
		r = cb(&s, data);
	}
out:
	observed_done(&o);
	return r;
}

/* parse_target() takes the canonical text of a table or element; a rule's
 * key must be an interface name, or "*". */
static bool nft_valid_target(const char *target)
{
	struct parsed p;

	if (parse_target(target, &p) < 0)
		return false;
	return p.kind != K_RULE || STREQ(p.key, "*") || netconf_ifname_valid(p.key);
}

/* The values observe gives, whichever field: a stale part of the table is
 * journaled with its prior value as want. */
static bool nft_valid_value(const char *target, enum step_field f,
			    const char *value)
{
	static const char *const table[] = {
		NETCONF_PRESENT, ARP_NFT_INTERVAL, NETCONF_ABSENT,
		ARP_NFT_FOREIGN, ARP_NFT_INCOMPLETE,
	};
	struct parsed p;
	struct in_addr a;
	char again[INET_ADDRSTRLEN];

	if (parse_target(target, &p) < 0)
		return false;
	switch (p.kind) {
	case K_TABLE:
		for (size_t i = 0; i < ARRAY_SIZE(table); i++)
			if (STREQ(value, table[i]))
				return true;
		return false;
	case K_VIP:
		return STREQ(value, NETCONF_PRESENT) || STREQ(value, NETCONF_ABSENT);
	case K_RULE:
		if (STREQ(value, NETCONF_ABSENT) || STREQ(value, RULE_OTHER))
			return true;
		return inet_pton(AF_INET, value, &a) == 1 &&
		       inet_ntop(AF_INET, &a, again, sizeof(again)) &&
		       STREQ(again, value);
	}
	return false;
}

const struct step_ops arp_nft_ops = {
	.kind = "nft",
	.build = nft_build,
	.observe = nft_observe,
	.change = nft_change,
	.explain = nft_explain,
	.marked = nft_marked,
	.valid_target = nft_valid_target,
	.valid_value = nft_valid_value,
	/* Editing the VIPs edits the set in one nf_tables batch. */
	.transactional = true,
};
