// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The schema: the sections, the key table {section, key, parser, offset} and
 * the value parsers. A value reaches its parser as its words joined by single
 * spaces, the comment cut off (read.c).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static_assert(sizeof(enum conf_arp_suppress) == sizeof(int), "enum as int");
static_assert(sizeof(enum conf_mode) == sizeof(int), "enum as int");
static_assert(sizeof(enum conf_tun_type) == sizeof(int), "enum as int");

static const struct choice arp_suppress_choices[] = {
	{ "sysctl", CONF_ARP_SYSCTL },
	{ "nft", CONF_ARP_NFT },
	{ "both", CONF_ARP_BOTH },
	{ "none", CONF_ARP_NONE },
};

static const struct choice mode_choices[] = {
	{ "dr", CONF_MODE_DR },
	{ "tun", CONF_MODE_TUN },
};

static const struct choice tun_type_choices[] = {
	{ "ipip", CONF_TUN_IPIP },
	{ "gue", CONF_TUN_GUE },
	{ "gre", CONF_TUN_GRE },
};

/* For the hints of parse_mss(): its words. */
static const struct choice mss_choices[] = {
	{ "auto", CONF_MSS_AUTO },
	{ "off", CONF_MSS_OFF },
};

static const struct choice yes_no_choices[] = {
	{ "yes", true },
	{ "no", false },
};

static const char *choice_name(const struct choice *c, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].value == value)
			return c[i].word;
	return "unknown";
}

const char *conf_arp_suppress_name(enum conf_arp_suppress a)
{
	return choice_name(arp_suppress_choices,
			   ARRAY_SIZE(arp_suppress_choices), a);
}

const char *conf_mode_name(enum conf_mode m)
{
	return choice_name(mode_choices, ARRAY_SIZE(mode_choices), m);
}

const char *conf_tun_type_name(enum conf_tun_type t)
{
	return choice_name(tun_type_choices, ARRAY_SIZE(tun_type_choices), t);
}

/* ---- value parsers */

/* Splits "first rest" into the first word and what follows it. */
static size_t first_word(const char *value, const char **rest)
{
	size_t n = 0;

	while (value[n] && !is_ws(value[n]))
		n++;
	*rest = lskip(value + n);
	return n;
}

static void allowed_list(const struct conf_key *k, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < k->n_choices && o < len; i++)
		o += snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
			      k->choices[i].word);
}

static void err_garbage(struct parser *p, const struct conf_key *k,
			const char *value, size_t n, const char *rest)
{
	char q1[QBUF], q2[QBUF];

	cf_kerr(p, k, "trailing garbage after %s: %s", cf_quote(q1, value, n),
		cf_quotes(q2, rest));
}

/* The value of the word among k's choices; an error reported if none. */
static int match_choice(struct parser *p, const struct conf_key *k,
			const char *value, int *ret)
{
	char q[QBUF], allowed[128];
	const char *rest;
	size_t n = first_word(value, &rest);

	for (size_t i = 0; i < k->n_choices; i++) {
		if (strlen(k->choices[i].word) != n ||
		    memcmp(k->choices[i].word, value, n) != 0)
			continue;
		if (*rest) {
			err_garbage(p, k, value, n, rest);
			return -EINVAL;
		}
		*ret = k->choices[i].value;
		return 0;
	}
	allowed_list(k, allowed, sizeof(allowed));
	cf_kerr(p, k, "%s is not one of %s%s", cf_quotes(q, value), allowed,
		cf_hint(p, value, n, k));
	return -EINVAL;
}

static int parse_enum(struct parser *p, const struct conf_key *k,
		      const char *value, void *base)
{
	int v, r = match_choice(p, k, value, &v);

	if (r == 0)
		*(int *)((char *)base + k->offset) = v;
	return r;
}

static int parse_bool(struct parser *p, const struct conf_key *k,
		      const char *value, void *base)
{
	int v, r = match_choice(p, k, value, &v);

	if (r == 0)
		*(bool *)((char *)base + k->offset) = v;
	return r;
}

