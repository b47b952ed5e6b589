// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * One run at a time: a POSIX record lock on STATE.lock. F_GETLK names the
 * holder's PID, which the message to a waiting operator needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int agent_lock(const char *state_path, double wait_s, int *ret_fd, long *holder)
{
	_cleanup_free_ char *path = NULL;
	double deadline = now_s() + wait_s;
	int fd;

	if (asprintf(&path, "%s.lock", state_path) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	fd = agent_mkdir_parent(path);
	if (fd < 0)
		return fd;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		if (fcntl(fd, F_SETLK, &fl) == 0)
			break;
		if (errno != EAGAIN && errno != EACCES) {
			int r = -errno;

			close(fd);
			return r;
		}
		if (now_s() >= deadline) {
			fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
			*holder = 0;
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
				*holder = fl.l_pid;
			close(fd);
			return -EAGAIN;
		}
		usleep(20000);
	}
	/* For people reading the file; the lock itself is the truth. */
	if (ftruncate(fd, 0) == 0) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

		if (pwrite(fd, buf, n, 0) < 0) {
			/* not fatal: the lock is held either way */
		}
	}
	*ret_fd = fd;
	return 0;
}
