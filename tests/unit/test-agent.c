// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent/: the journal (atomic file, round trip, damage, modes), the lock
 * (exclusive and shared, the owner hint), the report, the Prometheus file.
 */
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

#include "agent/file.h"
#include "agent/journal.h"
#include "agent/lock.h"
#include "agent/prom.h"
#include "agent/report.h"
#include "arp/arp.h"
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
	struct step t = { .ops = &arp_sysctl_ops, .order = STEP_ORDER_ARP };
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
	assert_ptr_equal(k.steps.v[0].ops, &arp_sysctl_ops);
	assert_string_equal(k.steps.v[0].target, t.target);
	assert_string_equal(k.steps.v[0].prior, "0");
	assert_int_equal(k.steps.v[0].order, STEP_ORDER_ARP);
	assert_ptr_equal(k.steps.v[1].ops, &netconf_addr_ops);
	assert_string_equal(k.steps.v[1].want, "present");
	assert_string_equal(k.config, j.config);
	assert_int_equal(k.created, j.created);
	assert_non_null(steplist_find(&k.steps, &netconf_addr_ops, s.target));
	assert_null(steplist_find(&k.steps, &arp_sysctl_ops, s.target));

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
	struct step s = { .ops = &arp_sysctl_ops };

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
	report_warning(&r, "note %s", "this");
	assert_int_equal(r.n_warnings, 1);
	assert_string_equal(r.warnings[0], "note this");
	assert_int_equal(r.n_errors, 2);
	report_done(&r);
	assert_int_equal(r.n_warnings, 0);
	assert_null(r.warnings);
}

static void test_journal_and_lock_readable(void **state)
{
	struct journal j = { 0 };
	struct step t = { .ops = &arp_sysctl_ops, .order = STEP_ORDER_ARP };
	char path[256], lock[300];
	struct stat st;
	mode_t old = umask(0077); /* the unit's UMask= */
	long holder = 0;
	int fd = -1;

	path_in(path, sizeof(path), "modes/state");
	strcpy(t.target, "net/ipv4/conf/all/arp_ignore");
	strcpy(t.prior, "0");
	strcpy(t.want, "1");
	assert_int_equal(steplist_add(&j.steps, &t), 0);
	assert_int_equal(journal_save(path, &j), 0);
	assert_int_equal(agent_lock(path, 1, &fd, &holder), 0);
	umask(old);
	close(fd);
	/* status by hand, as another uid than the service's, reads both */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	journal_done(&j);
}

static void test_lock_shared(void **state)
{
	char path[256];
	int fd = -1, fd2 = -1, pipefd[2];
	long holder = 0;
	pid_t pid;
	char c;

	path_in(path, sizeof(path), "shared/state");
	/* No lock file: never created by a read-only command. */
	assert_int_equal(agent_lock_shared(path, 0, &fd, &holder), -ENOENT);
	assert_int_equal(agent_lock(path, 1, &fd, &holder), 0);
	close(fd);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd;
		long h;

		if (agent_lock_shared(path, 1, &cfd, &h) < 0)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	/* Readers share; a writer waits and is told the reader's PID. */
	assert_int_equal(agent_lock_shared(path, 0.1, &fd, &holder), 0);
	close(fd);
	assert_int_equal(agent_lock(path, 0.1, &fd2, &holder), -EAGAIN);
	assert_int_equal(holder, pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(agent_lock(path, 1, &fd2, &holder), 0);
	/* And a reader waits for a writer. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd;
		long h = 0;

		_exit(agent_lock_shared(path, 0.1, &cfd, &h) == -EAGAIN &&
		      h == getppid() ? 0 : 1);
	}
	{
		int st;

		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(fd2);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_owner_hint(void **state)
{
	char path[256], hint[1024];

	path_in(path, sizeof(path), "hint");
	write_file(path, "x");
	agent_owner_hint(path, "use systemctl", hint, sizeof(hint));
	assert_string_equal(hint, ""); /* ours: nothing to explain */
	if (geteuid() != 0) {
		skip();
		return;
	}
	/* A DynamicUser uid (systemd's range 61184..65519) owns it. */
	assert_int_equal(chown(path, 61190, 61190), 0);
	agent_owner_hint(path, "use systemctl", hint, sizeof(hint));
	assert_string_equal(hint, "it is the unit's (uid 61190),\n"
			    "and the agent keeps only CAP_NET_ADMIN: use systemctl");
	/* Another uid, not the service's: why, but no systemctl advice. */
	assert_int_equal(chown(path, 1234, 1234), 0);
	agent_owner_hint(path, "use systemctl", hint, sizeof(hint));
	assert_non_null(strstr(hint, "it belongs to uid 1234"));
	assert_non_null(strstr(hint, "CAP_NET_ADMIN"));
	assert_null(strstr(hint, "systemctl"));
	/* A file that does not exist: its directory tells. */
	path_in(path, sizeof(path), "hintdir");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chown(path, 61191, 61191), 0);
	strcat(path, "/state.lock");
	agent_owner_hint(path, "use systemctl", hint, sizeof(hint));
	assert_non_null(strstr(hint, "its directory is the unit's (uid 61191)"));
	assert_non_null(strstr(hint, ": use systemctl"));
}

static void test_prom_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "192.0.2.10/32 dev lo", "192.0.2.10/32 dev lo" },
		{ "a\\b", "a\\\\b" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "two\nlines", "two\\nlines" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		/* UTF-8 passes; other bytes become U+FFFD, never a broken file */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "eth\xff", "eth\xef\xbf\xbd" },
		{ "\xc3", "\xef\xbf\xbd" },		/* cut short */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "tab\tok", "tab\tok" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = agent_prom_escape(cases[i].in);

		assert_non_null(e);
		assert_string_equal(e, cases[i].out);
		free(e);
	}
}

