/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exit codes, the same for every command (lvs-rs-agent(8)). */
#ifndef LVS_AGENT_EXIT_H
#define LVS_AGENT_EXIT_H

enum {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_CHECK = 1,
	AGENT_EXIT_USAGE = 2,
	AGENT_EXIT_RUNTIME = 3,
	AGENT_EXIT_ROLLBACK = 4,
	AGENT_EXIT_PENDING = 5, /* plan --detailed-exitcode: apply would change */
};

#endif
