// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf_tables transactions (an nfnetlink batch, applied whole or not at all,
 * every message's ack mapped back to its owner) and generic netlink family
 * lookup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nl-private.h"

/* ---- nf_tables transactions */

/* The least socket buffer a transaction asks for, as netconf's socket has. */
#define TXN_MIN_BUF (1024 * 1024)

struct nl_txn {
	struct nl *nl;
	uint16_t res_id;
	char *buf;
	size_t len, cap;
	size_t open; /* where the message being built starts; SIZE_MAX: none */
	size_t room; /* what nl_txn_next() promised the open message */
	size_t *owner; /* owner[k] of message k, begin (k = 0) and end included */
	size_t n_msgs, cap_msgs;
	int err; /* -ENOMEM, -EMSGSIZE, -EINVAL: the commit fails with it */
	bool ended, sent;
};

static bool txn_room(struct nl_txn *t, size_t room)
{
	if (t->err)
		return false;
	if (t->cap - t->len < room) {
		size_t cap = t->cap ? t->cap : 4096;
		char *b;

		while (cap - t->len < room)
			cap *= 2;
		b = realloc(t->buf, cap);
		if (!b) {
			t->err = -ENOMEM;
			return false;
		}
		t->buf = b;
		t->cap = cap;
	}
	if (t->n_msgs == t->cap_msgs) {
		size_t cap = t->cap_msgs ? 2 * t->cap_msgs : 16;
		size_t *o = realloc(t->owner, cap * sizeof(*o));

		if (!o) {
			t->err = -ENOMEM;
			return false;
		}
		t->owner = o;
		t->cap_msgs = cap;
	}
	return true;
}

/* NFNL_MSG_BATCH_BEGIN or _END: nfgenmsg with the subsystem in res_id, and
 * no NLM_F_ACK (the kernel answers them only with an error). */
static void txn_marker(struct nl_txn *t, uint16_t type)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;

	nlh = nl_txn_next(t, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*g)), SIZE_MAX);
	if (!nlh)
		return;
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(t->res_id);
	t->len += MNL_ALIGN(nlh->nlmsg_len);
	t->open = SIZE_MAX;
}

