// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent/plan.c, pure: from the config's steps, the journal's and the values
 * the kernel has, the ordered changes of an apply and the journal after it;
 * revert's and rollback's changes; step_sign() of every kind. One line per
 * step of a case: kind, target, the values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/dropin.h"
#include "agent/kinds.h"
#include "agent/plan.h"
#include "arp/arp.h"
#include "netconf/netconf.h"
#include "tunnel/tunnel.h"

/* The kinds by a letter: Sysctl (ARP), Rp_filter, Link, Address, route
 * (Y), Nft (transactional). */
static const struct step_ops *ops_of(char k)
{
	switch (k) {
	case 'S':
		return &arp_sysctl_ops;
	case 'R':
		return &tunnel_sysctl_ops;
	case 'L':
		return &tunnel_link_ops;
	case 'A':
		return &netconf_addr_ops;
	case 'Y':
		return &netconf_route_ops;
	case 'N':
		return &arp_nft_ops;
	}
	fail_msg("no kind '%c'", k);
	return NULL;
}

static int order_of(char k)
{
	return k == 'S' || k == 'N' ? STEP_ORDER_ARP :
	       k == 'L' ? STEP_ORDER_TUNNEL :
	       k == 'R' ? STEP_ORDER_TUNNEL + 1 : STEP_ORDER_VIP;
}

/* A step: "K TARGET WANT [PRIOR]" for the config and the journal, an
 * observed value "TARGET=VALUE" (any other target reads absent). */
struct row {
	char kind;
	const char *target, *want, *prior;
};

#define ROWS 10

struct apply_case {
	const char *name;
	struct row want[ROWS];    /* what the config asks */
	struct row journal[ROWS]; /* what an earlier apply recorded */
	const char *now[ROWS];    /* the kernel: TARGET=VALUE */
	/* The actions in order, "TARGET>VALUE", and the journal after them,
	 * "TARGET PRIOR>WANT". */
	const char *acts[ROWS];
	const char *next[ROWS];
};

#define T_SYS "net/ipv4/conf/all/arp_ignore"
#define T_SYSLO "net/ipv4/conf/lo/arp_ignore"
#define T_RP "net/ipv4/conf/tunl0/rp_filter"
#define T_RPALL "net/ipv4/conf/all/rp_filter"
#define T_A "192.0.2.1/32 dev lo"
#define T_B "192.0.2.2/32 dev lo"
#define T_C "192.0.2.3/32 dev lo"
#define T_Y "local 198.51.100.0/24 dev lo table local"
#define T_TAB "arp lvs_rs_agent"
#define T_X "arp lvs_rs_agent vip 192.0.2.1"
#define T_Z "arp lvs_rs_agent vip 192.0.2.3"
#define T_W "arp lvs_rs_agent vip 192.0.2.2"