static int parse_int_choice(struct parser *p, const struct conf_key *k,
			    const char *value, void *base)
{
	char q[QBUF], allowed[128];
	const char *s = value;
	char *end;
	long v;

	allowed_list(k, allowed, sizeof(allowed));
	if (!(isdigit((unsigned char)s[0]) ||
	      (s[0] == '-' && isdigit((unsigned char)s[1])))) {
		cf_kerr(p, k, "%s is not a number; allowed: %s",
			cf_quotes(q, value), allowed);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end) {
		err_garbage(p, k, value, end - value, lskip(end));
		return -EINVAL;
	}
	for (size_t i = 0; errno == 0 && i < k->n_choices; i++) {
		if (k->choices[i].value == v) {
			*(int *)((char *)base + k->offset) = (int)v;
			return 0;
		}
	}
	for (size_t i = 0; errno == 0 && i < k->n_refused; i++) {
		if (v >= k->refused[i].lo && v <= k->refused[i].hi) {
			cf_kerr(p, k, "%ld is not allowed: %s; allowed: %s", v,
				k->refused[i].why, allowed);
			return -EINVAL;
		}
	}
	cf_kerr(p, k, "%s is out of range; allowed: %s", value, allowed);
	return -EINVAL;
}

/* A count: decimal digits, 1..CONF_MAX_VIPS_LIMIT. */
static int parse_max_vips(struct parser *p, const struct conf_key *k,
			  const char *value, void *base)
{
	char q[QBUF];
	unsigned long v = 0;
	const char *s = value;

	if (!isdigit((unsigned char)*s)) {
		cf_kerr(p, k, "%s is not a number; allowed: 1 to %d",
			cf_quotes(q, value), CONF_MAX_VIPS_LIMIT);
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*s); s++)
		if (v <= CONF_MAX_VIPS_LIMIT)
			v = v * 10 + (unsigned long)(*s - '0');
	if (*s) {
		err_garbage(p, k, value, (size_t)(s - value), lskip(s));
		return -EINVAL;
	}
	if (v < 1 || v > CONF_MAX_VIPS_LIMIT) {
		cf_kerr(p, k, "%s is out of range; allowed: 1 to %d",
			cf_quotes(q, value), CONF_MAX_VIPS_LIMIT);
		return -EINVAL;
	}
	*(unsigned *)((char *)base + k->offset) = (unsigned)v;
	return 0;
}

