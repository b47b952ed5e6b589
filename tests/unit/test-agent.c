// SPDX-License-Identifier: GPL-2.0-or-later
/* agent/: the journal (atomic file, round trip, damage), the lock, the report. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "netconf/netconf.h"

static char dir[] = "/tmp/test-agent.XXXXXX";

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_journal_missing_is_empty(void **state)
{
	struct journal j;
	char path[256], err[256];

	path_in(path, sizeof(path), "none/state");
	assert_int_equal(journal_load(path, &j, err, sizeof(err)), 0);
	assert_int_equal(j.steps.n, 0);
	journal_done(&j);
}

static void test_journal_round_trip(void **state)
{
	struct journal j = { 0 }, k;
	struct step s = { .ops = &netconf_addr_ops, .order = STEP_ORDER_VIP };
	struct step t = { .ops = &netconf_sysctl_ops, .order = STEP_ORDER_ARP };
	char path[256], err[256];
	struct stat st;

	path_in(path, sizeof(path), "sub/state");
	strcpy(s.target, "198.51.100.1/32 dev lo");
	strcpy(s.prior, "absent");
	strcpy(s.want, "present");
	strcpy(t.target, "net/ipv4/conf/all/arp_ignore");
	strcpy(t.prior, "0");
	strcpy(t.want, "1");
	strcpy(j.config, "/etc/x \"quoted\".conf");
	assert_int_equal(steplist_add(&j.steps, &t), 0);
	assert_int_equal(steplist_add(&j.steps, &s), 0);
	assert_int_equal(journal_save(path, &j), 0);
	assert_true(j.created > 0);

	assert_int_equal(journal_load(path, &k, err, sizeof(err)), 0);
	assert_int_equal(k.steps.n, 2);
	assert_ptr_equal(k.steps.v[0].ops, &netconf_sysctl_ops);
	assert_string_equal(k.steps.v[0].target, t.target);
	assert_string_equal(k.steps.v[0].prior, "0");
	assert_int_equal(k.steps.v[0].order, STEP_ORDER_ARP);
	assert_ptr_equal(k.steps.v[1].ops, &netconf_addr_ops);
	assert_string_equal(k.steps.v[1].want, "present");
	assert_string_equal(k.config, j.config);
	assert_int_equal(k.created, j.created);
	assert_non_null(steplist_find(&k.steps, &netconf_addr_ops, s.target));
	assert_null(steplist_find(&k.steps, &netconf_sysctl_ops, s.target));

	/* No temporary file left behind. */
	strcat(path, ".tmp");
	assert_int_equal(stat(path, &st), -1);
	path[strlen(path) - 4] = '\0';
	assert_int_equal(journal_remove(path), 0);
	assert_int_equal(journal_remove(path), 0);
	journal_done(&j);
	journal_done(&k);
}

static void test_journal_damaged(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"{\"steps\": 3}",
		"{\"steps\": [{\"kind\": \"bogus\", \"target\": \"x\", \"prior\": \"a\", \"want\": \"b\"}]}",
		"{\"steps\": [{\"kind\": \"sysctl\", \"target\": \"x\"}]}",
	};
	char path[256], err[256];

	path_in(path, sizeof(path), "damaged");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct journal j;

		write_file(path, bad[i]);
		err[0] = '\0';
		assert_int_equal(journal_load(path, &j, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "damaged"));
		assert_int_equal(j.steps.n, 0);
	}
}

static void test_lock_busy_names_holder(void **state)
{
	char path[256];
	int fd = -1, fd2 = -1, pipefd[2];
	long holder = 0;
	pid_t pid;
	char c;

	path_in(path, sizeof(path), "lockdir/state");
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd;
		long h;

		if (agent_lock(path, 1, &cfd, &h) < 0)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(agent_lock(path, 0.1, &fd, &holder), -EAGAIN);
	assert_int_equal(holder, pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The holder's death releases the lock. */
	assert_int_equal(agent_lock(path, 1, &fd2, &holder), 0);
	close(fd2);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_report_change_signs(void **state)
{
	struct report r = { .command = "apply" };
	struct step a = { .ops = &netconf_addr_ops };
	struct step s = { .ops = &netconf_sysctl_ops };

	strcpy(a.target, "2001:db8::1/128 dev lo");
	strcpy(s.target, "net/ipv4/conf/all/arp_ignore");
	assert_int_equal(report_change(&r, &a, "absent", "present"), 0);
	assert_int_equal(report_change(&r, &a, "present", "absent"), 0);
	assert_int_equal(report_change(&r, &s, "0", "1"), 0);
	assert_int_equal(r.changes[0].op, '+');
	assert_int_equal(r.changes[1].op, '-');
	assert_int_equal(r.changes[2].op, '~');
	assert_string_equal(r.changes[2].target, "net.ipv4.conf.all.arp_ignore");
	report_error(&r, "first %d", 1);
	report_error(&r, "second");
	assert_int_equal(r.n_errors, 2);
	assert_string_equal(r.errors[0], "first 1");
	report_done(&r);
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_missing_is_empty),
		cmocka_unit_test(test_journal_round_trip),
		cmocka_unit_test(test_journal_damaged),
		cmocka_unit_test(test_lock_busy_names_holder),
		cmocka_unit_test(test_report_change_signs),
	};

	if (!mkdtemp(dir))
		return 1;
	return cmocka_run_group_tests_name("agent", tests, NULL, teardown);
}
