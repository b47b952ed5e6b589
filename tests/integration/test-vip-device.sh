#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A DR VIP on a device that answers ARP or neighbour solicitations (issue 13,
# "False ok"). arp_ignore never hides an address configured on the
# receiving interface, and IPv6 answers a solicitation for any address of
# it: verify used to pass 9 of 9 while the peer's arping of a VIP on eth0
# got replies. On a veth pair rs eth0 192.0.2.2/24 <-> peer eth0 192.0.2.1/24:
#
#  - negative control, by hand: the VIP on eth0 with arp_ignore 1 and
#    arp_announce 2 (what arp_suppress = sysctl sets) is answered in ARP;
#    an IPv6 VIP on eth0 is answered in ND (the peer's neighbour entry);
#  - device = eth0 with an IPv4 VIP and arp_suppress = sysctl: plan and apply
#    exit 2 with FILE:LINE of the device key and why, nothing changes;
#  - with arp_suppress = nft the nft input rule drops the requests on every
#    interface: apply exits 0, verify exits 0, the arping gets no reply;
#  - an IPv6 VIP on eth0 is refused whatever arp_suppress is;
#  - the fixed config (device = lo) passes, and neither ARP nor ND answers;
#  - the state appearing later: a DR group on a NOARP veth (eth1) passes,
#    then `ip link set eth1 arp on` makes verify fail naming eth1, and the
#    peer's arping on that link gets replies.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd arping timeout nft
lvst_require_agent
lvst_require_ping

V4=192.0.2.50
V6=2001:db8:1::50
V4B=203.0.113.50

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
RS=$(ns_name rs)
PEER=$(ns_name peer)
RS_MAC=$(json_eval "$(ip -n "$RS" -j link show dev eth0)" 'd[0]["address"]')

# peer_lladdr IP: the MAC the peer's neighbour table holds for IP, or none.
peer_lladdr()
{
	json_eval "$(ip -n "$PEER" -j neigh show "$1")" \
		'([n["lladdr"] for n in d if n.get("lladdr")] or ["none"])[0]'
}

# nd_resolves IP: the peer pings IP once, which makes it solicit IP, and
# prints the MAC its neighbour table then holds for it (or none).
nd_resolves()
{
	ip -n "$PEER" neigh flush dev eth0
	in_ns peer timeout 10 "${PING[@]}" -c 1 -W 2 "$1" >/dev/null 2>&1
	peer_lladdr "$1"
}

conf()
{
	local file=$TDIR/$1.conf

	shift
	printf '%s\n' "$@" >"$file"
	echo "$file"
}

# ---- negative controls by hand
ip -n "$RS" addr add "$V4/32" dev eth0 &&
sysctl_set rs net.ipv4.conf.all.arp_ignore 1 &&
sysctl_set rs net.ipv4.conf.all.arp_announce 2 ||
	{ fail setup "could not put $V4 on eth0 by hand"; exit 1; }
assert_replies "control: $V4 on eth0 with arp_ignore 1 is answered in ARP" "$V4" some
ip -n "$RS" addr del "$V4/32" dev eth0
pin_arp_zero rs
ip -n "$RS" addr add "$V6/128" dev eth0 nodad ||
	{ fail setup "could not put $V6 on eth0 by hand"; exit 1; }
assert_eq "control: $V6 on eth0 is answered in ND (the peer learns the RS's MAC)" \
	"$RS_MAC" "$(nd_resolves "$V6")"
ip -n "$RS" addr del "$V6/128" dev eth0

snapshot rs >"$TDIR/before"

# ---- IPv4 VIP on eth0, arp_suppress = sysctl: refused
C=$(conf sysctl '[agent]' 'arp_suppress = sysctl' '' '[vip web]' "address = $V4" 'device = eth0')
for cmd in plan apply; do
	agent_run rs -c "$C" $cmd
	assert_rc "sysctl, $V4 on eth0: $cmd exits 2" 2
	assert_match "sysctl, $V4 on eth0: $cmd names FILE:LINE of device, eth0 and why" \
		"^$C:6: vip \"web\": device: eth0 answers ARP for the IPv4 VIPs on it: arp_ignore never hides an address" \
		"$ERR"
done
assert_snapshot "sysctl, $V4 on eth0: nothing changed" rs "$TDIR/before"
assert_replies "sysctl, $V4 on eth0: no ARP reply (nothing applied)" "$V4" none
agent_run rs -c "$C" check-config
assert_rc "sysctl, $V4 on eth0: check-config (no kernel state) exits 0" 0
agent_run rs -c "$C" verify
assert_rc "sysctl, $V4 on eth0: verify exits 1" 1
# Nothing applied here: the text keeps its FAIL lines brief, --json says why.
assert_match "sysctl, $V4 on eth0: verify names the device" \
	'^FAIL device eth0: expected loopback or noarp, found arp' "$OUT"
