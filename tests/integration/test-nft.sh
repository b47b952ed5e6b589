#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nf_tables ARP suppression (issue 6), on a veth pair between an RS namespace
# (eth0 192.0.2.2/24) and a peer namespace (eth0 192.0.2.1/24), with every
# arp_ignore/arp_announce at 0 and a table of the user's (inet userfw):
#
#  - apply with arp_suppress = nft creates exactly the table arp lvs_rs_agent
#    (hooks, set elements, rules, read with `nft -j`), leaves the sysctls and
#    the user's table alone; a second apply changes nothing; verify holds;
#  - on the wire: the peer's arping for a VIP on lo gets replies before,
#    none after apply, replies again after revert; the ARP requests the RS
#    sends while answering from the VIP carry 192.0.2.2 (tcpdump on the peer);
#    control: without the agent they carry the VIP;
#  - an edited VIP list updates the set; rip = auto follows eth0's address;
#  - verify fails (exit 1) for an element or the table deleted by hand;
#  - revert (config deleted) leaves `nft -j list ruleset` and the namespace as
#    they were before the first apply;
#  - a user's own table arp lvs_rs_agent makes apply fail (exit 3) untouched;
#  - fault injection at every kernel change of an nft apply: exit 3, no table,
#    no VIP; arp_suppress = both and a fixed rip.

if [ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
fi
. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft arping tcpdump timeout
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

V1=198.51.100.10	# on lo by hand before the first apply
V2=198.51.100.11
V3=198.51.100.12
RIP=192.0.2.2
PEER_IP=192.0.2.1

lvst_require_ping

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
in_ns rs nft -f - <<'EOF' || { fail setup "could not create the user's table"; exit 1; }
table inet userfw {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9 drop
	}
}
EOF
ip -n "$(ns_name rs)" addr add "$V1/32" dev lo ||
	{ fail setup "could not put $V1 on lo"; exit 1; }
# The peer reaches the VIPs through the RS, as a director's DR packet would,
# and knows the RS's MAC for good, so the RS must resolve the peer itself.
RS_MAC=$(json_eval "$(ip -n "$(ns_name rs)" -j link show dev eth0)" 'd[0]["address"]')
ip -n "$(ns_name peer)" route add 198.51.100.0/24 via "$RIP" dev eth0 &&
ip -n "$(ns_name peer)" neigh replace "$RIP" lladdr "$RS_MAC" dev eth0 nud permanent ||
	{ fail setup "could not route the VIPs through the RS in the peer"; exit 1; }

ruleset() { in_ns rs nft -j list ruleset; }
has_table() { in_ns rs nft list table arp lvs_rs_agent >/dev/null 2>&1; }

BEFORE_RULES=$TDIR/before.rules
BEFORE_SNAP=$TDIR/before.snap
ruleset >"$BEFORE_RULES" && snapshot rs >"$BEFORE_SNAP" ||
	{ fail setup "could not take the snapshots"; exit 1; }

assert_ruleset_before()
{
	local now

	now=$(ruleset)
	if [ "$now" = "$(cat "$BEFORE_RULES")" ]; then
		pass "$1"
	else
		fail "$1" "nft ruleset differs from before the first apply: $now"
	fi
}

write_conf()
{
	local file=$1 addrs=$2 extra=${3:-}

	cat >"$file" <<EOF
[agent]
arp_suppress = nft
$extra

[vip web]
address = $addrs
device = lo
EOF
}

CONF=$TDIR/agent.conf
CONF2=$TDIR/edited.conf
write_conf "$CONF" "$V1 $V2"
write_conf "$CONF2" "$V1 $V3"

assert_sysctls_zero()
{
	local c k bad=""

	for c in all lo eth0; do
		for k in arp_ignore arp_announce; do
			[ "$(sysctl_get rs "net.ipv4.conf.$c.$k")" = 0 ] || bad="$bad $c.$k"
		done
	done
	assert_eq "$1" "" "$bad"
}

# ---- controls: without the agent the VIP is answered and used as sender
assert_replies "control: arping for $V1 answered without the agent" "$V1" some
assert_senders "control: RS's ARP requests carry the VIP without the agent" "$V1" "$V1"

# ---- plan, apply
agent_run rs -c "$CONF" plan
assert_rc "plan exits 0" 0
assert_match "plan lists the table" '^\+ nft arp lvs_rs_agent$' "$OUT"
assert_ruleset_before "plan changes no nft rule"

