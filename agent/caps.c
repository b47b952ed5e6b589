// SPDX-License-Identifier: GPL-2.0-or-later
/* Least privilege: right after the command line, keep only CAP_NET_ADMIN. */
#include <cap-ng.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "../lib/macro.h"

bool agent_drop_privileges(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	__u32 bit = CAP_TO_MASK(CAP_NET_ADMIN);
	bool have;

	/*
	 * Whether we hold CAP_NET_ADMIN, from capget(2) alone:
	 * capng_get_caps_process() also reads the bounding and ambient sets
	 * from /proc/PID/status, twice, which this drop does not use.
	 */
	if (syscall(SYS_capget, &hdr, d) < 0)
		return false;
	have = ((d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective |
		 d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted) & bit) != 0;
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