int nl_txn_new(struct nl *nl, uint16_t res_id, size_t bytes, struct nl_txn **ret)
{
	struct nl_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->nl = nl;
	t->res_id = res_id;
	t->open = SIZE_MAX;
	if (bytes)
		(void)txn_room(t, bytes);
	txn_marker(t, NFNL_MSG_BATCH_BEGIN);
	if (t->err) {
		nl_txn_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

struct nl_txn *nl_txn_free(struct nl_txn *t)
{
	if (!t)
		return NULL;
	free(t->buf);
	free(t->owner);
	free(t);
	return NULL;
}

void *nl_txn_next(struct nl_txn *t, size_t room, size_t owner)
{
	void *p;

	/* A message left open, or one after the end: a bug of the caller's. */
	if (!t->err && (t->open != SIZE_MAX || t->ended))
		t->err = -EINVAL;
	if (!txn_room(t, MNL_ALIGN(room)))
		return NULL;
	t->owner[t->n_msgs++] = owner;
	t->open = t->len;
	t->room = MNL_ALIGN(room);
	p = t->buf + t->len;
	/* Attribute padding is not written by every builder: no garbage. */
	memset(p, 0, t->room);
	return p;
}

void nl_txn_close(struct nl_txn *t)
{
	struct nlmsghdr *nlh;

	if (t->open == SIZE_MAX)
		return;
	nlh = (struct nlmsghdr *)(t->buf + t->open);
	t->open = SIZE_MAX;
	if (t->err)
		return;
	if (nlh->nlmsg_len < sizeof(*nlh) || MNL_ALIGN(nlh->nlmsg_len) > t->room) {
		t->err = -EMSGSIZE;
		return;
	}
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	t->len += MNL_ALIGN(nlh->nlmsg_len);
}

void nl_txn_fail(struct nl_txn *t, int err)
{
	if (!t->err)
		t->err = err;
}

size_t nl_txn_count(const struct nl_txn *t)
{
	size_t markers = t->ended ? 2 : 1;

	return t->n_msgs > markers ? t->n_msgs - markers : 0;
}

bool nl_txn_sent(const struct nl_txn *t)
{
	return t->sent;
}

/* Sequence numbers are given at the commit, not while the messages are
 * built: a request made on the socket in between takes its own. */
static uint32_t txn_number(struct nl_txn *t)
{
	uint32_t first = t->nl->seq + 1;
	size_t off = 0;

	for (size_t k = 0; k < t->n_msgs; k++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(t->buf + off);

		nlh->nlmsg_seq = first + (uint32_t)k;
		nlh->nlmsg_pid = 0;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	t->nl->seq += (uint32_t)t->n_msgs;
	return first;
}

int nl_txn_commit(struct nl_txn *t, size_t *err_owner)
{
	struct nl *nl = t->nl;
	_cleanup_free_ bool *acked = NULL;
	struct nl_acks a = { .nl = nl };
	size_t n_acked = 0, expect, need, k;
	const struct nlmsghdr *m;
	char what[64];
	int first = 0, r;

	*err_owner = SIZE_MAX;
	if (!t->ended) {
		txn_marker(t, NFNL_MSG_BATCH_END);
		t->ended = true;
	}
	if (!t->err && t->sent)
		t->err = -EALREADY;
	if (!t->err && !(acked = calloc(t->n_msgs, sizeof(*acked))))
		t->err = -ENOMEM;
	if (t->err) {
		nl_set_error(nl, "%s", t->err == -ENOMEM ? "out of memory" :
			     "an nf_tables transaction built wrong (a bug)");
		return t->err;
	}
	snprintf(what, sizeof(what), "nf_tables transaction of %zu message%s",
		 nl_txn_count(t), nl_txn_count(t) == 1 ? "" : "s");
	a.first = txn_number(t);
	a.count = t->n_msgs;
	r = nl_fault_point(nl);
	if (r < 0)
		return r;
	/* Room for the whole transaction and every ack: what does not fit
	 * is dropped by the kernel. Never less than the dumps of the same
	 * socket had, and never grown back down. */
	need = t->len + t->n_msgs * NL_ACK_COST;
	if (need < TXN_MIN_BUF)
		need = TXN_MIN_BUF;
	if ((size_t)nl_rcvbuf(nl) < need)
		(void)nl_set_buffers(nl, need);
	r = nl_send_raw(nl, t->buf, t->len);
	if (r < 0) {
		nl_set_error(nl, "sending an %s: %s", what, strerror(-r));
		return r;
	}
	t->sent = true;
	/* Begin and end carry no NLM_F_ACK. */
	expect = t->n_msgs - 2;
	while ((r = nl_acks_next(&a, n_acked < expect, &k, &m)) > 0) {
		char text[NL_ERR_SIZE];
		bool marker = k == 0 || k == t->n_msgs - 1;
		int e = nl_ack_parse(m, text, sizeof(text));

		if (!acked[k]) {
			acked[k] = true;
			if (!marker)
				n_acked++;
		}
		if (e < 0 && !first) {
			first = e;
			*err_owner = t->owner[k];
			nl_set_error(nl, "%s", text);
		}
		/* The transaction as a whole refused (no CAP_NET_ADMIN,
		 * out of memory, malformed): no per-message acks follow. */
		if (e < 0 && marker)
			return first;
	}
	if (r < 0 && !first) {
		if (a.lost && r == -EAGAIN) {
			nl_set_error(nl, "%s: acknowledgements lost (%s)", what, strerror(-a.lost));
			return a.lost;
		}
		return nl_recv_failed(nl, r, what);
	}
	return first;
}

/* ---- generic netlink */

struct family_id {
	const char *name; /* a dump's: the family looked for */
	uint16_t id;
	bool found, named;
};

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_id *f = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
		f->id = mnl_attr_get_u16(attr);
		f->found = true;
	}
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 && f->name)
		f->named = strcmp(mnl_attr_get_str(attr), f->name) == 0;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, data) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

/* One family of the controller's dump: kept when it is the one asked. */
static int family_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_id *f = data, one = { .name = f->name };
	int r = family_cb(nlh, &one);

	if (r == 0 && one.named && one.found)
		*f = one;
	return r;
}

static void family_reset(void *data)
{
	struct family_id *f = data;

	f->found = f->named = false;
}

int nl_genl_family(struct nl *nl, const char *name, uint16_t *id)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct family_id f = { 0 };
	char what[96];
	int r;

	if (strlen(name) >= GENL_NAMSIZ)
		return -EINVAL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	snprintf(what, sizeof(what), "generic netlink family %s", name);
	r = nl_talk(nl, nlh, family_cb, &f, what);
	if (r < 0)
		return r;
	if (!f.found) {
		nl_set_error(nl, "%s: no id in the kernel's answer", what);
		return -EBADMSG;
	}
	*id = f.id;
	return 0;
}

int nl_genl_family_registered(struct nl *nl, const char *name, uint16_t *id)
{
	char buf[64];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct family_id f = { .name = name };
	char what[96];
	int r;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	snprintf(what, sizeof(what), "generic netlink families (looking for %s)", name);
	r = nl_dump(nl, nlh, family_dump_cb, family_reset, &f, what);
	if (r < 0)
		return r;
	if (!f.found)
		return -ENOENT;
	*id = f.id;
	return 0;
}
