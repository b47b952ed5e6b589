/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "sysctl.d" kind: target the path of the drop-in file ([agent]
 * sysctl_dropin), values "absent" or the digest (16 hex digits) of the
 * content the agent writes: a marker line, then "KEY = VALUE" for every
 * net.ipv4.conf sysctl step built before it. A file at the path without the
 * marker is "foreign": never written nor removed, apply and plan refuse it.
 * Built (STEP_ORDER_DROPIN) after the sysctl kinds, and only when they
 * built a step.
 */
#ifndef LVS_AGENT_DROPIN_H
#define LVS_AGENT_DROPIN_H

#include <stddef.h>

#include "../lib/step.h"

struct conf;

extern const struct step_ops agent_dropin_ops;

/*
 * The drop-in's path for config c in buf: 1, or 0 when there is none
 * (sysctl_dropin = no; auto when not root), or -ENAMETOOLONG.
 */
int agent_dropin_path(const struct conf *c, char *buf, size_t len);
/*
 * Tests only: LVS_RS_AGENT_TEST_ROOT, a directory the default drop-in path
 * and the network managers' files are looked for under; "" when unset.
 */
const char *agent_test_root(void);

#endif
