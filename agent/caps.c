// SPDX-License-Identifier: GPL-2.0-or-later
/* Least privilege: right after the command line, keep only CAP_NET_ADMIN. */
#include <cap-ng.h>
#include <linux/capability.h>

#include "agent.h"

bool agent_drop_privileges(void)
{
	bool have;

	if (capng_get_caps_process() < 0)
		return false;
	have = capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ||
	       capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN);
	/* Effective, permitted and inheritable only: the bounding set needs
	 * CAP_SETPCAP, which an agent running with only CAP_NET_ADMIN lacks;
	 * clearing inheritable drops ambient capabilities with it. */
	capng_clear(CAPNG_SELECT_CAPS);
	if (have)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			     CAP_NET_ADMIN);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return false;
	return have;
}
