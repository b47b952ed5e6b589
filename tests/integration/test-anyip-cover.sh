#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# An anyip prefix that covers a subnet or an address of the host (issue 13,
# "False ok"): with eth0 192.0.2.2/24, `anyip = yes` and `address =
# 192.0.2.0/24`, apply and verify used to pass, and then every connection
# from the real server into that subnet landed on itself. On a veth pair rs
# eth0 192.0.2.2/24 <-> peer eth0 192.0.2.1/24, the peer listening on TCP:
#
#  - negative control, by hand in the namespace (never through the agent):
#    `ip route add local 192.0.2.0/24 dev lo table local`, and the RS's TCP
#    connect to the peer is refused (it reached itself);
#  - the same prefix in the config: plan and apply exit 2 naming eth0 and
#    its subnet (FILE:LINE of the address), nothing changes, the connect
#    works; a prefix holding eth0's own address (192.0.2.0/28) likewise;
#  - the fixed config (198.51.100.0/24): apply and verify pass, the connect
#    works, and the peer's ping of an address of the prefix is answered;
#  - appearing later: an address of 198.51.100.0/24 put on eth0 by hand
#    makes verify fail naming eth0 and the subnet, and the RS's connect to a
#    peer in that subnet is refused.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd timeout
lvst_require_agent
lvst_require_ping

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
RS=$(ns_name rs)
PEER=$(ns_name peer)
ip -n "$PEER" route add 198.51.100.0/24 via 192.0.2.2 dev eth0 ||
	{ fail setup "could not route the prefix through the RS in the peer"; exit 1; }

# The peer's listener: answers "peer" to every connection on port 8080.
ip netns exec "$PEER" "$PYTHON" -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b"peer")
    c.close()
' &
bg_register $!

# connect IP: the RS's TCP connect to IP:8080: "peer", "refused", or the error.
connect()
{
	ip netns exec "$RS" "$PYTHON" -c '
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], 8080), timeout=3)
    print(s.recv(16).decode())
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print(e)
' "$1"
}

for _ in $(seq 50); do
	[ "$(connect 192.0.2.1)" = peer ] && break
	sleep 0.1
done
assert_eq "setup: the RS reaches the peer's listener" peer "$(connect 192.0.2.1)"

# ---- negative control by hand
ip -n "$RS" route add local 192.0.2.0/24 dev lo table local ||
	{ fail setup "could not add the local route by hand"; exit 1; }
assert_eq "control: with 192.0.2.0/24 local the RS's connect to the peer is refused" \
	refused "$(connect 192.0.2.1)"
ip -n "$RS" route del local 192.0.2.0/24 dev lo table local
assert_eq "control: without it the connect works again" peer "$(connect 192.0.2.1)"

conf()
{
	local file=$TDIR/$1.conf

	shift
	printf '%s\n' "$@" >"$file"
	echo "$file"
}

# ---- refused
snapshot rs >"$TDIR/before"
C=$(conf covers '[vip any]' 'anyip = yes' 'address = 192.0.2.0/24')
for cmd in plan apply; do
	agent_run rs -c "$C" $cmd
	assert_rc "192.0.2.0/24: $cmd exits 2" 2
	assert_match "192.0.2.0/24: $cmd names FILE:LINE, eth0 and its subnet" \
		"^$C:3: vip \"any\": address: anyip prefix 192\\.0\\.2\\.0/24 covers eth0's subnet 192\\.0\\.2\\.0/24: every address in it is local" \
		"$ERR"
done
C=$(conf holds '[vip any]' 'anyip = yes' 'address = 198.51.100.0/24' '  192.0.2.0/28')
agent_run rs -c "$C" apply
assert_rc "192.0.2.0/28: apply exits 2" 2
assert_match "192.0.2.0/28: apply names FILE:LINE, eth0 and its address" \
	"^$C:4: vip \"any\": address: anyip prefix 192\\.0\\.2\\.0/28 holds eth0's own address 192\\.0\\.2\\.2" "$ERR"
C=$(conf covers6 '[vip any]' 'anyip = yes' 'address = 2001:db8:1::/64')
agent_run rs -c "$C" apply
assert_rc "2001:db8:1::/64: apply exits 2" 2
assert_match "2001:db8:1::/64: apply names eth0 and its subnet" \
	"^$C:3: vip \"any\": address: anyip prefix 2001:db8:1::/64 covers eth0's subnet 2001:db8:1::/64" "$ERR"
assert_snapshot "refused: nothing changed" rs "$TDIR/before"
assert_eq "refused: the connect to the peer works" peer "$(connect 192.0.2.1)"

# ---- the fixed config
C=$(conf fixed '[vip any]' 'anyip = yes' 'address = 198.51.100.0/24')
agent_run rs -c "$C" apply
assert_rc "198.51.100.0/24: apply exits 0" 0
agent_run rs -c "$C" verify
assert_rc "198.51.100.0/24: verify exits 0" 0
assert_eq "198.51.100.0/24: the connect to the peer works" peer "$(connect 192.0.2.1)"
if in_ns peer timeout 10 "${PING[@]}" -c 1 -W 2 198.51.100.77 >/dev/null 2>&1; then
	pass "198.51.100.0/24: the peer's ping of 198.51.100.77 is answered (anyip)"
else
	fail "198.51.100.0/24: the peer's ping of 198.51.100.77 is answered (anyip)" "no answer"
fi

# ---- appearing later: a subnet inside the prefix on eth0
ip -n "$RS" addr add 198.51.100.2/24 dev eth0 &&
ip -n "$PEER" addr add 198.51.100.1/24 dev eth0 ||
	fail "later: setup" "could not add 198.51.100.0/24 to eth0"
agent_run rs -c "$C" verify
assert_rc "later: verify exits 1" 1
assert_match "later: verify names eth0 and the subnet" \
	'^FAIL anyip 198\.51\.100\.0/24: expected none of the host.s networks, found eth0 \(covers subnet 198\.51\.100\.0/24\): anyip prefix 198\.51\.100\.0/24 covers eth0.s subnet' \
	"$OUT"
assert_eq "later: on the wire the RS's connect to the peer at 198.51.100.1 is refused" \
	refused "$(connect 198.51.100.1)"
ip -n "$RS" addr del 198.51.100.2/24 dev eth0
agent_run rs -c "$C" verify
assert_rc "later: removed again: verify exits 0" 0
agent_run rs -c "$C" revert
assert_rc "revert exits 0" 0
assert_snapshot "revert: the namespace as before" rs "$TDIR/before"

lvst_done
