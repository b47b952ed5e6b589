// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netconf/'s sysctls: display texts and refused paths without the kernel,
 * then reads and writes in a network namespace of this process's own
 * (netconf-fixture.h), never the host's.
 */
#include "netconf-fixture.h"

/* ---- pure: sysctl texts and paths */

static void test_sysctl_display(void **state)
{
	static const struct {
		const char *path;
		size_t len;
		const char *text;
	} t[] = {
		{ "net/ipv4/conf/all/arp_ignore", 64, "net.ipv4.conf.all.arp_ignore" },
		{ "net/ipv4/conf/eth0.100/rp_filter", 64, "net.ipv4.conf.eth0.100.rp_filter" },
		{ "kernel", 64, "kernel" },
		{ "", 64, "" },
		{ "net/ipv4", 5, "net." },
		{ "net/ipv4", 1, "" },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		netconf_sysctl_display(t[i].path, buf, t[i].len);
		assert_string_equal(buf, t[i].text);
	}
	buf[0] = 'x';
	netconf_sysctl_display("net/ipv4", buf, 0);
	assert_int_equal(buf[0], 'x');
}

static void test_sysctl_bad_paths(void **state)
{
	static const char *const bad[] = {
		"",
		"/proc/sys/net/ipv4/conf/lo/arp_ignore",
		"../../etc/passwd",
		"net/ipv4/../../../etc/passwd",
		"net/ipv4/conf/lo/arp ignore",
		"net/ipv4/conf/lo/arp_ignore\n",
		"net/ipv4/conf/./arp_ignore",
		"net/ipv4/conf//arp_ignore",
		"net/ipv4/conf/lo/",
		"net/ipv4/conf/l\to/arp_ignore",
	};
	/* Names an interface can have: no such file, but not refused. */
	static const char *const odd[] = {
		"net/ipv4/conf/q\"x\\y/arp_ignore",
		"net/ipv4/conf/l*/arp_ignore",
		"net/ipv4/conf/a..b/arp_ignore",
	};
	char buf[64];
	int v;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(netconf_sysctl_write(NULL, bad[i], "1"), -EINVAL);
		assert_int_equal(netconf_sysctl_read(bad[i], buf, sizeof(buf)), -EINVAL);
		assert_int_equal(netconf_sysctl_read_int(bad[i], &v), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		assert_int_equal(netconf_sysctl_read(odd[i], buf, sizeof(buf)), -ENOENT);
	assert_int_equal(netconf_sysctl_write(NULL, NULL, "1"), -EINVAL);
	/* Nothing outside /proc/sys/net is written (read, it may be). */
	assert_int_equal(netconf_sysctl_write(NULL, "kernel/hostname", "x"), -EINVAL);
	assert_int_equal(netconf_sysctl_write(NULL, "netx/a", "1"), -EINVAL);
	assert_int_equal(netconf_sysctl_read("kernel/ostype", buf, sizeof(buf)), 0);
	/* Values: one non-empty line. Checked before any file is opened. */
	assert_int_equal(netconf_sysctl_write(NULL, "net/ipv4/conf/lo/arp_ignore", ""),
			 -EINVAL);
	assert_int_equal(netconf_sysctl_write(NULL, "net/ipv4/conf/lo/arp_ignore", "1\n2"),
			 -EINVAL);
	assert_int_equal(netconf_sysctl_read("net/ipv4/conf/nonexistent0/arp_ignore",
					     buf, sizeof(buf)), -ENOENT);
}

/* ---- kernel: sysctls of this namespace */

static void test_sysctl(void **state)
{
	struct netconf *nc = *state;
	const char *path = "net/ipv4/conf/lo/arp_ignore";
	char self[64] = "", init[64] = "", buf[64];
	struct step s[3], *v[3] = { &s[0], &s[1], &s[2] };
	int res[3], old, val;

	NEED_KERNEL();
	/* Belt and braces: never write a sysctl of the host's namespace. */
	assert_true(readlink("/proc/self/ns/net", self, sizeof(self) - 1) > 0);
	if (readlink("/proc/1/ns/net", init, sizeof(init) - 1) > 0 && STREQ(self, init))
		fail_msg("still in the host's network namespace");

	assert_int_equal(netconf_sysctl_read_int(path, &old), 0);
	assert_int_equal(netconf_sysctl_read(path, buf, sizeof(buf)), 0);
	assert_null(strchr(buf, '\n'));
	assert_int_equal(netconf_sysctl_read(path, buf, 1), -EOVERFLOW);
	/* Several fields on one line (a tab inside): read as one value. */
	assert_int_equal(netconf_sysctl_read("net/ipv4/ip_local_port_range", buf,
					     sizeof(buf)), 0);
	assert_non_null(strchr(buf, '\t'));

	mkstep(&s[0], &sysctl_kind, path, old == 2 ? "1" : "2", NULL);
	mkstep(&s[1], &sysctl_kind, "net/ipv4/conf/lo/arp_announce", "2", NULL);
	mkstep(&s[2], &sysctl_kind, "net/ipv4/conf/nosuch0/arp_ignore", "1", NULL);
	assert_int_equal(sysctl_kind.observe(nc, v, 3), 0);
	snprintf(buf, sizeof(buf), "%d", old);
	assert_string_equal(s[0].now, buf);
	assert_string_equal(s[2].now, "missing");
	assert_int_equal(STEP_SET(s[0].was, s[0].now), 0);
	assert_int_equal(STEP_SET(s[1].was, s[1].now), 0);

	assert_int_equal(sysctl_kind.change(nc, v, 3, STEP_WANT, res), -ENOENT);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], -ENOENT);
	assert_string_equal(netconf_error(nc),
			    "write \"1\" to /proc/sys/net/ipv4/conf/nosuch0/arp_ignore");
	assert_int_equal(netconf_sysctl_read_int(path, &val), 0);
	assert_int_equal(val, old == 2 ? 1 : 2);
	assert_int_equal(netconf_sysctl_read_int("net/ipv4/conf/lo/arp_announce", &val), 0);
	assert_int_equal(val, 2);

	/* The kernel refuses a value: its errno, our text. */
	assert_int_equal(netconf_sysctl_write(nc, path, "abc"), -EINVAL);
	assert_string_equal(netconf_error(nc),
			    "write \"abc\" to /proc/sys/net/ipv4/conf/lo/arp_ignore");
	assert_int_equal(netconf_sysctl_write(nc, "net/ipv4/conf/nosuch0/arp_ignore", "1"),
			 -ENOENT);

	/* Back to the start, the second write faulted: the first still done. */
	fault_set("2");
	assert_int_equal(sysctl_kind.change(nc, v, 2, STEP_WAS, res), -EIO);
	fault_set(NULL);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], -EIO);
	assert_string_equal(netconf_error(nc), "injected fault at kernel change 2");
	assert_int_equal(netconf_sysctl_read_int(path, &val), 0);
	assert_int_equal(val, old);
	assert_int_equal(sysctl_kind.change(nc, v + 1, 1, STEP_WAS, res), 0);
	assert_int_equal(sysctl_kind.observe(nc, v, 2), 0);
	assert_string_equal(s[1].now, s[1].was);

	/* "missing" cannot be written. */
	assert_int_equal(STEP_SET(s[0].prior, "missing"), 0);
	assert_int_equal(sysctl_kind.change(nc, v, 1, STEP_PRIOR, res), -EINVAL);
	assert_int_equal(res[0], -EINVAL);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_sysctl_display),
		cmocka_unit_test(test_sysctl_bad_paths),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_sysctl),
	};

	return netconf_tests("netconf sysctl", pure, ARRAY_SIZE(pure), kernel, ARRAY_SIZE(kernel));
}
