// SPDX-License-Identifier: GPL-2.0-or-later
/* conf/: the INI schema, its error messages with file and line, drop-ins. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"

/* ---- helpers */

/* Parses and validates text as "t.conf"; returns the first failure. */
static int parse_len(const char *text, size_t len, struct conf **ret,
		     struct conf_errors *err)
{
	struct conf *c = conf_new();
	int r, v;

	assert_non_null(c);
	r = conf_parse_string(c, "t.conf", text, len, err);
	v = conf_validate(c, err);
	*ret = c;
	return r < 0 ? r : v;
}

static int parse(const char *text, struct conf **ret, struct conf_errors *err)
{
	return parse_len(text, strlen(text), ret, err);
}

static bool has_error(const struct conf_errors *e, const char *want)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->v[i], want))
			return true;
	return false;
}

static void dump_errors(const struct conf_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("    | %s\n", e->v[i]);
}

/* A good config: no error; returns the parsed config. */
static struct conf *good(const char *text)
{
	struct conf_errors e = { 0 };
	struct conf *c = NULL;
	int r = parse(text, &c, &e);

	if (r != 0 || e.n != 0) {
		print_message("config:\n%s\n", text);
		dump_errors(&e);
		fail_msg("expected success, got %d with %zu errors", r, e.n);
	}
	conf_errors_done(&e);
	return c;
}

static const struct conf_vip *vip(const struct conf_group *g, size_t i)
{
	assert_true(i < g->n_vips);
	return &g->vips[i];
}

static void assert_vip(const struct conf_vip *v, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(v->family, &v->addr, buf, sizeof(buf)));
	assert_string_equal(buf, text);
}

/* ---- every rule, one line each: text, expected error, number of errors */

struct bad {
	const char *text;
	const char *want; /* a substring of one error line, with FILE:LINE */
	size_t n;         /* how many error lines in all */
	size_t len;       /* the text's length when it holds a NUL byte */
};

