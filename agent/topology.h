/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config against the host's links and addresses: what no kernel value
 * of the agent's own shows, but what makes a real server break LVS all the
 * same.
 */
#ifndef LVS_AGENT_TOPOLOGY_H
#define LVS_AGENT_TOPOLOGY_H

#include <stdbool.h>

#include "../lib/step.h"

struct conf;
struct netconf_host;
struct steplist;

enum topo_mode {
	TOPO_VERIFY, /* every finding, as a check: ok ones too */
	TOPO_APPLY,  /* the failing findings, as refusals of the config */
};

/*
 * One finding: a check for verify (kind, target, expected, found, detail,
 * why), and for apply a refusal of the config key at FILE:LINE (group the
 * [vip] group or NULL, key its key: "device", "address", "arp_announce").
 */
struct topo_finding {
	bool ok;
	const char *kind; /* "device", "tunnel", "vip", "anyip", "arp_announce" */
	const char *group;
	const char *key;
	const char *file;
	int line;
	char target[CHECK_TARGET_MAX];
	char expected[CHECK_EXPECTED_MAX];
	char found[CHECK_FOUND_MAX];
	char detail[CHECK_DETAIL_MAX];
	char why[CHECK_WHY_MAX];
};
typedef int (*topo_cb)(const struct topo_finding *f, void *data);

/*
 * The checks no kernel value of the agent's own shows: a DR device that
 * answers ARP or ND, a TUN device of a kind that does not decapsulate the
 * group's family, a VIP that is another interface's address, an anyip
 * prefix covering a subnet or address of the host, and (apply only: verify
 * checks the effective value) arp_announce = 1 beside a VIP in an
 * interface's subnet. journal (apply, may be NULL): an address of the
 * agent's own that this apply removes is no finding. cb gets each finding;
 * a negative return stops the walk and is returned. 0 or -errno.
 */
int agent_topology(const struct conf *c, const struct netconf_host *h,
		   enum topo_mode mode, const struct steplist *journal,
		   topo_cb cb, void *data);

#endif