agent_run rs -c "$C" --json verify
assert_json "sysctl, $V4 on eth0: --json says why" "$OUT" \
	'[c for c in d["checks"] if c["kind"] == "device" and c["target"] == "eth0" and not c["ok"] and c["why"].startswith("eth0 answers ARP for the IPv4 VIPs on it")]'

# ---- arp_suppress = nft: the input rule drops requests on every interface
C=$(conf nft '[agent]' 'arp_suppress = nft' '' '[vip web]' "address = $V4" 'device = eth0')
agent_run rs -c "$C" apply
assert_rc "nft, $V4 on eth0: apply exits 0" 0
assert_addr "nft, $V4 on eth0: the VIP is on eth0" rs eth0 "$V4" 32
agent_run rs -c "$C" verify
assert_rc "nft, $V4 on eth0: verify exits 0" 0
assert_match "nft, $V4 on eth0: verify checks the device" '^ok +device eth0: arp' "$OUT"
assert_replies "nft, $V4 on eth0: no ARP reply" "$V4" none 3
agent_run rs -c "$C" revert
assert_rc "nft, $V4 on eth0: revert exits 0" 0
assert_snapshot "nft, $V4 on eth0: revert restores the namespace" rs "$TDIR/before"

# ---- IPv6 VIP on eth0: ND answers whatever arp_suppress is
for sup in sysctl nft both; do
	C=$(conf v6-$sup '[agent]' "arp_suppress = $sup" '' '[vip web]' 'device = eth0' "address = $V6")
	agent_run rs -c "$C" apply
	assert_rc "$sup, $V6 on eth0: apply exits 2" 2
	assert_match "$sup, $V6 on eth0: apply names FILE:LINE, eth0 and ND" \
		"^$C:5: vip \"web\": device: eth0 answers neighbour solicitations for every address on it" "$ERR"
done
assert_snapshot "$V6 on eth0: nothing changed" rs "$TDIR/before"

# ---- the fixed config: both VIPs on lo
C=$(conf lo '[agent]' 'arp_suppress = sysctl' '' '[vip web]' "address = $V4 $V6" 'device = lo')
agent_run rs -c "$C" apply
assert_rc "lo: apply exits 0" 0
agent_run rs -c "$C" verify
assert_rc "lo: verify exits 0" 0
assert_match "lo: verify checks the device" '^ok +device lo: loopback' "$OUT"
assert_replies "lo: no ARP reply for $V4" "$V4" none 3
assert_eq "lo: no ND answer for $V6 (the peer never learns the RS's MAC for it)" \
	none "$(nd_resolves "$V6")"
agent_run rs -c "$C" revert
assert_rc "lo: revert exits 0" 0

# ---- a NOARP device that starts to answer later
veth_pair rs peer eth1 eth1 &&
ip -n "$RS" link set eth1 arp off &&
ip -n "$PEER" addr add 203.0.113.1/24 dev eth1 &&
ip -n "$RS" addr add 203.0.113.2/24 dev eth1 ||
	{ fail setup "could not make the NOARP link eth1"; lvst_done; }
C=$(conf noarp '[vip web]' "address = $V4B" 'device = eth1')
agent_run rs -c "$C" apply
assert_rc "NOARP eth1: apply exits 0" 0
agent_run rs -c "$C" verify
assert_rc "NOARP eth1: verify exits 0" 0
assert_match "NOARP eth1: verify checks the device" '^ok +device eth1: noarp' "$OUT"
assert_replies "NOARP eth1: no ARP reply for $V4B" "$V4B" none 2 eth1
ip -n "$RS" link set eth1 arp on
agent_run rs -c "$C" verify
assert_rc "eth1 arp on: verify exits 1" 1
assert_match "eth1 arp on: verify names eth1 and why" \
	'^FAIL device eth1: expected loopback or noarp, found arp: eth1 answers ARP for the IPv4 VIPs' "$OUT"
assert_replies "eth1 arp on: the peer's arping of $V4B is answered" "$V4B" some 2 eth1
ip -n "$RS" link set eth1 arp off
agent_run rs -c "$C" verify
assert_rc "eth1 arp off again: verify exits 0" 0
agent_run rs -c "$C" revert
assert_rc "NOARP eth1: revert exits 0" 0

lvst_done