static const struct bad bad_cases[] = {
	/* structure */
	{ "[foo]\n", "t.conf:1: unknown section \"foo\"; known: [agent], [vip NAME]", 1, 0 },
	{ "[Agent]\narp_ignore = 1\n", "t.conf:1: unknown section \"Agent\": did you mean [agent]?", 1, 0 },
	{ "[vips web]\naddress = 192.0.2.1\n", "t.conf:1: unknown section \"vips web\": did you mean [vip web]?", 1, 0 },
	{ "[VIP]\n", "t.conf:1: unknown section \"VIP\": did you mean [vip NAME]?", 1, 0 },
	{ "[web]\n", "t.conf:1: unknown section \"web\"; known: [agent], [vip NAME]", 1, 0 },
	{ "[]\n", "t.conf:1: unknown section \"\"", 1, 0 },
	{ "[agent]\nfoo = 1\n",
	  "t.conf:2: unknown key \"foo\" in [agent]; known keys: arp_suppress, arp_ignore, arp_announce, rip, rp_filter, max_vips", 1, 0 },
	{ "[agent]\nARP_IGNORE = 1\n", "t.conf:2: unknown key \"ARP_IGNORE\" in [agent]: did you mean arp_ignore?", 1, 0 },
	{ "[agent]\narp_ignor = 1\n", "t.conf:2: unknown key \"arp_ignor\" in [agent]: did you mean arp_ignore?", 1, 0 },
	{ "[agent]\narp_ingore = 1\n", "t.conf:2: unknown key \"arp_ingore\" in [agent]: did you mean arp_ignore?", 1, 0 },
	{ "[vip web]\naddres = 192.0.2.1\n", "t.conf:2: vip \"web\": unknown key \"addres\": did you mean address?", 1, 0 },
	{ "[agent]\naddress = 192.0.2.1\n", "t.conf:2: unknown key \"address\" in [agent]: it belongs under [vip NAME]", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ncolor = red\n",
	  "t.conf:3: vip \"web\": unknown key \"color\"; known keys: address, mode, device", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\narp_ignore = 1\n",
	  "t.conf:3: vip \"web\": unknown key \"arp_ignore\": it belongs under [agent]", 1, 0 },
	{ "; comment\narp_ignore = 1\n",
	  "t.conf:2: key \"arp_ignore\" outside a section; it belongs under [agent] or [vip NAME]", 1, 0 },
	{ "[agent]\narp_ignore = 1\narp_ignore = 2\n",
	  "t.conf:3: arp_ignore: already set at t.conf:2", 1, 0 },
	{ "[agent]\narp_ignore = 1\n[agent]\narp_ignore = 1\n",
	  "t.conf:4: arp_ignore: already set at t.conf:2", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = dr\nmode = tun\n",
	  "t.conf:4: vip \"web\": mode: already set at t.conf:3", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\naddress = 192.0.2.2\n",
	  "t.conf:3: vip \"web\": address: already set at t.conf:2", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\n[vip web]\naddress = 192.0.2.2\n",
	  "t.conf:3: vip \"web\" is already defined at t.conf:1", 1, 0 },
	{ "[vip b]\naddress = 192.0.2.1\n[vip a]\naddress = 192.0.2.2\n[vip b]\naddress = 192.0.2.3\n"
	  "[vip a]\naddress = 192.0.2.4\n[vip b]\naddress = 192.0.2.5\n",
	  "t.conf:9: vip \"b\" is already defined at t.conf:1", 3, 0 },
	{ "[agent\narp_ignore = 1\n",
	  "t.conf:1: unterminated section header: missing ']'", 1, 0 },
	{ "[vip web ; comment]\naddress = 192.0.2.1\n",
	  "t.conf:1: unterminated section header: missing ']'", 1, 0 },
	{ "[agent] junk\n", "t.conf:1: unexpected text after the section header: \"junk\"", 1, 0 },
	{ "[agent] # comment\n", "t.conf:1: '#' starts a comment only at the beginning of a line", 1, 0 },
	{ "[agent x]\n", "t.conf:1: [agent] takes no name: \"agent x\"", 1, 0 },
	{ "[vip]\naddress = 192.0.2.1\n", "t.conf:1: [vip] needs a name: [vip NAME]", 1, 0 },
	{ "[vip a b]\naddress = 192.0.2.1\n", "t.conf:1: invalid vip name \"a b\"", 1, 0 },
	{ "[vip a/b]\n", "t.conf:1: invalid vip name \"a/b\"", 1, 0 },
	{ "[vip \xc3\xa9]\n", "t.conf:1: invalid vip name \"\\xc3\\xa9\"", 1, 0 },
	{ "[vip 0123456789012345678901234567890123456789012345678901234567890123]\n",
	  "t.conf:1: invalid vip name \"012345678901234567890123456789012345678901234567\"...: use 1-63", 1, 0 },
	{ "[agent]\narp_ignore\n",
	  "t.conf:2: expected \"key = value\" or \"[section]\", found \"arp_ignore\"", 1, 0 },
	{ "[agent]\n= 1\n", "t.conf:2: missing key name before '='", 1, 0 },
	{ "[agent]\n  : 1\n", "t.conf:2: missing key name before ':'", 1, 0 },
	{ "[vip web]\n\n\naddress = 192.0.2.1 # web\n",
	  "t.conf:4: '#' starts a comment only at the beginning of a line; use ';' after a value", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = dr\n", NULL, 0, 0 },
	/* deeper indented: a continuation, not a key */
	{ "[vip a]\naddress = 192.0.2.1\n  mode = tun\n",
	  "t.conf:3: \"mode = tun\": an indented line continues the previous value (address): "
	  "remove the indentation or join the lines", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n  mode=tun ; comment\n", "t.conf:3: \"mode=tun\": an indented line", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n  device: eth0\n", "t.conf:3: \"device: eth0\": an indented line", 1, 0 },
	{ "[agent]\narp_ignore = 1\n\tarp_announce = 2\n",
	  "t.conf:3: \"arp_announce = 2\": an indented line continues the previous value (arp_ignore)", 1, 0 },
	{ "[vip a]\n  address = 192.0.2.1\n 192.0.2.2\n",
	  "t.conf:3: expected \"key = value\" or \"[section]\", found \"192.0.2.2\" "
	  "(to continue address, indent the line deeper than its key)", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n192.0.2.2\n",
	  "t.conf:3: expected \"key = value\" or \"[section]\", found \"192.0.2.2\" (to continue address", 1, 0 },
	{ "[vip web]\nmode = dr\n", "t.conf:1: vip \"web\" has no address", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n[vip web]\n", "t.conf:3: vip \"web\" has no address", 1, 0 },
	{ "[agent]\narp_ignore = 1\0\n", "t.conf:2: NUL byte at column 15", 1,
	  sizeof("[agent]\narp_ignore = 1\0\n") - 1 },
	{ "[agent]\n\0\narp_ignore = 0\n", "t.conf:3: arp_ignore: 0 is not allowed", 2,
	  sizeof("[agent]\n\0\narp_ignore = 0\n") - 1 },
	{ "\xef\xbb\xbf[agent]\n\xef\xbb\xbf" "arp_ignore = 1\n",
	  "t.conf:2: unknown key \"\\xef\\xbb\\xbfarp_ignore\" in [agent]", 1, 0 },
	{ "[agent]\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx = 1\n",
	  "t.conf:2: key \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"... is too long (65 bytes)", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  "t.conf:2: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"... is too long (65 bytes, a value is at most 64)", 1, 0 },

	/* [agent] values */
	{ "[agent]\narp_suppress = foo\n",
	  "t.conf:2: arp_suppress: \"foo\" is not one of sysctl, nft, both, none", 1, 0 },
	{ "[agent]\narp_suppress = SYSCTL\n",
	  "t.conf:2: arp_suppress: \"SYSCTL\" is not one of sysctl, nft, both, none: did you mean sysctl?", 1, 0 },
	{ "[agent]\narp_suppress = \"nft\"\n",
	  "t.conf:2: arp_suppress: \"\\\"nft\\\"\" is not one of sysctl, nft, both, none (values are written without quotes)", 1, 0 },
	{ "[agent]\narp_suppress = nftables\n", "t.conf:2: arp_suppress: \"nftables\" is not one of sysctl, nft, both, none", 1, 0 },
	{ "[agent]\narp_suppress = nft both\n",
	  "t.conf:2: arp_suppress: trailing garbage after \"nft\": \"both\"", 1, 0 },
	{ "[agent]\narp_suppress =\n", "t.conf:2: arp_suppress: empty value", 1, 0 },
	{ "[agent]\narp_suppress = ; nothing\n", "t.conf:2: arp_suppress: empty value", 1, 0 },
	{ "[agent]\narp_ignore = 0\n",
	  "t.conf:2: arp_ignore: 0 is not allowed: the VIP would still be answered in ARP; allowed: 1, 2", 1, 0 },
	{ "[agent]\narp_ignore = 3\n", "t.conf:2: arp_ignore: 3 is not allowed: 3-8 are not for LVS; allowed: 1, 2", 1, 0 },
	{ "[agent]\narp_ignore = 8\n", "t.conf:2: arp_ignore: 8 is not allowed: 3-8 are not for LVS", 1, 0 },
	{ "[agent]\narp_ignore = 9\n", "t.conf:2: arp_ignore: 9 is out of range; allowed: 1, 2", 1, 0 },
	{ "[agent]\narp_ignore = -1\n", "t.conf:2: arp_ignore: -1 is out of range", 1, 0 },
	{ "[agent]\narp_ignore = 99999999999999999999999\n",
	  "t.conf:2: arp_ignore: 99999999999999999999999 is out of range", 1, 0 },
	{ "[agent]\narp_ignore = 1x\n", "t.conf:2: arp_ignore: trailing garbage after \"1\": \"x\"", 1, 0 },
	{ "[agent]\narp_ignore = 1 2\n", "t.conf:2: arp_ignore: trailing garbage after \"1\": \"2\"", 1, 0 },
	{ "[agent]\narp_ignore = 1\n  2\n",
	  "t.conf:3: arp_ignore: \"2\": an indented line continues the previous value, and arp_ignore takes one value", 1, 0 },
	{ "[agent]\narp_ignore = x\n", "t.conf:2: arp_ignore: \"x\" is not a number; allowed: 1, 2", 1, 0 },
	{ "[agent]\narp_ignore = +1\n", "t.conf:2: arp_ignore: \"+1\" is not a number", 1, 0 },
	{ "[agent]\narp_ignore =\n", "t.conf:2: arp_ignore: empty value", 1, 0 },
	{ "[agent]\narp_announce = 0\n",
	  "t.conf:2: arp_announce: 0 is not allowed: a VIP could be announced as the ARP sender; allowed: 2, 1", 1, 0 },
	{ "[agent]\narp_announce = 3\n", "t.conf:2: arp_announce: 3 is out of range; allowed: 2, 1", 1, 0 },
	{ "[agent]\nrp_filter = 1\n",
	  "t.conf:2: rp_filter: 1 is not allowed: strict mode breaks TUN; allowed: 2, 0", 1, 0 },
	{ "[agent]\nrp_filter = 2.0\n", "t.conf:2: rp_filter: trailing garbage after \"2\": \".0\"", 1, 0 },
	{ "[agent]\nmax_vips = 0\n", "t.conf:2: max_vips: \"0\" is out of range; allowed: 1 to 1000000", 1, 0 },
	{ "[agent]\nmax_vips = 1000001\n", "t.conf:2: max_vips: \"1000001\" is out of range", 1, 0 },
	{ "[agent]\nmax_vips = 99999999999999999999999\n", "t.conf:2: max_vips: \"9999", 1, 0 },
	{ "[agent]\nmax_vips = -1\n", "t.conf:2: max_vips: \"-1\" is not a number", 1, 0 },
	{ "[agent]\nmax_vips = 10k\n", "t.conf:2: max_vips: trailing garbage after \"10\": \"k\"", 1, 0 },
	/* past max_vips: at the first VIP over it (a prefix counts as one) */
	{ "[agent]\nmax_vips = 2\n[vip a]\nanyip = yes\naddress = 198.51.100.0/24\n"
	  "  192.0.2.1\n[vip b]\naddress = 203.0.113.1\n",
	  "t.conf:8: vip \"b\": VIP number 3 is over [agent] max_vips = 2: the kernel's time for "
	  "apply and revert grows faster than the number of VIPs (lvs-rs-agent.conf(5), max_vips); "
	  "raise max_vips to allow more", 1, 0 },
	{ "[agent]\nmax_vips = 1\n[vip a]\naddress = 192.0.2.1 192.0.2.2\n",
	  "t.conf:4: vip \"a\": VIP number 2 is over [agent] max_vips = 1", 1, 0 },
	{ "[agent]\nrip = foo\n", "t.conf:2: rip: \"foo\" is neither auto nor an IPv4 address", 1, 0 },
	{ "[agent]\nrip = 192.0.2.1/32\n", "t.conf:2: rip: \"192.0.2.1/32\" is neither auto nor an IPv4 address", 1, 0 },
	{ "[agent]\nrip = 2001:db8::1\n", "t.conf:2: rip: \"2001:db8::1\" is IPv6, but ARP is IPv4 only", 1, 0 },
	{ "[agent]\nrip = 127.0.0.1\n", "t.conf:2: rip: 127.0.0.1 is a loopback address, not usable as an ARP sender", 1, 0 },
	{ "[agent]\nrip = 0.0.0.0\n", "t.conf:2: rip: 0.0.0.0 is the unspecified address", 1, 0 },
	{ "[agent]\nrip = auto auto\n", "t.conf:2: rip: trailing garbage after \"auto\": \"auto\"", 1, 0 },

	/* [vip] values */
	{ "[vip web]\naddress = 300.1.1.1\n",
	  "t.conf:2: vip \"web\": \"300.1.1.1\" is not an IPv4 or IPv6 address", 1, 0 },
	{ "[vip web]\naddress = 192.0.2\n", "t.conf:2: vip \"web\": \"192.0.2\" is not an IPv4 or IPv6 address", 1, 0 },
	{ "[vip web]\naddress = fe80::1%lo\n", "t.conf:2: vip \"web\": \"fe80::1%lo\" is not an IPv4 or IPv6 address", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1;web\n",
	  "t.conf:2: vip \"web\": \"192.0.2.1;web\" is not an IPv4 or IPv6 address (';' starts a comment only after a space)", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1, 192.0.2.2\n",
	  "t.conf:2: vip \"web\": addresses are separated by spaces, not commas: \"192.0.2.1, 192.0.2.2\"", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1,192.0.2.2,2001:db8::1\n",
	  "t.conf:2: vip \"web\": addresses are separated by spaces, not commas", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\n  192.0.2.2, 192.0.2.3\n  192.0.2.4,\n",
	  "t.conf:4: vip \"web\": addresses are separated by spaces, not commas: \"192.0.2.4,\"", 2, 0 },
	{ "[vip web]\naddress = \"192.0.2.1\"\n",
	  "t.conf:2: vip \"web\": \"\\\"192.0.2.1\\\"\" is not an IPv4 or IPv6 address (values are written without quotes)", 1, 0 },
	{ "[vip web]\naddress =\n", "t.conf:2: vip \"web\": address: empty value", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.0/24\n",
	  "t.conf:2: vip \"web\": \"192.0.2.0/24\" is not a host address: a VIP takes /32 or no prefix", 1, 0 },
	{ "[vip web]\naddress = 2001:db8::/64\n",
	  "t.conf:2: vip \"web\": \"2001:db8::/64\" is not a host address: a VIP takes /128 or no prefix", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/0\n", "t.conf:2: vip \"web\": \"192.0.2.1/0\" is not a host address", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/33\n",
	  "t.conf:2: vip \"web\": \"192.0.2.1/33\": prefix is out of range for IPv4 (0-32)", 1, 0 },
	{ "[vip web]\naddress = 2001:db8::1/129\n",
	  "t.conf:2: vip \"web\": \"2001:db8::1/129\": prefix is out of range for IPv6 (0-128)", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/99999999999999999999999\n",
	  "t.conf:2: vip \"web\": \"192.0.2.1/99999999999999999999999\": prefix is out of range for IPv4", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/x\n", "t.conf:2: vip \"web\": \"192.0.2.1/x\": prefix \"x\" is not a number", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/-32\n", "t.conf:2: vip \"web\": \"192.0.2.1/-32\": prefix \"-32\" is not a number", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/32x\n", "t.conf:2: vip \"web\": \"192.0.2.1/32x\": prefix \"32x\" is not a number", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/\n", "t.conf:2: vip \"web\": \"192.0.2.1/\": the prefix after '/' is missing", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1/32/32\n", "t.conf:2: vip \"web\": \"192.0.2.1/32/32\": prefix \"32/32\" is not a number", 1, 0 },
	{ "[vip web]\naddress = 0.0.0.0\n", "t.conf:2: vip \"web\": \"0.0.0.0\" is the unspecified address, not usable as a VIP", 1, 0 },
	{ "[vip web]\naddress = ::\n", "t.conf:2: vip \"web\": \"::\" is the unspecified address", 1, 0 },
	{ "[vip web]\naddress = 0.1.2.3\n", "t.conf:2: vip \"web\": \"0.1.2.3\" is in 0.0.0.0/8 (\"this network\")", 1, 0 },
	{ "[vip web]\naddress = 255.255.255.255\n", "t.conf:2: vip \"web\": \"255.255.255.255\" is the broadcast address", 1, 0 },
	{ "[vip web]\naddress = 224.0.0.1\n", "t.conf:2: vip \"web\": \"224.0.0.1\" is a multicast address", 1, 0 },
	{ "[vip web]\naddress = 239.255.255.255\n", "t.conf:2: vip \"web\": \"239.255.255.255\" is a multicast address", 1, 0 },
	{ "[vip web]\naddress = ff02::1\n", "t.conf:2: vip \"web\": \"ff02::1\" is a multicast address", 1, 0 },
	{ "[vip web]\naddress = 127.0.0.1\n", "t.conf:2: vip \"web\": \"127.0.0.1\" is a loopback address", 1, 0 },
	{ "[vip web]\naddress = 127.255.0.1/32\n", "t.conf:2: vip \"web\": \"127.255.0.1/32\" is a loopback address", 1, 0 },
	{ "[vip web]\naddress = ::1\n", "t.conf:2: vip \"web\": \"::1\" is the loopback address", 1, 0 },
	{ "[vip web]\naddress = fe80::1\n", "t.conf:2: vip \"web\": \"fe80::1\" is a link-local address", 1, 0 },
	{ "[vip web]\naddress = febf::1\n", "t.conf:2: vip \"web\": \"febf::1\" is a link-local address", 1, 0 },
	{ "[vip web]\naddress = ::ffff:192.0.2.1\n",
	  "t.conf:2: vip \"web\": \"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address (write the IPv4 address)", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1 300.1.1.1 192.0.2.2 ::1\n", "t.conf:2: vip \"web\": \"::1\"", 2, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = foo\n", "t.conf:3: vip \"web\": mode: \"foo\" is not one of dr, tun", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = DR\n",
	  "t.conf:3: vip \"web\": mode: \"DR\" is not one of dr, tun: did you mean dr?", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = tnu\n",
	  "t.conf:3: vip \"web\": mode: \"tnu\" is not one of dr, tun: did you mean tun?", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nanyip = ye\n", "anyip: \"ye\" is not one of yes, no: did you mean yes?", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = dr tun\n",
	  "t.conf:3: vip \"web\": mode: trailing garbage after \"dr\": \"tun\"", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\nmode = dr\n  tun\n",
	  "t.conf:4: vip \"web\": mode: \"tun\": an indented line continues the previous value, and mode takes one value", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice =\n", "t.conf:3: vip \"web\": device: empty value", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = 0123456789abcdef\n",
	  "t.conf:3: vip \"web\": device: interface name \"0123456789abcdef\" is longer than 15 bytes", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = a/b\n", "t.conf:3: vip \"web\": device: interface name \"a/b\" contains '/'", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = eth0:1\n",
	  "t.conf:3: vip \"web\": device: interface name \"eth0:1\" contains ':'", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = my dev\n",
	  "t.conf:3: vip \"web\": device: interface name \"my dev\" contains whitespace", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = .\n", "t.conf:3: vip \"web\": device: \".\" is not a valid interface name", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = ..\n", "t.conf:3: vip \"web\": device: \"..\" is not a valid interface name", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = eth\xff\n",
	  "t.conf:3: vip \"web\": device: interface name \"eth\\xff\" is not valid UTF-8", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = \xc0\xaf\n",
	  "t.conf:3: vip \"web\": device: interface name \"\\xc0\\xaf\" is not valid UTF-8", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = \xed\xa0\x80\n", "is not valid UTF-8", 1, 0 },
	{ "[vip web]\naddress = 192.0.2.1\ndevice = v\xc3\xa0\n",
	  "t.conf:3: vip \"web\": device: interface name \"v\\xc3\\xa0\" contains byte 0xa0", 1, 0 },

	/* the same VIP twice, in any spelling */
	{ "[vip a]\naddress = 192.0.2.1\n[vip b]\naddress = 192.0.2.1/32\n",
	  "t.conf:4: vip \"b\": 192.0.2.1 is already listed at t.conf:2 (vip \"a\")", 1, 0 },
	{ "[vip a]\naddress = 2001:db8::1\n[vip b]\naddress = 2001:DB8:0::1/128\n",
	  "t.conf:4: vip \"b\": 2001:db8::1 is already listed at t.conf:2 (vip \"a\")", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1 192.0.2.1\n",
	  "t.conf:2: vip \"a\": 192.0.2.1 is already listed at t.conf:2 (vip \"a\")", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n  192.0.2.2\n  192.0.2.01\n", "t.conf:4: vip \"a\": \"192.0.2.01\" is not an IPv4", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n  192.0.2.2\n  192.0.2.1/32\n",
	  "t.conf:4: vip \"a\": 192.0.2.1 is already listed at t.conf:2 (vip \"a\")", 1, 0 },
	{ "[vip a]\naddress = 192.0.2.1\n[vip b]\naddress = 192.0.2.1\n[vip c]\naddress = 192.0.2.1\n",
	  "t.conf:6: vip \"c\": 192.0.2.1 is already listed at t.conf:2 (vip \"a\")", 2, 0 },

	/* anyip: prefixes, their bounds, and one owner per VIP */
	{ "[vip a]\nanyip = yes\naddress = 198.51.100.1/24\n",
	  "t.conf:3: 198.51.100.1/24 has host bits set; the network is 198.51.100.0/24", 1, 0 },
	/* anyip after the address: decided when the group is whole */
	{ "[vip a]\naddress = 198.51.100.1/24\nanyip = yes\n",
	  "t.conf:2: 198.51.100.1/24 has host bits set; the network is 198.51.100.0/24", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 2001:DB8::1/64\n",
	  "t.conf:3: 2001:DB8::1/64 has host bits set; the network is 2001:db8::/64", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 198.0.0.0/7\n",
	  "t.conf:3: vip \"a\": \"198.0.0.0/7\": an anyip prefix is /8 to /32 for IPv4", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 2001:db8::/63\n",
	  "t.conf:3: vip \"a\": \"2001:db8::/63\": an anyip prefix is /64 to /128 for IPv6", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 192.0.2.1/0\n",
	  "t.conf:3: vip \"a\": \"192.0.2.1/0\": an anyip prefix is /8 to /32", 1, 0 },
	{ "[vip a]\nanyip = no\naddress = 192.0.2.0/24\n",
	  "t.conf:3: vip \"a\": \"192.0.2.0/24\" is not a host address: a VIP takes /32 or no prefix", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 127.0.0.0/8\n",
	  "t.conf:3: vip \"a\": \"127.0.0.0/8\" is a loopback address, not usable as a VIP", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 224.0.0.0/8\n", "\"224.0.0.0/8\" is a multicast address", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 255.255.255.0/24\n",
	  "t.conf:3: vip \"a\": \"255.255.255.0/24\" contains the broadcast address, not usable as a VIP", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = fe80::/64\n", "\"fe80::/64\" is a link-local address", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = ::ffff:0.0.0.0/96\n", "\"::ffff:0.0.0.0/96\" is an IPv4-mapped", 1, 0 },
	{ "[vip a]\nanyip = maybe\naddress = 192.0.2.1\n",
	  "t.conf:2: vip \"a\": anyip: \"maybe\" is not one of yes, no", 1, 0 },
	{ "[vip a]\nanyip = yes no\naddress = 192.0.2.1\n",
	  "t.conf:2: vip \"a\": anyip: trailing garbage after \"yes\": \"no\"", 1, 0 },
	{ "[vip a]\nanyip = yes\nanyip = no\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": anyip: already set at t.conf:2", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 198.51.100.0/24\n[vip b]\naddress = 198.51.100.7\n",
	  "t.conf:5: vip \"b\": 198.51.100.7 is inside 198.51.100.0/24 listed at t.conf:3 (vip \"a\"); a VIP must have one owner", 1, 0 },
	{ "[vip b]\naddress = 198.51.100.7\n[vip a]\nanyip = yes\naddress = 198.51.100.0/24\n",
	  "t.conf:5: vip \"a\": 198.51.100.0/24 contains 198.51.100.7 listed at t.conf:2 (vip \"b\"); a VIP must have one owner", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 198.51.100.0/24\n[vip b]\nanyip = yes\naddress = 198.51.100.128/25\n",
	  "t.conf:6: vip \"b\": 198.51.100.128/25 is inside 198.51.100.0/24 listed at t.conf:3 (vip \"a\")", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 198.51.100.0/24\n[vip b]\nanyip = yes\naddress = 198.51.100.0/24\n",
	  "t.conf:6: vip \"b\": 198.51.100.0/24 is already listed at t.conf:3 (vip \"a\")", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 198.51.100.0/24 198.51.100.255\n",
	  "t.conf:3: vip \"a\": 198.51.100.255 is inside 198.51.100.0/24 listed at t.conf:3 (vip \"a\")", 1, 0 },
	{ "[vip a]\nanyip = yes\naddress = 2001:db8:200::/120\n[vip b]\naddress = 2001:db8:200::ff\n",
	  "t.conf:5: vip \"b\": 2001:db8:200::ff is inside 2001:db8:200::/120 listed at t.conf:3 (vip \"a\")", 1, 0 },
	/* nested three deep: each inside the one reaching furthest */
	{ "[vip a]\nanyip = yes\naddress = 198.51.0.0/16\n[vip b]\nanyip = yes\naddress = 198.51.100.0/24\n"
	  "[vip c]\naddress = 198.51.100.9\n",
	  "t.conf:8: vip \"c\": 198.51.100.9 is inside 198.51.0.0/16 listed at t.conf:3 (vip \"a\")", 2, 0 },
	/* a prefix written after two of its addresses: both reported there */
	{ "[vip b]\naddress = 198.51.100.6 198.51.100.7\n[vip a]\nanyip = yes\naddress = 198.51.100.0/29\n",
	  "t.conf:5: vip \"a\": 198.51.100.0/29 contains 198.51.100.7 listed at t.conf:2 (vip \"b\")", 2, 0 },
	/* a refused prefix is not reported twice */
	{ "[vip a]\naddress = 198.51.100.0/24\n[vip b]\naddress = 198.51.100.7\n",
	  "t.conf:2: vip \"a\": \"198.51.100.0/24\" is not a host address", 1, 0 },

	/* TUN devices and address families */
	{ "[vip a]\nmode = tun\ndevice = tunl0\naddress = 192.0.2.1 2001:db8::1\n",
	  "t.conf:4: vip \"a\": 2001:db8::1 is IPv6, but tunl0 carries only IPv4; put it in a group with device ip6tnl0", 1, 0 },
	{ "[vip a]\nmode = tun\naddress = 2001:db8::1\n  192.0.2.1\ndevice = ip6tnl0\n",
	  "t.conf:4: vip \"a\": 192.0.2.1 is IPv4, but ip6tnl0 carries only IPv6; put it in a group with device tunl0", 1, 0 },
	{ "[vip a]\nmode = tun\naddress = 192.0.2.1 2001:db8::1\n",
	  "t.conf:1: vip \"a\": mode tun with IPv4 and IPv6 addresses has no default device", 1, 0 },
	/* lo decapsulates nothing: refused by name at the device line */
	{ "[vip a]\nmode = tun\naddress = 192.0.2.1\ndevice = lo\n",
	  "t.conf:4: vip \"a\": device: lo cannot be a mode = tun device: it decapsulates nothing", 1, 0 },
	{ "[vip a]\ndevice = lo\naddress = 2001:db8::1\nmode = tun\n",
	  "t.conf:2: vip \"a\": device: lo cannot be a mode = tun device", 1, 0 },

	/* tunnel types: tun_type and tun_port */
	{ "[vip a]\nmode = tun\ntun_type = gue\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": tun_type: gue needs tun_port, the UDP port the director sends to (ipvsadm ... -i --tun-type gue --tun-port PORT)", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_port = 6080\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": tun_port: only tun_type = gue has a port, and this group's tun_type is ipip", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gre\ntun_port = 6080\naddress = 192.0.2.1\n",
	  "t.conf:4: vip \"a\": tun_port: only tun_type = gue has a port, and this group's tun_type is gre", 1, 0 },
	{ "[vip a]\ntun_type = gre\naddress = 192.0.2.1\n",
	  "t.conf:2: vip \"a\": tun_type: only a mode = tun group is tunnelled, and this one is mode = dr", 1, 0 },
	{ "[vip a]\nmode = dr\ntun_port = 6080\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": tun_port: only a mode = tun group is tunnelled", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = geu\ntun_port = 6080\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": tun_type: \"geu\" is not one of ipip, gue, gre: did you mean gue?", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = GRE\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": tun_type: \"GRE\" is not one of ipip, gue, gre: did you mean gre?", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gue\ntun_port = 0\naddress = 192.0.2.1\n",
	  "t.conf:4: vip \"a\": tun_port: \"0\" is out of range; allowed: 1 to 65535", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gue\ntun_port = 65536\naddress = 192.0.2.1\n",
	  "t.conf:4: vip \"a\": tun_port: \"65536\" is out of range", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gue\ntun_port = port\naddress = 192.0.2.1\n",
	  "t.conf:4: vip \"a\": tun_port: \"port\" is not a number; allowed: 1 to 65535", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gue\ntun_port = 6080 6081\naddress = 192.0.2.1\n",
	  "t.conf:4: vip \"a\": tun_port: trailing garbage after \"6080\": \"6081\"", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gre\ndevice = tunl0\naddress = 192.0.2.1\n",
	  "t.conf:4: vip \"a\": device: tunl0 does not receive the director's tun_type = gre packets; use gre0", 1, 0 },
	{ "[vip a]\nmode = tun\ndevice = gre0\naddress = 192.0.2.1\n",
	  "t.conf:3: vip \"a\": device: gre0 does not receive the director's tun_type = ipip packets; use tunl0", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gue\ntun_port = 6080\ndevice = sit0\naddress = 192.0.2.1\n",
	  "t.conf:6: vip \"a\": 192.0.2.1 is IPv4, but sit0 carries only IPv6; put it in a group with device tunl0", 1, 0 },
	{ "[vip a]\nmode = tun\ntun_type = gre\naddress = 192.0.2.1 2001:db8::1\n",
	  "t.conf:1: vip \"a\": mode tun with tun_type = gre and IPv4 and IPv6 addresses has no default device", 1, 0 },

	/* every error of a file, not just the first */
	/* mss: auto, off or a sane MSS, in mode = tun groups only */
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 1500000\n",
	  "t.conf:4: vip \"t\": mss: \"1500000\" is out of range; allowed: auto, off or 536 to 65495", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 535\n",
	  "t.conf:4: vip \"t\": mss: \"535\" is out of range; allowed: auto, off or 536 to 65495 "
	  "(an MSS is the path's MTU less 40 bytes of IPv4 and TCP headers and the tunnel's)", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 65496\n",
	  "t.conf:4: vip \"t\": mss: \"65496\" is out of range", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 0\n",
	  "t.conf:4: vip \"t\": mss: 0 is no MSS; to clamp nothing, write off", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = aut\n",
	  "t.conf:4: vip \"t\": mss: \"aut\" is not auto, off or a number from 536 to 65495: did you mean auto?", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = -1\n",
	  "t.conf:4: vip \"t\": mss: \"-1\" is not auto, off or a number from 536 to 65495", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 1400 bytes\n",
	  "t.conf:4: vip \"t\": mss: trailing garbage after \"1400\": \"bytes\"", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 1400x\n",
	  "t.conf:4: vip \"t\": mss: trailing garbage after \"1400\": \"x\"", 1, 0 },
	{ "[vip t]\nmode = tun\naddress = 192.0.2.1\nmss = 1400\nmss = auto\n",
	  "t.conf:5: vip \"t\": mss: already set at t.conf:4", 1, 0 },
	{ "[vip d]\nmss = 1400\naddress = 192.0.2.1\n",
	  "t.conf:2: vip \"d\": mss: only for mode = tun: a DR real server's packets take no tunnel", 1, 0 },
	{ "[vip d]\nmode = dr\naddress = 192.0.2.1\nmss = off\n",
	  "t.conf:4: vip \"d\": mss: only for mode = tun", 1, 0 },
	{ "[agent]\nmss = 1400\n",
	  "t.conf:2: unknown key \"mss\" in [agent]: it belongs under [vip NAME]", 1, 0 },
	{ "[agent]\narp_ignore = 0\narp_announce = 0\n[vip a]\naddress = 300.1.1.1\nmode = x\n",
	  "t.conf:6: vip \"a\": mode: \"x\" is not one of dr, tun", 4, 0 },
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *b = &bad_cases[i];
		size_t len = b->len ? b->len : strlen(b->text);
		struct conf_errors e = { 0 };
		struct conf *c = NULL;
		int r;

		r = parse_len(b->text, len, &c, &e);
		if ((b->want ? r != -EINVAL : r != 0) || e.n != b->n ||
		    (b->want && !has_error(&e, b->want))) {
			print_message("case %zu: %s\n", i, b->text);
			print_message("  want (%zu errors): %s\n", b->n,
				      b->want ? b->want : "(none)");
			print_message("  got r=%d, %zu errors:\n", r, e.n);
			dump_errors(&e);
			fail();
		}
		/* every line names the file, and a line unless about the file */
		for (size_t j = 0; j < e.n; j++)
			assert_true(strncmp(e.v[j], "t.conf:", 7) == 0);
		conf_errors_done(&e);
		conf_free(c);
	}
}

