/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who changed the kernel: the process behind a netlink port id, as the
 * repair log names it ("ip[812]", "the kernel").
 */
#ifndef LVS_AGENT_ATTRIB_H
#define LVS_AGENT_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest name attrib_*() write, NUL included. */
#define ATTRIB_MAX 64

/*
 * The process that holds the socket of netlink `protocol` bound to port
 * `portid` in this network namespace: "NAME[PID]"; "the kernel" for port
 * 0; "unknown process (port P)" when the socket is gone (the process
 * ended before it was looked up) or its owner cannot be read. Looked up at
 * once: a command like ip ends right after its change.
 */
void attrib_port(int protocol, uint32_t portid, char *buf, size_t len);
/*
 * Who made an nf_tables transaction, from its NEWGEN message: the process
 * behind the batch's port (portid, as attrib_port()). nf_tables also names
 * a PID (pid), but as the first PID namespace numbers it, which is not the
 * agent's in a container; its process name (comm) stands in when the
 * port's socket is gone. Port 0: "NAME[pid]" as nf_tables gave them.
 */
void attrib_nft(uint32_t portid, uint32_t pid, const char *comm, char *buf, size_t len);
/* Whether the socket of netlink `protocol` bound to portid is this
 * process's own. */
bool attrib_own_port(int protocol, uint32_t portid);
/* The process name of an attribution ("ip" of "ip[812]"), for a label. */
void attrib_name(const char *who, char *buf, size_t len);

#endif
