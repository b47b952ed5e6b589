// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: arbitrary bytes as a journal file through journal_load(),
 * with what revert and status rely on checked after each run (ASan and
 * UBSan catch the memory errors and leaks):
 *   - a journal is read whole or refused as damaged (-EBADMSG), never half:
 *     no step kept on failure, and one line saying why;
 *   - every step read is one the agent makes: its kind's valid_target() and
 *     valid_value() hold (the validation pass cannot be bypassed);
 *   - what was read, written again (journal_write) and read back, is the
 *     same journal.
 * The bytes go through a file: journal_load() reads a path, as the agent
 * does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/journal.h"
#include "agent/kinds.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tmpfs where there is one: journal_write() fsyncs, which a disk makes
 * cost milliseconds a run. */
static char dir[64];
static char path[96], again[96];

static void cleanup(void)
{
	unlink(path);
	unlink(again);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "%s/fuzz-journal.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(again, sizeof(again), "%s/again", dir);
	atexit(cleanup);
	return 0;
}

static void write_all(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "we");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

static void check_valid(const struct journal *j)
{
	for (size_t i = 0; i < j->steps.n; i++) {
		const struct step *s = &j->steps.v[i];

		if (!s->ops || !s->ops->valid_target || !s->ops->valid_value)
			abort();
		if (!s->ops->valid_target(s->target) ||
		    !s->ops->valid_value(s->target, STEP_WANT, s->want) ||
		    !s->ops->valid_value(s->target, STEP_PRIOR, s->prior))
			abort();
		if (kinds_lookup(s->ops->kind, s->target) != s->ops)
			abort();
	}
}

static void check_same(const struct journal *a, const struct journal *b)
{
	if (strcmp(a->config, b->config) != 0 || a->created != b->created ||
	    a->updated != b->updated || a->steps.n != b->steps.n)
		abort();
	for (size_t i = 0; i < a->steps.n; i++) {
		const struct step *x = &a->steps.v[i], *y = &b->steps.v[i];

		if (x->ops != y->ops || x->order != y->order ||
		    strcmp(x->target, y->target) != 0 || strcmp(x->want, y->want) != 0 ||
		    strcmp(x->prior, y->prior) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal j, k;
	char err[512];
	int r;

	write_all(data, size);
	memset(err, 'x', sizeof(err));
	r = journal_load(path, &j, err, sizeof(err));
	if (r != 0 && r != -EBADMSG && r != -ENOMEM)
		abort();
	if (r < 0) {
		/* One line naming the journal, nothing kept. */
		if (j.steps.n || j.steps.v || !memchr(err, '\0', sizeof(err)) ||
		    strchr(err, '\n') || strncmp(err, "journal ", 8) != 0)
			abort();
		return 0;
	}
	/* An empty file is damaged; a journal read has its format's say. */
	if (size == 0)
		abort();
	check_valid(&j);
	if (journal_write(again, &j) != 0)
		abort();
	if (journal_load(again, &k, err, sizeof(err)) != 0)
		abort();
	check_same(&j, &k);
	journal_done(&k);
	journal_done(&j);
	return 0;
}