/* ---- values that parse */

static void test_defaults(void **state)
{
	struct conf *c = good("");

	assert_int_equal(c->arp_suppress, CONF_ARP_SYSCTL);
	assert_int_equal(c->arp_ignore, 1);
	assert_int_equal(c->arp_announce, 2);
	assert_true(c->rip_auto);
	assert_int_equal(c->rp_filter, 2);
	assert_int_equal(c->max_vips, 10000);
	assert_int_equal(c->n_groups, 0);
	conf_free(c);
	/* max_vips VIPs exactly are taken */
	c = good("[agent]\nmax_vips = 3\n[vip a]\naddress = 192.0.2.1 192.0.2.2\n"
		 "[vip b]\naddress = 2001:db8::1\n");
	assert_int_equal(c->max_vips, 3);
	conf_free(c);

	c = good("; only comments\n# here\n\n   \n[agent]\n");
	assert_int_equal(c->arp_ignore, 1);
	conf_free(c);
	assert_null(conf_free(NULL));
	assert_string_equal(conf_arp_suppress_name(CONF_ARP_BOTH), "both");
	assert_string_equal(conf_mode_name(CONF_MODE_TUN), "tun");
}

static void test_design_example(void **state)
{
	struct conf *c = good(
		"[agent]\n"
		"arp_suppress = nft        ; sysctl (default) | nft | both | none\n"
		"arp_ignore   = 2          ; 1 (default) or 2\n"
		"arp_announce = 1\n"
		"rip          = 192.0.2.10 ; nft only\n"
		"rp_filter    = 0          ; TUN only\n"
		"\n"
		"[vip web]                 ; one section per named VIP group\n"
		"address = 192.0.2.100 2001:db8::100   ; host only\n"
		"mode    = dr              ; dr (default) | tun\n"
		"device  = lo\n"
		"\n"
		"[vip tun4]\n"
		"address = 198.51.100.1\n"
		"mode = tun\n"
		"[vip tun6]\n"
		"address = 2001:db8::200\n"
		"mode = tun\n"
		"[vip tunx]\n"
		"address = 203.0.113.1 2001:db8::300\n"
		"mode = tun\n"
		"device = tun-both\n");
	const struct conf_group *g;

	assert_int_equal(c->arp_suppress, CONF_ARP_NFT);
	assert_int_equal(c->arp_ignore, 2);
	assert_int_equal(c->arp_announce, 1);
	assert_false(c->rip_auto);
	assert_int_equal(ntohl(c->rip.s_addr), 0xc000020a);
	assert_int_equal(c->rp_filter, 0);
	assert_int_equal(c->n_groups, 4);

	g = &c->groups[0];
	assert_string_equal(g->name, "web");
	assert_int_equal(g->mode, CONF_MODE_DR);
	assert_string_equal(g->device, "lo");
	assert_true(g->device_set);
	assert_string_equal(g->file, "t.conf");
	assert_int_equal(g->line, 8);
	assert_int_equal(g->n_vips, 2);
	assert_int_equal(vip(g, 0)->family, AF_INET);
	assert_vip(vip(g, 0), "192.0.2.100");
	assert_int_equal(vip(g, 1)->family, AF_INET6);
	assert_vip(vip(g, 1), "2001:db8::100");
	assert_int_equal(vip(g, 1)->line, 9);
	assert_string_equal(vip(g, 1)->file, "t.conf");

	assert_int_equal(g->device_line, 11);
	assert_string_equal(conf_agent_where(c, "arp_announce").file, "t.conf");
	assert_int_equal(conf_agent_where(c, "arp_announce").line, 4);
	assert_int_equal(conf_agent_where(c, "arp_ignore").line, 3);
	assert_int_equal(conf_agent_where(c, "no_such_key").line, 0);

	g = &c->groups[1];
	assert_int_equal(g->mode, CONF_MODE_TUN);
	assert_false(g->device_set);
	assert_int_equal(g->device_line, 0);
	assert_string_equal(g->device, "tunl0");
	assert_string_equal(c->groups[2].device, "ip6tnl0");
	assert_string_equal(c->groups[3].device, "tun-both");
	conf_free(c);
}