static char *prom_text(const struct checklist *l, bool success, time_t when)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(agent_prom_format(f, l, success, when), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_prom_format(void **state)
{
	struct checklist l = { 0 };
	char *text;

	assert_int_equal(checklist_add(&l, true, "address", "192.0.2.10/32 dev lo",
				       "present", "present", NULL, NULL), 0);
	assert_int_equal(checklist_add(&l, false, "arp_ignore", "eth0",
				       "1..2", "0", "effective", "why"), 0);
	assert_int_equal(checklist_add(&l, true, "arp_suppress", NULL, "none", "none",
				       NULL, NULL), 0);
	assert_int_equal(checklist_add(&l, true, "address", "2001:db8::\"x\\\n/128 dev lo",
				       "present", "present", NULL, NULL), 0);
	/* one subject twice (status): one series, failed if either fails */
	assert_int_equal(checklist_add(&l, false, "address", "192.0.2.10/32 dev lo",
				       "present", "absent", NULL, "gone"), 0);
	text = prom_text(&l, false, 1700000000);
	assert_string_equal(text,
		"# HELP lvs_rs_agent_check_ok Whether a check of lvs-rs-agent verify holds (1) or fails (0).\n"
		"# TYPE lvs_rs_agent_check_ok gauge\n"
		"lvs_rs_agent_check_ok{kind=\"address\",subject=\"192.0.2.10/32 dev lo\"} 0\n"
		"lvs_rs_agent_check_ok{kind=\"arp_ignore\",subject=\"eth0\"} 0\n"
		"lvs_rs_agent_check_ok{kind=\"arp_suppress\",subject=\"\"} 1\n"
		"lvs_rs_agent_check_ok{kind=\"address\",subject=\"2001:db8::\\\"x\\\\\\n/128 dev lo\"} 1\n"
		"# HELP lvs_rs_agent_checks Number of checks lvs-rs-agent verify ran.\n"
		"# TYPE lvs_rs_agent_checks gauge\n"
		"lvs_rs_agent_checks 4\n"
		"# HELP lvs_rs_agent_checks_failed Number of checks of lvs-rs-agent verify that fail.\n"
		"# TYPE lvs_rs_agent_checks_failed gauge\n"
		"lvs_rs_agent_checks_failed 2\n"
		"# HELP lvs_rs_agent_verify_success 1 when lvs-rs-agent verify exited 0 (every check holds), else 0 (a check fails, or it could not check).\n"
		"# TYPE lvs_rs_agent_verify_success gauge\n"
		"lvs_rs_agent_verify_success 0\n"
		"# HELP lvs_rs_agent_last_verify_timestamp_seconds Unix time of the lvs-rs-agent verify run that wrote this file.\n"
		"# TYPE lvs_rs_agent_last_verify_timestamp_seconds gauge\n"
		"lvs_rs_agent_last_verify_timestamp_seconds 1700000000\n");
	free(text);
	checklist_done(&l);

	/* No checks (config error): the family stays, without samples. */
	text = prom_text(&l, false, 5);
	assert_non_null(strstr(text, "# TYPE lvs_rs_agent_check_ok gauge\n# HELP lvs_rs_agent_checks "));
	assert_null(strstr(text, "lvs_rs_agent_check_ok{"));
	assert_non_null(strstr(text, "\nlvs_rs_agent_checks 0\n"));
	assert_non_null(strstr(text, "\nlvs_rs_agent_verify_success 0\n"));
	free(text);
	text = prom_text(&l, true, 5);
	assert_non_null(strstr(text, "\nlvs_rs_agent_verify_success 1\n"));
	free(text);
}

static void test_prom_write(void **state)
{
	struct checklist l = { 0 };
	char path[256], tmp[300], *text;
	struct stat st;
	mode_t old;
	FILE *f;
	size_t n;

	path_in(path, sizeof(path), "metrics.prom");
	assert_int_equal(checklist_add(&l, true, "sysctl", "net.ipv4.conf.all.arp_ignore",
				       "1", "1", NULL, NULL), 0);
	write_file(path, "old\n");
	old = umask(0077);
	assert_int_equal(agent_prom_write(path, &l, true, 42), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	text = calloc(1, st.st_size + 1);
	assert_non_null(text);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, st.st_size, f);
	fclose(f);
	assert_int_equal(n, st.st_size);
	assert_non_null(strstr(text, "lvs_rs_agent_check_ok{kind=\"sysctl\",subject=\"net.ipv4.conf.all.arp_ignore\"} 1\n"));
	assert_non_null(strstr(text, "\nlvs_rs_agent_last_verify_timestamp_seconds 42\n"));
	free(text);
	/* no temporary file left beside it */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(stat(tmp, &st), -1);
	/* a directory that does not exist: an error, nothing written */
	path_in(path, sizeof(path), "nodir/metrics.prom");
	assert_int_equal(agent_prom_write(path, &l, true, 42), -ENOENT);
	checklist_done(&l);
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
		cmocka_unit_test(test_journal_and_lock_readable),
		cmocka_unit_test(test_lock_shared),
		cmocka_unit_test(test_owner_hint),
		cmocka_unit_test(test_prom_escape),
		cmocka_unit_test(test_prom_format),
		cmocka_unit_test(test_prom_write),
	};

	if (!mkdtemp(dir))
		return 1;
	return cmocka_run_group_tests_name("agent", tests, NULL, teardown);
}
