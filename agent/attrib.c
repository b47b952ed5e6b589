// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A notification carries the port id of the socket that made the change.
 * /proc/net/netlink (this namespace's sockets) maps the port to the
 * socket's inode, and the process is the one with "socket:[INODE]" among
 * its descriptors. The port of a process's first netlink socket is its PID
 * (the kernel's autobind tries it first), so that process is looked at
 * before all the others; when its descriptors are not the agent's to read
 * (a process of more capabilities than the agent keeps), that rule alone
 * names it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib.h"
#include "../lib/macro.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* The inode of the socket of `protocol` bound to portid, or 0. */
static unsigned long port_inode(int protocol, uint32_t portid)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/netlink", "re");
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long ino;
		unsigned int pid;
		int eth;

		/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
		if (sscanf(line, "%*s %d %u %*s %*s %*s %*s %*s %*s %lu", &eth, &pid, &ino) == 3 &&
		    eth == protocol && pid == portid)
			return ino;
	}
	return 0;
}

/* Whether process pid holds a descriptor of the socket `link`: 1, 0, or
 * -errno when its descriptors cannot be read (-EACCES: another process's,
 * with more capabilities than the agent kept). */
static int holds(const char *pid, const char *link)
{
	char path[64];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char to[64];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, to, sizeof(to) - 1);
		/* The directory lists, but its links read only with ptrace's
		 * access to the process. */
		if (n < 0 && (errno == EACCES || errno == EPERM))
			return -EACCES;
		if (n <= 0)
			continue;
		to[n] = '\0';
		if (STREQ(to, link))
			return 1;
	}
	return 0;
}

/* The name of the program whose command name the kernel cut to its 15
 * bytes (systemd-networkd's is systemd-network): argv[0]'s last part, when
 * it begins with the cut name. */
static void whole_name(const char *pid, char *buf, size_t len)
{
	char path[64], arg0[256];
	_cleanup_fclose_ FILE *f = NULL;
	const char *base;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(arg0, 1, sizeof(arg0) - 1, f);
	arg0[n] = '\0';
	base = strrchr(arg0, '/');
	base = base ? base + 1 : arg0;
	if (strncmp(base, buf, strlen(buf)) == 0 && strlen(base) < len)
		snprintf(buf, len, "%s", base);
}

static void comm_of(const char *pid, char *buf, size_t len)
{
	char path[64];
	_cleanup_fclose_ FILE *f = NULL;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (strlen(buf) == 15)
		whole_name(pid, buf, len);
}

static bool is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A PID other than skip holding the socket `link`, into pid (a decimal
 * string). */
static bool find_holder(const char *link, const char *skip, char *pid, size_t len)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	d = opendir("/proc");
	if (!d)
		return false;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (!is_pid(de->d_name) || n >= len || STREQ(de->d_name, skip))
			continue;
		if (holds(de->d_name, link) == 1) {
			memcpy(pid, de->d_name, n + 1);
			return true;
		}
	}
	return false;
}

void attrib_port(int protocol, uint32_t portid, char *buf, size_t len)
{
	char link[48], pid[16], comm[32];
	unsigned long ino;

	if (portid == 0) {
		snprintf(buf, len, "the kernel");
		return;
	}
	ino = port_inode(protocol, portid);
	snprintf(link, sizeof(link), "socket:[%lu]", ino);
	snprintf(pid, sizeof(pid), "%u", portid);
	comm_of(pid, comm, sizeof(comm));
	/*
	 * PID 1 makes sockets for the services it starts and keeps them
	 * (systemd's ListenNetlink=, which systemd-networkd's socket unit
	 * uses): the change is the service's, the other holder. When none is
	 * the agent's to see, the port names no one.
	 */
	if (portid == 1) {
		if (ino && find_holder(link, "1", pid, sizeof(pid))) {
			comm_of(pid, comm, sizeof(comm));
			if (comm[0]) {
				snprintf(buf, len, "%s[%s]", comm, pid);
				return;
			}
		}
		if (!ino || holds("1", link) != 1) {
			snprintf(buf, len, "unknown process (port 1: PID 1 or a service it gave the socket)");
			return;
		}
		snprintf(pid, sizeof(pid), "1");
		comm_of(pid, comm, sizeof(comm));
	}
	/*
	 * The process whose PID the port is, when it holds the socket or
	 * when its descriptors are not the agent's to read (then the port
	 * rule alone names it: a process's first socket has its PID as port,
	 * and a process's PID is not reused while the change is being told).
	 * Else the one among all that holds it.
	 */
	if (comm[0] && (!ino || holds(pid, link) != 0)) {
		snprintf(buf, len, "%s[%s]", comm, pid);
		return;
	}
	if (ino && find_holder(link, "", pid, sizeof(pid))) {
		comm_of(pid, comm, sizeof(comm));
		if (comm[0]) {
			snprintf(buf, len, "%s[%s]", comm, pid);
			return;
		}
	}
	snprintf(buf, len, "unknown process (port %u)", portid);
}

bool attrib_own_port(int protocol, uint32_t portid)
{
	unsigned long ino = portid ? port_inode(protocol, portid) : 0;
	char link[48];

	if (!ino)
		return false;
	snprintf(link, sizeof(link), "socket:[%lu]", ino);
	return holds("self", link) == 1;
}

void attrib_nft(uint32_t portid, uint32_t pid, const char *comm, char *buf, size_t len)
{
	if (portid == 0) {
		if (pid == 0 && !*comm)
			snprintf(buf, len, "the kernel");
		else
			snprintf(buf, len, "%s[%u]", *comm ? comm : "?", pid);
		return;
	}
	attrib_port(NETLINK_NETFILTER, portid, buf, len);
	/* Gone already (nft ends right after its commit): the name nf_tables
	 * gave and the port, which is the PID of a process's first socket. */
	if (strncmp(buf, "unknown", 7) == 0 && *comm)
		snprintf(buf, len, "%s[%u]", comm, portid);
}

void attrib_name(const char *who, char *buf, size_t len)
{
	const char *b = strrchr(who, '[');

	if (STREQ(who, "the kernel"))
		snprintf(buf, len, "kernel");
	else if (strncmp(who, "unknown", 7) == 0 || !b)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%.*s", (int)(b - who), who);
}