/* tun_type's default device per family, and the port of gue. */
static void test_tun_types(void **state)
{
	struct conf *c = good("[vip g4]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 192.0.2.1\n"
			      "[vip g6]\nmode = tun\ntun_type = gue\ntun_port = 6081\naddress = 2001:db8::1\n"
			      "[vip s6]\nmode = tun\ntun_type = gue\ntun_port = 6080\ndevice = sit0\n"
			      "address = 2001:db8::2\n"
			      "[vip r4]\nmode = tun\ntun_type = gre\naddress = 192.0.2.2\n"
			      "[vip r6]\nmode = tun\ntun_type = gre\naddress = 2001:db8::3\n"
			      "[vip rx]\nmode = tun\ntun_type = gre\ndevice = gre0\n"
			      "address = 192.0.2.3 2001:db8::4\n"
			      "[vip i4]\nmode = tun\ntun_type = ipip\naddress = 192.0.2.4\n"
			      "[vip d]\naddress = 192.0.2.5\n");
	static const struct {
		const char *dev;
		enum conf_tun_type type;
		unsigned port;
	} want[] = {
		{ "tunl0", CONF_TUN_GUE, 6080 }, { "ip6tnl0", CONF_TUN_GUE, 6081 },
		{ "sit0", CONF_TUN_GUE, 6080 }, { "gre0", CONF_TUN_GRE, 0 },
		{ "ip6gre0", CONF_TUN_GRE, 0 }, { "gre0", CONF_TUN_GRE, 0 },
		{ "tunl0", CONF_TUN_IPIP, 0 }, { "lo", CONF_TUN_IPIP, 0 },
	};

	(void)state;
	assert_int_equal(c->n_groups, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(c->groups[i].device, want[i].dev);
		assert_int_equal(c->groups[i].tun_type, want[i].type);
		assert_int_equal(c->groups[i].tun_port, want[i].port);
	}
	assert_string_equal(conf_tun_type_name(CONF_TUN_IPIP), "ipip");
	assert_string_equal(conf_tun_type_name(CONF_TUN_GUE), "gue");
	assert_string_equal(conf_tun_type_name(CONF_TUN_GRE), "gre");
	conf_free(c);
}

