// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "journal.h"
#include "kinds.h"
#include "lock.h"
#include "report.h"
#include "state.h"
#include "../netconf/netconf.h"

/* A damaged journal, and the two ways on. */
void state_damage(struct report *r, const char *damage, const struct journal *j)
{
	report_error(r, "%s;\nrevert --force reverts the %zu step%s before it, forget drops "
		     "the journal (lvs-rs-agent(8), JOURNAL)", damage, j->steps.n,
		     j->steps.n == 1 ? "" : "s");
}

int state_load(const char *path, struct report *r, const char *verb, unsigned flags,
	       struct journal *j, char *damage, size_t len, bool *gone)
{
	struct netconf_netns self;
	char theirs[96], ours[96], hint[512] = "";
	int k;

	damage[0] = '\0';
	*gone = false;
	k = journal_load_readable(path, j, damage, len);
	if (k < 0 && k != -EBADMSG) {
		if ((k == -EACCES || k == -EPERM) && (flags & STATE_READ_ONLY))
			agent_owner_hint(path, "make it readable (chmod 0644; its directory 0755)",
					 hint, sizeof(hint));
		if (*hint)
			report_error(r, "cannot read journal %s: %s", path, hint);
		else
			report_error(r, "%s", damage);
		return AGENT_EXIT_RUNTIME;
	}
	if (k == 0)
		damage[0] = '\0';
	(void)netconf_netns_self(&self);
	switch (journal_owner(j, &self)) {
	case JOURNAL_OURS:
	case JOURNAL_UNBOUND:
		break;
	case JOURNAL_OTHER_BOOT:
		report_warning(r, "journal %s was written before this boot (boot id %s):\n"
			       "nothing it recorded is in this kernel any more, so it counts as none",
			       path, j->ns.boot_id);
		journal_done(j);
		damage[0] = '\0';
		*gone = true;
		return AGENT_EXIT_OK;
	case JOURNAL_OTHER_NETNS:
		journal_netns_text(&j->ns, theirs, sizeof(theirs));
		journal_netns_text(&self, ours, sizeof(ours));
		if (flags & STATE_FOREIGN) {
			report_warning(r, "journal %s belongs to network namespace %s, not this one (%s):\n"
				       "what it recorded is there, and stays", path, theirs, ours);
			break;
		}
		report_error(r, "journal %s belongs to network namespace %s; this %s runs in %s:\n"
			     "run it there, give each namespace its own journal (-s), or, if that "
			     "namespace is gone, forget", path, theirs, verb, ours);
		return AGENT_EXIT_RUNTIME;
	}
	if (damage[0] && !(flags & STATE_READABLE)) {
		state_damage(r, damage, j);
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

struct marks {
	const struct steplist *known;
	struct stepindex x; /* of known, made at the first marked object */
	bool indexed;
	struct steplist *out;
};

static int mark_cb(const struct step *s, void *data)
{
	struct marks *m = data;
	int k;

	/* Most hosts have none: no index of 10,000 steps for nothing. */
	if (!m->indexed) {
		k = stepindex_build(&m->x, m->known);
		if (k < 0)
			return k;
		m->indexed = true;
	}
	if (stepindex_find(&m->x, s->ops, s->target))
		return 0;
	return steplist_add(m->out, s);
}

int state_unrecorded(struct netconf *nc, const struct steplist *known,
		     const struct steplist *kinds, struct steplist *out)
{
	struct marks m = { .known = known, .out = out };
	const struct step_ops *ops;
	size_t n = 0;
	int k = 0;

	while (kinds_at(n))
		n++;
	while (k == 0 && n-- > 0) {
		ops = kinds_at(n);
		if (ops->marked && (!kinds || steplist_find(kinds, ops, NULL)))
			k = ops->marked(nc, mark_cb, &m);
	}
	stepindex_done(&m.x);
	return k;
}

void state_steps_text(const struct step *const *v, size_t shown, size_t n,
		      char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < shown && used < len; i++) {
		char t[STEP_TARGET_MAX + 16];

		step_display(v[i], t, sizeof(t));
		used += (size_t)snprintf(buf + used, len - used, "%s%s %s",
					 i ? ", " : "", v[i]->ops->kind, t);
	}
	if (n > shown && used < len)
		snprintf(buf + used, len - used, " and %zu more", n - shown);
}

size_t state_list_text(const struct steplist *l,
		       bool (*keep)(const struct step *s, const void *data),
		       const void *data, char *buf, size_t len)
{
	const struct step *v[STATE_SHOWN_MAX] = { NULL };
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!keep || keep(&l->v[i], data)) {
			if (n < STATE_SHOWN_MAX)
				v[n] = &l->v[i];
			n++;
		}
	state_steps_text(v, n < STATE_SHOWN_MAX ? n : STATE_SHOWN_MAX, n, buf, len);
	return n;
}

bool state_same_file(const char *a, const char *b)
{
	_cleanup_free_ char *ra = realpath(a, NULL), *rb = realpath(b, NULL);

	if (ra && rb)
		return strcmp(ra, rb) == 0;
	return strcmp(a, b) == 0;
}
