// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netconf/'s address kind in batches against the real kernel, in a network
 * namespace of this process's own (netconf-fixture.h): thousands of steps, a
 * fault and a refusal in the middle, lost acks, observe over 10,000 steps.
 */
#include "netconf-fixture.h"

/*
 * 2,000 steps, IPv4 and IPv6, in a handful of sendmsg calls: one step faulted
 * (never sent), one refused by the kernel in the middle of a batch, and all
 * the others done; res[] says exactly which.
 */
static void test_addr_batch(void **state)
{
	struct netconf *nc = *state;
	const size_t n = 2000, faulted = 1500, refused = 500;
	struct steps st;
	struct step pre, *pv[] = { &pre };
	int pres[1];
	double t0;

	NEED_KERNEL();
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX];

		if (i < 768)
			v4_target((unsigned int)i, t, sizeof(t));
		else
			v6_target(0xb, (unsigned int)i, t, sizeof(t));
		canon(t, sizeof(t));
		mkstep(&st.s[i], &netconf_addr_ops, t, "present", NULL);
	}
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	/* Someone else adds one behind our back after observe. */
	pre = st.s[refused];
	assert_int_equal(netconf_addr_ops.change(nc, pv, 1, STEP_WANT, pres), 0);

	/* The faulted step is the 1501st change of the call. */
	fault_set("1501");
	t0 = now_s();
	assert_int_equal(netconf_addr_ops.change(nc, st.v, n, STEP_WANT, st.res),
			 -EEXIST);
	print_message("2000 addresses in %.3f s\n", now_s() - t0);
	fault_set(NULL);
	for (size_t i = 0; i < n; i++) {
		int want = i == faulted ? -EIO : i == refused ? -EEXIST : 0;

		if (st.res[i] != want)
			fail_msg("res[%zu] = %d, expected %d (%s)", i, st.res[i],
				 want, st.s[i].target);
	}
	/* Step 500 failed first: its text, not the fault's. */
	assert_string_not_equal(netconf_error(nc), "injected fault at kernel change 1501");
	assert_string_not_equal(netconf_error(nc), "");

	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "present"), n - 1);
	assert_string_equal(st.s[faulted].now, "absent");

	/* A fault in a batch of deletions: the 3rd message is not sent. */
	fault_set("3");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(STEP_SET(st.s[i].prior, "absent"), 0);
	assert_int_equal(netconf_addr_ops.change(nc, st.v, faulted, STEP_PRIOR, st.res),
			 -EIO);
	fault_set(NULL);
	for (size_t i = 0; i < faulted; i++)
		assert_int_equal(st.res[i], i == 2 ? -EIO : 0);
	assert_string_equal(netconf_error(nc), "injected fault at kernel change 3");

	assert_int_equal(settle(nc, &netconf_addr_ops, &st, "absent"), 0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	steps_done(&st);
}

/*
 * The receive buffer squeezed to its minimum behind the batching's back: the
 * kernel drops most acks (ENOBUFS). Every step must still come out right,
 * from a fresh dump, and none may be reported done that was not.
 */
static void test_addr_lost_acks(void **state)
{
	struct netconf *nc = NULL;
	const size_t n = 300, faulted = 150;
	struct steps st;

	NEED_KERNEL();
	assert_int_equal(netconf_open(&nc), 0);
	assert_int_equal(netconf_fault_squeeze_rcvbuf(nc, 1), 0);
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX];

		v6_target(0xc, (unsigned int)i, t, sizeof(t));
		canon(t, sizeof(t));
		mkstep(&st.s[i], &netconf_addr_ops, t, "present", "absent");
	}
	fault_set("151");
	assert_int_equal(netconf_addr_ops.change(nc, st.v, n, STEP_WANT, st.res), -EIO);
	fault_set(NULL);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(st.res[i], i == faulted ? -EIO : 0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "present"), n - 1);
	assert_string_equal(st.s[faulted].now, "absent");

	assert_int_equal(settle(nc, &netconf_addr_ops, &st, "absent"), 0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	steps_done(&st);
	netconf_close(nc);
}

/*
 * Observe 10,000 steps against a table of thousands of addresses: one dump,
 * sorted lookups, milliseconds. The kernel itself is slow to add and above
 * all to remove many IPv6 addresses (each deletion walks every route), so by
 * default 768 IPv4 and 2,000 IPv6 of the steps are real VIPs;
 * LVS_TEST_VIPS=10000 makes them all real (about 30 s here).
 */
static void test_addr_many(void **state)
{
	struct netconf *nc = *state;
	const size_t n = 10000;
	const char *env = getenv("LVS_TEST_VIPS");
	size_t real = env ? strtoul(env, NULL, 10) : 2768;
	struct steps st, sub;
	double t0, dt;

	NEED_KERNEL();
	if (real > n)
		real = n;
	steps_init(&st, n);
	for (size_t i = 0; i < n; i++) {
		char t[STEP_TARGET_MAX];

		if (real < n && i < 768)
			v4_target((unsigned int)i, t, sizeof(t));
		else
			v6_target(0xd, (unsigned int)i, t, sizeof(t));
		canon(t, sizeof(t));
		mkstep(&st.s[i], &netconf_addr_ops, t, "present", NULL);
	}
	t0 = now_s();
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	dt = now_s() - t0;
	print_message("observe %zu steps, all absent: %.3f s\n", n, dt);
	assert_true(dt < time_limit(1.0));
	assert_int_equal(count_now(&st, "absent"), n);

	/* The first `real` steps become VIPs, in one change (many batches). */
	sub = st;
	sub.n = real;
	t0 = now_s();
	assert_int_equal(netconf_addr_ops.change(nc, sub.v, real, STEP_WANT, sub.res), 0);
	print_message("add %zu: %.3f s\n", real, now_s() - t0);
	for (size_t i = 0; i < real; i++)
		assert_int_equal(sub.res[i], 0);

	t0 = now_s();
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	dt = now_s() - t0;
	print_message("observe %zu steps, %zu present: %.3f s\n", n, real, dt);
	assert_true(dt < time_limit(1.0));
	assert_int_equal(count_now(&st, "present"), real);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(st.s[i].now, i < real ? "present" : "absent");

	t0 = now_s();
	assert_int_equal(settle(nc, &netconf_addr_ops, &sub, "absent"), 0);
	print_message("observe + delete %zu: %.3f s\n", real, now_s() - t0);
	assert_int_equal(netconf_addr_ops.observe(nc, st.v, n), 0);
	assert_int_equal(count_now(&st, "absent"), n);
	steps_done(&st);
}

int main(void)
{
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_addr_batch),
		cmocka_unit_test(test_addr_lost_acks),
		cmocka_unit_test(test_addr_many),
	};

	return netconf_tests("netconf batch", NULL, 0, kernel, ARRAY_SIZE(kernel));
}
