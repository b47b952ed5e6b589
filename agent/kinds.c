// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "kinds.h"
#include "dropin.h"
#include "../arp/arp.h"
#include "../netconf/netconf.h"
#include "../tunnel/tunnel.h"

/*
 * In the order their steps are built, which is the order verify lists
 * them: ARP suppression, the tunnel receivers (a fou port before the
 * devices, so that a kernel without fou is told first for a GUE group), the
 * devices, the sysctl.d drop-in (which holds the sysctls built before it),
 * the MSS clamp, the VIPs. The order in which apply
 * makes them is the steps' own (their order classes).
 */
static const struct step_ops *const kinds[] = {
	&arp_nft_ops,
	&arp_sysctl_ops,
	&tunnel_fou_ops,
	&tunnel_link_ops,
	&tunnel_sysctl_ops,
	&agent_dropin_ops,
	&tunnel_mss_ops,
	&netconf_addr_ops,
	&netconf_route_ops,
};

const struct step_ops *kinds_at(size_t i)
{
	return i < ARRAY_SIZE(kinds) ? kinds[i] : NULL;
}

const struct step_ops *kinds_lookup(const char *kind, const char *target)
{
	const struct step_ops *first = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kinds[i]->kind, kind) != 0)
			continue;
		if (kinds[i]->valid_target && kinds[i]->valid_target(target))
			return kinds[i];
		if (!first)
			first = kinds[i];
	}
	return first;
}
