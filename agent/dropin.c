// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "sysctl.d" kind: a runtime drop-in for systemd-sysctl that holds the
 * sysctl values the agent sets, so that what re-applies the sysctl.d files
 * (udev for each new interface, `systemd-sysctl --prefix=/net/ipv4/conf/DEV`;
 * a restart of systemd-sysctl.service) keeps them instead of undoing them.
 *
 * systemd-sysctl (252) reads the *.conf files of /etc, /run, /usr/local/lib
 * and /usr/lib sysctl.d sorted by file name, a later file's assignment of a
 * key replacing an earlier one's; a glob is written to every sysctl it
 * matches except those that an explicit key names in any file ("explicit
 * setting exists"). So each key is written explicitly, the tunnel device's
 * too before the device exists, and the default name sorts after the usual
 * 99-sysctl.conf.
 *
 * A file, not a kernel object: its steps hold a digest of the content (a
 * step's values are short), the content itself lives here for the run, put
 * by the build (what apply writes) and by observe (what a rollback puts
 * back).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "file.h"
#include "../conf/conf.h"
#include "../lib/steplist.h"
#include "../netconf/netconf.h"

#define DROPIN_DEFAULT "/run/sysctl.d/99-zz-lvs-rs-agent.conf"
#define MARKER "# lvs-rs-agent:"
#define FOREIGN "foreign"
/* Far more than the agent writes (a line per sysctl it sets). */
#define CONTENT_MAX 16384
#define DIGEST_LEN 16

const char *agent_test_root(void)
{
	const char *r = getenv("LVS_RS_AGENT_TEST_ROOT");

	return r ? r : "";
}

/* The contents of this run: what the build asks, what observe found. */
static struct content {
	char path[STEP_TARGET_MAX];
	char digest[STEP_VALUE_MAX];
	char *text;
} cache[4];
static size_t cache_next;

static void digest_of(const char *text, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		h = (h ^ *c) * 0x100000001b3ULL;
	snprintf(buf, len, "%016" PRIx64, h);
}

static const char *cache_find(const char *path, const char *digest)
{
	for (size_t i = 0; i < ARRAY_SIZE(cache); i++)
		if (cache[i].text && STREQ(cache[i].path, path) &&
		    STREQ(cache[i].digest, digest))
			return cache[i].text;
	return NULL;
}

/* Keeps text (taken) under path and its digest, written to digest. */
static void cache_put(const char *path, char *text, char *digest, size_t len)
{
	struct content *c;

	digest_of(text, digest, len);
	if (cache_find(path, digest)) {
		free(text);
		return;
	}
	c = &cache[cache_next++ % ARRAY_SIZE(cache)];
	free(c->text);
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->digest, sizeof(c->digest), "%s", digest);
	c->text = text;
}

static bool is_digest(const char *v)
{
	size_t n = strspn(v, "0123456789abcdef");

	return n == DIGEST_LEN && !v[n];
}

int agent_dropin_path(const struct conf *c, char *buf, size_t len)
{
	const char *p = c->sysctl_dropin;

	buf[0] = '\0';
	if (STREQ(p, CONF_DROPIN_AUTO)) {
		/* The directory is root's: the units' dynamic user writes none
		 * (a file that systemd-sysctl applies as root would let it set
		 * any sysctl). */
		if (geteuid() != 0)
			return 0;
		if ((size_t)snprintf(buf, len, "%s" DROPIN_DEFAULT, agent_test_root()) >= len)
			return -ENAMETOOLONG;
		return 1;
	}
	if ((size_t)snprintf(buf, len, "%s", p) >= len)
		return -ENAMETOOLONG;
	return *p ? 1 : 0;
}

/* "net/ipv4/conf/lo/arp_ignore" as sysctl.d writes it: dotted, unless a
 * name holds a dot (eth0.100), which the slash form keeps. */
static void key_line(FILE *f, const struct step *s)
{
	char dotted[STEP_TARGET_MAX];
	const char *dev = s->target + strlen("net/ipv4/conf/");
	const char *slash = strchr(dev, '/');

	if (slash && memchr(dev, '.', (size_t)(slash - dev))) {
		fprintf(f, "%s = %s\n", s->target, s->want);
		return;
	}
	netconf_sysctl_display(s->target, dotted, sizeof(dotted));
	fprintf(f, "%s = %s\n", dotted, s->want);
}

static int build(const struct kind_ctx *ctx, struct steplist *out)
{
	char path[STEP_TARGET_MAX], *text = NULL;
	size_t size = 0, n = 0;
	struct step s = { .ops = &agent_dropin_ops, .order = STEP_ORDER_DROPIN };
	FILE *f;
	int r;

	r = agent_dropin_path(ctx->conf, path, sizeof(path));
	if (r <= 0) {
		if (r < 0)
			snprintf(ctx->err, ctx->errlen, "%s: sysctl_dropin: path too long",
				 ctx->verb);
		return r;
	}
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, MARKER " written by apply, removed by revert; edits are undone.\n"
		   "# Explicit keys: systemd-sysctl lets no glob of another file override\n"
		   "# them, and this file sorts after the others (the last assignment wins).\n");
	for (size_t i = 0; i < out->n; i++) {
		const struct step *t = &out->v[i];

		if (!STREQ(t->ops->kind, "sysctl") || strncmp(t->target, "net/ipv4/conf/", 14))
			continue;
		key_line(f, t);
		n++;
	}
	if (fclose(f) == EOF) {
		free(text);
		return -ENOMEM;
	}
	if (!n) {
		free(text);
		return 0;
	}
	if (STEP_SET(s.target, path) < 0) {
		free(text);
		return -ENAMETOOLONG;
	}
	cache_put(path, text, s.want, sizeof(s.want));
	return steplist_add(out, &s);
}

