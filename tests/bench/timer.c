// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-timer: run one command and print "RC WALL_US MAXRSS_KB" on fd 3
 * (or stdout if fd 3 is not open).
 *
 *	bench-timer [-f] CMD [ARG...]
 *
 * The wall time runs from just before the command's process is created to
 * the return of wait4(), read from CLOCK_MONOTONIC: the process's own life
 * (creation, exec, dynamic linking, work, exit), not the cost of entering a
 * namespace around it. The process is created by posix_spawn(), which glibc
 * makes a clone(CLONE_VM | CLONE_VFORK) followed by exec: nothing of the
 * timer is copied. With -f it is created by fork() then exec, as a shell
 * does: the figure then also holds the copy of the timer's address space
 * and the copy-on-write faults of both sides until the exec, a cost of the
 * starter (it grows with the starter's size), not of the command; it is
 * kept to show that cost. The maximum resident set is the child's
 * ru_maxrss from wait4(). The benchmark times the agent and its anchors
 * (ip -batch, /bin/true) with this same program and the same mode. RC is
 * the command's exit status (128+N for a signal, 127 when it could not be
 * started).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	long long t0, t1;
	FILE *out;
	int status, rc, fd, err;
	bool fd3, use_fork = false;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-f") == 0) {
		use_fork = true;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench-timer [-f] CMD [ARG...]\n");
		return 2;
	}
	/* The result goes to fd 3 when the caller opened it, so that the
	 * command's own output can go elsewhere; never to the child. */
	fd3 = fcntl(3, F_GETFD) >= 0;
	fd = fcntl(fd3 ? 3 : STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		perror("bench-timer");
		return 2;
	}
	if (fd3)
		close(3);
	t0 = now_us();
	if (use_fork) {
		pid = fork();
		if (pid < 0) {
			perror("bench-timer: fork");
			return 2;
		}
		if (pid == 0) {
			execvp(argv[1], argv + 1);
			fprintf(stderr, "bench-timer: %s: %s\n", argv[1], strerror(errno));
			_exit(127);
		}
	} else {
		err = posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ);
		if (err) {
			/* Not started: nothing to time, as fork's child says. */
			fprintf(stderr, "bench-timer: %s: %s\n", argv[1], strerror(err));
			fprintf(out, "127 0 0\n");
			return fclose(out) == 0 ? 0 : 2;
		}
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("bench-timer: wait4");
			return 2;
		}
	}
	t1 = now_us();
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	else
		rc = 255;
	fprintf(out, "%d %lld %ld\n", rc, t1 - t0, ru.ru_maxrss);
	return fclose(out) == 0 ? 0 : 2;
}