static void test_vip_defaults(void **state)
{
	struct conf *c = good("[vip a]\naddress = 192.0.2.1\n"
			      "[vip b]\naddress = 2001:db8::1\n");

	assert_int_equal(c->groups[0].mode, CONF_MODE_DR);
	assert_string_equal(c->groups[0].device, "lo");
	assert_string_equal(c->groups[1].device, "lo");
	assert_int_equal(conf_agent_where(c, "arp_announce").line, 0);
	conf_free(c);
}

/* mss: auto by default in tun groups, off in dr groups, or N. */
static void test_mss(void **state)
{
	struct conf *c = good("[vip d]\naddress = 192.0.2.1\n"
			      "[vip t]\nmode = tun\naddress = 192.0.2.2\n"
			      "[vip n]\nmss = 1400\nmode = tun\naddress = 192.0.2.3\n"
			      "[vip o]\nmode = tun\nmss = off\naddress = 192.0.2.4\n"
			      "[vip a]\nmode = tun\nmss = auto\naddress = 192.0.2.5\n"
			      "[vip lo]\nmode = tun\nmss = 536\naddress = 192.0.2.6\n"
			      "[vip hi]\nmode = tun\nmss = 65495\naddress = 192.0.2.7\n");

	assert_int_equal(c->groups[0].mss, CONF_MSS_OFF);
	assert_int_equal(c->groups[1].mss, CONF_MSS_AUTO);
	assert_int_equal(c->groups[1].mss_line, 0);
	assert_int_equal(c->groups[2].mss, 1400);
	assert_int_equal(c->groups[2].mss_line, 7);
	assert_int_equal(c->groups[3].mss, CONF_MSS_OFF);
	assert_int_equal(c->groups[4].mss, CONF_MSS_AUTO);
	assert_int_equal(c->groups[5].mss, 536);
	assert_int_equal(c->groups[6].mss, 65495);
	for (size_t i = 0; i < c->n_groups; i++)
		assert_int_equal(c->groups[i].tun_type, CONF_TUN_IPIP);
	conf_free(c);
}

