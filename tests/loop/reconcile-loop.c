// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reconcile-loop STATE CONFIG CALLS: one process calls the engine's
 * reconcile CALLS times on one netconf handle, holding the journal's lock,
 * as a loop that keeps a server prepared would. Every 100 calls it edits
 * the config (VIPs added and removed, arp_suppress switched between sysctl,
 * nft and both, anyip prefixes) and loads it again; halfway between two
 * edits it removes a VIP behind the engine's back. It checks, printing one
 * PASS or FAIL line each (tests/run-tests.sh's protocol):
 *   - each call exits 0 with no error; the call after an edit changes
 *     something, the one after the removal exactly that VIP, every other
 *     call nothing;
 *   - right after each edit the network namespace holds what the config
 *     asks, read back with `ip -j` and `nft -j`;
 *   - the open file descriptors and the heap in use (mallinfo2) are the
 *     same at the end as after the first round of the same config: nothing
 *     grows from call to call (an ASan build checks leaks at exit instead).
 *     glibc's thread cache keeps freed chunks that mallinfo2 counts as in
 *     use: the driver runs itself again with it off.
 * Run it in a network namespace of its own (tests/integration/
 * test-reconcile-loop.sh), never the host's.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/engine.h"
#include "agent/lock.h"
#include "agent/report.h"
#include "conf/conf.h"
#include "netconf/netconf.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_COUNTED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_COUNTED 0
#endif
#endif
#ifndef HEAP_COUNTED
#define HEAP_COUNTED 1
#endif

#define SUITE "reconcile-loop"
#define EDIT_EVERY 100

static int failures;

_printf_(2, 3) static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: " SUITE ": ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failures += !ok;
}

/* What one config asks, as the kernel shows it. */
struct want {
	const char *text;
	const char *addrs[6];  /* on lo, as "ADDR/PLEN" */
	const char *routes[3]; /* local routes of protocol 76 */
	bool nft;              /* the table arp lvs_rs_agent */
	const char *arp_ignore; /* net.ipv4.conf.all.arp_ignore */
};

/* A cycle of five configs, twice over 1,000 calls. The first needs every
 * socket the others do (nf_tables too), so that what the handle keeps is
 * the same from the first round on. */
static const struct want configs[] = {
	{
		"[agent]\narp_suppress = both\n"
		"[vip web]\naddress = 198.51.100.10 2001:db8:100::12\n"
		"[vip any]\nanyip = yes\naddress = 203.0.113.0/29 2001:db8:5::/64\n",
		{ "198.51.100.10/32", "2001:db8:100::12/128" },
		{ "203.0.113.0/29", "2001:db8:5::/64" }, true, "1",
	},
	{
		"[vip web]\naddress = 198.51.100.10 198.51.100.11 2001:db8:100::10\n",
		{ "198.51.100.10/32", "198.51.100.11/32", "2001:db8:100::10/128" },
		{ NULL }, false, "1",
	},
	{
		"[vip web]\naddress = 198.51.100.10 198.51.100.12 198.51.100.13\n"
		"\t2001:db8:100::10 2001:db8:100::11\n",
		{ "198.51.100.10/32", "198.51.100.12/32", "198.51.100.13/32",
		  "2001:db8:100::10/128", "2001:db8:100::11/128" },
		{ NULL }, false, "1",
	},
	{
		"[agent]\narp_suppress = nft\n"
		"[vip web]\naddress = 198.51.100.10 198.51.100.12\n"
		"[vip any]\nanyip = yes\naddress = 203.0.113.0/29\n",
		{ "198.51.100.10/32", "198.51.100.12/32" },
		{ "203.0.113.0/29" }, true, "0",
	},
	{
		"[agent]\narp_ignore = 2\n[vip web]\naddress = 198.51.100.11 198.51.100.12\n",
		{ "198.51.100.11/32", "198.51.100.12/32" },
		{ NULL }, false, "2",
	},
};

static json_object *run_json(const char *cmd)
{
	char buf[65536];
	size_t n;
	FILE *p = popen(cmd, "r");

	if (!p)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	pclose(p);
	buf[n] = '\0';
	return json_tokener_parse(buf);
}

