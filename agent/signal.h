/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signals: apply and revert stop between two kernel changes and roll back;
 * the watch reloads on SIGHUP.
 */
#ifndef LVS_AGENT_SIGNAL_H
#define LVS_AGENT_SIGNAL_H

#include <stdbool.h>

/* Catch SIGTERM, SIGINT and SIGHUP; each kernel change asks first. 0 or -errno. */
int agent_catch_signals(void);
/*
 * watch: as agent_catch_signals(), but SIGHUP only asks for a reload
 * (agent_take_hangup()) and stops nothing.
 */
int agent_catch_signals_reload(void);
/* Whether SIGHUP came since the last call. */
bool agent_take_hangup(void);
/* After a rollback (agent_stop_no_more()): a signal stops changes again. */
void agent_stop_again(void);
/* The signal caught, or 0. */
int agent_interrupted(void);
/* From now on no kernel change is stopped (the rollback runs to its end). */
void agent_stop_no_more(void);
/* "SIGTERM" */
const char *agent_signal_name(int sig);

#endif