/* auto, no, or the path of a drop-in file for systemd-sysctl. */
static int parse_dropin(struct parser *p, const struct conf_key *k,
			const char *value, void *base)
{
	char *out = (char *)base + k->offset;
	char q[QBUF];
	const char *rest;
	size_t n = first_word(value, &rest);

	if (*rest) {
		err_garbage(p, k, value, n, rest);
		return -EINVAL;
	}
	if (strcmp(value, "no") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (strcmp(value, CONF_DROPIN_AUTO) != 0 && !conf_dropin_path_valid(value)) {
		cf_kerr(p, k, "%s is neither auto, no, nor the absolute path of a NAME.conf "
			"file in a directory named sysctl.d", cf_quotes(q, value));
		return -EINVAL;
	}
	snprintf(out, CONF_DROPIN_MAX, "%s", value);
	return 0;
}

static int parse_rip(struct parser *p, const struct conf_key *k,
		     const char *value, void *base)
{
	struct conf *c = base;
	char q[QBUF], buf[INET_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a;
	const char *rest, *why;
	size_t n = first_word(value, &rest);

	if (*rest) {
		err_garbage(p, k, value, n, rest);
		return -EINVAL;
	}
	if (strcmp(value, "auto") == 0) {
		c->rip_auto = true;
		return 0;
	}
	if (n < sizeof(buf))
		memcpy(buf, value, n + 1);
	if (n >= sizeof(buf) || inet_pton(AF_INET, buf, &a) != 1) {
		if (inet_pton(AF_INET6, value, &a6) == 1)
			cf_kerr(p, k, "%s is IPv6, but ARP is IPv4 only; use auto or an IPv4 address",
				cf_quotes(q, value));
		else
			cf_kerr(p, k, "%s is neither auto nor an IPv4 address",
				cf_quotes(q, value));
		return -EINVAL;
	}
	why = cf_vip_unusable(AF_INET, &a);
	if (why) {
		cf_kerr(p, k, "%s is %s, not usable as an ARP sender", value,
			why);
		return -EINVAL;
	}
	c->rip_auto = false;
	c->rip = a;
	return 0;
}

static bool utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		uint32_t cp, min;
		int n;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
			min = 0x80;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
			min = 0x800;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/* What the kernel's dev_valid_name() would refuse, and not-UTF-8. */
static int parse_device(struct parser *p, const struct conf_key *k,
			const char *value, void *base)
{
	struct conf_group *g = base;
	size_t n = strlen(value);
	char q[QBUF];

	cf_quotes(q, value);
	if (strpbrk(value, " \t\n\v\f\r")) {
		cf_kerr(p, k, "interface name %s contains whitespace", q);
		return -EINVAL;
	}
	if (n >= IF_NAMESIZE) {
		cf_kerr(p, k, "interface name %s is longer than %d bytes", q,
			IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
		cf_kerr(p, k, "%s is not a valid interface name", q);
		return -EINVAL;
	}
	if (strpbrk(value, "/:")) {
		cf_kerr(p, k, "interface name %s contains '%c'", q,
			*strpbrk(value, "/:"));
		return -EINVAL;
	}
	if (!utf8_valid(value)) {
		cf_kerr(p, k, "interface name %s is not valid UTF-8", q);
		return -EINVAL;
	}
	/* The kernel's isspace() counts Latin-1 NBSP as a space, and so
	 * refuses any name with that byte, inside UTF-8 sequences too. */
	if (strchr(value, '\xa0')) {
		cf_kerr(p, k, "interface name %s contains byte 0xa0, which the kernel counts as whitespace",
			q);
		return -EINVAL;
	}
	memcpy(g->device, value, n + 1);
	g->device_set = true;
	g->device_line = p->line;
	return 0;
}

/* Whether the group's tun_type and tun_port fit its mode and each other is
 * the whole config's check (validate.c): it needs their lines. */
static int parse_tun_type(struct parser *p, const struct conf_key *k,
			  const char *value, void *base)
{
	struct conf_group *g = base;
	int r = parse_enum(p, k, value, base);

	if (r == 0)
		g->tun_type_line = p->line;
	return r;
}

/* The director's --tun-port: decimal, 1..65535. */
static int parse_tun_port(struct parser *p, const struct conf_key *k,
			  const char *value, void *base)
{
	struct conf_group *g = base;
	const char *s = value;
	unsigned long v = 0;
	char q[QBUF];

	/* Given, even if refused: "gue needs tun_port" would only repeat it. */
	g->tun_port_line = p->line;
	if (!isdigit((unsigned char)*s)) {
		cf_kerr(p, k, "%s is not a number; allowed: 1 to 65535 (the director's --tun-port)",
			cf_quotes(q, value));
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*s); s++)
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*s - '0');
	if (*s) {
		err_garbage(p, k, value, (size_t)(s - value), lskip(s));
		return -EINVAL;
	}
	if (v < 1 || v > 65535) {
		cf_kerr(p, k, "%s is out of range; allowed: 1 to 65535", cf_quotes(q, value));
		return -EINVAL;
	}
	g->tun_port = (uint16_t)v;
	return 0;
}

/* auto, off, or a number of bytes within [CONF_MSS_MIN, CONF_MSS_MAX]. */
static int parse_mss(struct parser *p, const struct conf_key *k,
		     const char *value, void *base)
{
	struct conf_group *g = base;
	const char *rest, *s = value;
	size_t n = first_word(value, &rest);
	unsigned long v = 0;
	char q[QBUF];

	if (*rest) {
		err_garbage(p, k, value, n, rest);
		return -EINVAL;
	}
	if (strcmp(value, "auto") == 0 || strcmp(value, "off") == 0) {
		g->mss = value[0] == 'a' ? CONF_MSS_AUTO : CONF_MSS_OFF;
		g->mss_line = p->line;
		return 0;
	}
	if (!isdigit((unsigned char)*s)) {
		cf_kerr(p, k, "%s is not auto, off or a number from %d to %d%s",
			cf_quotes(q, value), CONF_MSS_MIN, CONF_MSS_MAX,
			cf_hint(p, value, n, k));
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*s); s++)
		if (v <= CONF_MSS_MAX)
			v = v * 10 + (unsigned long)(*s - '0');
	if (*s) {
		err_garbage(p, k, value, (size_t)(s - value), lskip(s));
		return -EINVAL;
	}
	if (v == 0) {
		cf_kerr(p, k, "0 is no MSS; to clamp nothing, write off");
		return -EINVAL;
	}
	if (v < CONF_MSS_MIN || v > CONF_MSS_MAX) {
		cf_kerr(p, k, "%s is out of range; allowed: auto, off or %d to %d "
			"(an MSS is the path's MTU less 40 bytes of IPv4 and TCP headers and the tunnel's)",
			cf_quotes(q, value), CONF_MSS_MIN, CONF_MSS_MAX);
		return -EINVAL;
	}
	g->mss = (int)v;
	g->mss_line = p->line;
	return 0;
}

