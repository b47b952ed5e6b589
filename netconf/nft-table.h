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

#include "nft-read.h"

struct nl;
struct nl_txn;
struct nftnl_expr;
struct nftnl_rule;

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

/* ---- transactions: the messages (into an nl_txn of NFNL_SUBSYS_NFTABLES) */

/* The table made with the marker (NLM_F_EXCL: one made behind the
 * agent's back since it looked fails the transaction), or deleted with
 * everything in it. */
void nft_put_table(struct nl_txn *t, const struct nft_table_spec *spec,
		   bool create, size_t owner);
/*
 * The table made with the marker and the table flags `flags` (0, or
 * NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST: owned by the transaction's
 * socket, kept when it closes), as nft_put_table() makes it.
 */
void nft_put_table_flags(struct nl_txn *t, const struct nft_table_spec *spec,
			 uint32_t flags, size_t owner);
/* An existing table's flags set to `flags`: an orphan adopted. */
void nft_put_table_update(struct nl_txn *t, const struct nft_table_spec *spec,
			  uint32_t flags, size_t owner);
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
 * Whether the kernel keeps an owned table when its owner's socket closes
 * (NFT_TABLE_F_PERSIST, Linux 6.9): a table of family `family` made
 * persistent and deleted in one transaction, which leaves nothing. 1 yes,
 * 0 no (the kernel refuses the flag), or another -errno.
 */
int nft_probe_persist(struct nl *nl, int family);
/*
 * Read back, compare whole, and replace when anything differs: 1 when it
 * was replaced (or made), 0 when it was already so, -EEXIST for a foreign
 * table of that name (left alone), or another -errno.
 */
/*
 * nft_table_read() on the nf_tables socket of the netconf handle, for a
 * kind: its failure said in netconf_error() as "cannot read the nf_tables
 * table FAMILY NAME: " and why (for a request without answer or a dump the
 * ruleset kept changing under, the layer's words).
 */
struct netconf;
int netconf_nft_read(struct netconf *nc, const struct nft_table_spec *spec,
		     struct nft_table_seen *seen);

int nft_table_sync(struct nl *nl, const struct nft_table_spec *spec,
		   const struct nft_table_content *want);

#endif
