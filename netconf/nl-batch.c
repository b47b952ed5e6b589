// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Batches of independent requests: many per sendmsg, one ack each, mapped
 * back to its owner by sequence number; lost acks resolved by reading the
 * kernel back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nl-private.h"

/* ---- batches of independent requests */

/*
 * One sendmsg carries up to BATCH_LIMIT bytes of requests (450 to 800 address
 * messages); the buffer holds one more message, which libmnl moves to the
 * front of the next batch when it does not fit.
 */
#define BATCH_LIMIT (32 * 1024)
#define BATCH_BUF (2 * BATCH_LIMIT)

void nl_first_fail_init(struct nl_first_fail *f)
{
	f->idx = SIZE_MAX;
	f->text[0] = '\0';
}

void nl_first_fail_note(struct nl_first_fail *f, size_t idx, const char *text)
{
	size_t len = strnlen(text, sizeof(f->text) - 1);

	if (idx >= f->idx)
		return;
	f->idx = idx;
	/* Cut to fit, as snprintf would, without its truncation warning. */
	memcpy(f->text, text, len);
	f->text[len] = '\0';
}

void nl_first_fail_done(struct nl_first_fail *f, struct nl *nl)
{
	if (f->idx != SIZE_MAX)
		nl_set_error(nl, "%s", f->text);
}

/* One batch in flight: slots[k] is the owner of sequence number first_seq + k. */
struct batch {
	struct nl *nl;
	const struct nl_batch_ops *ops;
	void *ctx;
	int *res;
	struct nl_first_fail *first;
	struct mnl_nlmsg_batch *b;
	size_t *slots;
	bool *acked;
	size_t count, max;
	uint32_t first_seq;
};

static void batch_fail(struct batch *bt, size_t i, int r, const char *text)
{
	bt->res[i] = r;
	nl_first_fail_note(bt->first, i, text);
}

/*
 * Acks were lost (receive buffer overrun, a timeout, or the socket failed):
 * what the kernel did is in the kernel. An owner whose object is now as
 * wanted has been done; any other has not, and is reported so.
 */
static void resolve_lost(struct batch *bt, int err)
{
	char what[NL_ERR_SIZE], text[NL_ERR_SIZE + 64];
	int r = bt->ops->reread(bt->ctx);

	for (size_t k = 0; k < bt->count; k++) {
		size_t i = bt->slots[k];

		if (bt->acked[k])
			continue;
		if (r == 0 && bt->ops->done(bt->ctx, i)) {
			bt->res[i] = 0;
			continue;
		}
		bt->ops->describe(bt->ctx, i, what, sizeof(what));
		if (err == -ETIMEDOUT)
			snprintf(text, sizeof(text), "%s: no answer from the kernel within %d ms",
				 what, bt->nl->timeout_ms);
		else
			snprintf(text, sizeof(text), "%s: acknowledgement lost (%s)",
				 what, strerror(-err));
		batch_fail(bt, i, err, text);
	}
}

static void flush(struct batch *bt)
{
	struct nl_acks a = { .nl = bt->nl, .first = bt->first_seq, .count = bt->count };
	char text[NL_ERR_SIZE], what[NL_ERR_SIZE];
	size_t remaining = bt->count, k;
	const struct nlmsghdr *m;
	int err, r;

	if (!bt->count)
		goto out;
	memset(bt->acked, 0, bt->count * sizeof(*bt->acked));
	r = nl_send_raw(bt->nl, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b));
	if (r < 0) {
		for (k = 0; k < bt->count; k++) {
			size_t i = bt->slots[k];

			bt->ops->describe(bt->ctx, i, what, sizeof(what));
			batch_fail(bt, i, r, what);
		}
		goto out;
	}
	/*
	 * An error ack does not end the batch: the kernel went on with the
	 * next message, and so do we.
	 */
	while ((r = nl_acks_next(&a, remaining > 0, &k, &m)) > 0) {
		size_t i = bt->slots[k];

		if (bt->acked[k])
			continue;
		bt->acked[k] = true;
		remaining--;
		bt->res[i] = nl_ack_parse(m, text, sizeof(text));
		if (bt->res[i] < 0) {
			bt->ops->describe(bt->ctx, i, what, sizeof(what));
			batch_fail(bt, i, bt->res[i], text[0] ? text : what);
		}
	}
	err = r < 0 && !(a.lost && r == -EAGAIN) ? r : a.lost;
	if (remaining)
		resolve_lost(bt, err ? err : -ENOBUFS);
out:
	mnl_nlmsg_batch_reset(bt->b);
	bt->count = 0;
}

int nl_batch_send(struct nl *nl, const struct nl_batch_ops *ops, void *ctx,
		  size_t n, int *res, struct nl_first_fail *first)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ size_t *slots = NULL;
	_cleanup_free_ bool *acked = NULL;
	struct batch bt = {
		.nl = nl, .ops = ops, .ctx = ctx, .res = res, .first = first,
	};

	bt.max = nl->rcvbuf > 0 ? (size_t)nl->rcvbuf / NL_ACK_COST : 1;
	if (bt.max > BATCH_LIMIT / ops->msg_min)
		bt.max = BATCH_LIMIT / ops->msg_min;
	if (bt.max > n) /* one VIP: one slot, not 800 zeroed */
		bt.max = n;
	if (bt.max < 1)
		bt.max = 1;
	buf = malloc(BATCH_BUF);
	slots = calloc(bt.max, sizeof(*slots));
	acked = calloc(bt.max, sizeof(*acked));
	bt.b = buf ? mnl_nlmsg_batch_start(buf, BATCH_LIMIT) : NULL;
	if (!bt.b || !slots || !acked) {
		for (size_t i = 0; i < n; i++)
			res[i] = -ENOMEM;
		nl_set_error(nl, "out of memory");
		return -ENOMEM;
	}
	bt.slots = slots;
	bt.acked = acked;

	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *m;
		uint32_t seq;
		int r;

		if (!ops->pending(ctx, i))
			continue;
		r = nl_fault_point(nl);
		if (r < 0) {
			batch_fail(&bt, i, r, nl_error(nl));
			continue;
		}
		if (bt.count == bt.max)
			flush(&bt);
		seq = nl_next_seq(nl);
		m = mnl_nlmsg_batch_current(bt.b);
		ops->build(ctx, i, m, seq);
		m->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		m->nlmsg_seq = seq;
		if (!mnl_nlmsg_batch_next(bt.b)) {
			/* Full: send the others; libmnl moves this one to the
			 * front of the next batch. */
			flush(&bt);
		}
		if (bt.count == 0)
			bt.first_seq = seq;
		slots[bt.count++] = i;
	}
	flush(&bt);
	mnl_nlmsg_batch_stop(bt.b);
	return 0;
}