/* One line of addresses: the key's own or a continuation. */
static int parse_address(struct parser *p, const struct conf_key *k,
			 const char *value, void *base)
{
	struct conf_group *g = base;
	unsigned before = p->n_errors;
	const char *s = lskip(value);

	g->address_set = true;
	if (cf_commas(p, s))
		return -EINVAL;
	while (*s) {
		size_t n = 0;

		while (s[n] && !is_ws(s[n]))
			n++;
		cf_add_vip(p, g, s, n);
		s = lskip(s + n);
	}
	return p->n_errors == before ? 0 : -EINVAL;
}

/* ---- the key table */

static const struct refusal arp_ignore_refused[] = {
	{ 0, 0, "the VIP would still be answered in ARP" },
	{ 3, 8, "3-8 are not for LVS" },
};
static const struct refusal arp_announce_refused[] = {
	{ 0, 0, "a VIP could be announced as the ARP sender" },
};
static const struct refusal rp_filter_refused[] = {
	{ 1, 1, "strict mode breaks TUN" },
};
static const struct choice arp_ignore_choices[] = { { "1", 1 }, { "2", 2 } };
static const struct choice arp_announce_choices[] = { { "2", 2 }, { "1", 1 } };
static const struct choice rp_filter_choices[] = { { "2", 2 }, { "0", 0 } };

#define CHOICES(a) .choices = (a), .n_choices = ARRAY_SIZE(a)
#define REFUSED(a) .refused = (a), .n_refused = ARRAY_SIZE(a)

static const struct conf_key keys[] = {
	{ .section = SEC_AGENT, .name = "arp_suppress", .parse = parse_enum,
	  .offset = offsetof(struct conf, arp_suppress), .slot = 0,
	  CHOICES(arp_suppress_choices) },
	{ .section = SEC_AGENT, .name = "arp_ignore", .parse = parse_int_choice,
	  .offset = offsetof(struct conf, arp_ignore), .slot = 1,
	  CHOICES(arp_ignore_choices), REFUSED(arp_ignore_refused) },
	{ .section = SEC_AGENT, .name = "arp_announce", .parse = parse_int_choice,
	  .offset = offsetof(struct conf, arp_announce), .slot = 2,
	  CHOICES(arp_announce_choices), REFUSED(arp_announce_refused) },
	{ .section = SEC_AGENT, .name = "rip", .parse = parse_rip,
	  .offset = offsetof(struct conf, rip), .slot = 3 },
	{ .section = SEC_AGENT, .name = "rp_filter", .parse = parse_int_choice,
	  .offset = offsetof(struct conf, rp_filter), .slot = 4,
	  CHOICES(rp_filter_choices), REFUSED(rp_filter_refused) },
	{ .section = SEC_AGENT, .name = "max_vips", .parse = parse_max_vips,
	  .offset = offsetof(struct conf, max_vips), .slot = 5 },
	{ .section = SEC_AGENT, .name = "sysctl_dropin", .parse = parse_dropin,
	  .offset = offsetof(struct conf, sysctl_dropin), .slot = 6 },
	{ .section = SEC_VIP, .name = "address", .parse = parse_address,
	  .offset = offsetof(struct conf_group, vips), .slot = 0,
	  .multi = true },
	{ .section = SEC_VIP, .name = "mode", .parse = parse_enum,
	  .offset = offsetof(struct conf_group, mode), .slot = 1,
	  CHOICES(mode_choices) },
	{ .section = SEC_VIP, .name = "device", .parse = parse_device,
	  .offset = offsetof(struct conf_group, device), .slot = 2 },
	{ .section = SEC_VIP, .name = "anyip", .parse = parse_bool,
	  .offset = offsetof(struct conf_group, anyip), .slot = 3,
	  CHOICES(yes_no_choices) },
	{ .section = SEC_VIP, .name = "tun_type", .parse = parse_tun_type,
	  .offset = offsetof(struct conf_group, tun_type), .slot = 4,
	  CHOICES(tun_type_choices) },
	{ .section = SEC_VIP, .name = "tun_port", .parse = parse_tun_port,
	  .offset = offsetof(struct conf_group, tun_port), .slot = 5 },
	{ .section = SEC_VIP, .name = "mss", .parse = parse_mss,
	  .offset = offsetof(struct conf_group, mss), .slot = 6,
	  CHOICES(mss_choices) },
};

