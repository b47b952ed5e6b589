#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# AnyIP (issue 8): a VIP group with anyip = yes holding the prefix
# 198.51.100.0/24, the VIP 203.0.113.7 and the prefix 2001:db8:200::/120,
# on a veth pair between an RS namespace (eth0 192.0.2.2/24) and a peer
# (eth0 192.0.2.1/24) that routes the VIPs through the RS:
#
#  - apply makes local routes in table local (type local, dev lo, scope
#    host), no addresses; the /24 is one route request (`ip monitor route`
#    sees one; the fault build shows 7 kernel changes in all: 4 sysctls and
#    3 routes); a fault in the middle rolls everything back;
#  - a TCP listener bound to 198.51.100.77 (no address of the RS) accepts a
#    connection from the peer and answers; so does one on [::] for
#    2001:db8:200::42;
#  - the peer's arping for 198.51.100.77 gets no reply with arp_ignore = 1,
#    and replies with arp_ignore left at 0 (arp_suppress = none: the negative
#    control); with arp_suppress = nft the set holds the interval (nft -j)
#    and the arping gets no reply either;
#  - verify holds; a route deleted by hand fails verify (exit 1) naming it;
#    apply repairs it with one change;
#  - revert leaves the namespace as it was before (snapshot, table local
#    included); a local route there before the first apply survives revert.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd arping nft timeout "$PYTHON"
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

NET=198.51.100.0/24
HOST=198.51.100.77	# in the /24, never an address of the RS
V4=203.0.113.7
NET6=2001:db8:200::/120
HOST6=2001:db8:200::42
R24="local $NET dev lo table local"
R32="local $V4/32 dev lo table local"
R6="local $NET6 dev lo table local"
RIP=192.0.2.2

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
# The peer reaches the VIPs through the RS, as a director's DR packet would.
ip -n "$(ns_name peer)" route add "$NET" via "$RIP" dev eth0 &&
ip -n "$(ns_name peer)" route add "$V4/32" via "$RIP" dev eth0 &&
ip -n "$(ns_name peer)" -6 route add "$NET6" via 2001:db8:1::2 dev eth0 ||
	{ fail setup "could not route the VIPs through the RS in the peer"; exit 1; }

write_conf()
{
	local file=$1 suppress=$2

	cat >"$file" <<EOF
[agent]
arp_suppress = $suppress

[vip any]
anyip = yes
address = $NET $V4
	$NET6
EOF
}
CONF=$TDIR/agent.conf
NONE=$TDIR/none.conf
NFT=$TDIR/nft.conf
write_conf "$CONF" sysctl
write_conf "$NONE" none
write_conf "$NFT" nft

BEFORE=$TDIR/before.snap
snapshot rs >"$BEFORE" || { fail setup "snapshot failed"; exit 1; }

# ---- helpers

routes4() { ip -n "$(ns_name rs)" -4 -j route show table local; }
routes6() { ip -n "$(ns_name rs)" -6 -j route show table local; }

# local_route_expr DST: python over `ip -j route show table local`
local_route_expr()
{
	echo "[r for r in d if r.get(\"dst\") == \"$1\" and r.get(\"type\") == \"local\" and r.get(\"dev\") == \"lo\" and r.get(\"scope\", \"host\") == \"host\" and r.get(\"protocol\") != \"kernel\"] != []"
}

has_change()
{
	echo "[c for c in d[\"changes\"] if (c[\"op\"], c[\"kind\"], c[\"target\"]) == (\"$1\", \"$2\", \"$3\")] != []"
}

# A one-shot TCP server in the RS namespace: bind ADDR PORT, accept one
# connection, answer with the address the connection reached.
SERVER='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    open(sys.argv[3], "w").write("bind: %s\n" % e)
    sys.exit(1)
s.listen(1)
open(sys.argv[3], "w").write("listening\n")
s.settimeout(20)
c, peer = s.accept()
c.sendall(("served %s\n" % c.getsockname()[0]).encode())
c.close()
'
CLIENT='
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print(c.recv(200).decode().strip())
'

# assert_tcp NAME BIND CONNECT PORT: the peer gets the answer of a listener
# bound to BIND in the RS namespace when it connects to CONNECT.
assert_tcp()
{
	local name=$1 bind=$2 to=$3 port=$4 ready=$TDIR/ready.$4 pid got

	rm -f "$ready"
	in_ns rs timeout 30 "$PYTHON" -c "$SERVER" "$bind" "$port" "$ready" &
	pid=$!
	bg_register "$pid"
	for _ in $(seq 100); do
		[ -s "$ready" ] && break
		sleep 0.05
	done
	if ! grep -q listening "$ready" 2>/dev/null; then
		fail "$name" "listener on $bind:$port did not start: $(cat "$ready" 2>/dev/null)"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	got=$(in_ns peer timeout 10 "$PYTHON" -c "$CLIENT" "$to" "$port" 2>&1)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	assert_eq "$name" "served $to" "$got"
}

