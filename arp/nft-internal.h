/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the nft kind of arp/: what nft.c (the steps and the kind's ops),
 * nft-view.c (the table as ARP sees it: its shape, rules, targets and the
 * kernel's table read as ARP's) and nft-change.c (one transaction per
 * change) share. Nothing outside arp/ includes this file.
 */
#ifndef LVS_ARP_NFT_INTERNAL_H
#define LVS_ARP_NFT_INTERNAL_H

#include <arpa/inet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arp.h"
#include "../netconf/netconf.h"
#include "../netconf/nft-table.h"

#define SET_NAME "vips"
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

static inline uint32_t host_of(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static inline struct in_addr addr_of(uint32_t h)
{
	return (struct in_addr){ .s_addr = htonl(h) };
}

/* How many addresses a prefix holds: 1 for a /32, 2^32 for a /0. */
static inline uint64_t prefix_size(unsigned plen)
{
	return (uint64_t)1 << (32 - plen);
}

/* "198.51.100.10" for a VIP, "198.51.100.0/24" for a prefix. */
static inline void vip_text(struct in_addr a, unsigned plen, char *buf, size_t len)
{
	netconf_prefix_text(AF_INET, &a, plen, false, buf, len);
}

/* 0, or -EINVAL for anything but the canonical text of a target. */
int anft_parse_target(const char *t, struct parsed *p);

/* ---- the table as ARP sees it */

/* The table's spec, its set plain or with intervals. */
const struct nft_table_spec *anft_spec(bool interval);

/*
 * input:  arp operation request arp daddr ip @vips drop
 * output: [oifname OIF] arp operation request arp saddr ip @vips
 *         arp saddr ip set RIP
 * NULL without memory.
 */
struct nftnl_rule *anft_rule(const char *chain, const char *oif,
			     const struct in_addr *rip);

enum tstate { T_ABSENT, T_FOREIGN, T_INCOMPLETE, T_PRESENT };

/*
 * What the set holds, as ranges [lo, hi): a plain set's elements are
 * ranges of one address. An interval's end element is the address after
 * its last; one reaching 255.255.255.255 has none (hi = 2^32).
 */
struct range {
	uint32_t lo;
	uint64_t hi;
};

/* A rule of the output chain. */
struct orule {
	uint64_t handle;
	char key[IF_NAMESIZE];	/* "*" when the rule has no oifname */
	char value[STEP_VALUE_MAX];
};

struct view {
	/*
	 * T_INCOMPLETE: the agent's table, damaged, or holding what the agent
	 * never makes: table flags (dormant switches the whole table off),
	 * another chain or set, a set "vips" of another key or flags, a second
	 * rule in the input chain, two output rules for one interface.
	 */
	enum tstate table;
	uint32_t flags, owner; /* the table's flags, its owner's port */
	bool interval; /* the set has NFT_SET_INTERVAL */
	struct range *ranges; /* sorted by lo */
	size_t n_ranges;
	struct orule *rules;
	size_t n_rules;
};

/* The kernel's table; 0 or -errno with netconf_error() set. */
int anft_read(struct netconf *nc, struct view *o);
void anft_view_done(struct view *o);
const struct orule *anft_find_rule(const struct view *o, const char *key);
int anft_range_cmp(const void *a, const void *b);
/* Whether the set holds exactly the VIP or prefix a/plen. */
bool anft_has_range(const struct view *o, struct in_addr a, unsigned plen);
/* The table step's value for a table in state t. */
const char *anft_table_value(enum tstate t, bool interval);

/* Whether v has the table step, and where. */
bool anft_table_step(struct step *const *v, size_t n, size_t *idx);
/* The ranges of v's element steps, sorted, for bsearch with anft_range_cmp. */
int anft_step_ranges(struct step *const *v, size_t n, struct range **ret,
		     size_t *n_ret);
/*
 * The value each step reads in o (->now). With `whole`, v is every step of
 * the kind, and what the table holds beyond them (an element or output rule
 * no step names) makes it incomplete; without, each step reads as it is.
 */
int anft_values(const struct view *o, struct step *const *v, size_t n,
		bool whole);

/* ---- the kind's change (nft-change.c): one transaction a call */

int anft_change(struct netconf *nc, struct step *const *v, size_t n,
		enum step_field to, int *res);

#endif