static bool listed(const char *s, const char *const *v, size_t max)
{
	for (size_t i = 0; i < max && v[i]; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

static size_t count(const char *const *v, size_t max)
{
	size_t n = 0;

	while (n < max && v[n])
		n++;
	return n;
}

/* The VIPs on lo: every address but the loopback ones, as ADDR/PLEN. */
static bool check_addrs(const struct want *w, char *why, size_t len)
{
	json_object *doc = run_json("ip -j addr show dev lo"), *info, *a, *v;
	size_t found = 0;
	bool ok = true;

	if (!doc || !json_object_is_type(doc, json_type_array) ||
	    json_object_array_length(doc) != 1 ||
	    !json_object_object_get_ex(json_object_array_get_idx(doc, 0), "addr_info", &info)) {
		snprintf(why, len, "ip -j addr show dev lo: no answer");
		json_object_put(doc);
		return false;
	}
	for (size_t i = 0; ok && i < json_object_array_length(info); i++) {
		char text[64];

		a = json_object_array_get_idx(info, i);
		json_object_object_get_ex(a, "local", &v);
		snprintf(text, sizeof(text), "%s", json_object_get_string(v));
		if (strcmp(text, "127.0.0.1") == 0 || strcmp(text, "::1") == 0)
			continue;
		json_object_object_get_ex(a, "prefixlen", &v);
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%d",
			 json_object_get_int(v));
		if (!listed(text, w->addrs, 6)) {
			snprintf(why, len, "%s on lo, not in the config", text);
			ok = false;
		}
		found++;
	}
	if (ok && found != count(w->addrs, 6)) {
		snprintf(why, len, "%zu VIPs on lo, the config has %zu", found, count(w->addrs, 6));
		ok = false;
	}
	json_object_put(doc);
	return ok;
}

/* The agent's local routes (protocol 76) of both families. */
static bool check_routes(const struct want *w, char *why, size_t len)
{
	static const char *const cmds[] = {
		"ip -j -4 route show table local proto 76",
		"ip -j -6 route show table local proto 76",
	};
	size_t found = 0;

	for (size_t c = 0; c < 2; c++) {
		json_object *doc = run_json(cmds[c]), *v;

		if (!doc || !json_object_is_type(doc, json_type_array)) {
			snprintf(why, len, "%s: no answer", cmds[c]);
			json_object_put(doc);
			return false;
		}
		for (size_t i = 0; i < json_object_array_length(doc); i++) {
			json_object_object_get_ex(json_object_array_get_idx(doc, i), "dst", &v);
			if (!listed(json_object_get_string(v), w->routes, 3)) {
				snprintf(why, len, "route %s, not in the config",
					 json_object_get_string(v));
				json_object_put(doc);
				return false;
			}
			found++;
		}
		json_object_put(doc);
	}
	if (found != count(w->routes, 3)) {
		snprintf(why, len, "%zu anyip routes, the config has %zu", found,
			 count(w->routes, 3));
		return false;
	}
	return true;
}

static bool check_nft(const struct want *w, char *why, size_t len)
{
	json_object *doc = run_json("nft -j list tables arp"), *items, *t, *name;
	bool have = false;

	if (!doc || !json_object_object_get_ex(doc, "nftables", &items)) {
		snprintf(why, len, "nft -j list tables arp: no answer");
		json_object_put(doc);
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(items, i), "table", &t) &&
		    json_object_object_get_ex(t, "name", &name) &&
		    strcmp(json_object_get_string(name), "lvs_rs_agent") == 0)
			have = true;
	json_object_put(doc);
	if (have != w->nft)
		snprintf(why, len, "table arp lvs_rs_agent %s", have ? "present" : "absent");
	return have == w->nft;
}

