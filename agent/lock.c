// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * One run at a time: a POSIX record lock on STATE.lock. F_GETLK names the
 * holder's PID, which the message to a waiting operator needs. Commands that
 * change the kernel take it exclusively, status shares it (agent_lock_shared).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "lock.h"
#include "../lib/macro.h"
#include "signal.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Take a lock of that type on fd within wait_s seconds; the fd is closed on failure. */
static int lock_wait(int fd, short type, double wait_s, long *holder)
{
	double deadline = now_s() + wait_s;

	for (;;) {
		struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES) {
			int r = -errno;

			close(fd);
			return r;
		}
		/* A caught signal ends the wait: nothing was changed yet. */
		if (agent_interrupted()) {
			close(fd);
			return -EINTR;
		}
		if (now_s() >= deadline) {
			fl = (struct flock){ .l_type = type, .l_whence = SEEK_SET };
			*holder = 0;
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
				*holder = fl.l_pid;
			close(fd);
			return -EAGAIN;
		}
		usleep(20000);
	}
}

int agent_lock(const char *state_path, double wait_s, int *ret_fd, long *holder)
{
	_cleanup_free_ char *path = NULL;
	int fd, r;

	if (asprintf(&path, "%s.lock", state_path) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	fd = agent_mkdir_parent(path);
	if (fd < 0)
		return fd;
	/* The agent writes this file (mode, PID): a symlink or a hard link
	 * planted by the directory's owner would make it write another file. */
	fd = agent_open_regular(path, O_RDWR | O_CREAT, 0644, true);
	if (fd < 0)
		return fd;
	/* Readable whatever the umask (the unit's is 0077): status, run by hand
	 * as another uid, takes its read lock on a read-only descriptor. Fails
	 * harmlessly on a file of another owner. */
	(void)!fchmod(fd, 0644);
	r = lock_wait(fd, F_WRLCK, wait_s, holder);
	if (r < 0)
		return r;
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

/*
 * A read lock wants only a descriptor open for reading (fcntl F_RDLCK), so a
 * read-only command needs no write access to a lock file that the service's
 * DynamicUser owns. Never created: no lock file means no run has ever held it.
 */
int agent_lock_shared(const char *state_path, double wait_s, int *ret_fd,
		      long *holder)
{
	_cleanup_free_ char *path = NULL;
	int fd, r;

	if (asprintf(&path, "%s.lock", state_path) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	fd = agent_open_regular(path, O_RDONLY, 0, false);
	if (fd < 0)
		return fd;
	r = lock_wait(fd, F_RDLCK, wait_s, holder);
	if (r < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

int agent_lock_mark_watch(int fd)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "%ld watch\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, n, 0) != n)
		return -errno;
	return 0;
}

long agent_lock_watcher(const char *state_path)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	char buf[48] = "", word[16];
	long pid;
	ssize_t n;

	if (asprintf(&path, "%s.lock", state_path) < 0) {
		path = NULL;
		return 0;
	}
	fd = agent_open_regular(path, O_RDONLY, 0, false);
	if (fd < 0)
		return 0;
	/* The file's words are a claim; the lock's holder is the truth. */
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %15s", &pid, word) != 2 || strcmp(word, "watch") != 0 ||
	    pid != fl.l_pid)
		return 0;
	return pid;
}

/* systemd's range for DynamicUser= uids (systemd.exec(5)). */
#define DYNAMIC_UID_MIN 61184
#define DYNAMIC_UID_MAX 65519

void agent_owner_hint(const char *path, const char *todo, char *buf, size_t len)
{
	_cleanup_free_ char *copy = strdup(path);
	const char *it = "it";
	struct passwd *pw;
	struct stat st;
	uid_t me = geteuid();

	buf[0] = '\0';
	if (!copy)
		return;
	if (stat(path, &st) < 0) {
		it = "its directory";
		if (stat(dirname(copy), &st) < 0)
			return;
	}
	if (st.st_uid == me)
		return;
	pw = getpwuid(st.st_uid);
	/* The unit's DynamicUser is named after it; once the unit has stopped,
	 * the name may be gone and only the uid's range tells. Root's access is
	 * a plain user's: the agent dropped CAP_DAC_OVERRIDE and CAP_FOWNER
	 * with everything else but CAP_NET_ADMIN. */
	if ((pw && strcmp(pw->pw_name, "lvs-rs-agent") == 0) ||
	    (st.st_uid >= DYNAMIC_UID_MIN && st.st_uid <= DYNAMIC_UID_MAX))
		snprintf(buf, len, "%s is the unit's (uid %u),\n"
			 "and the agent keeps only CAP_NET_ADMIN: %s", it,
			 (unsigned)st.st_uid, todo);
	else
		snprintf(buf, len, "%s belongs to uid %u%s%s%s, not to this process (uid %u),\n"
			 "and the agent keeps only CAP_NET_ADMIN, not root's file access", it,
			 (unsigned)st.st_uid, pw ? " (" : "", pw ? pw->pw_name : "",
			 pw ? ")" : "", (unsigned)me);
}
