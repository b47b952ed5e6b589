/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files in a directory another user may own (the journal's, the lock's, the
 * metrics file's): opened without following a link or blocking, replaced
 * atomically.
 */
#ifndef LVS_AGENT_FILE_H
#define LVS_AGENT_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * mkdir of the journal's directory (0755) when it is missing; an existing
 * one must be a directory, or a symlink to one that root or this user owns:
 * -ELOOP for another user's symlink, -ENOTDIR.
 */
int agent_mkdir_parent(const char *path);
/*
 * open(2) of a file in a directory another user may own: never through a
 * symlink, never blocking (a FIFO), and only a regular file. flags as for
 * open (O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_CLOEXEC are added); one_link:
 * refuse a file with more than one hard link (one the agent writes through).
 * The fd, or -errno: -ELOOP a symlink, -EISDIR a directory, -EBADFD or
 * -ENXIO another non-regular file, -EMLINK hard links.
 */
int agent_open_regular(const char *path, int flags, mode_t mode, bool one_link);
/* strerror() that says what agent_open_regular() and friends refused. */
const char *agent_file_strerror(int err);
/* fsync of the directory that holds path. */
int agent_fsync_dir(const char *path);
/*
 * Replace path atomically with what write_cb writes to a buffered stream:
 * tmp (same directory) created new (O_EXCL; anything at its name is removed
 * first) 0644 whatever the umask, fsync, rename over path, fsync of the
 * directory. tmp is removed on failure. A path that exists and is not a
 * regular file is refused as agent_open_regular() refuses it. 0 or -errno.
 */
int agent_replace_file(const char *path, const char *tmp,
		       int (*write_cb)(FILE *f, void *data), void *data);

#endif
