/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the mss kind of tunnel/: what mss.c (the steps and the kind's
 * ops) and mss-table.c (the table: its rules, the kernel's table read as
 * the kind's, one transaction per change) share. Nothing outside tunnel/
 * includes this file.
 */
#ifndef LVS_TUNNEL_MSS_INTERNAL_H
#define LVS_TUNNEL_MSS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "tunnel.h"

/* Addresses as numbers, IPv4 and IPv6 alike: ranges are compared and
 * their ends computed. */
typedef unsigned __int128 mss_u128;

static inline unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static inline size_t family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static inline mss_u128 num_of(int family, const unsigned char *key)
{
	mss_u128 v = 0;

	for (size_t i = 0; i < family_len(family); i++)
		v = v << 8 | key[i];
	return v;
}

static inline void key_of(int family, mss_u128 v, unsigned char *key)
{
	for (size_t i = family_len(family); i-- > 0; v >>= 8)
		key[i] = (unsigned char)v;
}

/* The address after the prefix's last; 0 past the top of the space. */
static inline mss_u128 range_end(int family, mss_u128 lo, unsigned plen)
{
	mss_u128 end = lo + ((mss_u128)1 << (family_bits(family) - plen));

	return family == AF_INET && end >> 32 ? 0 : end;
}


/*
 * A VIP or anyip prefix and the MSS its SYN-ACKs are clamped to: the
 * addresses [lo, hi). hi is 0 for a range reaching the top of the address
 * space (the agent makes none: no VIP is there).
 */
struct mss_entry {
	int family;
	unsigned char plen;
	mss_u128 lo, hi;
	int mss;
};

/* A step's target: the table, or one VIP's element. */
struct mss_target {
	bool table;
	struct mss_entry e; /* mss unset */
};

/* 0, or -EINVAL for anything but the canonical text of a target. */
int mss_parse_target(const char *t, struct mss_target *p);
/* "inet lvs_rs_agent_mss vip 198.51.100.10"; 0 or -ENAMETOOLONG. */
int mss_vip_target(int family, const void *addr, unsigned plen, char *buf,
		   size_t len);
/* The MSS a value names: a canonical number in the config's range, or 0. */
int mss_value(const char *value);
/* The prefix text of e: "198.51.100.0/24", "2001:db8::10". */
void mss_entry_text(const struct mss_entry *e, char *buf, size_t len);

enum mss_tstate { M_ABSENT, M_FOREIGN, M_INCOMPLETE, M_PRESENT };

struct mss_view {
	enum mss_tstate table;
	struct mss_entry *v; /* sorted by family and lo (mss_entry_cmp) */
	size_t n;
};

int mss_entry_cmp(const void *a, const void *b);
/* The kernel's table; 0 or -errno with netconf_error() set. */
int mss_read(struct netconf *nc, struct mss_view *o);
void mss_view_done(struct mss_view *o);
/* The table step's value for a table in state t. */
const char *mss_table_value(enum mss_tstate t);
/*
 * The value each step reads in o (->now). With `whole`, v is every step
 * of the kind, and an element no step names makes the table incomplete.
 */
int mss_values(const struct mss_view *o, struct step *const *v, size_t n,
	       bool whole);

int mss_change(struct netconf *nc, struct step *const *v, size_t n,
	       enum step_field to, int *res);

#endif