static const struct apply_case apply_cases[] = {
	{
		"a new VIP, after the ARP policy",
		.want = { { 'S', T_SYS, "1" }, { 'L', "lo", "up" }, { 'A', T_A, "present" } },
		.now = { T_SYS "=0", "lo=up" },
		.acts = { T_SYS ">1", T_A ">present" },
		.next = { T_SYS " 0>1", "lo up>up", T_A " absent>present" },
	},
	{
		"again: nothing to change, the journal's priors stay",
		.want = { { 'S', T_SYS, "1" }, { 'A', T_A, "present" } },
		.journal = { { 'S', T_SYS, "1", "0" }, { 'A', T_A, "present", "absent" } },
		.now = { T_SYS "=1", T_A "=present" },
		.next = { T_SYS " 0>1", T_A " absent>present" },
	},
	{
		"a VIP dropped from the config goes back to its prior, first",
		.want = { { 'S', T_SYS, "2" }, { 'A', T_A, "present" } },
		.journal = { { 'S', T_SYS, "1", "0" }, { 'A', T_A, "present", "absent" },
			     { 'A', T_B, "present", "absent" } },
		.now = { T_SYS "=1", T_A "=present", T_B "=present" },
		.acts = { T_B ">absent", T_SYS ">2" },
		.next = { T_SYS " 0>2", T_A " absent>present" },
	},
	{
		"a VIP that was there before the first apply is kept as pre-existing",
		.want = { { 'A', T_A, "present" }, { 'A', T_B, "present" } },
		.now = { T_A "=present" },
		.acts = { T_B ">present" },
		.next = { T_A " present>present", T_B " absent>present" },
	},
	{
		"a value an earlier apply lowered keeps its prior from then",
		.want = { { 'R', T_RPALL, "2" } },
		.journal = { { 'R', T_RPALL, "2", "1" } },
		.now = { T_RPALL "=2" },
		.next = { T_RPALL " 1>2" },
	},
	{
		"ascending to apply, the stale VIPs first and the stale policy last",
		.want = { { 'A', T_C, "present" }, { 'L', "lo", "up" }, { 'S', T_SYSLO, "1" } },
		.journal = { { 'S', T_SYS, "1", "0" }, { 'A', T_A, "present", "absent" },
			     { 'Y', T_Y, "present", "absent" }, { 'L', "lo", "up", "down" } },
		.now = { T_SYS "=1", T_SYSLO "=0", T_A "=present", T_Y "=present", "lo=down" },
		.acts = { T_Y ">absent", T_A ">absent", T_SYSLO ">1", "lo>up", T_C ">present",
			  T_SYS ">0" },
		.next = { T_C " absent>present", "lo down>up", T_SYSLO " 0>1" },
	},
	{
		"a transactional kind: a stale element joins the wanted ones in one change",
		.want = { { 'N', T_TAB, "present" }, { 'N', T_X, "present" }, { 'N', T_Z, "present" } },
		.journal = { { 'N', T_TAB, "present", "absent" }, { 'N', T_X, "present", "absent" },
			     { 'N', T_W, "present", "absent" } },
		.now = { T_TAB "=present", T_X "=present", T_W "=present" },
		.acts = { T_Z ">present", T_W ">absent" },
		.next = { T_TAB " absent>present", T_X " absent>present", T_Z " absent>present" },
	},
	{
		"a whole no longer wanted goes back after the new policy, descending",
		.want = { { 'S', T_SYS, "1" }, { 'A', T_A, "present" } },
		.journal = { { 'N', T_TAB, "present", "absent" }, { 'N', T_X, "present", "absent" },
			     { 'A', T_A, "present", "absent" } },
		.now = { T_SYS "=0", T_TAB "=present", T_X "=present", T_A "=present" },
		.acts = { T_SYS ">1", T_X ">absent", T_TAB ">absent" },
		.next = { T_SYS " 0>1", T_A " absent>present" },
	},
	{
		"a missing sysctl is never written, nor restored to missing",
		.want = { { 'A', T_A, "present" } },
		.journal = { { 'R', T_RP, "2", "missing" }, { 'A', T_A, "present", "absent" } },
		.now = { T_RP "=2", T_A "=present" },
		.next = { T_A " absent>present" },
	},
};

static void add_rows(struct steplist *l, const struct row *rows)
{
	for (size_t i = 0; i < ROWS && rows[i].target; i++) {
		struct step s = { .ops = ops_of(rows[i].kind), .order = order_of(rows[i].kind) };

		assert_int_equal(STEP_SET(s.target, rows[i].target), 0);
		assert_int_equal(STEP_SET(s.want, rows[i].want), 0);
		assert_int_equal(STEP_SET(s.prior, rows[i].prior ? rows[i].prior : ""), 0);
		assert_int_equal(steplist_add(l, &s), 0);
	}
}

/* What observe would read: the case's value, else absent. */
static void observe(struct steplist *l, const char *const *now)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *v = STEP_ABSENT;
		size_t n = strlen(l->v[i].target);

		for (size_t k = 0; k < ROWS && now[k]; k++)
			if (strncmp(now[k], l->v[i].target, n) == 0 && now[k][n] == '=')
				v = now[k] + n + 1;
		assert_int_equal(STEP_SET(l->v[i].now, v), 0);
	}
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (n < ROWS && v[n])
		n++;
	return n;
}

static void test_apply(void **state)
{
	for (size_t c = 0; c < ARRAY_SIZE(apply_cases); c++) {
		const struct apply_case *t = &apply_cases[c];
		struct steplist want = { 0 }, journal = { 0 };
		struct plan p = { 0 };
		char got[256];

		print_message("%s\n", t->name);
		add_rows(&want, t->want);
		add_rows(&journal, t->journal);
		assert_int_equal(plan_merge(&p, &want, &journal), 0);
		assert_int_equal(want.n, 0);
		observe(&p.all, t->now);
		plan_priors(&p);
		assert_int_equal(plan_actions(&p), 0);
		assert_int_equal(p.n_acts, count(t->acts));
		for (size_t i = 0; i < p.n_acts; i++) {
			snprintf(got, sizeof(got), "%s>%s", p.acts[i].s->target,
				 step_value(p.acts[i].s, p.acts[i].to));
			assert_string_equal(got, t->acts[i]);
		}
		plan_final(&p);
		assert_int_equal(p.all.n, count(t->next));
		for (size_t i = 0; i < p.all.n; i++) {
			snprintf(got, sizeof(got), "%s %s>%s", p.all.v[i].target, p.all.v[i].prior,
				 p.all.v[i].want);
			assert_string_equal(got, t->next[i]);
		}
		plan_done(&p);
		steplist_done(&journal);
	}
}

