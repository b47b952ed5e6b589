/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's notification protocol (sd_notify(3)) without libsystemd: one
 * datagram to $NOTIFY_SOCKET. Outside a Type=notify unit, nothing.
 */
#ifndef LVS_AGENT_NOTIFY_H
#define LVS_AGENT_NOTIFY_H

#include <stdint.h>

#include "../lib/macro.h"

/* "READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1": 0, or -errno. */
int agent_notify(const char *fmt, ...) _printf_(1, 2);
/* The watchdog's period in microseconds ($WATCHDOG_USEC for this
 * process), 0 when there is none. */
uint64_t agent_watchdog_usec(void);

#endif