const struct conf_key *cf_find_key(enum section sec, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].section == sec && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

struct conf_where conf_agent_where(const struct conf *c, const char *key)
{
	const struct conf_key *k = cf_find_key(SEC_AGENT, key);

	return k ? c->agent_set[k->slot] : (struct conf_where){ 0 };
}

static void unknown_key(struct parser *p, const char *name)
{
	enum section other = p->sec == SEC_AGENT ? SEC_VIP : SEC_AGENT;
	const char *names[ARRAY_SIZE(keys)], *elsewhere = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].section == p->sec)
			names[n++] = keys[i].name;
	if (cf_find_key(other, name))
		elsewhere = other == SEC_AGENT ? "[agent]" : "[vip NAME]";
	cf_unknown_key(p, name, names, n, elsewhere);
}

/* ---- keys as the reader finds them */

static void *key_base(struct parser *p)
{
	return p->sec == SEC_AGENT ? (void *)p->c : (void *)cf_cur_group(p);
}

void cf_start_key(struct parser *p, const char *name, const char *value)
{
	const struct conf_key *k;
	struct conf_where *set;
	char q[QBUF];

	p->key = NULL;
	if (p->sec == SEC_NONE) {
		cf_lerr(p, "key %s outside a section; it belongs under [agent] or [vip NAME]",
			cf_quotes(q, name));
		return;
	}
	k = cf_find_key(p->sec, name);
	if (!k) {
		unknown_key(p, name);
		return;
	}
	set = p->sec == SEC_AGENT ? &p->c->agent_set[k->slot] :
				    &p->vip_set[k->slot];
	if (set->line) {
		cf_kerr(p, k, "already set at %s:%d", set->file, set->line);
		return;
	}
	set->file = p->file;
	set->line = p->line;
	if (!*value) {
		cf_kerr(p, k, "empty value");
		return;
	}
	p->key = k;
	/* A single-valued key gets one error: ignore its continuations. */
	if (k->parse(p, k, value, key_base(p)) < 0 && !k->multi)
		p->key = NULL;
}

void cf_continue_key(struct parser *p, const char *value)
{
	const struct conf_key *k = p->key;
	char q[QBUF];

	if (!k)
		return; /* the key was refused; that error is reported */
	if (!k->multi) {
		cf_kerr(p, k, "%s: an indented line continues the previous value, and %s takes one value",
			cf_quotes(q, value), k->name);
		p->key = NULL;
		return;
	}
	k->parse(p, k, value, key_base(p));
}

/* ---- sections */

static bool group_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == n;
}

void cf_section_begin(struct parser *p, char *text)
{
	struct conf *c = p->c;
	struct conf_group *g;
	char q[QBUF];
	const char *rest;
	size_t n;

	text = lskip(text);
	rstrip(text);
	n = first_word(text, &rest);
	p->sec = SEC_SKIP;
	if (n == 5 && memcmp(text, "agent", 5) == 0) {
		if (*rest) {
			cf_lerr(p, "[agent] takes no name: %s", cf_quotes(q, text));
			return;
		}
		p->sec = SEC_AGENT;
		return;
	}
	if (!(n == 3 && memcmp(text, "vip", 3) == 0)) {
		cf_unknown_section(p, text, n, rest, group_name_valid(rest));
		return;
	}
	if (!*rest) {
		cf_lerr(p, "[vip] needs a name: [vip NAME]");
		return;
	}
	if (!group_name_valid(rest)) {
		cf_lerr(p, "invalid vip name %s: use 1-%d letters, digits, '_', '.' or '-'",
			cf_quotes(q, rest), CONF_NAME_MAX - 1);
		return;
	}
	if (cf_grow((void **)&c->groups, c->n_groups, sizeof(*c->groups)) < 0) {
		cf_note(p, -ENOMEM);
		return;
	}
	g = &c->groups[c->n_groups];
	memset(g, 0, sizeof(*g));
	strcpy(g->name, rest);
	g->mode = CONF_MODE_DR;
	g->mss = CONF_MSS_AUTO;
	g->file = p->file;
	g->line = p->line;
	p->group = c->n_groups++;
	p->sec = SEC_VIP;
	memset(p->vip_set, 0, sizeof(p->vip_set));
}
