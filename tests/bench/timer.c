// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-timer: run one command and print "RC WALL_US MAXRSS_KB" on fd 3
 * (or stdout if fd 3 is not open).
 *
 *	bench-timer CMD [ARG...]
 *
 * The wall time runs from just before fork() to the return of wait4(), read
 * from CLOCK_MONOTONIC: the process's own life (exec, dynamic linking, work,
 * exit), not the cost of entering a namespace around it. The maximum
 * resident set is the child's ru_maxrss from wait4(). The benchmark times
 * the agent and its `ip -batch` anchor with this same program, so both carry
 * the same fork/exec overhead. RC is the command's exit status (128+N for
 * a signal, 127 when it could not be started).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

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
	int status, rc, fd;
	bool fd3;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-timer CMD [ARG...]\n");
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
