// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* asprintf */
/*
 * The journal, replaced atomically (tmp file, fsync, rename, fsync of the
 * directory), so a crash at any moment leaves either the old or the new one.
 *
 * Format 2 is JSON Lines: line 1 a header that counts the steps, then one
 * line per step. json-c writes and reads every line as one small object, so
 * the journal of 10,000 VIPs costs little more memory than its steps (a
 * json-c tree of the whole of it costs some 10 MB). The count and the
 * newline that ends each line make a journal cut at any byte damaged.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "journal.h"
#include "../netconf/netconf.h"

/* json-c's output: compact, and "/" as is (targets and sysctl paths are
 * full of them; JSON does not need them escaped). */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void journal_done(struct journal *j)
{
	steplist_done(&j->steps);
	memset(j, 0, sizeof(*j));
}

/* v into o as key (a string constant); o owns v from then on. */
static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW |
				      JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* One line: o as json-c writes it, and the newline. */
static int put_line(FILE *f, json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_FLAGS);

	if (!text)
		return -ENOMEM;
	if (fputs(text, f) == EOF || putc('\n', f) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

static int put_header(FILE *f, const struct journal *j)
{
	json_object *o = json_object_new_object();
	int r;

	if (!o)
		return -ENOMEM;
	r = add(o, "format", json_object_new_string(JOURNAL_FORMAT));
	if (r == 0)
		r = add(o, "version", json_object_new_int(JOURNAL_VERSION));
	if (r == 0)
		r = add(o, "config", json_object_new_string(j->config));
	if (r == 0)
		r = add(o, "created", json_object_new_int64(j->created));
	if (r == 0)
		r = add(o, "updated", json_object_new_int64(j->updated));
	if (r == 0)
		r = add(o, "steps", json_object_new_int64((int64_t)j->steps.n));
	/* The namespace it belongs to: the reader refuses it in another. */
	if (r == 0 && j->ns.cookie && j->ns.cookie < INT64_MAX)
		r = add(o, "netns_cookie", json_object_new_int64((int64_t)j->ns.cookie));
	if (r == 0 && j->ns.ino && j->ns.ino < INT64_MAX && j->ns.dev < INT64_MAX) {
		r = add(o, "netns_inode", json_object_new_int64((int64_t)j->ns.ino));
		if (r == 0)
			r = add(o, "netns_dev", json_object_new_int64((int64_t)j->ns.dev));
	}
	if (r == 0 && j->ns.boot_id[0])
		r = add(o, "boot_id", json_object_new_string(j->ns.boot_id));
	if (r == 0)
		r = put_line(f, o);
	json_object_put(o);
	return r;
}

/*
 * A step through an object of its own, freed before the next one: the memory
 * of one step whatever their number. (One object whose values are replaced
 * would leak in json-c 0.16: json_object_set_string to "" loses the old
 * buffer, json-c issue 780.)
 */
static int put_step(FILE *f, const struct step *s)
{
	json_object *o = json_object_new_object();
	int r;

	if (!o)
		return -ENOMEM;
	r = add(o, "kind", json_object_new_string(s->ops->kind));
	if (r == 0)
		r = add(o, "target", json_object_new_string(s->target));
	if (r == 0)
		r = add(o, "order", json_object_new_int(s->order));
	if (r == 0)
		r = add(o, "want", json_object_new_string(s->want));
	if (r == 0)
		r = add(o, "prior", json_object_new_string(s->prior));
	if (r == 0)
		r = put_line(f, o);
	json_object_put(o);
	return r;
}

static int put_journal(FILE *f, void *data)
{
	const struct journal *j = data;
	int r = put_header(f, j);

	for (size_t i = 0; r == 0 && i < j->steps.n; i++)
		r = put_step(f, &j->steps.v[i]);
	return r;
}

int journal_write(const char *path, const struct journal *j)
{
	_cleanup_free_ char *tmp = NULL;
	int r;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	r = agent_mkdir_parent(path);
	if (r < 0)
		return r;
	return agent_replace_file(path, tmp, put_journal, (void *)j);
}

int journal_save(const char *path, struct journal *j)
{
	j->updated = time(NULL);
	if (!j->created)
		j->created = j->updated;
	(void)netconf_netns_self(&j->ns);
	return journal_write(path, j);
}

enum journal_owner journal_owner(const struct journal *j,
				 const struct netconf_netns *self)
{
	const struct netconf_netns *ns = &j->ns;

	/* Cookies count from boot: compare them within one only. */
	if (ns->boot_id[0] && self->boot_id[0] && strcmp(ns->boot_id, self->boot_id))
		return JOURNAL_OTHER_BOOT;
	if (ns->cookie && self->cookie)
		return ns->cookie == self->cookie ? JOURNAL_OURS : JOURNAL_OTHER_NETNS;
	if (ns->ino && self->ino)
		return ns->ino == self->ino && ns->dev == self->dev ? JOURNAL_OURS
								     : JOURNAL_OTHER_NETNS;
	return JOURNAL_UNBOUND;
}

void journal_netns_text(const struct netconf_netns *ns, char *buf, size_t len)
{
	char cookie[40] = "";

	if (ns->cookie)
		snprintf(cookie, sizeof(cookie), " (cookie %llu)",
			 (unsigned long long)ns->cookie);
	if (ns->ino)
		snprintf(buf, len, "net:[%llu]%s", (unsigned long long)ns->ino, cookie);
	else
		snprintf(buf, len, "a namespace of cookie %llu",
			 (unsigned long long)ns->cookie);
}

int journal_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return agent_fsync_dir(path);
}