/* The file's content, NULL when absent; -errno, or 0 and *ret. A file that
 * is no regular one, or too long to be the agent's, is *foreign. */
static int read_file(const char *path, char **ret, bool *foreign)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t have = 0;
	ssize_t k;

	*ret = NULL;
	*foreign = false;
	fd = agent_open_regular(path, O_RDONLY, 0, false);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd == -ELOOP || fd == -EISDIR || fd == -EBADFD || fd == -ENXIO) {
		*foreign = true;
		return 0;
	}
	if (fd < 0)
		return fd;
	text = malloc(CONTENT_MAX + 1);
	if (!text)
		return -ENOMEM;
	while ((k = read(fd, text + have, CONTENT_MAX - have)) > 0)
		have += (size_t)k;
	if (k < 0)
		return -errno;
	text[have] = '\0';
	if (have == CONTENT_MAX || strlen(text) != have ||
	    strncmp(text, MARKER, strlen(MARKER)) != 0) {
		*foreign = true;
		return 0;
	}
	*ret = TAKE_PTR(text);
	return 0;
}

static int observe(struct netconf *nc, struct step *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct step *s = v[i];
		char *text;
		bool foreign;
		int r = read_file(s->target, &text, &foreign);

		if (r < 0) {
			netconf_set_error(nc, "read %s", s->target);
			return r;
		}
		if (foreign)
			snprintf(s->now, sizeof(s->now), FOREIGN);
		else if (!text)
			snprintf(s->now, sizeof(s->now), STEP_ABSENT);
		else
			cache_put(s->target, text, s->now, sizeof(s->now));
	}
	return 0;
}

static int write_cb(FILE *f, void *data)
{
	return fputs(data, f) == EOF ? -EIO : 0;
}

static int write_dropin(struct netconf *nc, const char *path, const char *digest)
{
	char tmp[STEP_TARGET_MAX + 16], dir[STEP_TARGET_MAX];
	const char *text = cache_find(path, digest), *name = strrchr(path, '/');
	int r;

	if (!text) {
		netconf_set_error(nc, "write %s: its content is not known to this run", path);
		return -ESTALE;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(name - path), path);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name + 1);
	/* /run/sysctl.d is missing until someone writes a file there. */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		netconf_set_error(nc, "create the directory %s", dir);
		return r;
	}
	r = agent_replace_file(path, tmp, write_cb, (void *)text);
	if (r < 0)
		netconf_set_error(nc, "write %s: %s", path, agent_file_strerror(r));
	return r;
}

