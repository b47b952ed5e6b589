/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal: the steps apply has taken, with their values from before the
 * first apply, replaced atomically so that a crash leaves a whole one, and
 * bound to the network namespace (and boot) it was written in.
 */
#ifndef LVS_AGENT_JOURNAL_H
#define LVS_AGENT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../lib/steplist.h"
#include "../netconf/netconf.h"

/* The format, written as the header's first members. */
#define JOURNAL_FORMAT "lvs-rs-agent journal"
#define JOURNAL_VERSION 2

struct journal {
	struct steplist steps;
	char config[256]; /* the config file of the last apply */
	time_t created;   /* first apply */
	time_t updated;   /* last write */
	/* The network namespace (and boot) it was written in; all zero in
	 * a journal of an older agent, which the next write binds. */
	struct netconf_netns ns;
	bool found; /* the file exists */
	/*
	 * journal_load_readable() of a damaged journal: the first line that
	 * could not be read (0: none), how many lines there are from it to
	 * the end, and the steps the header counts (0: header unreadable).
	 */
	size_t unread_from, unread_lines, counted;
};
/* A missing file is an empty journal (0). -EBADMSG for a damaged one. */
int journal_load(const char *path, struct journal *j, char *err, size_t errlen);
/*
 * As journal_load, but a damaged journal keeps what could be read before
 * the damage: -EBADMSG, err saying where and why, j->steps the steps before
 * it (none when the header is damaged), j->unread_* what is left unread.
 */
int journal_load_readable(const char *path, struct journal *j, char *err,
			  size_t errlen);
/*
 * tmp file, fsync, rename, fsync dir. Creates the directory if missing.
 * Binds the journal to this process's network namespace (j->ns).
 */
int journal_save(const char *path, struct journal *j);
/* Whose a journal is, from its j->ns against this process's. */
enum journal_owner {
	JOURNAL_OURS,
	JOURNAL_UNBOUND,    /* written by an older agent: cannot be told */
	JOURNAL_OTHER_BOOT, /* before a reboot: nothing of it is in the kernel */
	JOURNAL_OTHER_NETNS,
};
enum journal_owner journal_owner(const struct journal *j,
				 const struct netconf_netns *self);
/* "net:[4026532290] (cookie 5)" for messages. */
void journal_netns_text(const struct netconf_netns *ns, char *buf, size_t len);
/* journal_save without touching its times: a journal put back as it was. */
int journal_write(const char *path, const struct journal *j);
int journal_remove(const char *path);
void journal_done(struct journal *j);

#endif
