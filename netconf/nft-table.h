/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An nf_tables table owned whole, as wg-quick owns its table: what it should
 * hold written down (the table with the agent's marker comment, its sets and
 * their elements, base chains, rules made of expressions), the kernel's
 * table read back and compared whole (any foreign or missing rule, chain,
 * set, flag or element makes it differ), replaced whole in one transaction
 * (deleted and made again when it exists), deleted. Any table of any family:
 * the ARP suppression's (arp/nft.c) and others alike.
 *
 * On the netlink layer: the caller's nfnetlink socket (netconf_nl()), its
 * transactions (nl_txn_*). Never prints: 0 or -errno, and nl_error() says
 * which request failed, or the kernel's text.
 */
#ifndef LVS_NETCONF_NFT_TABLE_H
#define LVS_NETCONF_NFT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netfilter/nf_tables.h>

struct nl;
struct nl_txn;
struct nftnl_expr;
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

/* ---- expressions and rules (libnftnl objects; NULL without memory) */

struct nftnl_expr *nft_expr_meta(uint32_t key, uint32_t dreg);
/* base NFT_PAYLOAD_*_HEADER; a load into dreg, or a store from sreg
 * without checksum update. */
struct nftnl_expr *nft_expr_payload(uint32_t base, uint32_t off, uint32_t len,
				    uint32_t dreg);
struct nftnl_expr *nft_expr_payload_set(uint32_t base, uint32_t off,
					uint32_t len, uint32_t sreg);
struct nftnl_expr *nft_expr_cmp(uint32_t op, uint32_t sreg, const void *data,
				uint32_t len);
/* reg = (reg & mask) ^ xor, len bytes each. */
struct nftnl_expr *nft_expr_bitwise(uint32_t reg, const void *mask,
				    const void *xor, uint32_t len);
struct nftnl_expr *nft_expr_lookup(const struct nft_set_spec *set, uint32_t sreg);
struct nftnl_expr *nft_expr_data(uint32_t dreg, const void *data, uint32_t len);
struct nftnl_expr *nft_expr_verdict(int verdict);
/* A TCP option's field: loaded into dreg, or written from sreg. */
struct nftnl_expr *nft_expr_tcpopt(uint8_t type, uint32_t off, uint32_t len,
				   uint32_t dreg);
struct nftnl_expr *nft_expr_tcpopt_set(uint8_t type, uint32_t off, uint32_t len,
				       uint32_t sreg);

/*
 * A rule of spec's table in `chain` made of e[0..n), which it takes (also
 * on failure; a NULL among them fails, so that the expressions can be
 * made in place). NULL without memory.
 */
struct nftnl_rule *nft_rule_new(const struct nft_table_spec *spec,
				const char *chain, struct nftnl_expr **e, size_t n);
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
 * flags, exactly the spec's sets (name, key, flags) and chains (hook,
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

/* ---- transactions: the messages (into an nl_txn of NFNL_SUBSYS_NFTABLES) */

/* The table made with the marker (NLM_F_EXCL: one made behind the
 * agent's back since it looked fails the transaction), or deleted with
 * everything in it. */
void nft_put_table(struct nl_txn *t, const struct nft_table_spec *spec,
		   bool create, size_t owner);
void nft_put_set(struct nl_txn *t, const struct nft_table_spec *spec,
		 const struct nft_set_spec *set, size_t owner);
void nft_put_chain(struct nl_txn *t, const struct nft_table_spec *spec,
		   const struct nft_chain_spec *chain, size_t owner);
/* Elements e[0..n) added (NLM_F_EXCL) or deleted in one message. */
void nft_put_elems(struct nl_txn *t, const struct nft_table_spec *spec,
		   const struct nft_set_spec *set, const struct nft_elem *e,
		   size_t n, bool add, size_t owner);
/* r appended to its chain; r stays the caller's. */
void nft_put_rule(struct nl_txn *t, const struct nftnl_rule *r, size_t owner);
void nft_put_delrule(struct nl_txn *t, const struct nft_table_spec *spec,
		     const char *chain, uint64_t handle, size_t owner);
/* The table made whole: table, sets, chains, elements, rules. */
void nft_put_whole(struct nl_txn *t, const struct nft_table_spec *spec,
		   const struct nft_table_content *want, size_t owner);

/* ---- whole tables, one transaction each */

/*
 * The table deleted when `exists` and made whole as `want`, in one
 * transaction. 0 or -errno.
 */
int nft_table_replace(struct nl *nl, const struct nft_table_spec *spec,
		      const struct nft_table_content *want, bool exists);
int nft_table_delete(struct nl *nl, const struct nft_table_spec *spec);
/*
 * Read back, compare whole, and replace when anything differs: 1 when it
 * was replaced (or made), 0 when it was already so, -EEXIST for a foreign
 * table of that name (left alone), or another -errno.
 */
int nft_table_sync(struct nl *nl, const struct nft_table_spec *spec,
		   const struct nft_table_content *want);

#endif
