// SPDX-License-Identifier: GPL-2.0-or-later
/* lib/suggest: which typos get a "did you mean", and which words do not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/macro.h"
#include "lib/suggest.h"

static const char *const commands[] = {
	"apply", "plan", "verify", "status", "revert", "check-config",
};

static const struct {
	const char *word;
	const char *want; /* NULL: no suggestion */
} cases[] = {
	{ "aply", "apply" },      /* a letter missing */
	{ "applyy", "apply" },    /* one too many */
	{ "stauts", "status" },   /* two letters swapped: one edit */
	{ "verfiy", "verify" },
	{ "APPLY", "apply" },     /* case alone */
	{ "Plan", "plan" },
	{ "revrt", "revert" },
	{ "chek-config", "check-config" },
	{ "checkconfig", "check-config" },
	{ "plna", "plan" },
	{ "state", "status" },     /* two edits in six letters */
	{ "", NULL },
	{ "x", NULL },
	{ "reboot", NULL },        /* another word, not a typo */
	{ "start", NULL },
	{ "check", NULL },         /* a prefix is no typo: 7 edits */
	{ "apply-now-please", NULL },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL },
};

static void test_commands(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = suggest(cases[i].word, commands, ARRAY_SIZE(commands));

		if (!cases[i].want && got)
			fail_msg("\"%s\": no suggestion expected, got %s", cases[i].word, got);
		if (cases[i].want && (!got || strcmp(got, cases[i].want) != 0))
			fail_msg("\"%s\": expected %s, got %s", cases[i].word,
				 cases[i].want, got ? got : "none");
	}
}

/* Two candidates equally close: no guess. Short words allow one edit. */
static void test_ties_and_short_words(void **state)
{
	static const char *const two[] = { "nft", "nfs" };
	static const char *const modes[] = { "dr", "tun" };

	(void)state;
	assert_null(suggest("nfx", two, ARRAY_SIZE(two)));
	assert_string_equal(suggest("nft", two, ARRAY_SIZE(two)), "nft");
	assert_string_equal(suggest("DR", modes, ARRAY_SIZE(modes)), "dr");
	assert_string_equal(suggest("tnu", modes, ARRAY_SIZE(modes)), "tun");
	assert_null(suggest("ipip", modes, ARRAY_SIZE(modes)));
	assert_null(suggest("d", modes, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_ties_and_short_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