/* Whether a desired step is the journal's, wanted, stale. */
static void test_merge(void **state)
{
	static const struct row want[ROWS] = { { 'A', T_A, "present", NULL },
					       { 'A', T_B, "present", NULL } };
	static const struct row journal[ROWS] = { { 'A', T_B, "present", "absent" },
						  { 'A', T_C, "present", "absent" } };
	struct steplist w = { 0 }, j = { 0 };
	struct plan p = { 0 };

	add_rows(&w, want);
	add_rows(&j, journal);
	assert_int_equal(plan_merge(&p, &w, &j), 0);
	assert_int_equal(p.n_want, 2);
	assert_int_equal(p.all.n, 3);
	assert_false(plan_journaled(&p, &p.all.v[0]));
	assert_true(plan_journaled(&p, &p.all.v[1]));
	assert_false(plan_stale(&p, &p.all.v[1]));
	assert_true(plan_stale(&p, &p.all.v[2]));
	assert_string_equal(p.all.v[2].target, T_C);
	assert_true(plan_wanted(&p, &p.all.v[0]));
	assert_false(plan_wanted(&p, &p.all.v[2]));
	/* The journal's prior, not the config's nothing. */
	assert_string_equal(p.all.v[1].prior, "absent");
	plan_done(&p);
	steplist_done(&j);
}

static void test_revert(void **state)
{
	static const struct row journal[ROWS] = {
		{ 'S', T_SYS, "1", "0" },
		{ 'L', "lo", "up", "up" },
		{ 'R', T_RP, "2", "missing" },
		{ 'A', T_A, "present", "absent" },
		{ 'A', T_B, "present", "present" },
		{ 'Y', T_Y, "present", "absent" },
		{ 'S', T_SYSLO, "1", "0" },
	};
	static const char *const now[ROWS] = {
		T_SYS "=1", "lo=up", T_RP "=2", T_A "=present", T_B "=present", T_Y "=absent",
		T_SYSLO "=1",
	};
	/* The VIPs first, the ARP policy last, newest first within a kind;
	 * nothing for what is as it was, nor to "missing". */
	static const char *const want[] = { T_A, T_SYSLO, T_SYS };
	struct steplist l = { 0 };
	struct action v[ROWS];
	size_t n = 99;

	add_rows(&l, journal);
	observe(&l, now);
	plan_revert(&l, v, &n);
	assert_int_equal(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].s->target, want[i]);
		assert_int_equal(v[i].to, STEP_PRIOR);
	}
	steplist_done(&l);
	/* Nothing at all. */
	plan_revert(&l, v, &n);
	assert_int_equal(n, 0);
}

static void test_rollback(void **state)
{
	static const struct row rows[ROWS] = {
		{ 'S', T_SYS, "1", NULL }, { 'A', T_A, "present", NULL },
		{ 'A', T_B, "present", NULL }, { 'A', T_C, "present", NULL },
	};
	struct steplist l = { 0 };
	struct action acts[4];
	struct step *v[4];
	struct action back[4];
	size_t k, m;

	add_rows(&l, rows);
	for (size_t i = 0; i < l.n; i++)
		acts[i] = (struct action){ .s = &l.v[i], .to = STEP_WANT, .done = i < 3 };
	/* The run started from 0 and absent. */
	assert_int_equal(STEP_SET(l.v[0].was, "0"), 0);
	for (size_t i = 1; i < l.n; i++)
		assert_int_equal(STEP_SET(l.v[i].was, STEP_ABSENT), 0);
	/* The done ones, newest first; not the one never made. */
	k = plan_done_steps(acts, 4, v);
	assert_int_equal(k, 3);
	assert_ptr_equal(v[0], &l.v[2]);
	assert_ptr_equal(v[1], &l.v[1]);
	assert_ptr_equal(v[2], &l.v[0]);
	/* Read again: B is gone already (someone else), A and the sysctl are
	 * as this run left them. */
	assert_int_equal(STEP_SET(l.v[0].now, "1"), 0);
	assert_int_equal(STEP_SET(l.v[1].now, "present"), 0);
	assert_int_equal(STEP_SET(l.v[2].now, STEP_ABSENT), 0);
	m = plan_undo(v, k, back);
	assert_int_equal(m, 2);
	assert_ptr_equal(back[0].s, &l.v[1]);
	assert_int_equal(back[0].to, STEP_WAS);
	assert_ptr_equal(back[1].s, &l.v[0]);
	steplist_done(&l);
}