static bool check_sysctl(const struct want *w, char *why, size_t len)
{
	char v[16] = "";

	if (netconf_sysctl_read("net/ipv4/conf/all/arp_ignore", v, sizeof(v)) < 0 ||
	    strcmp(v, w->arp_ignore) != 0) {
		snprintf(why, len, "net.ipv4.conf.all.arp_ignore is %s, not %s", v, w->arp_ignore);
		return false;
	}
	return true;
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static size_t heap_in_use(void)
{
#if HEAP_COUNTED
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

static int write_config(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	const size_t n_configs = ARRAY_SIZE(configs);
	struct report r = { .command = "apply" };
	struct netconf *nc = NULL;
	struct conf *c = NULL;
	size_t calls, fds0 = 0, heap[ARRAY_SIZE(configs)] = { 0 };
	int lock_fd = -1, k, bad_calls = 0, bad_edits = 0, bad_heap = 0;
	long holder;
	char why[256];

	static char out[8192];
	const char *tunables = getenv("GLIBC_TUNABLES");

	if (HEAP_COUNTED && argc > 0 && (!tunables || !strstr(tunables, "tcache_count=0"))) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
		execv("/proc/self/exe", argv);
		perror("reconcile-loop: exec");
		return 1;
	}
	/* Printing allocates nothing: a result line never counts as heap. */
	setvbuf(stdout, out, _IOLBF, sizeof(out));
	if (argc != 4 || (calls = strtoul(argv[3], NULL, 10)) < 2 * n_configs * EDIT_EVERY) {
		fprintf(stderr, "usage: reconcile-loop STATE CONFIG CALLS (at least %zu)\n",
			2 * n_configs * EDIT_EVERY);
		return 2;
	}
	if (agent_lock(argv[1], 10, &lock_fd, &holder) < 0 || netconf_open(&nc) < 0) {
		fprintf(stderr, "reconcile-loop: cannot take the lock or open rtnetlink\n");
		return 1;
	}
	for (size_t i = 0; i < calls; i++) {
		size_t round = i / EDIT_EVERY, at = i % EDIT_EVERY;
		const struct want *w = &configs[round % n_configs];
		struct engine e = { .nc = nc, .config = argv[2], .state = argv[1] };
		struct conf_errors err = { 0 };
		size_t expect;

		/* The caller decides about reloads: an edit, then a load. */
		if (at == 0) {
			c = conf_free(c);
			k = write_config(argv[2], w->text);
			if (k == 0)
				k = conf_load(argv[2], &c, &err);
			conf_errors_done(&err);
			if (k < 0) {
				result(false, "round %zu: the config does not load: %s", round,
				       strerror(-k));
				break;
			}
		}
		/* Halfway: a VIP removed behind the engine's back. */
		if (at == EDIT_EVERY / 2) {
			char cmd[128];

			snprintf(cmd, sizeof(cmd), "ip addr del %s dev lo", w->addrs[0]);
			if (system(cmd) != 0)
				result(false, "call %zu: %s failed", i, cmd);
		}
		e.conf = c;
		report_reset(&r);
		k = engine_reconcile(&e, &r);
		expect = at == EDIT_EVERY / 2 ? 1 : 0;
		if (k != 0 || r.n_errors || (at != 0 && r.n_changes != expect) ||
		    (at == 0 && r.n_changes == 0)) {
			if (bad_calls++ < 5)
				result(false, "call %zu (round %zu): exit %d, %zu changes, %s", i, round,
				       k, r.n_changes, r.n_errors ? r.errors[0] : "no error");
		}
		if (at == 0) {
			bool ok = check_addrs(w, why, sizeof(why)) &&
				  check_routes(w, why, sizeof(why)) &&
				  check_nft(w, why, sizeof(why)) &&
				  check_sysctl(w, why, sizeof(why));

			if (!ok && bad_edits++ < 5)
				result(false, "edit %zu: the namespace after it: %s", round, why);
		}
		/* The end of a round: what the process holds then, against
		 * the end of the same config's first round (by then every
		 * socket the configs need is open). */
		if (at == EDIT_EVERY - 1) {
			if (round == n_configs - 1)
				fds0 = open_fds();
			if (round < n_configs) {
				heap[round] = heap_in_use();
			} else if (heap_in_use() != heap[round % n_configs] && bad_heap++ < 5) {
				result(false, "round %zu: %zu bytes of heap in use, %zu after the same "
				       "config's first round", round, heap_in_use(),
				       heap[round % n_configs]);
			}
		}
	}
	result(bad_calls == 0, "%zu calls: each exits 0; each edit changes, each repair "
	       "changes one VIP, every other call nothing", calls);
	result(bad_edits == 0, "%zu edits: the namespace holds what each config asks (ip -j, "
	       "nft -j)", calls / EDIT_EVERY);
	result(open_fds() == fds0, "open file descriptors: %zu after the first %zu rounds, %zu "
	       "at the end", fds0, n_configs, open_fds());
	/* valgrind's malloc leaves mallinfo2 at 0: its own leak check counts. */
	if (HEAP_COUNTED && heap[0])
		result(bad_heap == 0, "heap in use at the end of each of the last %zu rounds as at "
		       "the end of its config's first round (%zu bytes after the first)",
		       calls / EDIT_EVERY - n_configs, heap[0]);
	else
		printf("note: " SUITE ": the heap is not counted here (ASan, valgrind): the leak "
		       "checker at exit counts it\n");
	c = conf_free(c);
	report_done(&r);
	netconf_close(nc);
	close(lock_fd);
	return failures ? 1 : 0;
}