# ---- negative control: the routes alone, arp_ignore left at 0

STATE=$TDIR/state.none
assert_replies "control: no reply for $HOST before any route" "$HOST" none
agent_run rs -c "$NONE" apply
assert_rc "control (arp_suppress = none): apply exits 0" 0
assert_sysctl "control: all.arp_ignore left at 0" rs net/ipv4/conf/all/arp_ignore 0
assert_replies "control: with the /24 local and arp_ignore 0, the RS answers ARP for $HOST" \
	"$HOST" some
agent_run rs -c "$NONE" revert
assert_rc "control: revert exits 0" 0
assert_snapshot "control: revert leaves the namespace as before" rs "$BEFORE"

# ---- a fault in the middle: all of it rolled back

STATE=$TDIR/state.fault
LVS_RS_AGENT_FAULT=6 ip netns exec "$(ns_name rs)" "$FAULT_BIN" -s "$STATE" -c "$CONF" \
	apply >"$TDIR/fault.out" 2>"$TDIR/fault.err"
RC=$? ERR=$(cat "$TDIR/fault.err") OUT=$(cat "$TDIR/fault.out")
assert_rc "fault at the 6th kernel change (the /32 route): exit 3" 3
assert_match "fault: the message names the route" "route local $V4/32 dev lo table local" "$ERR"
assert_snapshot "fault: the /24 route and the sysctls are rolled back" rs "$BEFORE"
# 4 sysctls and 3 routes: a fault at the 8th change is never reached.
LVS_RS_AGENT_FAULT=8 ip netns exec "$(ns_name rs)" "$FAULT_BIN" -s "$STATE" -c "$CONF" \
	--json apply >"$TDIR/fault.out" 2>"$TDIR/fault.err"
RC=$? ERR=$(cat "$TDIR/fault.err") OUT=$(cat "$TDIR/fault.out")
assert_rc "the whole apply is 7 kernel changes (fault at the 8th never hit)" 0
assert_json "7 kernel changes are 7 changes: one request for the /24" "$OUT" \
	'len(d["changes"]) == 7'
agent_run rs -c "$CONF" revert
assert_rc "fault: revert exits 0" 0
assert_snapshot "fault: revert leaves the namespace as before" rs "$BEFORE"

# ---- apply (arp_suppress = sysctl)

STATE=$TDIR/state
agent_run rs -c "$CONF" plan
assert_rc "plan exits 0" 0
assert_match "plan lists + route $R24" "^\+ route $R24\$" "$OUT"
assert_match "plan lists + route $R32" "^\+ route $R32\$" "$OUT"
assert_match "plan lists + route $R6" "^\+ route $R6\$" "$OUT"
assert_snapshot "plan changed nothing" rs "$BEFORE"

MON=$TDIR/monitor
ip -n "$(ns_name rs)" monitor route >"$MON" 2>&1 &
MON_PID=$!
bg_register "$MON_PID"
sleep 0.3
agent_run rs -c "$CONF" --json apply
sleep 0.3
kill "$MON_PID" 2>/dev/null
wait "$MON_PID" 2>/dev/null
assert_rc "apply exits 0" 0
assert_json "apply: 4 sysctls and 3 routes, changed" "$OUT" \
	'd["changed"] is True and len(d["changes"]) == 7 and len([c for c in d["changes"] if c["kind"] == "route"]) == 3'
assert_json "apply: + route $R24, one change for 256 VIPs" "$OUT" "$(has_change + route "$R24")"
assert_json "apply: no address change" "$OUT" \
	'not any(c["kind"] == "address" for c in d["changes"])'
assert_json "apply: the sysctls before the routes" "$OUT" \
	'max(i for i, c in enumerate(d["changes"]) if c["kind"] == "sysctl") < min(i for i, c in enumerate(d["changes"]) if c["kind"] == "route")'
n=$(grep -c "198\.51\.100\." "$MON")
assert_eq "ip monitor: exactly one route event in 198.51.100.0/24 (the /24 itself)" 1 "$n"
assert_match "ip monitor: it is local $NET dev lo table local" "^local $NET dev lo table local" "$(cat "$MON")"

assert_json "table local: $NET type local, dev lo, scope host" "$(routes4)" "$(local_route_expr "$NET")"
assert_json "table local: $V4 type local, dev lo, scope host" "$(routes4)" "$(local_route_expr "$V4")"
assert_json "table local: $NET6 type local, dev lo" "$(routes6)" "$(local_route_expr "$NET6")"
assert_json "table local: the agent's protocol (76) on its routes" "$(routes4)" \
	"[r[\"protocol\"] for r in d if r.get(\"dst\") in (\"$NET\", \"$V4\")] == [\"76\", \"76\"]"
assert_json "ip -j addr: no VIP is an address" "$(addr_json rs)" \
	'not any(a["local"].startswith(("198.51.100.", "203.0.113.", "2001:db8:200:")) for l in d for a in l.get("addr_info", []))'

