/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside watch: what watch.c (the reconcile and the loop) and watch-events.c
 * (which notifications concern the agent, and their causes) share. Nothing
 * else includes this file.
 */
#ifndef LVS_AGENT_WATCH_INTERNAL_H
#define LVS_AGENT_WATCH_INTERNAL_H

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <linux/netlink.h>

#include "attrib.h"
#include "commands.h"
#include "engine.h"
#include "exit.h"
#include "file.h"
#include "journal.h"
#include "act.h"
#include "kinds.h"
#include "lock.h"
#include "notify.h"
#include "repairs.h"
#include "report.h"
#include "revert.h"
#include "signal.h"
#include "../arp/arp.h"
#include "../conf/conf.h"
#include "../netconf/events.h"
#include "../netconf/netconf.h"
#include "../netconf/nl.h"

/* A burst of notifications (lo down, sysctls written one by one) is taken
 * as one: the reconcile waits this long after the last one, and at most
 * MAX_US after the first. Removed addresses and routes, and a whole nf_tables
 * transaction, are repaired once the sockets are read empty (quick()). */
#define DEBOUNCE_US 1000
#define DEBOUNCE_MAX_US 20000
/* The safety net: a full reconcile this often whatever was notified. */
#define FULL_EVERY_S 60
/* The listener's receive buffer: room for a burst, not for every burst
 * (beyond it the kernel says so, and the watch reads everything again). */
#define EVENTS_RCVBUF (1024 * 1024)
/* Notifications kept between two reconciles, each with its cause; one more
 * starts the full reconcile, whose repairs are named by a kept one. */
#define PENDING_MAX 64
#define DEVS_MAX 16

struct pending {
	char kind[16];
	char target[STEP_TARGET_MAX]; /* as people read it */
	char raw[STEP_TARGET_MAX];    /* as its step spells it */
	bool removed;
	bool nft;      /* from nf_tables: the whole transaction's, one table's */
	bool gen_wait; /* nf_tables: its process comes with NFT_MSG_NEWGEN */
	char who[ATTRIB_MAX];
	int64_t t_us;
};

/* Which file a path is (a journal is written by rename: a new inode). */
struct file_id {
	bool found;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct watch {
	const struct agent_opts *o;
	struct conf *conf;
	struct netconf *nc;
	struct netconf_events *ev;
	struct engine e;
	struct repairs *rep;
	char *watch_path; /* STATE.watch */
	/* The journal's steps (after a reconcile: the config's), indexed:
	 * which notifications concern the agent; the sysctls among them are
	 * polled. */
	struct journal j;
	struct file_id jid; /* the file j was read from */
	struct stepindex jx;
	struct steplist polled;
	char devs[DEVS_MAX][IF_NAMESIZE];
	size_t n_devs;
	/* The kinds whose nf_tables table the journal holds (the ARP table,
	 * the MSS clamp's): their tables' notifications are theirs. */
	const struct step_ops *tables[4];
	size_t n_tables;
	bool probed; /* whether the kernel keeps an owned table was asked */
	uint32_t own_port;
	struct pending pend[PENDING_MAX];
	size_t n_pend;
	int64_t due_us, first_us;
	bool resync;
	const char *why; /* a reconcile's cause without notification */
};

static inline int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline double now_s(void)
{
	return now_us() / 1e6;
}

/* One line of the watch's log (stderr: the journal under systemd). */
_printf_(1, 2) static inline void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* The journal as the last reconcile left it, and the devices of its steps,
 * which tell the notifications that concern the agent: an exit code. */
int watch_load_kept(struct watch *w, struct report *r);
/* Whether the journal on disk is still the file w->j was read from. */
bool watch_kept_current(const struct watch *w);
/* Whether every pending notification can be repaired at once: removed
 * addresses and routes, nf_tables transactions that have ended. */
bool watch_all_quick(const struct watch *w);
/* Every notification queued on the sockets; a lost one asks for a full
 * reconcile. */
void watch_read_events(struct watch *w);

#endif
