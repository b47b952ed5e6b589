// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify's warnings about a network manager configured to manage lo, which
 * removes the VIPs there when it restarts or applies its configuration:
 * systemd-networkd (a .network file whose [Match] Name= takes lo, that
 * neither lists every VIP of lo nor keeps foreign configuration),
 * NetworkManager (a profile for lo), netplan (an ethernets: lo stanza).
 * Files are only read; what cannot be read is passed over.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dropin.h"
#include "lomgr.h"
#include "../conf/conf.h"

#define COEXIST "README.md, Coexistence"

/* Each file of dir ending in ext, sorted, not yet seen by name in seen
 * (networkd: a name in /etc masks the same in /run and /usr/lib). */
static int for_each_file(const char *dir, const char *ext, char ***seen, size_t *n_seen,
			 int (*cb)(const char *path, void *data), void *data)
{
	char root_dir[512];
	struct dirent **v = NULL;
	int n, r = 0;

	snprintf(root_dir, sizeof(root_dir), "%s%s", agent_test_root(), dir);
	n = scandir(root_dir, &v, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = v[i]->d_name;
		size_t len = strlen(name), el = strlen(ext);
		char path[1024];
		bool masked = false;

		if (len <= el || strcmp(name + len - el, ext) != 0 || name[0] == '.')
			goto next;
		for (size_t j = 0; seen && j < *n_seen; j++)
			masked = masked || strcmp((*seen)[j], name) == 0;
		if (masked)
			goto next;
		if (seen) {
			char **grown = realloc(*seen, (*n_seen + 1) * sizeof(**seen));

			if (!grown || !(grown[*n_seen] = strdup(name))) {
				if (grown)
					*seen = grown;
				r = -ENOMEM;
				goto next;
			}
			*seen = grown;
			(*n_seen)++;
		}
		snprintf(path, sizeof(path), "%s/%s", root_dir, name);
		if (r == 0)
			r = cb(path, data);
next:
		free(v[i]);
	}
	free(v);
	return r;
}

struct lomgr {
	const struct conf *conf;
	struct checklist *out;
};

static int warn(struct lomgr *m, const char *path, const char *who, const char *todo)
{
	int r = checklist_add(m->out, true, "lo-manager", path + strlen(agent_test_root()),
			      "lo unmanaged", who, NULL,
			      "%s manages lo and removes its VIPs when it restarts or applies its "
			      "configuration: %s (" COEXIST ")", who, todo);

	if (r == 0)
		m->out->v[m->out->n - 1].warn = true;
	return r;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Whether a Name= list (words, fnmatch patterns, '!' inverting the list)
 * takes lo. */
static bool name_takes_lo(char *value)
{
	bool invert = false, hit = false;
	char *save = NULL;

	if (*value == '!') {
		invert = true;
		value++;
	}
	for (char *w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		hit = hit || fnmatch(w, "lo", 0) == 0;
	return hit != invert;
}

/* Whether an Address= value is VIP v (its prefix length aside). */
static bool address_is(char *value, const struct conf_vip *v)
{
	unsigned char a[sizeof(struct in6_addr)];
	char *slash = strchr(value, '/');

	if (slash)
		*slash = '\0';
	if (inet_pton(v->family, value, a) != 1)
		return false;
	return memcmp(a, &v->addr, v->family == AF_INET ? 4 : 16) == 0;
}

/* The VIPs a manager of lo can remove: addresses, not anyip routes. */
static bool on_lo(const struct conf_group *g)
{
	return !strcmp(g->device, "lo") && !g->anyip;
}

static int networkd_file(const char *path, void *data)
{
	struct lomgr *m = data;
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024], section[32] = "", listed[CONF_MAX_VIPS_DEFAULT / 8] = { 0 };
	bool takes_lo = false, keeps = false, all = true;
	size_t k = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;

		if (*s == '[') {
			snprintf(section, sizeof(section), "%s", s);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq || *s == '#' || *s == ';')
			continue;
		*eq = '\0';
		s = trim(s);
		if (!strcmp(section, "[Match]") && !strcmp(s, "Name"))
			takes_lo = takes_lo || name_takes_lo(trim(eq + 1));
		else if (!strcmp(section, "[Network]") && !strcmp(s, "KeepConfiguration"))
			keeps = !strcmp(trim(eq + 1), "yes") || !strcmp(trim(eq + 1), "static");
		else if ((!strcmp(section, "[Network]") || !strcmp(section, "[Address]")) &&
			 !strcmp(s, "Address")) {
			char *val = trim(eq + 1);

			k = 0;
			for (size_t g = 0; g < m->conf->n_groups; g++) {
				const struct conf_group *grp = &m->conf->groups[g];

				if (!on_lo(grp))
					continue;
				for (size_t i = 0; i < grp->n_vips; i++, k++) {
					char copy[128];

					snprintf(copy, sizeof(copy), "%s", val);
					if (k / 8 < sizeof(listed) && address_is(copy, &grp->vips[i]))
						listed[k / 8] |= (char)(1 << (k % 8));
				}
			}
		}
	}
	k = 0;
	for (size_t g = 0; g < m->conf->n_groups; g++)
		if (on_lo(&m->conf->groups[g]))
			for (size_t i = 0; i < m->conf->groups[g].n_vips; i++, k++)
				all = all && k / 8 < sizeof(listed) && (listed[k / 8] & (1 << (k % 8)));
	if (!takes_lo || keeps || all)
		return 0;
	return warn(m, path, "systemd-networkd",
		    "match lo in no .network file, or set KeepConfiguration=static in it");
}

static int nm_file(const char *path, void *data)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line);

		if (!strcmp(s, "interface-name=lo") || !strcmp(s, "type=loopback"))
			return warn(data, path, "NetworkManager",
				    "delete the profile for lo (nmcli connection delete)");
	}
	return 0;
}

static int netplan_file(const char *path, void *data)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];
	int in = -1; /* the indent of "ethernets:", -1 outside */

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		int ind = (int)strspn(line, " ");
		char *s = trim(line);

		if (!*s || *s == '#')
			continue;
		if (in >= 0 && ind <= in)
			in = -1;
		if (!strcmp(s, "ethernets:"))
			in = ind;
		else if (in >= 0 && (!strcmp(s, "lo:") || !strcmp(s, "\"lo\":")))
			return warn(data, path, "netplan",
				    "leave lo out of the netplan YAML (netplan apply)");
	}
	return 0;
}

int agent_lo_managers(const struct conf *c, struct checklist *out)
{
	static const char *const networkd[] = {
		"/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network",
	};
	struct lomgr m = { .conf = c, .out = out };
	char **seen = NULL;
	size_t n_seen = 0;
	bool lo = false;
	int r = 0;

	for (size_t g = 0; g < c->n_groups; g++)
		lo = lo || on_lo(&c->groups[g]);
	if (!lo)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(networkd) && r == 0; i++)
		r = for_each_file(networkd[i], ".network", &seen, &n_seen, networkd_file, &m);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	if (r == 0)
		r = for_each_file("/etc/NetworkManager/system-connections", ".nmconnection", NULL,
				  NULL, nm_file, &m);
	if (r == 0)
		r = for_each_file("/etc/netplan", ".yaml", NULL, NULL, netplan_file, &m);
	return r;
}
