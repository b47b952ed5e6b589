// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * The journal: JSON, replaced atomically (tmp file, fsync, rename, fsync of the
 * directory), so a crash at any moment leaves either the old or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "../netconf/netconf.h"
#include "../arp/arp.h"
#include "../tunnel/tunnel.h"

static const struct step_ops *const all_ops[] = {
	&netconf_sysctl_ops,
	&netconf_addr_ops,
	&arp_nft_ops,
	&tunnel_link_ops,
};

const struct step_ops *agent_ops_by_kind(const char *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_ops); i++)
		if (strcmp(all_ops[i]->kind, kind) == 0)
			return all_ops[i];
	return NULL;
}

int steplist_add(struct steplist *l, const struct step *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct step *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

void steplist_done(struct steplist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct step *steplist_find(const struct steplist *l, const struct step_ops *ops,
			   const char *target)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ops == ops &&
		    (!target || strcmp(l->v[i].target, target) == 0))
			return &l->v[i];
	return NULL;
}

void journal_done(struct journal *j)
{
	steplist_done(&j->steps);
	memset(j, 0, sizeof(*j));
}

static int read_all(const char *path, char **ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k;

		if (cap - len < 4096) {
			char *b = realloc(buf, cap + 65536);

			if (!b)
				return -ENOMEM;
			buf = b;
			cap += 65536;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		len += k;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int journal_load(const char *path, struct journal *j, char *err, size_t errlen)
{
	_cleanup_free_ char *text = NULL;
	json_object *root, *steps, *v;
	int r;

	memset(j, 0, sizeof(*j));
	r = read_all(path, &text);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "cannot read journal %s: %s", path, strerror(-r));
		return r;
	}
	root = json_tokener_parse(text);
	if (!root || !json_object_object_get_ex(root, "steps", &steps) ||
	    !json_object_is_type(steps, json_type_array)) {
		snprintf(err, errlen, "journal %s is damaged (not the agent's JSON)", path);
		json_object_put(root);
		return -EBADMSG;
	}
	if (jstr(root, "config"))
		snprintf(j->config, sizeof(j->config), "%s", jstr(root, "config"));
	if (json_object_object_get_ex(root, "created", &v))
		j->created = json_object_get_int64(v);
	if (json_object_object_get_ex(root, "updated", &v))
		j->updated = json_object_get_int64(v);

	for (size_t i = 0; i < json_object_array_length(steps); i++) {
		json_object *o = json_object_array_get_idx(steps, i);
		const char *kind = jstr(o, "kind"), *target = jstr(o, "target");
		const char *prior = jstr(o, "prior"), *want = jstr(o, "want");
		struct step s = { 0 };

		if (!kind || !target || !prior || !want ||
		    !(s.ops = agent_ops_by_kind(kind)) ||
		    STEP_SET(s.target, target) < 0 || STEP_SET(s.prior, prior) < 0 ||
		    STEP_SET(s.want, want) < 0) {
			snprintf(err, errlen, "journal %s: step %zu is damaged", path, i + 1);
			json_object_put(root);
			journal_done(j);
			return -EBADMSG;
		}
		if (json_object_object_get_ex(o, "order", &v))
			s.order = json_object_get_int(v);
		r = steplist_add(&j->steps, &s);
		if (r < 0) {
			json_object_put(root);
			journal_done(j);
			return r;
		}
	}
	json_object_put(root);
	return 0;
}

static int fsync_dir(const char *path)
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

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t k = write(fd, buf, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += k;
		len -= k;
	}
	return 0;
}

int journal_save(const char *path, struct journal *j)
{
	_cleanup_free_ char *tmp = NULL;
	json_object *root, *steps;
	const char *text;
	int fd, r;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	r = agent_mkdir_parent(path);
	if (r < 0)
		return r;

	j->updated = time(NULL);
	if (!j->created)
		j->created = j->updated;
	root = json_object_new_object();
	steps = json_object_new_array();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "config", json_object_new_string(j->config));
	json_object_object_add(root, "created", json_object_new_int64(j->created));
	json_object_object_add(root, "updated", json_object_new_int64(j->updated));
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(s->ops->kind));
		json_object_object_add(o, "target", json_object_new_string(s->target));
		json_object_object_add(o, "order", json_object_new_int(s->order));
		json_object_object_add(o, "prior", json_object_new_string(s->prior));
		json_object_object_add(o, "want", json_object_new_string(s->want));
		json_object_array_add(steps, o);
	}
	json_object_object_add(root, "steps", steps);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	else
		r = fsync_dir(path);
out:
	json_object_put(root);
	return r;
}

int journal_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return fsync_dir(path);
}