/* One verb per change for every kind; absent to absent is no change. */
static void test_sign(void **state)
{
	static const struct {
		char kind;
		const char *from, *to;
		char sign;
	} t[] = {
		{ 'A', "absent", "present", '+' },
		{ 'A', "present", "absent", '-' },
		{ 'A', "preferred", "absent", '-' },
		{ 'A', "present", "preferred", '~' },
		{ 'A', "absent", "absent", '~' },
		{ 'Y', "absent", "present", '+' },
		{ 'Y', "present", "absent", '-' },
		{ 'Y', "absent", "absent", '~' },
		{ 'L', "absent", "up", '+' },
		{ 'L', "down", "absent", '-' },
		{ 'L', "down", "up", '~' },
		{ 'L', "absent", "absent", '~' },
		{ 'N', "absent", "interval", '+' },
		{ 'N', "incomplete", "present", '~' },
		{ 'N', "present", "absent", '-' },
		{ 'N', "absent", "absent", '~' },
		{ 'S', "0", "1", '~' },
		{ 'R', "missing", "2", '~' },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (step_sign(ops_of(t[i].kind), t[i].from, t[i].to) != t[i].sign)
			fail_msg("%c %s -> %s: expected '%c'", t[i].kind, t[i].from, t[i].to,
				 t[i].sign);
}

/* The registry: a journal's step finds its kind by name and target. */
static void test_registry(void **state)
{
	const struct step_ops *ops;
	size_t n = 0;

	assert_ptr_equal(kinds_lookup("sysctl", T_SYS), &arp_sysctl_ops);
	assert_ptr_equal(kinds_lookup("sysctl", T_RP), &tunnel_sysctl_ops);
	assert_ptr_equal(kinds_lookup("sysctl", T_RPALL), &tunnel_sysctl_ops);
	/* No kind of that name takes it: the first, whose check refuses it. */
	ops = kinds_lookup("sysctl", "kernel/hostname");
	assert_non_null(ops);
	assert_false(ops->valid_target("kernel/hostname"));
	assert_null(kinds_lookup("bogus", T_A));
	assert_ptr_equal(kinds_lookup("address", T_A), &netconf_addr_ops);
	assert_ptr_equal(kinds_lookup("mss", TUNNEL_MSS_TARGET " vip 198.51.100.10"),
			 &tunnel_mss_ops);
	assert_ptr_equal(kinds_lookup("fou", "gue 6080 inet"), &tunnel_fou_ops);
	for (; (ops = kinds_at(n)); n++) {
		assert_non_null(ops->observe);
		assert_non_null(ops->change);
		assert_non_null(ops->build);
		assert_non_null(ops->valid_target);
		assert_non_null(ops->valid_value);
	}
	assert_int_equal(n, 9);
}

/* The sysctl.d drop-in's journal rules: a path the config can name, a
 * digest or (before the agent) absent. */
static void test_dropin_rules(void **state)
{
	static const struct {
		const char *path;
		bool ok;
	} t[] = {
		{ "/run/sysctl.d/99-zz-lvs-rs-agent.conf", true },
		{ "/tmp/x/sysctl.d/90-a.conf", true },
		{ "run/sysctl.d/a.conf", false },        /* relative */
		{ "/run/sysctl.d/a.txt", false },        /* not .conf */
		{ "/run/sysctl.d/.conf", false },        /* no name */
		{ "/run/sysctl.d/.a.conf", false },      /* hidden: the temp file's */
		{ "/etc/a.conf", false },                /* not in a sysctl.d */
		{ "/etc/notsysctl.d/a.conf", false },
		{ "/run/../etc/sysctl.d/a.conf", false },
		{ "/run/./sysctl.d/a.conf", false },
		{ "/run//sysctl.d/a.conf", false },
		{ "/run/sysctl.d/a b.conf", false },
		{ "/run/sysctl.d/a\n.conf", false },
	};
	const struct step_ops *ops = kinds_lookup("sysctl.d", t[0].path);

	assert_ptr_equal(ops, &agent_dropin_ops);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (ops->valid_target(t[i].path) != t[i].ok)
			fail_msg("%s: expected %s", t[i].path, t[i].ok ? "valid" : "invalid");
	assert_true(ops->valid_value(t[0].path, STEP_WANT, "0123456789abcdef"));
	assert_true(ops->valid_value(t[0].path, STEP_PRIOR, "0123456789abcdef"));
	assert_true(ops->valid_value(t[0].path, STEP_PRIOR, "absent"));
	assert_false(ops->valid_value(t[0].path, STEP_WANT, "absent"));
	assert_false(ops->valid_value(t[0].path, STEP_WANT, "0123456789ABCDEF"));
	assert_false(ops->valid_value(t[0].path, STEP_WANT, "0123456789abcde"));
	assert_false(ops->valid_value(t[0].path, STEP_PRIOR, "foreign"));
	assert_int_equal(step_sign(ops, "absent", "0123456789abcdef"), '+');
	assert_int_equal(step_sign(ops, "0123456789abcdef", "absent"), '-');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_dropin_rules),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_revert),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_sign),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
