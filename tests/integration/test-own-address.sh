#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A VIP that is one of the host's own addresses on another interface
# (issue 13, "False ok"). With arp_suppress = nft the real server stops
# answering ARP for that address and drops off its network; with sysctl it
# means nothing. On a veth pair rs eth0 192.0.2.2/24 <-> peer eth0
# 192.0.2.1/24:
#
#  - negative control, by hand (never through the agent): an arp table that
#    drops requests for 192.0.2.2, as the agent's would with that VIP, and
#    the peer's arping of the RS's own address gets no reply;
#  - a config with VIP 192.0.2.2 (IPv4) or 2001:db8:1::2 (IPv6): plan and
#    apply exit 2 naming eth0 (FILE:LINE of the address), nothing changes,
#    and the peer's arping of 192.0.2.2 is still answered;
#  - appearing later: VIP 198.51.100.10 applied with nft, then the same
#    address put on eth0 by hand: verify fails naming eth0, and on the wire
#    the RS no longer answers ARP for its new eth0 address;
#  - a VIP moved by an edited config from lo to another device is no
#    finding: the address on lo is the agent's own, and this apply removes it.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd arping timeout nft
lvst_require_agent

RIP=192.0.2.2
RIP6=2001:db8:1::2
VIP=198.51.100.10

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
RS=$(ns_name rs)

conf()
{
	local file=$TDIR/$1.conf

	shift
	printf '%s\n' "$@" >"$file"
	echo "$file"
}

# ---- negative control by hand
in_ns rs nft -f - <<EOF || { fail setup "could not make the control table"; exit 1; }
table arp control {
	set vips { type ipv4_addr; elements = { $RIP } }
	chain input {
		type filter hook input priority 0; policy accept;
		arp operation request arp daddr ip @vips drop
	}
}
EOF
assert_replies "control: with $RIP in a drop set the RS does not answer ARP for itself" "$RIP" none
in_ns rs nft delete table arp control
assert_replies "control: without it the RS answers ARP for $RIP" "$RIP" some

# ---- refused
snapshot rs >"$TDIR/before"
C4=$(conf own4 '[agent]' 'arp_suppress = nft' '' '[vip web]' "address = $VIP" "  $RIP")
C6=$(conf own6 '[agent]' 'arp_suppress = nft' '' '[vip web]' "address = $RIP6")
for cmd in plan apply; do
	agent_run rs -c "$C4" $cmd
	assert_rc "IPv4 $RIP: $cmd exits 2" 2
	assert_match "IPv4 $RIP: $cmd names FILE:LINE and eth0" \
		"^$C4:6: vip \"web\": address: VIP $RIP is an address of eth0: a VIP must be no interface's own address" \
		"$ERR"
	agent_run rs -c "$C6" $cmd
	assert_rc "IPv6 $RIP6: $cmd exits 2" 2
	assert_match "IPv6 $RIP6: $cmd names FILE:LINE and eth0" \
		"^$C6:5: vip \"web\": address: VIP $RIP6 is an address of eth0" "$ERR"
done
assert_snapshot "refused: nothing changed" rs "$TDIR/before"
assert_replies "refused: the RS still answers ARP for $RIP" "$RIP" some
agent_run rs -c "$C4" verify
assert_rc "IPv4 $RIP: verify exits 1" 1
assert_match "IPv4 $RIP: verify names eth0" "^FAIL vip $RIP: expected only on lo, found eth0 \\($RIP/24 on eth0\\)" "$OUT"

# ---- appearing later
C=$(conf later '[agent]' 'arp_suppress = nft' '' '[vip web]' "address = $VIP")
agent_run rs -c "$C" apply
assert_rc "later: apply exits 0" 0
agent_run rs -c "$C" verify
assert_rc "later: verify exits 0" 0
ip -n "$RS" addr add "$VIP/24" dev eth0 &&
ip -n "$(ns_name peer)" addr add 198.51.100.1/24 dev eth0 ||
	fail "later: setup" "could not add $VIP/24 to eth0"
agent_run rs -c "$C" verify
assert_rc "later: $VIP also on eth0: verify exits 1" 1
assert_match "later: verify names eth0 and why" \
	"^FAIL vip $VIP: expected only on lo, found eth0 \\($VIP/24 on eth0\\): VIP $VIP is an address of eth0" "$OUT"
assert_replies "later: on the wire the RS no longer answers ARP for its eth0 address $VIP" "$VIP" none
ip -n "$RS" addr del "$VIP/24" dev eth0
agent_run rs -c "$C" verify
assert_rc "later: removed from eth0: verify exits 0" 0

# ---- a VIP moved from lo to another device by an edited config
veth_pair rs peer eth1 eth1 && ip -n "$RS" link set eth1 arp off ||
	{ fail "moved: setup" "could not make the NOARP link eth1"; lvst_done; }
C2=$(conf moved '[agent]' 'arp_suppress = nft' '' '[vip web]' "address = $VIP" 'device = eth1')
agent_run rs -c "$C2" plan
assert_rc "moved to eth1: plan exits 0 (the address on lo is the agent's own)" 0
agent_run rs -c "$C2" apply
assert_rc "moved to eth1: apply exits 0" 0
assert_no_addr "moved to eth1: not on lo any more" rs lo "$VIP"
assert_addr "moved to eth1: on eth1" rs eth1 "$VIP" 32
agent_run rs -c "$C2" verify
assert_rc "moved to eth1: verify exits 0" 0
agent_run rs -c "$C2" revert
assert_rc "revert exits 0" 0

lvst_done