agent_run rs -c "$CONF" apply --json
assert_rc "apply (nft) exits 0" 0
assert_json "apply reports changed" "$OUT" 'd["changed"] is True'
assert_json "apply lists table, elements and rule" "$OUT" \
	'sorted(c["target"] for c in d["changes"] if c["kind"] == "nft") == sorted(["arp lvs_rs_agent", "arp lvs_rs_agent vip '$V1'", "arp lvs_rs_agent vip '$V2'", "arp lvs_rs_agent output eth0"])'
assert_nft_table "apply creates exactly the table" "['$V1', '$V2']" "{'eth0': '$RIP'}"
# nft 1.0.6 leaves the table's comment out of its JSON: the marker that
# tells the agent's table from a user's one, read as text.
assert_match "the table carries the agent's marker" '^\s*comment "managed by lvs-rs-agent' \
	"$(in_ns rs nft list table arp lvs_rs_agent)"
assert_sysctls_zero "apply (nft) leaves arp_ignore/arp_announce at 0"
assert_json "apply leaves the user's table alone" "$(in_ns rs nft -j list table inet userfw)" \
	'[x["rule"]["expr"] for x in d["nftables"] if "rule" in x] == [[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 9}}, {"drop": None}]]'
assert_addr "apply adds $V2" rs lo "$V2" 32

agent_run rs -c "$CONF" apply --json
assert_rc "second apply exits 0" 0
assert_json "second apply: changed false" "$OUT" 'd["changed"] is False and d["changes"] == []'

agent_run rs -c "$CONF" verify
assert_rc "verify after apply exits 0" 0

# ---- on the wire
assert_replies "no ARP reply for $V1 after apply (sysctls at 0)" "$V1" none
assert_senders "RS's ARP requests carry its own address after apply" "$RIP" "$V1"

# ---- edited VIP list, rip = auto following eth0
# `nft monitor` prints "# new generation N by process PID" after each
# committed nf_tables batch: the edit must be one of them, holding both the
# removal and the addition.
nft_monitor_start
agent_run rs -c "$CONF2" apply --json
MON=$(nft_monitor_stop)
assert_rc "apply with edited VIPs exits 0" 0
assert_eq "edit: one nf_tables transaction (nft monitor)" 1 \
	"$(printf '%s\n' "$MON" | grep -c '^# new generation')"
assert_eq "edit: that transaction removes $V2 and adds $V3" \
	"$(printf 'create element arp lvs_rs_agent vips { %s }\ndelete element arp lvs_rs_agent vips { %s }\n# new generation\n' "$V3" "$V2" | sort)" \
	"$(printf '%s\n' "$MON" | sed 's/^\(# new generation\).*/\1/' | sort)"
assert_nft_table "edited VIPs update the set" "['$V1', '$V3']" "{'eth0': '$RIP'}"
assert_json "edit: one element added, one removed" "$OUT" \
	'sorted((c["op"], c["target"]) for c in d["changes"] if c["kind"] == "nft") == [("+", "arp lvs_rs_agent vip '$V3'"), ("-", "arp lvs_rs_agent vip '$V2'")]'
assert_no_addr "edit removes $V2" rs lo "$V2"

# Delete first: deleting a primary address deletes its secondaries too.
ip -n "$(ns_name rs)" addr del 192.0.2.2/24 dev eth0 &&
ip -n "$(ns_name rs)" addr add 192.0.2.7/24 dev eth0 ||
	fail "rip auto: setup" "could not renumber eth0"
agent_run rs -c "$CONF2" apply
assert_rc "apply after eth0 renumbered exits 0" 0
assert_match "the eth0 rule changes address" '^~ nft arp lvs_rs_agent output eth0 192\.0\.2\.2 -> 192\.0\.2\.7$' "$OUT"
assert_nft_table "rip = auto follows eth0's address" "['$V1', '$V3']" "{'eth0': '192.0.2.7'}"
ip -n "$(ns_name rs)" addr del 192.0.2.7/24 dev eth0 &&
ip -n "$(ns_name rs)" addr add 192.0.2.2/24 dev eth0 ||
	fail "rip auto: restore" "could not renumber eth0 back"
agent_run rs -c "$CONF2" apply
assert_nft_table "rip = auto follows eth0 back" "['$V1', '$V3']" "{'eth0': '$RIP'}"

