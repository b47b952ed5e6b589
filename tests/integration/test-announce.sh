#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# arp_announce = 1 with a VIP inside a subnet of an interface (issue 13,
# "False ok"): the seed's own DR layout, VIP 192.168.0.100 beside RIP
# 192.168.0.101/24, here VIP 192.0.2.100 on lo beside eth0 192.0.2.2/24.
# Level 1 only avoids ARP senders outside the target's subnet, so a packet
# the RS sends from the VIP to a neighbour makes its ARP request carry the
# VIP as sender, and the neighbour learns VIP -> RS MAC.
#
#  - apply and plan refuse a config asking arp_announce = 1 (exit 2,
#    FILE:LINE of arp_announce, the interface and the subnet), nothing
#    changes; check-config, which reads no kernel state, accepts it;
#  - with the fixed config (2) apply and verify pass, and the peer, pinged
#    by the RS from the VIP (the kernel resolving the peer), does not learn
#    the VIP at the RS's MAC;
#  - arp_announce set to 1 by hand: verify fails naming eth0 and the subnet,
#    also with the config that asks 1; on the wire the peer now learns
#    VIP -> RS MAC (the negative control); apply puts 2 back and the peer
#    no longer learns it.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd timeout
lvst_require_agent
lvst_require_ping

VIP=192.0.2.100
PEER_IP=192.0.2.1

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
RS=$(ns_name rs)
PEER=$(ns_name peer)
RS_MAC=$(json_eval "$(ip -n "$RS" -j link show dev eth0)" 'd[0]["address"]')

# learned: the RS pings the peer from the VIP with both neighbour caches
# empty, so that the RS's kernel sends an ARP request for the peer; prints
# the MAC the peer then holds for the VIP, or none.
learned()
{
	ip -n "$RS" neigh flush dev eth0
	ip -n "$PEER" neigh flush dev eth0
	in_ns rs timeout 10 "${PING[@]}" -c 1 -W 2 -I "$VIP" "$PEER_IP" >/dev/null 2>&1
	json_eval "$(ip -n "$PEER" -j neigh show "$VIP")" \
		'([n["lladdr"] for n in d if n.get("lladdr")] or ["none"])[0]'
}

C1=$TDIR/announce1.conf
printf '[agent]\narp_ignore = 1\narp_announce = 1\n\n[vip web]\naddress = %s\n' "$VIP" >"$C1"
C2=$TDIR/announce2.conf
write_web_conf "$C2" "$VIP"

snapshot rs >"$TDIR/before"
for cmd in plan apply; do
	agent_run rs -c "$C1" $cmd
	assert_rc "arp_announce = 1: $cmd exits 2" 2
	assert_match "arp_announce = 1: $cmd names FILE:LINE, eth0 and its subnet" \
		"^$C1:3: arp_announce: 1 keeps VIP $VIP as the ARP sender on eth0: it lies in eth0's subnet 192\\.0\\.2\\.0/24" \
		"$ERR"
done
assert_snapshot "arp_announce = 1: nothing changed" rs "$TDIR/before"
agent_run rs -c "$C1" check-config
assert_rc "arp_announce = 1: check-config (no kernel state) exits 0" 0

# ---- the fixed config
agent_run rs -c "$C2" apply
assert_rc "arp_announce = 2: apply exits 0" 0
agent_run rs -c "$C2" verify
assert_rc "arp_announce = 2: verify exits 0" 0
assert_eq "arp_announce = 2: the peer does not learn $VIP at the RS's MAC" none "$(learned)"

# ---- level 1 by hand: the negative control, and verify sees it
sysctl_set rs net.ipv4.conf.all.arp_announce 1
sysctl_set rs net.ipv4.conf.lo.arp_announce 1
for c in "$C2" "$C1"; do
	agent_run rs -c "$c" verify
	assert_rc "effective 1 ($(basename "$c")): verify exits 1" 1
	assert_match "effective 1 ($(basename "$c")): verify names eth0, the subnet and why" \
		"^FAIL arp_announce eth0: expected 2, found 1 \\(effective: max\\(all 1, eth0 0\\)\\): VIP $VIP lies in eth0's subnet 192\\.0\\.2\\.0/24" \
		"$OUT"
done
agent_run rs -c "$C1" --json verify
assert_json "effective 1: --json check with kind, target, value and why" "$OUT" \
	"[c for c in d['checks'] if c['kind'] == 'arp_announce' and c['target'] == 'eth0' and not c['ok'] and c['found'] == '1' and '192.0.2.0/24' in c['why']]"
assert_eq "negative control: with 1 the peer learns $VIP at the RS's MAC" "$RS_MAC" "$(learned)"

agent_run rs -c "$C2" apply
assert_rc "apply puts 2 back: exits 0" 0
assert_sysctl "apply puts 2 back: conf/all/arp_announce" rs net.ipv4.conf.all.arp_announce 2
agent_run rs -c "$C2" verify
assert_rc "after apply: verify exits 0" 0
assert_eq "after apply: the peer does not learn $VIP at the RS's MAC" none "$(learned)"

agent_run rs -c "$C2" revert
assert_rc "revert exits 0" 0
assert_snapshot "revert: the namespace as before" rs "$TDIR/before"

lvst_done
