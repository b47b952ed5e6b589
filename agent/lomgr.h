/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify: a network manager configured to manage lo (systemd-networkd,
 * NetworkManager, netplan) removes the VIPs there at its restart or apply.
 */
#ifndef LVS_AGENT_LOMGR_H
#define LVS_AGENT_LOMGR_H

#include "../lib/step.h"

struct conf;

/*
 * A warning (ok, warn) "lo-manager FILE" appended to out for each file that
 * makes one manage lo, when c has VIPs on lo. Reads files only (under
 * agent_test_root()). 0 or -ENOMEM.
 */
int agent_lo_managers(const struct conf *c, struct checklist *out);

#endif
