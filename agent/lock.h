/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lock beside the journal (STATE.lock): the commands that change the
 * kernel take it exclusively, status shares it.
 */
#ifndef LVS_AGENT_LOCK_H
#define LVS_AGENT_LOCK_H

#include <stddef.h>

/*
 * 0 and *ret_fd, -EAGAIN with *holder = PID when busy past wait_s seconds,
 * -EINTR when a signal was caught while waiting, or agent_open_regular()'s
 * refusals of what is at STATE.lock.
 */
int agent_lock(const char *state_path, double wait_s, int *ret_fd, long *holder);

/*
 * Read lock beside the journal for a command that changes nothing: opens
 * STATE.lock read-only and never creates it. 0 and *ret_fd; -ENOENT or
 * -EACCES when there is no lock file this process may read; -EAGAIN with
 * *holder as agent_lock; agent_open_regular()'s refusals.
 */
int agent_lock_shared(const char *state_path, double wait_s, int *ret_fd,
		      long *holder);
/* The lock held on fd is a watch's: "PID watch" in the file. 0 or -errno. */
int agent_lock_mark_watch(int fd);
/*
 * The PID of the `watch` that holds the lock beside the journal, or 0 when
 * none does (no lock, another command's, or unreadable).
 */
long agent_lock_watcher(const char *state_path);
/*
 * After EACCES/EPERM on path (or, when it does not exist, its directory):
 * why, in place of strerror, when another uid owns it, and `todo` when that
 * uid is the service's (its DynamicUser). Two lines, split by '\n'; ""
 * when no other uid owns it.
 */
void agent_owner_hint(const char *path, const char *todo, char *buf, size_t len);

#endif
