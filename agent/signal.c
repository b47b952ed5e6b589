// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SIGTERM, SIGINT or SIGHUP during apply or revert: the run stops before its
 * next kernel change and rolls back what it made, as after a kernel failure,
 * instead of dying half done. The handler only notes the signal; netconf
 * asks before each kernel change (netconf_set_stop), the lock wait between
 * two tries. SA_RESTART: nothing else needs interrupting, every kernel
 * answer comes at once, and output must not be cut by a second signal.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "signal.h"
#include "../lib/macro.h"
#include "../netconf/netconf.h"

static const int caught_signals[] = { SIGTERM, SIGINT, SIGHUP };

static volatile sig_atomic_t caught, hangup;
/* watch: SIGHUP asks for a reload, not a stop. */
static bool hangup_reloads;

static void on_signal(int sig)
{
	if (sig == SIGHUP && hangup_reloads)
		hangup = 1;
	else if (!caught)
		caught = sig;
}

static bool stop_asked(void)
{
	return caught != 0;
}

int agent_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(caught_signals); i++)
		sigaddset(&sa.sa_mask, caught_signals[i]);
	for (size_t i = 0; i < ARRAY_SIZE(caught_signals); i++)
		if (sigaction(caught_signals[i], &sa, NULL) < 0)
			return -errno;
	netconf_set_stop(stop_asked);
	return 0;
}

int agent_catch_signals_reload(void)
{
	hangup_reloads = true;
	return agent_catch_signals();
}

bool agent_take_hangup(void)
{
	bool h = hangup;

	hangup = 0;
	return h;
}

void agent_stop_again(void)
{
	netconf_set_stop(stop_asked);
}

int agent_interrupted(void)
{
	return caught;
}

void agent_stop_no_more(void)
{
	netconf_set_stop(NULL);
}

const char *agent_signal_name(int sig)
{
	switch (sig) {
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGHUP:
		return "SIGHUP";
	}
	return "a signal";
}
