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

	/* Only the network namespace's own sysctls: whatever a caller passes
	 * (a bug, a journal), nothing outside /proc/sys/net is written. */
	if (!path_valid(path) || strncmp(path, "net/", 4) != 0) {
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

int netconf_sysctl_observe(struct netconf *nc, struct step *const *v, size_t n)
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

int netconf_sysctl_change(struct netconf *nc, struct step *const *v, size_t n,
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

/* A sysctl that is missing (its device gone, or not there yet) cannot be
 * made missing again, nor does a missing one have anything to restore. */
bool netconf_sysctl_restorable(const struct step *s, const char *to)
{
	return !step_same(s, s->now, to) && !STREQ(to, NETCONF_MISSING) &&
	       !STREQ(s->now, NETCONF_MISSING);
}

#define CONF_PREFIX "net/ipv4/conf/"

int netconf_sysctl_step(struct step *s, const struct step_ops *ops, int order,
			const char *dev, const char *key, int value)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->order = order;
	if ((size_t)snprintf(s->target, sizeof(s->target), CONF_PREFIX "%s/%s", dev, key) >=
	    sizeof(s->target))
		return -ENAMETOOLONG;
	snprintf(s->want, sizeof(s->want), "%d", value);
	return 0;
}

/* The key of k that target names, with its device in dev; NULL if none. */
static const char *key_of(const struct netconf_sysctl_keys *k, const char *target,
			  char *dev)
{
	const char *d, *slash;
	size_t n;

	if (strncmp(target, CONF_PREFIX, strlen(CONF_PREFIX)) != 0)
		return NULL;
	d = target + strlen(CONF_PREFIX);
	slash = strchr(d, '/');
	if (!slash || (n = (size_t)(slash - d)) >= IF_NAMESIZE)
		return NULL;
	memcpy(dev, d, n);
	dev[n] = '\0';
	if (!netconf_ifname_valid(dev) ||
	    (!k->any_dev && !STREQ(dev, "all") && !STREQ(dev, "lo")))
		return NULL;
	for (const char *const *key = k->keys; *key; key++)
		if (STREQ(slash + 1, *key))
			return *key;
	return NULL;
}

bool netconf_sysctl_valid_target(const struct netconf_sysctl_keys *k,
				 const char *target)
{
	char dev[IF_NAMESIZE];

	return key_of(k, target, dev);
}

/* A value as the kernel prints an int: "0", "-3", never "03" or "+3". */
static bool int_text(const char *v)
{
	const char *p = v + (*v == '-');
	char *end;
	long x;

	if (*p < '0' || *p > '9' || (p[0] == '0' && (p[1] || p != v)))
		return false;
	errno = 0;
	x = strtol(v, &end, 10);
	return !errno && !*end && x >= INT_MIN && x <= INT_MAX;
}

bool netconf_sysctl_valid_value(const struct netconf_sysctl_keys *k,
				const char *target, enum step_field f,
				const char *value)
{
	char dev[IF_NAMESIZE];

	if (!key_of(k, target, dev))
		return false;
	if (f == STEP_WANT)
		return STREQ(value, k->want[0]) || STREQ(value, k->want[1]);
	/* Before the agent: any value the kernel held, or no such file (the
	 * tunnel device appeared with the apply). */
	if (STREQ(value, NETCONF_MISSING))
		return !STREQ(dev, "all") && !STREQ(dev, "lo");
	return int_text(value);
}