# ---- verify explains drift
in_ns rs nft delete element arp lvs_rs_agent vips "{ $V3 }"
agent_run rs -c "$CONF2" verify
assert_rc "verify: element deleted by hand exits 1" 1
assert_match "verify names the missing element" "^FAIL nft arp lvs_rs_agent vip $V3: expected present, found absent: VIP $V3 not in the set" "$OUT"
agent_run rs -c "$CONF2" apply
assert_nft_table "apply puts the element back" "['$V1', '$V3']" "{'eth0': '$RIP'}"

in_ns rs nft delete table arp lvs_rs_agent
agent_run rs -c "$CONF2" verify
assert_rc "verify: table deleted by hand exits 1" 1
assert_match "verify explains the missing table" '^FAIL nft arp lvs_rs_agent: expected present, found absent: no ARP suppression' "$OUT"
agent_run rs -c "$CONF2" apply
assert_rc "apply re-creates the table" 0
assert_nft_table "the re-created table is complete" "['$V1', '$V3']" "{'eth0': '$RIP'}"

# ---- revert
rm -f "$CONF2"
agent_run rs -c "$CONF2" revert
assert_rc "revert (config deleted) exits 0" 0
assert_ruleset_before "revert: nft ruleset as before the first apply"
assert_snapshot "revert: namespace as before the first apply" rs "$BEFORE_SNAP"
assert_replies "ARP replies for $V1 again after revert" "$V1" some
agent_run rs -c "$CONF" revert
assert_rc "revert again is a no-op" 0

# ---- a user's table of the same name
in_ns rs nft add table arp lvs_rs_agent &&
in_ns rs nft add chain arp lvs_rs_agent mine ||
	fail "foreign: setup" "could not create the user's arp table"
FOREIGN=$(nft_table_json)
agent_run rs -c "$CONF" apply
assert_rc "apply with a foreign table exits 3" 3
assert_match "the error says it is not the agent's" 'did not create' "$ERR"
assert_eq "the foreign table is untouched" "$FOREIGN" "$(nft_table_json)"
assert_no_addr "no VIP after the refused apply" rs lo "$V2"
agent_run rs -c "$CONF" verify
assert_rc "verify with a foreign table exits 1" 1
agent_run rs -c "$CONF" revert
assert_eq "revert after the refused apply keeps the foreign table" "$FOREIGN" "$(nft_table_json)"
in_ns rs nft delete table arp lvs_rs_agent

# ---- fault injection: every kernel change of an nft apply
n_ok=0
for n in $(seq 1 10); do
	RC=0
	ip netns exec "$(ns_name rs)" env LVS_RS_AGENT_FAULT="$n" "$FAULT_BIN" \
		-s "$STATE" -c "$CONF" apply >"$TDIR/.out" 2>"$TDIR/.err" || RC=$?
	if [ "$RC" = 0 ]; then
		n_ok=$n
		break
	fi
	ERR=$(cat "$TDIR/.err")
	assert_rc "fault $n: exit 3" 3
	if has_table; then
		fail "fault $n: no table" "the table is left: $(nft_table_json)"
	else
		pass "fault $n: no table"
	fi
	assert_no_addr "fault $n: no VIP" rs lo "$V2"
	assert_ruleset_before "fault $n: nft ruleset as before"
done
# Changes: the nft batch and one address; the (n)th run succeeds.
assert_eq "fault: the apply makes 2 kernel changes" 3 "$n_ok"
agent_run rs -c "$CONF" revert
assert_ruleset_before "fault: revert after the last apply"

# ---- both, and a fixed rip
CONF3=$TDIR/both.conf
write_conf "$CONF3" "$V2" "rip = 192.0.2.9"
sed -i 's/^arp_suppress = nft$/arp_suppress = both/' "$CONF3"
agent_run rs -c "$CONF3" apply
assert_rc "apply (both, rip fixed) exits 0" 0
assert_nft_table "both: the table with one rule for every interface" "['$V2']" "{'*': '192.0.2.9'}"
assert_sysctl "both: arp_ignore set" rs net.ipv4.conf.all.arp_ignore 1
assert_sysctl "both: arp_announce set" rs net.ipv4.conf.all.arp_announce 2
agent_run rs -c "$CONF3" verify
assert_rc "verify (both) exits 0" 0
agent_run rs -c "$CONF3" revert
assert_rc "revert (both) exits 0" 0
assert_ruleset_before "both: nft ruleset as before after revert"
assert_snapshot "both: namespace as before after revert" rs "$BEFORE_SNAP"

lvst_done
