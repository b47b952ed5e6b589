// SPDX-License-Identifier: GPL-2.0-or-later
/* conf/: conf_load, the main file and its drop-ins, their errors. */
#include "conf-fixture.h"

/* ---- conf_load with drop-ins */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-conf.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int load(const char *name, struct conf **c, struct conf_errors *e)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	*c = NULL;
	return conf_load(path, c, e);
}

static bool has_error_at(const struct conf_errors *e, const char *file,
			 const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "%s/%s%s", tmpdir, file, rest);
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i], want) == 0)
			return true;
	print_message("wanted: %s\n", want);
	dump_errors(e);
	return false;
}

static void test_load(void **state)
{
	struct conf_errors e = { 0 };
	struct conf *c;
	char path[256];

	/* no main file */
	assert_int_equal(load("missing.conf", &c, &e), -ENOENT);
	assert_null(c);
	assert_int_equal(e.n, 1);
	assert_true(has_error_at(&e, "missing.conf", ": No such file or directory"));
	conf_errors_done(&e);

	/* no .d directory: fine */
	write_file("a.conf", "[agent]\narp_ignore = 2\n[vip main]\naddress = 192.0.2.1\n");
	assert_int_equal(load("a.conf", &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(c->arp_ignore, 2);
	assert_int_equal(c->n_groups, 1);
	c = conf_free(c);

	/* drop-ins in strcmp order; other names are ignored */
	snprintf(path, sizeof(path), "%s/a.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("a.conf.d/20-b.conf", "[vip b]\naddress = 192.0.2.3\n");
	write_file("a.conf.d/10-a.conf", "[vip a]\naddress = 192.0.2.2\n[agent]\nrp_filter = 0\n");
	write_file("a.conf.d/B.conf", "[vip upper]\naddress = 192.0.2.4\n");
	write_file("a.conf.d/README", "not a config");
	write_file("a.conf.d/x.conf.bak", "not a config");
	write_file("a.conf.d/.hidden.conf", "not a config");
	assert_int_equal(load("a.conf", &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(c->n_groups, 4);
	assert_string_equal(c->groups[0].name, "main");
	assert_string_equal(c->groups[1].name, "a");
	assert_string_equal(c->groups[2].name, "b");
	assert_string_equal(c->groups[3].name, "upper"); /* '2' < 'B' */
	assert_int_equal(c->rp_filter, 0);
	snprintf(path, sizeof(path), "%s/a.conf.d/10-a.conf", tmpdir);
	assert_string_equal(c->groups[1].file, path);
	assert_string_equal(c->groups[1].vips[0].file, path);
	c = conf_free(c);
}

static void test_load_errors(void **state)
{
	struct conf_errors e = { 0 };
	struct conf *c;
	char path[256];

	write_file("b.conf", "[vip web]\naddress = 192.0.2.1\n[agent]\narp_ignore = 2\n");
	snprintf(path, sizeof(path), "%s/b.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	/* an error in a drop-in names the drop-in and its line */
	write_file("b.conf.d/10.conf", "[vip ok]\naddress = 192.0.2.9\n\nmode = bad\n");
	/* the same group, the same VIP and the same [agent] key again */
	write_file("b.conf.d/20.conf",
		   "; again\n[vip web]\naddress = 192.0.2.2\n[vip other]\naddress = 192.0.2.1/32\n"
		   "[agent]\narp_ignore = 2\n");
	assert_int_equal(load("b.conf", &c, &e), -EINVAL);
	assert_null(c);
	assert_int_equal(e.n, 4);
	assert_true(has_error_at(&e, "b.conf.d/10.conf",
				 ":4: vip \"ok\": mode: \"bad\" is not one of dr, tun"));
	snprintf(path, sizeof(path), ":7: arp_ignore: already set at %s/b.conf:4", tmpdir);
	assert_true(has_error_at(&e, "b.conf.d/20.conf", path));
	snprintf(path, sizeof(path), ":2: vip \"web\" is already defined at %s/b.conf:1", tmpdir);
	assert_true(has_error_at(&e, "b.conf.d/20.conf", path));
	snprintf(path, sizeof(path),
		 ":5: vip \"other\": 192.0.2.1 is already listed at %s/b.conf:2 (vip \"web\")",
		 tmpdir);
	assert_true(has_error_at(&e, "b.conf.d/20.conf", path));
	conf_errors_done(&e);

	/* a drop-in that is no regular file (a directory, a FIFO: read at
	 * once, never waited on) is an error naming it */
	write_file("c.conf", "[vip c]\naddress = 192.0.2.1\n");
	snprintf(path, sizeof(path), "%s/c.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/c.conf.d/dir.conf", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/c.conf.d/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(load("c.conf", &c, &e), -EBADFD);
	assert_int_equal(e.n, 2);
	assert_true(has_error_at(&e, "c.conf.d/dir.conf",
				 ": a directory, not a regular file: the config is read from regular files only"));
	assert_true(has_error_at(&e, "c.conf.d/fifo.conf",
				 ": a FIFO, not a regular file: the config is read from regular files only"));
	conf_errors_done(&e);
	/* the main file too */
	assert_int_equal(load("c.conf.d/fifo.conf", &c, &e), -EBADFD);
	assert_int_equal(e.n, 1);
	assert_true(has_error_at(&e, "c.conf.d/fifo.conf",
				 ": a FIFO, not a regular file: the config is read from regular files only"));
	conf_errors_done(&e);

	/* path.d that is not a directory */
	write_file("d.conf", "[vip d]\naddress = 192.0.2.1\n");
	write_file("d.conf.d", "");
	assert_int_equal(load("d.conf", &c, &e), -ENOTDIR);
	assert_true(has_error_at(&e, "d.conf.d", ": Not a directory"));
	conf_errors_done(&e);

	/* a main file with errors still has its drop-ins read */
	write_file("e.conf", "[agent]\narp_ignore = 5\n");
	snprintf(path, sizeof(path), "%s/e.conf.d", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file("e.conf.d/1.conf", "[vip e]\n");
	assert_int_equal(load("e.conf", &c, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_true(has_error_at(&e, "e.conf", ":2: arp_ignore: 5 is not allowed: 3-8 are not for LVS; allowed: 1, 2"));
	assert_true(has_error_at(&e, "e.conf.d/1.conf", ":1: vip \"e\" has no address"));
	conf_errors_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_dir,
						teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
