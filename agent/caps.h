/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Privileges: only CAP_NET_ADMIN is kept.
 */
#ifndef LVS_AGENT_CAPS_H
#define LVS_AGENT_CAPS_H

#include <stdbool.h>

/* Keep only CAP_NET_ADMIN; returns whether we hold it. */
bool agent_drop_privileges(void);

#endif
