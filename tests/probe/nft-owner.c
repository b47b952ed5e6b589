// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-owner-probe: what the running kernel does with an nf_tables table
 * owned by a process (NFT_TABLE_F_OWNER) and one that outlives its owner
 * (NFT_TABLE_F_PERSIST), asked of the kernel itself, one fact a line:
 *
 *   NAME = VALUE
 *
 * VALUE is "ok", an errno name ("EPERM", "EOPNOTSUPP"), "present" or
 * "absent", or a table's flags as "owner|persist" ("-" for none). Each
 * process of the story is a netlink socket of its own: a socket closed is
 * a process gone. Run it in a network namespace of its own (unshare -n): it
 * makes and deletes tables "arp lvs_probe_*" there and runs `flush ruleset`
 * of that namespace. Exit 0 when every question got an answer, 1 when the
 * kernel could not be asked.
 *
 * nft-owner-probe flags NAME: one line, the flags of the table arp NAME as
 * above, or "absent" (nft 1.0.6 cannot name PERSIST).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

/* Debian 12's headers (6.1) predate the flag; the kernel's value. */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif
/* No kernel defines it: what a kernel answers to a flag it lacks. */
#define FLAG_UNKNOWN 0x80

#define NO_FLAGS UINT32_MAX

static uint32_t seq;

static struct mnl_socket *proc_open(void)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);
	struct timeval tv = { .tv_sec = 2 };

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nft-owner-probe: netlink");
		exit(1);
	}
	setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

