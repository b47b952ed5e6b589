// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Files: the main config and its drop-ins (FILE.d/ *.conf in lexical
 * order), regular files only, each read whole and parsed (read.c), then the
 * whole config validated.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* A config file larger than this is refused rather than read into memory. */
#define CONF_FILE_MAX (4 * 1024 * 1024)

/* What a file that is not a regular one is, for a message. */
static const char *file_type(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

/* -EBADFD with *type set for anything but a regular file. */
static int read_file(const char *path, char **ret, size_t *ret_len,
		     const char **type)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	/* O_NONBLOCK: a FIFO in place of the config must not hang the run
	 * (the open of one blocks until a writer comes). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*type = file_type(st.st_mode);
		return -EBADFD;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= CONF_FILE_MAX)
				return -EFBIG;
			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int load_one(struct conf *c, const char *path, struct conf_errors *err)
{
	_cleanup_free_ char *text = NULL;
	const char *type = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, &text, &len, &type);
	if (r == -EBADFD)
		return cf_errorf(err, path, 0, "%s, not a regular file: the config is read from regular files only",
				 type) < 0 ? -ENOMEM : r;
	if (r == -EFBIG)
		return cf_errorf(err, path, 0, "larger than %d bytes",
				 CONF_FILE_MAX) < 0 ? -ENOMEM : -EFBIG;
	if (r < 0)
		return cf_errorf(err, path, 0, "%s", strerror(-r)) < 0 ? -ENOMEM : r;
	return conf_parse_string(c, path, text, len, err);
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* The names of path.d/ *.conf in strcmp order; a missing directory is none. */
static int list_dropins(const char *dir, char ***ret, size_t *ret_n,
			struct conf_errors *err)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		if (r == -ENOENT)
			r = 0;
		else if (cf_errorf(err, dir, 0, "%s", strerror(-r)) < 0)
			r = -ENOMEM;
		*ret = NULL;
		*ret_n = 0;
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!is_dropin_name(de->d_name))
			continue;
		if (cf_grow((void **)&v, n, sizeof(*v)) < 0 ||
		    !(v[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r == 0 && errno != 0) {
		r = -errno;
		if (cf_errorf(err, dir, 0, "%s", strerror(-r)) < 0)
			r = -ENOMEM;
	}
	closedir(d);
	if (r < 0) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), strcmp_ptr);
	*ret = v;
	*ret_n = n;
	return 0;
}

int conf_load(const char *path, struct conf **ret, struct conf_errors *err)
{
	_cleanup_conf_ struct conf *c = NULL;
	_cleanup_free_ char *dir = NULL;
	char **names = NULL;
	size_t n_names = 0;
	int r, first = 0;

	c = conf_new();
	if (!c)
		return -ENOMEM;
	if (asprintf(&dir, "%s.d", path) < 0) {
		dir = NULL; /* undefined after a failure */
		return -ENOMEM;
	}

	r = load_one(c, path, err);
	if (r < 0 && r != -EINVAL)
		return r; /* no main file, no config */
	first = r;

	r = list_dropins(dir, &names, &n_names, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < n_names; i++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/%s", dir, names[i]) < 0) {
			p = NULL; /* undefined after a failure */
			r = -ENOMEM;
		} else {
			r = load_one(c, p, err);
		}
		/* A system error (an unreadable drop-in) outranks -EINVAL. */
		if (r < 0 && (first == 0 || first == -EINVAL))
			first = r;
		if (r == -ENOMEM)
			break;
	}
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	if (first == -ENOMEM)
		return first;

	r = conf_validate(c, err);
	if (r < 0 && first == 0)
		first = r;
	if (first < 0)
		return first;
	*ret = TAKE_PTR(c);
	return 0;
}
