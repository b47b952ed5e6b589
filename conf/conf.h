/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The INI schema of lvs-rs-agent: parsing (its own line reader), validation,
 * and the desired state in memory. No system calls besides reading the config
 * files.
 */
#ifndef LVS_CONF_H
#define LVS_CONF_H

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/macro.h"

#define CONF_DEFAULT_PATH "/etc/lvs-rs-agent/agent.conf"
#define CONF_LINE_MAX 1024
#define CONF_NAME_MAX 64
/* Longest key or value word: every valid one is far shorter (an IPv6 VIP with
 * its prefix is at most 49 bytes), so a longer one is refused as too long
 * rather than parsed and quoted in part. */
#define CONF_WORD_MAX 64
/* struct conf_errors keeps this many lines, then one "too many errors". */
#define CONF_ERRORS_MAX 50
/* The keys of [agent]: arp_suppress, arp_ignore, arp_announce, rip, rp_filter,
 * max_vips, sysctl_dropin */
#define CONF_AGENT_KEYS 7
/*
 * [agent] sysctl_dropin: CONF_DROPIN_AUTO (the standard path when the agent
 * runs as root, none otherwise), "" (no, the default), or an absolute
 * path of a *.conf file in a directory named sysctl.d.
 */
#define CONF_DROPIN_AUTO "auto"
#define CONF_DROPIN_MAX 96
/*
 * Whether path can be a sysctl_dropin file: absolute, at most
 * CONF_DROPIN_MAX - 1 bytes, "NAME.conf" in a directory named sysctl.d (the
 * only ones systemd-sysctl reads), no "." or ".." component, no empty one,
 * no whitespace or control byte.
 */
bool conf_dropin_path_valid(const char *path);
/*
 * [agent] max_vips: how many VIPs (an anyip prefix counts as one: one route)
 * a config may hold. The kernel's cost of an address grows with the number
 * already there: 10,000 IPv6 VIPs take some 1.5 s to apply and 6 s to
 * revert, within the 10 s another run waits for the lock by default; four
 * times as many take over a minute and minutes (lvs-rs-agent.conf(5)).
 */
#define CONF_MAX_VIPS_DEFAULT 10000
#define CONF_MAX_VIPS_LIMIT 1000000

enum conf_arp_suppress {
	CONF_ARP_SYSCTL,
	CONF_ARP_NFT,
	CONF_ARP_BOTH,
	CONF_ARP_NONE,
};

enum conf_mode {
	CONF_MODE_DR,
	CONF_MODE_TUN,
};

/* How the director encapsulates a mode = tun group (ipvsadm --tun-type). */
enum conf_tun_type {
	CONF_TUN_IPIP,
	CONF_TUN_GUE,
	CONF_TUN_GRE,
};

/*
 * [vip NAME] mss: the MSS clamp of a mode = tun group's SYN-ACKs. struct
 * conf_group's mss is CONF_MSS_AUTO (the default: from the route back's
 * MTU and the tunnel's overhead), CONF_MSS_OFF, or the MSS itself in
 * [CONF_MSS_MIN, CONF_MSS_MAX]. A dr group's is CONF_MSS_OFF: its replies
 * take no tunnel.
 */
#define CONF_MSS_AUTO (-1)
#define CONF_MSS_OFF 0
/* RFC 879's default MSS: the least every IPv4 host takes. */
#define CONF_MSS_MIN 536
/* The largest IPv4 datagram, 65535, less the IP and TCP headers. */
#define CONF_MSS_MAX 65495

/* Where something was set, for messages naming two places. */
struct conf_where {
	const char *file; /* points into struct conf's file list */
	int line;         /* 0: not set */
};

struct conf_vip {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	/*
	 * 32 or 128 for one VIP. Shorter only in an anyip group, where
	 * conf_validate() has checked that addr is the network address of
	 * the prefix and that the prefix is within the anyip bounds.
	 */
	unsigned char prefixlen;
	char *spelling;   /* private: the text as written, for a prefix */
	const char *file; /* points into struct conf's file list */
	int line;
};

