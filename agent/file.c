// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Files replaced atomically: written to a temporary name in the same
 * directory, fsynced, renamed over the old one, and the directory fsynced,
 * so a crash at any moment leaves either the old file or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

/* The stream's buffer: a 10,000-step journal (1 MB) in some 16 writes. */
#define WBUF_SIZE 65536

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

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int agent_replace_file(const char *path, const char *tmp,
		       int (*write_cb)(FILE *f, void *data), void *data)
{
	_cleanup_free_ char *buf = malloc(WBUF_SIZE);
	FILE *f;
	int fd, r;

	if (!buf)
		return -ENOMEM;
	/* O_NOFOLLOW: a symlink planted at the temporary name is not followed. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
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