/* rip and rp_filter are accepted with a mode they do not apply to. */
static void test_unused_keys_accepted(void **state)
{
	struct conf *c = good("[agent]\narp_suppress = sysctl\nrip = 192.0.2.9\n"
			      "rp_filter = 0\n[vip a]\naddress = 192.0.2.1\n");

	assert_false(c->rip_auto);
	assert_int_equal(c->rp_filter, 0);
	conf_free(c);
	c = good("[agent]\nrip = auto\n");
	assert_true(c->rip_auto);
	conf_free(c);
}

static void test_host_prefix_is_same_vip(void **state)
{
	struct conf *c = good("[vip a]\naddress = 192.0.2.1/32 2001:DB8:0:0::1/128\n"
			      "  192.0.2.2 ; more\n");
	const struct conf_group *g = &c->groups[0];

	assert_int_equal(g->n_vips, 3);
	assert_vip(vip(g, 0), "192.0.2.1");
	assert_vip(vip(g, 1), "2001:db8::1");
	assert_vip(vip(g, 2), "192.0.2.2");
	conf_free(c);
	/* valid, if odd: site-local and 240/4 are not refused */
	c = good("[vip a]\naddress = fec0::1 240.0.0.1 192.0.2.255\n");
	assert_int_equal(c->groups[0].n_vips, 3);
	conf_free(c);
}

static void assert_prefix(const struct conf_vip *v, const char *addr,
			  unsigned prefixlen)
{
	assert_vip(v, addr);
	assert_int_equal(v->prefixlen, prefixlen);
	assert_null(v->spelling);
}

static void test_anyip(void **state)
{
	struct conf *c = good("[vip any]\n"
			      "anyip = yes\n"
			      "address = 198.51.100.0/24 203.0.113.7 2001:db8:200::/120\n"
			      "  203.0.113.8/32 2001:db8:300::1/128 2001:db8:400::/64\n"
			      "[vip plain]\n"
			      "address = 192.0.2.1 2001:db8::1/128\n"
			      "[vip off]\n"
			      "anyip = no\n"
			      "address = 192.0.2.2\n");
	const struct conf_group *g = &c->groups[0];

	assert_true(g->anyip);
	assert_int_equal(g->n_vips, 6);
	assert_prefix(vip(g, 0), "198.51.100.0", 24);
	assert_prefix(vip(g, 1), "203.0.113.7", 32);
	assert_prefix(vip(g, 2), "2001:db8:200::", 120);
	assert_prefix(vip(g, 3), "203.0.113.8", 32);
	assert_prefix(vip(g, 4), "2001:db8:300::1", 128);
	assert_prefix(vip(g, 5), "2001:db8:400::", 64);
	g = &c->groups[1];
	assert_false(g->anyip);
	assert_prefix(vip(g, 0), "192.0.2.1", 32);
	assert_prefix(vip(g, 1), "2001:db8::1", 128);
	assert_false(c->groups[2].anyip);
	conf_free(c);

	/* the bounds, and prefixes that touch without overlapping */
	c = good("[vip a]\nanyip = yes\naddress = 203.0.0.0/8 198.51.100.0/25\n"
		 "[vip b]\nanyip = yes\naddress = 198.51.100.128/25 2001:db8::/64\n"
		 "[vip c]\naddress = 204.0.0.0 202.255.255.255 2001:db8:0:1::\n");
	assert_prefix(vip(&c->groups[0], 0), "203.0.0.0", 8);
	assert_prefix(vip(&c->groups[1], 0), "198.51.100.128", 25);
	assert_prefix(vip(&c->groups[1], 1), "2001:db8::", 64);
	conf_free(c);
}