struct conf_group {
	char name[CONF_NAME_MAX];
	enum conf_mode mode;
	char device[IF_NAMESIZE]; /* default filled in by conf_validate() */
	bool device_set;
	int device_line; /* the device key's line in `file`; 0: the default */
	bool address_set; /* an address key was given (maybe with errors) */
	/*
	 * anyip = yes: the VIPs become local routes in table local on the
	 * device instead of addresses, and an address may be a prefix.
	 */
	bool anyip;
	/*
	 * mode = tun: the director's encapsulation (default CONF_TUN_IPIP)
	 * and, for GUE, the UDP port it sends to (its --tun-port; 0: unset).
	 * Their lines in `file` (0: not set) for the whole-config checks.
	 */
	enum conf_tun_type tun_type;
	uint16_t tun_port;
	int tun_type_line, tun_port_line;
	int mss; /* CONF_MSS_AUTO, CONF_MSS_OFF or the MSS: see CONF_MSS_AUTO */
	int mss_line; /* the mss key's line in `file`; 0: the default */
	bool has_errors;  /* private: parse errors were reported for it */
	struct conf_vip *vips;
	size_t n_vips;
	const char *file;
	int line; /* the [vip NAME] line */
};

struct conf {
	enum conf_arp_suppress arp_suppress; /* default CONF_ARP_SYSCTL */
	int arp_ignore;                      /* 1 (default) or 2 */
	int arp_announce;                    /* 2 (default) or 1 */
	bool rip_auto;                       /* default true */
	struct in_addr rip;                  /* when !rip_auto */
	int rp_filter;                       /* 2 (default) or 0 */
	unsigned max_vips;                   /* CONF_MAX_VIPS_DEFAULT */
	char sysctl_dropin[CONF_DROPIN_MAX]; /* see CONF_DROPIN_AUTO */
	struct conf_group *groups;
	size_t n_groups;
	/* private to conf/: the file names that vips/groups point into */
	char **files;
	size_t n_files;
	/* private: where each [agent] key was set (an error to set it twice) */
	struct conf_where agent_set[CONF_AGENT_KEYS];
};

/*
 * Error lines, each "FILE:LINE: message" (or "FILE: message"). Zero-initialise
 * it; it keeps CONF_ERRORS_MAX lines and then one "too many errors" line.
 */
struct conf_errors {
	char **v;
	size_t n;
};
void conf_errors_done(struct conf_errors *e);

struct conf *conf_new(void);
/* Takes NULL, returns NULL. */
struct conf *conf_free(struct conf *c);
static inline void conf_freep(struct conf **c)
{
	conf_free(*c);
}
#define _cleanup_conf_ _cleanup_(conf_freep)

/*
 * Parse one file's text into c (which may already hold what earlier files
 * defined: drop-ins add groups). `filename` is used in error messages.
 * Returns 0, or -EINVAL with every problem appended to err (which may be
 * NULL), or -ENOMEM. Lines over CONF_LINE_MAX bytes and NUL bytes are
 * errors, never cut off or skipped in silence.
 */
int conf_parse_string(struct conf *c, const char *filename, const char *text,
		      size_t len, struct conf_errors *err);

/*
 * The shortest anyip prefixes. A local route for a prefix makes every
 * address in it answer on the host: a /8 is already 16 million VIPs, far
 * more than any LVS service needs, and anything shorter is more likely a
 * typo that would swallow the RS's own networks (the local table wins over
 * every route of the main table). IPv6: /64 is one subnet; shorter ones
 * only serve to break the RS's own IPv6 networks in the same way.
 */
#define CONF_ANYIP_MIN_V4 8
#define CONF_ANYIP_MIN_V6 64

/*
 * The checks that need the whole config (defaults filled in, prefixes
 * against anyip, duplicates and overlapping prefixes across groups and
 * files, device fits the mode and family, no more than max_vips VIPs).
 * 0 or -EINVAL. VIPs refused here are dropped from their group.
 */
int conf_validate(struct conf *c, struct conf_errors *err);

/*
 * Read `path` and then `path`.d/ *.conf in lexical order, parse and validate.
 * A missing main file is an error; a missing .d directory is not.
 * 0 and *ret, or -errno / -EINVAL with err filled (never both empty).
 */
int conf_load(const char *path, struct conf **ret, struct conf_errors *err);

/*
 * Where the [agent] key `key` ("arp_announce") was set: its file and line,
 * or line 0 when it has its default (or is no [agent] key).
 */
struct conf_where conf_agent_where(const struct conf *c, const char *key);

const char *conf_arp_suppress_name(enum conf_arp_suppress a);
const char *conf_mode_name(enum conf_mode m);
/* "ipip", "gue", "gre". */
const char *conf_tun_type_name(enum conf_tun_type t);

#endif
