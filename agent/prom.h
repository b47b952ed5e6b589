/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks as a Prometheus textfile (verify/status --prometheus FILE).
 */
#ifndef LVS_AGENT_PROM_H
#define LVS_AGENT_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "../lib/step.h"

/* A label value escaped for the text format (\\, \", \n; a byte that is not
 * UTF-8 becomes U+FFFD). malloc'd; NULL without memory. */
char *agent_prom_escape(const char *s);
/* lvs_rs_agent_check_ok{kind,subject} per check (kind: the subject's first
 * word), _checks, _checks_failed, _verify_success, _last_verify_timestamp_seconds. */
int agent_prom_format(FILE *f, const struct checklist *checks, bool success,
		      time_t when);
/* agent_prom_format's text to path atomically (path.tmp.PID, fsync, rename,
 * fsync of the directory), mode 0644. 0 or -errno. */
int agent_prom_write(const char *path, const struct checklist *checks,
		     bool success, time_t when);

#endif
