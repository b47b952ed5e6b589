#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ARP behaviour on the wire (issue 3, done-when 4), on a veth pair between an
# RS namespace (eth0 192.0.2.2/24) and a peer namespace (eth0 192.0.2.1/24):
#
#  - the peer's arping for the VIP gets replies before apply (the VIP is on
#    lo by hand and arp_ignore is 0), none after apply, replies again after
#    revert (the pre-existing VIP stays); and with a VIP that the agent adds
#    itself: no reply before (no VIP), none after apply, no VIP after revert;
#  - while the RS answers the peer from the VIP, the ARP requests the RS's
#    kernel sends carry its own address 192.0.2.2 as sender, never the VIP
#    (tcpdump in the peer namespace). arping and tcpdump injection use packet
#    sockets, which bypass the kernel's choice of sender (KERNEL-NOTES.md):
#    the exchanges below are ICMP echoes that the RS's kernel resolves itself.
#
# Control, so the test shows it can see the failure it looks for: with the
# VIP on lo by hand and arp_announce left at 0 (no agent), the RS's requests
# carry the VIP as sender.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd arping tcpdump timeout
lvst_require_agent

VIP=198.51.100.10
RIP=192.0.2.2
PEER_IP=192.0.2.1

lvst_require_ping

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
# The peer reaches the VIP through the RS, as a director's DR packet would,
# and knows the RS's MAC for good: it never sends an ARP request to the RS,
# so the RS never learns the peer from one and must resolve it itself.
RS_MAC=$(json_eval "$(ip -n "$(ns_name rs)" -j link show dev eth0)" 'd[0]["address"]')
ip -n "$(ns_name peer)" route add "$VIP/32" via "$RIP" dev eth0 &&
ip -n "$(ns_name peer)" neigh replace "$RIP" lladdr "$RS_MAC" dev eth0 nud permanent ||
	{ fail setup "could not route the VIP through the RS in the peer"; exit 1; }

CONF_LO=$TDIR/agent.conf
cat >"$CONF_LO" <<EOF
[agent]
arp_suppress = sysctl
arp_ignore = 1
arp_announce = 2

[vip web]
address = $VIP
device = lo
EOF

# ---- a VIP on lo before the first apply (pre-existing)
ip -n "$(ns_name rs)" addr add "$VIP/32" dev lo ||
	{ fail setup "could not put $VIP on lo by hand"; exit 1; }
assert_senders "control: VIP on lo, arp_announce 0, no agent: requests carry the VIP" "$VIP" "$VIP"
snapshot rs >"$TDIR/pre-before"
assert_replies "pre-existing VIP: arping gets replies before apply" "$VIP" some 3
STATE=$TDIR/state-pre agent_run rs -c "$CONF_LO" apply
assert_rc "pre-existing VIP: apply exits 0" 0
assert_sysctl "pre-existing VIP: conf/all/arp_ignore is 1 after apply" rs net.ipv4.conf.all.arp_ignore 1
assert_sysctl "pre-existing VIP: conf/all/arp_announce is 2 after apply" rs net.ipv4.conf.all.arp_announce 2
assert_replies "pre-existing VIP: arping gets no reply after apply" "$VIP" none 3
assert_senders "pre-existing VIP: after apply the RS's requests carry $RIP, never the VIP" "$RIP" "$VIP"
STATE=$TDIR/state-pre agent_run rs revert
assert_rc "pre-existing VIP: revert exits 0" 0
assert_addr "pre-existing VIP: the VIP stays on lo after revert" rs lo "$VIP" 32
assert_replies "pre-existing VIP: arping gets replies again after revert" "$VIP" some 3
assert_senders "pre-existing VIP: after revert (arp_announce 0 again) requests carry the VIP again" "$VIP" "$VIP"
assert_snapshot "pre-existing VIP: namespace equals its state before apply" rs "$TDIR/pre-before"
ip -n "$(ns_name rs)" addr del "$VIP/32" dev lo

# ---- a VIP that the agent adds itself
snapshot rs >"$TDIR/new-before"
assert_replies "new VIP: arping gets no reply before apply (no VIP yet)" "$VIP" none 3
STATE=$TDIR/state-new agent_run rs -c "$CONF_LO" apply
assert_rc "new VIP: apply exits 0" 0
assert_addr "new VIP: the VIP is on lo after apply" rs lo "$VIP" 32 'a["scope"] == "global"'
assert_replies "new VIP: arping gets no reply after apply" "$VIP" none 3
assert_senders "new VIP: after apply the RS's requests carry $RIP, never the VIP" "$RIP" "$VIP"
STATE=$TDIR/state-new agent_run rs revert
assert_rc "new VIP: revert exits 0" 0
assert_no_addr "new VIP: no VIP after revert" rs lo "$VIP"
assert_replies "new VIP: arping gets no reply after revert" "$VIP" none 3
assert_snapshot "new VIP: namespace equals its state before apply" rs "$TDIR/new-before"

lvst_done
