// SPDX-License-Identifier: GPL-2.0-or-later
/* Sysctls through /proc/sys, and the "sysctl" step kind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PROC_SYS "/proc/sys/"

/*
 * Only names a sysctl can have, relative to /proc/sys and never climbing out
 * of it: a target comes from a journal file that someone may have edited.
 * A component is anything an interface name can be (any byte but '/', ':'
 * is the kernel's own rule for names, whitespace and control bytes never
 * occur), except "." and "..".
 */
static bool path_valid(const char *path)
{
	const char *p, *start;

	if (!path || !*path || *path == '/')
		return false;
	if (strlen(path) > PATH_MAX - sizeof(PROC_SYS))
		return false;
	for (p = start = path;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/' || c == '\0') {
			size_t len = (size_t)(p - start);

			if (len == 0 || (len == 1 && start[0] == '.') ||
			    (len == 2 && start[0] == '.' && start[1] == '.'))
				return false;
			if (c == '\0')
				return true;
			start = p + 1;
		} else if (c <= ' ' || c == 0x7f) {
			return false;
		}
	}
}

int netconf_sysctl_read(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = -1;
	char full[PATH_MAX], tmp[4096];
	size_t have = 0;
	char *nl;

	if (!path_valid(path) || !len)
		return -EINVAL;
	snprintf(full, sizeof(full), PROC_SYS "%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Only the first line counts; stop reading once it is complete. */
	while (have < sizeof(tmp)) {
		ssize_t n = read(fd, tmp + have, sizeof(tmp) - have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		if (memchr(tmp + have, '\n', (size_t)n)) {
			have += (size_t)n;
			break;
		}
		have += (size_t)n;
	}
	nl = memchr(tmp, '\n', have);
	if (nl)
		have = (size_t)(nl - tmp);
	else if (have == sizeof(tmp))
		return -EOVERFLOW;
	if (have >= len)
		return -EOVERFLOW;
	memcpy(buf, tmp, have);
	buf[have] = '\0';
	return 0;
}

int netconf_sysctl_read_int(const char *path, int *ret)
{
	char buf[64], *end;
	long v;
	int r;

	r = netconf_sysctl_read(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || *end)
		return -EINVAL;
	if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

int netconf_sysctl_write(struct netconf *nc, const char *path, const char *value)
{
	_cleanup_close_ int fd = -1;
	char full[PATH_MAX];
	size_t len;
	ssize_t n;
	int r;

	if (!path_valid(path)) {
		netconf_set_error(nc, "invalid sysctl path \"%s\"", path ? path : "");
		return -EINVAL;
	}
	/* One line: the kernel parses the whole write as the value. */
	if (!value || !*value || strchr(value, '\n')) {
		netconf_set_error(nc, "invalid value for %s", path);
		return -EINVAL;
	}
	r = netconf_fault_point(nc);
	if (r < 0)
		return r;
	snprintf(full, sizeof(full), PROC_SYS "%s", path);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	len = strlen(value);
	do {
		n = write(fd, value, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		r = -errno;
		goto fail;
	}
	/* A short write would leave half a value: proc handlers take it whole. */
	if ((size_t)n != len) {
		r = -EIO;
		goto fail;
	}
	return 0;
fail:
	netconf_set_error(nc, "write \"%s\" to " PROC_SYS "%s", value, path);
	return r;
}

void netconf_sysctl_display(const char *path, char *buf, size_t len)
{
	size_t i;

	if (!len)
		return;
	for (i = 0; path[i] && i + 1 < len; i++)
		buf[i] = path[i] == '/' ? '.' : path[i];
	buf[i] = '\0';
}

/* ---- the "sysctl" step kind */

static int sysctl_observe(struct netconf *nc, struct step *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct step *s = v[i];
		int r;

		r = netconf_sysctl_read(s->target, s->now, sizeof(s->now));
		if (r == -ENOENT)
			r = STEP_SET(s->now, NETCONF_MISSING);
		if (r < 0) {
			netconf_set_error(nc, "read " PROC_SYS "%s", s->target);
			return r;
		}
	}
	return 0;
}

static int sysctl_change(struct netconf *nc, struct step *const *v, size_t n,
			 enum step_field to, int *res)
{
	struct nl_first_fail first;
	int ret = 0;

	nl_first_fail_init(&first);
	/* Each file is its own change: one failure does not stop the rest. */
	for (size_t i = 0; i < n; i++) {
		const char *value = step_value(v[i], to);

		if (STREQ(value, NETCONF_MISSING)) {
			/* Only removing its device removes a sysctl. */
			netconf_set_error(nc, "cannot make " PROC_SYS "%s missing",
					  v[i]->target);
			res[i] = -EINVAL;
		} else {
			res[i] = netconf_sysctl_write(nc, v[i]->target, value);
		}
		if (res[i] < 0) {
			nl_first_fail_note(&first, i, netconf_error(nc));
			if (!ret)
				ret = res[i];
		}
	}
	nc_first_fail_done(&first, nc);
	return ret;
}

static char sysctl_sign(const char *from, const char *to)
{
	return '~';
}

const struct step_ops netconf_sysctl_ops = {
	.kind = "sysctl",
	.observe = sysctl_observe,
	.change = sysctl_change,
	.explain = NULL, /* arp/ knows why a value breaks LVS */
	.sign = sysctl_sign,
};