/* The acknowledgements of n requests: the first error, or 0. */
static int acks(struct mnl_socket *s, int n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err = 0;

	while (n > 0) {
		ssize_t len = mnl_socket_recvfrom(s, buf, sizeof(buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (len < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, (int)len); h = mnl_nlmsg_next(h, (int *)&len)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (e->error && !err)
				err = e->error;
			n--;
		}
	}
	return err;
}

struct msg {
	uint16_t type;		/* NFT_MSG_NEWTABLE or NFT_MSG_DELTABLE */
	const char *name;	/* NULL: every table (flush ruleset) */
	uint32_t flags;		/* NO_FLAGS: no NFTA_TABLE_FLAGS */
	bool excl;
};

/* One transaction of n messages; 0 or the first message's -errno. */
static int txn(struct mnl_socket *s, const struct msg *m, int n)
{
	static char buf[8192];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), ++seq);
	mnl_nlmsg_batch_next(b);
	for (int i = 0; i < n; i++) {
		struct nftnl_table *t = nftnl_table_alloc();
		uint16_t f = NLM_F_ACK;
		struct nlmsghdr *h;

		if (m[i].type == NFT_MSG_NEWTABLE)
			f |= NLM_F_CREATE | (m[i].excl ? NLM_F_EXCL : 0);
		if (m[i].name) {
			nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_ARP);
			nftnl_table_set_str(t, NFTNL_TABLE_NAME, m[i].name);
		}
		if (m[i].flags != NO_FLAGS)
			nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, m[i].flags);
		h = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), m[i].type,
					  m[i].name ? NFPROTO_ARP : NFPROTO_UNSPEC, f, ++seq);
		nftnl_table_nlmsg_build_payload(h, t);
		nftnl_table_free(t);
		mnl_nlmsg_batch_next(b);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), ++seq);
	mnl_nlmsg_batch_next(b);
	if (mnl_socket_sendto(s, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		return -errno;
	mnl_nlmsg_batch_stop(b);
	return acks(s, n);
}

static int make(struct mnl_socket *s, const char *name, uint32_t flags)
{
	struct msg m = { NFT_MSG_NEWTABLE, name, flags, true };

	return txn(s, &m, 1);
}

/* An existing table's flags changed (nf_tables_updtable). */
static int update(struct mnl_socket *s, const char *name, uint32_t flags)
{
	struct msg m = { NFT_MSG_NEWTABLE, name, flags, false };

	return txn(s, &m, 1);
}

static int delete(struct mnl_socket *s, const char *name)
{
	struct msg m = { NFT_MSG_DELTABLE, name, NO_FLAGS, false };

	return txn(s, &m, 1);
}

/* `nft flush ruleset`: one DELTABLE of family unspec without a name. */
static int flush(struct mnl_socket *s)
{
	return delete(s, NULL);
}

struct seen {
	bool present;
	uint32_t flags, owner;
};

static int table_cb(const struct nlmsghdr *h, void *data)
{
	struct seen *x = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(h, t) == 0) {
		x->present = true;
		x->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
		x->owner = nftnl_table_is_set(t, NFTNL_TABLE_OWNER) ?
			   nftnl_table_get_u32(t, NFTNL_TABLE_OWNER) : 0;
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

/* The table as any process sees it (a read needs no ownership). */
static struct seen look(const char *name)
{
	struct mnl_socket *s = proc_open();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct seen x = { 0 };
	struct nlmsghdr *h;
	ssize_t len;

	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_ARP, NLM_F_ACK, ++seq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	if (mnl_socket_sendto(s, h, h->nlmsg_len) >= 0)
		while ((len = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0)
			if (mnl_cb_run(buf, (size_t)len, seq, mnl_socket_get_portid(s),
				       table_cb, &x) <= MNL_CB_STOP)
				break;
	mnl_socket_close(s);
	return x;
}

static const char *err_name(int r)
{
	static char other[32];

	switch (r) {
	case 0: return "ok";
	case -EPERM: return "EPERM";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -ENOENT: return "ENOENT";
	case -EEXIST: return "EEXIST";
	case -EINVAL: return "EINVAL";
	case -EBUSY: return "EBUSY";
	}
	snprintf(other, sizeof(other), "errno %d", -r);
	return other;
}

static bool bare; /* flags NAME: the value alone */

static void fact(const char *name, const char *value)
{
	if (bare)
		printf("%s\n", value);
	else
		printf("%s = %s\n", name, value);
}

static void fact_r(const char *name, int r)
{
	fact(name, err_name(r));
}

/* "absent", or the flags as the kernel holds them now. */
static void fact_table(const char *name, const char *table)
{
	struct seen x = look(table);
	char v[64];

	if (!x.present) {
		fact(name, "absent");
		return;
	}
	snprintf(v, sizeof(v), "%s%s%s%s",
		 x.flags & NFT_TABLE_F_OWNER ? "owner" : "",
		 (x.flags & NFT_TABLE_F_OWNER) && (x.flags & NFT_TABLE_F_PERSIST) ? "|" : "",
		 x.flags & NFT_TABLE_F_PERSIST ? "persist" : "",
		 x.flags & (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST) ? "" : "-");
	fact(name, v);
}

/* Whether table's owner is socket s (NFTA_TABLE_OWNER is its port id). */
static void fact_owner(const char *name, const char *table, struct mnl_socket *s)
{
	struct seen x = look(table);

	fact(name, x.present && (x.flags & NFT_TABLE_F_OWNER) &&
			   x.owner == mnl_socket_get_portid(s) ? "yes" : "no");
}

int main(int argc, char **argv)
{
	struct mnl_socket *a, *b, *c;
	struct msg probe[2] = {
		{ NFT_MSG_NEWTABLE, "lvs_probe_flags", NFT_TABLE_F_PERSIST, true },
		{ NFT_MSG_DELTABLE, "lvs_probe_flags", NO_FLAGS, false },
	};
	bool persist;
	int r;

	if (argc == 3 && strcmp(argv[1], "flags") == 0) {
		bare = true;
		fact_table(argv[2], argv[2]);
		return 0;
	}

	/* Owned, not persistent (the kernel's since 5.12). */
	a = proc_open();
	b = proc_open();
	fact_r("owned.make", make(a, "lvs_probe_owned", NFT_TABLE_F_OWNER));
	fact_table("owned.flags", "lvs_probe_owned");
	fact_r("owned.other_delete", delete(b, "lvs_probe_owned"));
	fact_r("owned.other_update_unowned", update(b, "lvs_probe_owned", 0));
	fact_r("owned.other_flush", flush(b));
	fact_table("owned.after_other_flush", "lvs_probe_owned");
	mnl_socket_close(a);
	fact_table("owned.after_owner_closed", "lvs_probe_owned");
	a = proc_open();
	fact_r("owned.make_again", make(a, "lvs_probe_owned", NFT_TABLE_F_OWNER));
	fact_r("owned.owner_flush", flush(a));
	fact_table("owned.after_owner_flush", "lvs_probe_owned");
	fact_r("owned.make_third", make(a, "lvs_probe_owned", NFT_TABLE_F_OWNER));
	fact_r("owned.owner_delete", delete(a, "lvs_probe_owned"));
	fact_table("owned.after_owner_delete", "lvs_probe_owned");

	/* A table made unowned cannot become owned by an update. */
	fact_r("plain.make", make(b, "lvs_probe_plain", 0));
	fact_r("plain.update_owner", update(b, "lvs_probe_plain", NFT_TABLE_F_OWNER));
	fact_r("plain.update_owner_persist",
	       update(b, "lvs_probe_plain", NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	fact_table("plain.flags", "lvs_probe_plain");
	fact_r("plain.delete", delete(b, "lvs_probe_plain"));

	/* A flag the kernel lacks: refused, nothing made. */
	fact_r("unknown_flag.make", make(b, "lvs_probe_unknown", FLAG_UNKNOWN));
	fact_table("unknown_flag.table", "lvs_probe_unknown");

	/* The capability check: made and deleted in one transaction. */
	r = txn(b, probe, 2);
	fact_r("persist.probe", r);
	fact_table("persist.probe_left", "lvs_probe_flags");
	persist = r == 0;
	fact("persist", persist ? "yes" : "no");
	if (!persist) {
		mnl_socket_close(a);
		mnl_socket_close(b);
		return 0;
	}

	/* Owned and persistent: skipped by flush, kept when its owner goes. */
	fact_r("persist.make", make(a, "lvs_probe_persist",
				    NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	fact_table("persist.flags", "lvs_probe_persist");
	fact_r("persist.owner_update_same",
	       update(a, "lvs_probe_persist", NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	fact_r("persist.owner_drop_persist", update(a, "lvs_probe_persist", NFT_TABLE_F_OWNER));
	fact_r("persist.other_flush", flush(b));
	fact_table("persist.after_other_flush", "lvs_probe_persist");
	fact_r("persist.other_delete", delete(b, "lvs_probe_persist"));
	fact_r("persist.other_adopt_while_owned",
	       update(b, "lvs_probe_persist", NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	mnl_socket_close(a);
	fact_table("orphan.after_owner_closed", "lvs_probe_persist");
	/* An orphan: anyone's, as an unowned table is. */
	c = proc_open();
	fact_r("orphan.adopt", update(c, "lvs_probe_persist",
				      NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	fact_table("orphan.after_adopt", "lvs_probe_persist");
	fact_owner("orphan.adopter_owns", "lvs_probe_persist", c);
	fact_r("adopted.other_flush", flush(b));
	fact_table("adopted.after_other_flush", "lvs_probe_persist");
	mnl_socket_close(c);
	fact_table("adopted.after_owner_closed", "lvs_probe_persist");
	fact_r("orphan.other_flush", flush(b));
	fact_table("orphan.after_other_flush", "lvs_probe_persist");
	/* An orphan is deleted by name like any table. */
	c = proc_open();
	fact_r("orphan.make", make(c, "lvs_probe_persist",
				   NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	mnl_socket_close(c);
	fact_r("orphan.other_delete", delete(b, "lvs_probe_persist"));
	fact_table("orphan.after_other_delete", "lvs_probe_persist");
	/* Persistent without an owner: an orphan from the start. */
	fact_r("persist_only.make", make(b, "lvs_probe_persist", NFT_TABLE_F_PERSIST));
	fact_table("persist_only.flags", "lvs_probe_persist");
	c = proc_open();
	fact_r("persist_only.adopt", update(c, "lvs_probe_persist",
					    NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST));
	fact_table("persist_only.after_adopt", "lvs_probe_persist");
	/* An owner's delete and make again in one transaction. */
	{
		struct msg again[2] = {
			{ NFT_MSG_DELTABLE, "lvs_probe_persist", NO_FLAGS, false },
			{ NFT_MSG_NEWTABLE, "lvs_probe_persist",
			  NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST, true },
		};

		fact_r("owned.replace_in_one", txn(c, again, 2));
		fact_owner("owned.replace_owner_kept", "lvs_probe_persist", c);
	}
	fact_r("owned.owner_delete_persist", delete(c, "lvs_probe_persist"));
	fact_table("owned.after_owner_delete_persist", "lvs_probe_persist");
	/* An unowned table replaced by an owned one in one transaction. */
	fact_r("plain.make_again", make(b, "lvs_probe_plain", 0));
	{
		struct msg again[2] = {
			{ NFT_MSG_DELTABLE, "lvs_probe_plain", NO_FLAGS, false },
			{ NFT_MSG_NEWTABLE, "lvs_probe_plain",
			  NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST, true },
		};

		fact_r("plain.replace_owned_in_one", txn(c, again, 2));
		fact_owner("plain.replaced_owner", "lvs_probe_plain", c);
	}
	fact_r("plain.delete_replaced", delete(c, "lvs_probe_plain"));
	mnl_socket_close(c);
	mnl_socket_close(b);
	return 0;
}
