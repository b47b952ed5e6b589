// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Files replaced atomically: written to a temporary name in the same
 * directory, fsynced, renamed over the old one, and the directory fsynced,
 * so a crash at any moment leaves either the old file or the new one.
 *
 * The journal's directory may belong to another user than the one running
 * the agent (the unit's DynamicUser owns /run/lvs-rs-agent, and root runs
 * status, verify --prometheus or apply -s by hand). Whatever that user
 * plants there, the agent never writes through it: no symlink is followed
 * (O_NOFOLLOW), a temporary file is always a new one (O_EXCL: a hard link
 * or a FIFO planted at its name is removed, not written through), a FIFO
 * never blocks an open (O_NONBLOCK) and only a regular file is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "../lib/macro.h"

/* The stream's buffer: a 10,000-step journal (1 MB) in some 16 writes. */
#define WBUF_SIZE 65536

static int verify_regular(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	return -EBADFD;
}

int agent_open_regular(const char *path, int flags, mode_t mode, bool one_link)
{
	struct stat st;
	int fd, r;

	/* O_NONBLOCK: an open of a FIFO returns at once (a write-only one
	 * with ENXIO); on a regular file it changes nothing. */
	fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else
		r = verify_regular(&st);
	if (r == 0 && one_link && st.st_nlink != 1)
		r = -EMLINK;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

const char *agent_file_strerror(int err)
{
	switch (err) {
	case -ELOOP:
		return "a symbolic link, or in another user's symlinked directory: not followed";
	case -EISDIR:
		return "a directory, not a regular file";
	case -EBADFD:
	case -ENXIO: /* O_WRONLY | O_NONBLOCK on a FIFO without a reader */
		return "not a regular file (a FIFO, socket or device)";
	case -EMLINK:
		return "a file with more than one hard link: not written through";
	case -ENOTDIR:
		return "not a directory";
	}
	return strerror(-err);
}

int agent_fsync_dir(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int agent_mkdir_parent(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	const char *dir;
	struct stat st;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* mkdir does not follow a symlink, but the files opened in it would:
	 * one planted in place of the directory by another user is refused.
	 * One of root's (systemd makes /run/lvs-rs-agent a symlink to
	 * /run/private/lvs-rs-agent for a DynamicUser= unit that keeps it) or
	 * of this user's own is followed. */
	if (lstat(dir, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return -ELOOP;
		if (stat(dir, &st) < 0)
			return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* A new file at tmp: whatever was planted there is removed, never opened. */
static int create_tmp(const char *tmp)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(tmp, flags, 0644);

	if (fd >= 0 || errno != EEXIST)
		return fd >= 0 ? fd : -errno;
	/* unlink removes a symlink, hard link or FIFO by its name; a
	 * directory stays (EISDIR). */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	fd = open(tmp, flags, 0644);
	return fd >= 0 ? fd : -errno;
}

int agent_replace_file(const char *path, const char *tmp,
		       int (*write_cb)(FILE *f, void *data), void *data)
{
	_cleanup_free_ char *buf = malloc(WBUF_SIZE);
	struct stat st;
	FILE *f;
	int fd, r;

	if (!buf)
		return -ENOMEM;
	/* rename() would replace anything: a device node (/dev/null as a
	 * metrics file), a FIFO, a symlink. Only a regular file is replaced.
	 * (Who could swap it between this check and the rename owns the
	 * directory, and could remove it as well.) */
	r = lstat(path, &st) < 0 ? (errno == ENOENT ? 0 : -errno) : verify_regular(&st);
	if (r < 0)
		return r;
	fd = create_tmp(tmp);
	if (fd < 0)
		return fd;
	/* 0644 whatever the umask (the unit's is 0077): neither the journal nor
	 * the metrics hold secrets; `lvs-rs-agent status` run by hand as root
	 * (without CAP_DAC_OVERRIDE) and node_exporter must read them. */
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	setvbuf(f, buf, _IOFBF, WBUF_SIZE);
	errno = 0;
	r = write_cb(f, data);
	if (fflush(f) == EOF && r == 0)
		r = errno ? -errno : -EIO;
	if (ferror(f) && r == 0)
		r = -EIO;
	if (r == 0 && fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) == EOF && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return agent_fsync_dir(path);
}