# ---- the kernel takes the whole prefix as local
assert_tcp "TCP: a listener bound to $HOST (an address of no interface) answers the peer" \
	"$HOST" "$HOST" 8080
assert_tcp "TCP: a listener on [::] answers the peer at $HOST6" "::" "$HOST6" 8081
assert_replies "ARP: arp_ignore 1: no reply for $HOST" "$HOST" none
assert_replies "ARP: arp_ignore 1: no reply for $V4" "$V4" none

# ---- verify, a route deleted by hand, repair
agent_run rs -c "$CONF" verify
assert_rc "verify exits 0" 0
assert_match "verify: ok line for $R24" "^ok +route $R24: present\$" "$OUT"
assert_match "verify: the effective arp_ignore of eth0 (anyip VIPs are IPv4 VIPs)" \
	'^ok +arp_ignore eth0' "$OUT"
ip -n "$(ns_name rs)" route del local "$NET" dev lo table local ||
	fail "delete by hand" "ip route del failed"
agent_run rs -c "$CONF" verify
assert_rc "verify after the /24 was deleted by hand exits 1" 1
assert_match "verify names the missing route and why it breaks LVS" \
	"^FAIL route $R24: expected present, found absent: .*not accepted locally" "$OUT"
assert_match "verify: the other routes still ok" "^ok +route $R6: present\$" "$OUT"
agent_run rs -c "$CONF" apply
assert_rc "apply repairs: exit 0" 0
assert_match "apply repairs with one change" "^\+ route $R24\$" "$OUT"
assert_match "apply repairs: 1 change" '^apply: 1 change$' "$OUT"
agent_run rs -c "$CONF" verify
assert_rc "verify after the repair exits 0" 0
agent_run rs -c "$CONF" --json apply
assert_json "apply again: nothing to change" "$OUT" 'd["changed"] is False'

# ---- arp_suppress = nft: the set holds the prefix as an interval
agent_run rs -c "$NFT" apply
assert_rc "nft: apply (sysctl -> nft) exits 0" 0
assert_sysctl "nft: all.arp_ignore back to 0 (the set suppresses now)" rs net/ipv4/conf/all/arp_ignore 0
TABLE=$(in_ns rs nft -j list table arp lvs_rs_agent 2>&1)
assert_json "nft: the set vips has the interval flag" "$TABLE" \
	'[x["set"] for x in d["nftables"] if "set" in x][0].get("flags") == ["interval"]'
assert_json "nft: the set holds $NET as an interval and $V4" "$TABLE" \
	"sorted(json.dumps(e, sort_keys=True) for e in [x[\"set\"] for x in d[\"nftables\"] if \"set\" in x][0][\"elem\"]) == sorted([json.dumps({\"prefix\": {\"addr\": \"198.51.100.0\", \"len\": 24}}, sort_keys=True), json.dumps(\"$V4\")])"
assert_replies "nft: arp_ignore 0, but no reply for $HOST (dropped by the set)" "$HOST" none
assert_replies "nft: no reply for 198.51.100.1 either" 198.51.100.1 none
assert_tcp "nft: TCP to $HOST still answered" "$HOST" "$HOST" 8082
agent_run rs -c "$NFT" verify
assert_rc "nft: verify exits 0" 0
assert_match "nft: verify checks the interval element" "^ok +nft arp lvs_rs_agent vip $NET: present\$" "$OUT"

# ---- revert
rm -f "$CONF" "$NFT"
agent_run rs -c "$NFT" revert
assert_rc "revert (config deleted) exits 0" 0
assert_match "revert removes the /24 route" "^- route $R24\$" "$OUT"
assert_snapshot "revert: namespace (routes of every table included) as before" rs "$BEFORE"
assert_eq "revert: no nft table left" "" "$(in_ns rs nft list ruleset)"

# ---- a local route there before the first apply is left alone
STATE=$TDIR/state.pre
write_conf "$CONF" sysctl
ip -n "$(ns_name rs)" route add local "$V4/32" dev lo table local ||
	{ fail "pre-existing" "could not add the local route by hand"; lvst_done; }
BEFORE2=$TDIR/before2.snap
snapshot rs >"$BEFORE2"
agent_run rs -c "$CONF" --json apply
assert_rc "pre-existing: apply exits 0" 0
assert_json "pre-existing: apply does not add $V4 again" "$OUT" \
	"not any(c[\"target\"] == \"$R32\" for c in d[\"changes\"])"
agent_run rs -c "$CONF" verify
assert_rc "pre-existing: verify exits 0" 0
agent_run rs -c "$CONF" revert
assert_rc "pre-existing: revert exits 0" 0
assert_json "pre-existing: the hand-made route survives revert" "$(routes4)" \
	"[r for r in d if r.get(\"dst\") == \"$V4\" and r.get(\"type\") == \"local\" and r.get(\"protocol\") not in (\"76\", \"kernel\")] != []"
assert_snapshot "pre-existing: namespace as before the first apply" rs "$BEFORE2"

lvst_done