static void test_continuation(void **state)
{
	struct conf *c = good("[vip a]\n"
			      "address = 192.0.2.1\n"
			      "\t192.0.2.2 192.0.2.3\n"
			      "; a comment between continuation lines\n"
			      "    # and another\n"
			      "  2001:db8::1    ; with a comment\n"
			      "mode: tun\n"
			      "device = tun0\n");
	const struct conf_group *g = &c->groups[0];

	assert_int_equal(g->n_vips, 4);
	assert_int_equal(vip(g, 0)->line, 2);
	assert_int_equal(vip(g, 1)->line, 3);
	assert_int_equal(vip(g, 2)->line, 3);
	assert_vip(vip(g, 3), "2001:db8::1");
	assert_int_equal(vip(g, 3)->line, 6);
	assert_int_equal(g->mode, CONF_MODE_TUN);
	assert_string_equal(g->device, "tun0");
	conf_free(c);

	/* keys indented alike are keys; deeper lines continue them */
	c = good("[vip a]\n   address = 192.0.2.1\n     192.0.2.2\n"
		 "   mode = tun\n\tdevice = tun0\n");
	assert_int_equal(c->groups[0].n_vips, 2);
	assert_int_equal(c->groups[0].mode, CONF_MODE_TUN);
	assert_string_equal(c->groups[0].device, "tun0");
	conf_free(c);
}

static void test_crlf_bom_comments(void **state)
{
	struct conf *c = good("\xef\xbb\xbf; BOM, then CRLF\r\n"
			      "[agent]\r\n"
			      "arp_ignore = 2\r\n"
			      "# hash comment\r\n"
			      "[vip  web ]   ; spaces inside the brackets\r\n"
			      "address = 192.0.2.1\r\n"
			      "  192.0.2.2\r\n"
			      "mode = tun\r\n"
			      "device = tunl0");
	const struct conf_group *g = &c->groups[0];

	assert_int_equal(c->arp_ignore, 2);
	assert_string_equal(g->name, "web");
	assert_int_equal(g->n_vips, 2);
	assert_int_equal(g->line, 5);
	assert_string_equal(g->device, "tunl0");
	conf_free(c);

	c = good("\xef\xbb\xbf[agent]\narp_ignore=2\n");
	assert_int_equal(c->arp_ignore, 2);
	conf_free(c);
}

static void test_names(void **state)
{
	char text[256];
	struct conf *c;

	/* 63 bytes is the longest group name; 15 the longest device name */
	snprintf(text, sizeof(text),
		 "[vip %.63s]\naddress = 192.0.2.1\ndevice = abcdefghijklmno\n",
		 "A-b_c.9-0123456789012345678901234567890123456789012345678901234567");
	c = good(text);
	assert_int_equal(strlen(c->groups[0].name), 63);
	assert_string_equal(c->groups[0].device, "abcdefghijklmno");
	conf_free(c);
	c = good("[vip a]\naddress = 192.0.2.1\ndevice = \xc3\xa9th0\n");
	assert_string_equal(c->groups[0].device, "\xc3\xa9th0");
	conf_free(c);
}

/* ---- long lines: never truncated, and refused past CONF_LINE_MAX */

static size_t fill_addresses(char *buf, size_t size, const char *prefix,
			     size_t max_len, size_t *n_vips)
{
	size_t o = snprintf(buf, size, "%s", prefix);

	*n_vips = 0;
	for (unsigned i = 0;; i++) {
		char a[64];
		size_t n;

		if (i < 254)
			n = snprintf(a, sizeof(a), " 192.0.2.%u", i + 1);
		else
			n = snprintf(a, sizeof(a), " 2001:db8::%x", i);
		if (o + n > max_len)
			break;
		memcpy(buf + o, a, n + 1);
		o += n;
		(*n_vips)++;
	}
	return o;
}

static void test_long_lines(void **state)
{
	char line[2048], text[4096];
	struct conf_errors e = { 0 };
	size_t n_vips, n, o;
	struct conf *c;

	/* about 1000 bytes: every VIP still there */
	n = fill_addresses(line, sizeof(line), "address =", 1000, &n_vips);
	assert_true(n > 985 && n <= 1000);
	snprintf(text, sizeof(text), "[vip big]\n%s\nmode = tun\ndevice = x\n",
		 line);
	c = good(text);
	assert_int_equal(c->groups[0].n_vips, n_vips);
	snprintf(line, sizeof(line), "192.0.2.%zu", n_vips);
	assert_vip(vip(&c->groups[0], n_vips - 1), line);
	for (size_t i = 0; i < n_vips; i++)
		assert_int_equal(vip(&c->groups[0], i)->line, 2);
	assert_int_equal(c->groups[0].mode, CONF_MODE_TUN);
	conf_free(c);

	/* exactly CONF_LINE_MAX bytes, with a CRLF end: accepted */
	n = fill_addresses(line, sizeof(line), "address =", 1010, &n_vips);
	memset(line + n, ' ', CONF_LINE_MAX - n - 1);
	line[CONF_LINE_MAX - 1] = ';';
	line[CONF_LINE_MAX] = '\0';
	snprintf(text, sizeof(text), "[vip big]\r\n%s\r\n", line);
	c = good(text);
	assert_int_equal(c->groups[0].n_vips, n_vips);
	conf_free(c);

	/* a long comment after a value */
	memset(line, 'x', 900);
	line[900] = '\0';
	snprintf(text, sizeof(text), "[agent]\narp_ignore = 2     ; %s\n", line);
	c = good(text);
	assert_int_equal(c->arp_ignore, 2);
	conf_free(c);

	/* a trailing word 400 spaces on is not lost */
	memset(line, ' ', 400);
	line[400] = '\0';
	snprintf(text, sizeof(text), "[agent]\narp_ignore = 2 %s 3\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_true(has_error(&e, "t.conf:2: arp_ignore: trailing garbage after \"2\": \"3\""));
	conf_errors_done(&e);
	conf_free(c);

	/* a single-valued key with 201 words: one error */
	o = snprintf(text, sizeof(text), "[agent]\narp_ignore = 1");
	for (int i = 0; i < 200; i++)
		o += snprintf(text + o, sizeof(text) - o, " 2");
	snprintf(text + o, sizeof(text) - o, "\n");
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_true(has_error(&e, "t.conf:2: arp_ignore: trailing garbage after \"1\": \"2 2 2"));
	conf_errors_done(&e);
	conf_free(c);

	/* long lines of other kinds */
	memset(line, ' ', 300);
	line[300] = '\0';
	snprintf(text, sizeof(text), "[vip%.300s web%.300s]\naddress =%.300s192.0.2.1\n  %.300s192.0.2.2%.300s\n",
		 line, line, line, line, line);
	c = good(text);
	assert_string_equal(c->groups[0].name, "web");
	assert_int_equal(c->groups[0].n_vips, 2);
	conf_free(c);

	/* one byte more than CONF_LINE_MAX: refused, and named */
	n = fill_addresses(line, sizeof(line), "address =", 1010, &n_vips);
	memset(line + n, ' ', CONF_LINE_MAX - n);
	line[CONF_LINE_MAX] = '1';
	line[CONF_LINE_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "[vip big]\n%s\nmode = tun\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0], "t.conf:2: line is 1025 bytes long, at most 1024 are allowed");
	conf_errors_done(&e);
	conf_free(c);

	/* and the next lines still count */
	snprintf(text, sizeof(text), "[agent]\n; %s\narp_ignore = 7\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_true(has_error(&e, "t.conf:2: line is 1027 bytes long"));
	assert_true(has_error(&e, "t.conf:3: arp_ignore: 7 is not allowed"));
	conf_errors_done(&e);
	conf_free(c);

	/* a comma far into a long address line: one error for the line,
	 * quoted from its start, and no address of it kept */
	n = fill_addresses(line, sizeof(line), "address =", 900, &n_vips);
	line[n - 4] = ',';
	snprintf(text, sizeof(text), "[vip big]\n%s\n  192.0.2.254\nmode = bogus\n", line);
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.v[0], "t.conf:2: vip \"big\": addresses are separated by spaces, not commas: "
				    "\"192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.\"...");
	/* the line numbers after a 900-byte line are right */
	assert_true(has_error(&e, "t.conf:4: vip \"big\": mode: \"bogus\" is not one of dr, tun"));
	assert_int_equal(c->groups[0].n_vips, 1);
	assert_int_equal(vip(&c->groups[0], 0)->line, 3);
	conf_errors_done(&e);
	conf_free(c);
}