/*
 * /run/sysctl.d, which write_dropin() makes when it is missing (as it is
 * on a fresh boot), goes again with the agent's file when that was its
 * last: an empty directory there means nothing to systemd-sysctl. Any
 * other directory stays (a failure, not empty, is no error).
 */
static void remove_run_dir(const char *path)
{
	const char *name = strrchr(path, '/');
	char dir[STEP_TARGET_MAX];
	size_t n;

	if (!name)
		return;
	n = (size_t)(name - path);
	snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	if (n >= strlen("/run/sysctl.d") && STREQ(dir + n - strlen("/run/sysctl.d"), "/run/sysctl.d"))
		(void)rmdir(dir);
}

static int change(struct netconf *nc, struct step *const *v, size_t n,
		  enum step_field to, int *res)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		const struct step *s = v[i];
		const char *value = step_value(s, to);
		int r = netconf_fault_point(nc);

		if (r == 0 && STREQ(s->now, FOREIGN)) {
			netconf_set_error(nc, "%s is not the agent's (no marker line): left alone",
					  s->target);
			r = -EEXIST;
		} else if (r == 0 && step_is_absent(s->ops, value)) {
			if (unlink(s->target) < 0 && errno != ENOENT) {
				r = -errno;
				netconf_set_error(nc, "remove %s", s->target);
			} else {
				remove_run_dir(s->target);
			}
		} else if (r == 0) {
			r = write_dropin(nc, s->target, value);
		}
		res[i] = r;
		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

/* A file that is not the agent's is never written or removed. */
static int probe(const struct kind_ctx *ctx, struct step *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!STREQ(v[i]->now, FOREIGN))
			continue;
		snprintf(ctx->err, ctx->errlen,
			 "%s: sysctl_dropin %s exists and is not lvs-rs-agent's (its first line "
			 "is not the agent's marker): it is left alone; remove it or set "
			 "another sysctl_dropin (or no) in [agent]",
			 ctx->verb, v[i]->target);
		return -EEXIST;
	}
	return 0;
}

static bool restorable(const struct step *s, const char *to)
{
	if (STREQ(s->now, FOREIGN) || STREQ(s->now, to))
		return false;
	return step_is_absent(s->ops, to) || cache_find(s->target, to);
}

static void explain(const struct step *s, char *buf, size_t len)
{
	snprintf(buf, len, "systemd-sysctl applies its sysctl.d files again for each new "
		 "interface (udev) and at its restart: without the agent's values in %s, a "
		 "file or glob there can undo the ARP or rp_filter policy (the tunnel "
		 "device's rp_filter when it appears)", s->target);
}

/* A file observed in this run that carries the marker is the agent's. */
static int marked(struct netconf *nc, int (*cb)(const struct step *s, void *data),
		  void *data)
{
	for (size_t i = 0; i < ARRAY_SIZE(cache); i++) {
		struct step s = { .ops = &agent_dropin_ops, .order = STEP_ORDER_DROPIN };
		bool seen = false, foreign;
		char *text;
		int r;

		for (size_t j = 0; j < i; j++)
			seen = seen || (cache[j].text && STREQ(cache[j].path, cache[i].path));
		if (!cache[i].text || seen)
			continue;
		r = read_file(cache[i].path, &text, &foreign);
		if (r < 0)
			return r;
		if (!text)
			continue;
		if (STEP_SET(s.target, cache[i].path) < 0) {
			free(text);
			continue;
		}
		digest_of(text, s.now, sizeof(s.now));
		free(text);
		r = cb(&s, data);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool valid_value(const char *target, enum step_field f, const char *value)
{
	return is_digest(value) || (f == STEP_PRIOR && STREQ(value, STEP_ABSENT));
}

const struct step_ops agent_dropin_ops = {
	.kind = "sysctl.d",
	.build = build,
	.probe = probe,
	.observe = observe,
	.change = change,
	.explain = explain,
	.restorable = restorable,
	.marked = marked,
	.valid_target = conf_dropin_path_valid,
	.valid_value = valid_value,
};
