// SPDX-License-Identifier: GPL-2.0-or-later
/* conf/: every rule's error message with file and line, one line each. */
#include "conf-fixture.h"

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
	/* every error of a file, not just the first */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_two_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