static void test_too_many_errors(void **state)
{
	char text[4096] = "[agent]\n";
	struct conf_errors e = { 0 };
	struct conf *c;

	for (int i = 0; i < 70; i++)
		strcat(text, "x = 1\n");
	assert_int_equal(parse(text, &c, &e), -EINVAL);
	assert_int_equal(e.n, CONF_ERRORS_MAX + 1);
	assert_true(strncmp(e.v[0], "t.conf:2: unknown key", 21) == 0);
	assert_true(strncmp(e.v[CONF_ERRORS_MAX - 1], "t.conf:51: ", 11) == 0);
	assert_string_equal(e.v[CONF_ERRORS_MAX],
			    "t.conf: too many errors, only the first 50 are listed");
	conf_errors_done(&e);
	conf_free(c);

	/* without an error list, the result is still -EINVAL */
	c = conf_new();
	assert_int_equal(conf_parse_string(c, "t.conf", text, strlen(text), NULL),
			 -EINVAL);
	conf_free(c);
}

/* Two strings parsed into one config, as conf_load does with drop-ins. */
static void test_two_strings(void **state)
{
	const char *a = "[vip web]\naddress = 192.0.2.1\n";
	const char *b = "[agent]\n[vip x]\n\naddress = 192.0.2.1\n"
			"[vip web]\naddress = 192.0.2.2\n";
	struct conf_errors e = { 0 };
	struct conf *c = conf_new();

	assert_int_equal(conf_parse_string(c, "a.conf", a, strlen(a), &e), 0);
	assert_int_equal(conf_parse_string(c, "b.conf", b, strlen(b), &e), 0);
	assert_int_equal(conf_validate(c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.v[0], "b.conf:5: vip \"web\" is already defined at a.conf:1");
	assert_string_equal(e.v[1],
			    "b.conf:4: vip \"x\": 192.0.2.1 is already listed at a.conf:2 (vip \"web\")");
	conf_errors_done(&e);
	conf_free(c);
}

/* ---- conf_load with drop-ins */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-conf.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int load(const char *name, struct conf **c, struct conf_errors *e)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	*c = NULL;
	return conf_load(path, c, e);
}

static bool has_error_at(const struct conf_errors *e, const char *file,
			 const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "%s/%s%s", tmpdir, file, rest);
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i], want) == 0)
			return true;
	print_message("wanted: %s\n", want);
	dump_errors(e);
	return false;
}

static void test_load(void **state)
{
	struct conf_errors e = { 0 };
	struct conf *c;
	char path[256];

	/* no main file */
	assert_int_equal(load("missing.conf", &c, &e), -ENOENT);
	assert_null(c);
	assert_int_equal(e.n, 1);
	assert_true(has_error_at(&e, "missing.conf", ": No such file or directory"));
	conf_errors_done(&e);

	/* no .d directory: fine */
	write_file("a.conf", "[agent]\narp_ignore = 2\n[vip main]\naddress = 192.0.2.1\n");
	assert_int_equal(load("a.conf", &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(c->arp_ignore, 2);
	assert_int_equal(c->n_groups, 1);
	c = conf_free(c);

	/* drop-ins in strcmp order; other names are ignored */
	snprintf(path, sizeof(path), "%s/a.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("a.conf.d/20-b.conf", "[vip b]\naddress = 192.0.2.3\n");
	write_file("a.conf.d/10-a.conf", "[vip a]\naddress = 192.0.2.2\n[agent]\nrp_filter = 0\n");
	write_file("a.conf.d/B.conf", "[vip upper]\naddress = 192.0.2.4\n");
	write_file("a.conf.d/README", "not a config");
	write_file("a.conf.d/x.conf.bak", "not a config");
	write_file("a.conf.d/.hidden.conf", "not a config");
	assert_int_equal(load("a.conf", &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(c->n_groups, 4);
	assert_string_equal(c->groups[0].name, "main");
	assert_string_equal(c->groups[1].name, "a");
	assert_string_equal(c->groups[2].name, "b");
	assert_string_equal(c->groups[3].name, "upper"); /* '2' < 'B' */
	assert_int_equal(c->rp_filter, 0);
	snprintf(path, sizeof(path), "%s/a.conf.d/10-a.conf", tmpdir);
	assert_string_equal(c->groups[1].file, path);
	assert_string_equal(c->groups[1].vips[0].file, path);
	c = conf_free(c);
}

static void test_load_errors(void **state)
{
	struct conf_errors e = { 0 };
	struct conf *c;
	char path[256];

	write_file("b.conf", "[vip web]\naddress = 192.0.2.1\n[agent]\narp_ignore = 2\n");
	snprintf(path, sizeof(path), "%s/b.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	/* an error in a drop-in names the drop-in and its line */
	write_file("b.conf.d/10.conf", "[vip ok]\naddress = 192.0.2.9\n\nmode = bad\n");
	/* the same group, the same VIP and the same [agent] key again */
	write_file("b.conf.d/20.conf",
		   "; again\n[vip web]\naddress = 192.0.2.2\n[vip other]\naddress = 192.0.2.1/32\n"
		   "[agent]\narp_ignore = 2\n");
	assert_int_equal(load("b.conf", &c, &e), -EINVAL);
	assert_null(c);
	assert_int_equal(e.n, 4);
	assert_true(has_error_at(&e, "b.conf.d/10.conf",
				 ":4: vip \"ok\": mode: \"bad\" is not one of dr, tun"));
	snprintf(path, sizeof(path), ":7: arp_ignore: already set at %s/b.conf:4", tmpdir);
	assert_true(has_error_at(&e, "b.conf.d/20.conf", path));
	snprintf(path, sizeof(path), ":2: vip \"web\" is already defined at %s/b.conf:1", tmpdir);
	assert_true(has_error_at(&e, "b.conf.d/20.conf", path));
	snprintf(path, sizeof(path),
		 ":5: vip \"other\": 192.0.2.1 is already listed at %s/b.conf:2 (vip \"web\")",
		 tmpdir);
	assert_true(has_error_at(&e, "b.conf.d/20.conf", path));
	conf_errors_done(&e);

	/* a drop-in that is no regular file (a directory, a FIFO: read at
	 * once, never waited on) is an error naming it */
	write_file("c.conf", "[vip c]\naddress = 192.0.2.1\n");
	snprintf(path, sizeof(path), "%s/c.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/c.conf.d/dir.conf", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/c.conf.d/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(load("c.conf", &c, &e), -EBADFD);
	assert_int_equal(e.n, 2);
	assert_true(has_error_at(&e, "c.conf.d/dir.conf",
				 ": a directory, not a regular file: the config is read from regular files only"));
	assert_true(has_error_at(&e, "c.conf.d/fifo.conf",
				 ": a FIFO, not a regular file: the config is read from regular files only"));
	conf_errors_done(&e);
	/* the main file too */
	assert_int_equal(load("c.conf.d/fifo.conf", &c, &e), -EBADFD);
	assert_int_equal(e.n, 1);
	assert_true(has_error_at(&e, "c.conf.d/fifo.conf",
				 ": a FIFO, not a regular file: the config is read from regular files only"));
	conf_errors_done(&e);

	/* path.d that is not a directory */
	write_file("d.conf", "[vip d]\naddress = 192.0.2.1\n");
	write_file("d.conf.d", "");
	assert_int_equal(load("d.conf", &c, &e), -ENOTDIR);
	assert_true(has_error_at(&e, "d.conf.d", ": Not a directory"));
	conf_errors_done(&e);

	/* a main file with errors still has its drop-ins read */
	write_file("e.conf", "[agent]\narp_ignore = 5\n");
	snprintf(path, sizeof(path), "%s/e.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("e.conf.d/1.conf", "[vip e]\n");
	assert_int_equal(load("e.conf", &c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_true(has_error_at(&e, "e.conf", ":2: arp_ignore: 5 is not allowed: 3-8 are not for LVS; allowed: 1, 2"));
	assert_true(has_error_at(&e, "e.conf.d/1.conf", ":1: vip \"e\" has no address"));
	conf_errors_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_vip_defaults),
		cmocka_unit_test(test_tun_types),
		cmocka_unit_test(test_unused_keys_accepted),
		cmocka_unit_test(test_mss),
		cmocka_unit_test(test_host_prefix_is_same_vip),
		cmocka_unit_test(test_anyip),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_crlf_bom_comments),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_two_strings),
		cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_dir,
						teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
