/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an nf_tables table should hold (the spec and its content), and the
 * table read back from the kernel and compared whole (nft-read.c): the half
 * of the table's face that reads. Callers include nft-table.h, which
 * includes this; nft-read.c includes only this, and depends on nothing of
 * nft-table.c.
 */
#ifndef LVS_NETCONF_NFT_READ_H
#define LVS_NETCONF_NFT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netfilter/nf_tables.h>

struct nl;
struct nftnl_rule;

/*
 * The comment (NFTNL_UDATA_TABLE_COMMENT) of every table the agent makes:
 * `nft list` shows it, and it tells the agent's table from a user's table
 * of the same name, which the agent never touches.
 */
#define NFT_TABLE_MARKER "managed by lvs-rs-agent; revert with: lvs-rs-agent revert"

/* ---- what a table should hold */

/* The longest set key (an IPv6 address). */
#define NFT_KEY_MAX 16

/* Linux 6.9: a table that outlives its owner; older headers lack it. */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif
/* The flags that say who holds a table, not what it does. */
#define NFT_TABLE_OWNERSHIP (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST)

/* A set element: its key as the kernel carries it (network byte order),
 * the bytes beyond the set's key length zero, and in an interval set
 * whether it ends an interval (the address after its last,
 * NFT_SET_ELEM_INTERVAL_END). */
struct nft_elem {
	unsigned char key[NFT_KEY_MAX];
	bool end;
};

struct nft_set_spec {
	const char *name;
	uint32_t id;       /* NFTNL_SET_ID: a rule of the same transaction names it */
	uint32_t key_type; /* nft's data type: 7 ipv4_addr, 8 ipv6_addr */
	uint32_t key_len;  /* bytes, at most NFT_KEY_MAX */
	uint32_t flags;    /* NFT_SET_INTERVAL or 0 */
};

/* A base chain of type filter, policy accept: the only kind the agent makes. */
struct nft_chain_spec {
	const char *name;
	uint32_t hook; /* NF_ARP_IN, NF_INET_LOCAL_OUT, ... */
	int32_t prio;  /* 0, NF_IP_PRI_MANGLE, ... */
};

struct nft_table_spec {
	uint32_t family; /* NFPROTO_ARP, NFPROTO_INET, ... */
	const char *name;
	const struct nft_set_spec *sets;
	size_t n_sets;
	const struct nft_chain_spec *chains;
	size_t n_chains;
};

struct nft_elems {
	const struct nft_elem *v;
	size_t n;
};

/* The content: the elements of each set of the spec (elems[i] for
 * sets[i]), and the rules (nft_rule_new()), each chain's in order. */
struct nft_table_content {
	const struct nft_elems *elems;
	struct nftnl_rule *const *rules;
	size_t n_rules;
};

/* "arp", "inet", ...: as nft names a family. */
const char *nft_family_name(uint32_t family);

/*
 * A rule's expressions as one line of text: two rules do the same exactly
 * when their texts are equal. Its length, or -ENOSPC when it did not fit.
 */
int nft_rule_text(const struct nftnl_rule *r, char *buf, size_t len);
bool nft_rule_same(const struct nftnl_rule *a, const struct nftnl_rule *b);

/* ---- reading a table back */

enum nft_table_state {
	NFT_TABLE_ABSENT,
	NFT_TABLE_FOREIGN, /* no marker: not the agent's, its content unread */
	NFT_TABLE_OURS,
};

struct nft_set_seen {
	char name[NFT_NAME_MAXLEN];
	uint32_t key_type, key_len, flags;
	struct nft_elem *elems;
	size_t n_elems;
};

struct nft_chain_seen {
	char name[NFT_NAME_MAXLEN];
	char type[16];
	bool base; /* has a hook */
	uint32_t hook, policy;
	int32_t prio;
};

struct nft_rule_seen {
	char chain[NFT_NAME_MAXLEN];
	uint64_t handle;
	struct nftnl_rule *r; /* as parsed, for the caller's own reading */
};

struct nft_table_seen {
	enum nft_table_state state;
	uint32_t flags; /* the table's: NFT_TABLE_F_DORMANT, ... */
	uint32_t owner; /* with NFT_TABLE_F_OWNER: the owning socket's port */
	struct nft_set_seen *sets;
	size_t n_sets;
	struct nft_chain_seen *chains;
	size_t n_chains;
	struct nft_rule_seen *rules; /* each chain's in its order */
	size_t n_rules;
};

/*
 * The table spec->family spec->name as the kernel has it: absent; foreign
 * (no marker comment); or the agent's, with its flags, every set with its
 * elements, every chain and rule. 0 or -errno (*ret then empty, nl_error()
 * naming the request that failed).
 */
int nft_table_read(struct nl *nl, const struct nft_table_spec *spec,
		   struct nft_table_seen *ret);
void nft_table_seen_done(struct nft_table_seen *s);
const struct nft_set_seen *nft_table_seen_set(const struct nft_table_seen *s,
					      const char *name);

/*
 * Whether the table is the agent's and has the spec's shape: no table
 * flags but who owns it (NFT_TABLE_OWNERSHIP), exactly the spec's sets (name, key, flags) and chains (hook,
 * priority, type filter, policy accept), nothing else. Elements and rules
 * are not compared.
 */
bool nft_table_shape_ok(const struct nft_table_spec *spec,
			const struct nft_table_seen *s);
/*
 * Whether the table holds exactly `want`: its shape, each set's elements
 * (in any order) and each chain's rules (in order), nothing more or less.
 * 0 and *ret, or -ENOMEM.
 */
int nft_table_same(const struct nft_table_spec *spec,
		   const struct nft_table_content *want,
		   const struct nft_table_seen *s, bool *ret);

#endif
