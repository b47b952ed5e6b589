// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What needs no netlink socket: interface names as the kernel takes them,
 * prefixes (containment, text), and the network namespace this process is
 * in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netconf.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* ---- interface names */

bool netconf_ifname_valid(const char *name)
{
	const char *p;

	if (!name || !*name || strnlen(name, IF_NAMESIZE) >= IF_NAMESIZE)
		return false;
	if (STREQ(name, ".") || STREQ(name, ".."))
		return false;
	/* The kernel's isspace() counts Latin-1 NBSP (0xa0) as a space. */
	for (p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\xa0' ||
		    (*p >= '\t' && *p <= '\r'))
			return false;
	return true;
}

/* ---- prefixes */

bool netconf_prefix_contains(int family, const void *outer, unsigned outer_len,
			     const void *inner, unsigned inner_len)
{
	const unsigned char *a = outer, *b = inner;
	unsigned bits = family == AF_INET ? 32 : 128, i;

	if ((family != AF_INET && family != AF_INET6) || outer_len > bits ||
	    inner_len > bits || inner_len < outer_len)
		return false;
	for (i = 0; i < outer_len / 8; i++)
		if (a[i] != b[i])
			return false;
	if (outer_len % 8) {
		unsigned char mask = (unsigned char)(0xffu << (8 - outer_len % 8));

		if ((a[i] ^ b[i]) & mask)
			return false;
	}
	return true;
}

void netconf_prefix_text(int family, const void *addr, unsigned plen,
			 bool network, char *buf, size_t len)
{
	union netconf_inaddr n = { 0 };
	unsigned char *b = (unsigned char *)&n;
	unsigned bits = family == AF_INET ? 32 : 128;
	char t[INET6_ADDRSTRLEN];

	memcpy(&n, addr, bits / 8);
	for (unsigned i = 0; network && i < bits / 8; i++) {
		unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;

		b[i] &= (unsigned char)(0xff00u >> keep);
	}
	inet_ntop(family, &n, t, sizeof(t));
	if (plen < bits)
		snprintf(buf, len, "%s/%u", t, plen);
	else
		snprintf(buf, len, "%s", t);
}

/* ---- the network namespace */

int netconf_netns_self(struct netconf_netns *ret)
{
	_cleanup_close_ int sock = -1, fd = -1;
	socklen_t len = sizeof(ret->cookie);
	struct stat st;
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	/* Any socket is in the namespace of the process that made it. */
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock >= 0 &&
	    getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &ret->cookie, &len) < 0)
		ret->cookie = 0;
	if (stat("/proc/self/ns/net", &st) == 0) {
		ret->ino = st.st_ino;
		ret->dev = st.st_dev;
	}
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, ret->boot_id, sizeof(ret->boot_id) - 1);
		ret->boot_id[n > 0 ? n : 0] = '\0';
		ret->boot_id[strcspn(ret->boot_id, "\n")] = '\0';
	}
	return ret->cookie || ret->ino || ret->boot_id[0] ? 0 : -ENOENT;
}
