#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The core DR cycle, read back from the kernel (issue 3, done-when 3):
# plan -> apply -> verify -> apply again (changed: false) -> edited config
# reconciles -> revert with the config deleted -> the namespace equals its
# state before the first apply -> revert again is a no-op. Then a VIP and
# sysctl values that were there before the first apply survive it all.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

V1=198.51.100.10
V2=198.51.100.11
V3=198.51.100.12
V6=2001:db8:100::1
IPV6_VIP='a["scope"] == "global" and a.get("nodad") is True and a.get("deprecated") is True and a["preferred_life_time"] == 0 and a["valid_life_time"] == 4294967295'
IPV4_VIP='a["scope"] == "global" and a["family"] == "inet"'

CONF=$TDIR/agent.conf
CONF2=$TDIR/edited.conf
cat >"$CONF" <<EOF
# two IPv4 VIPs and one IPv6 VIP
[agent]
arp_suppress = sysctl
arp_ignore = 1
arp_announce = 2

[vip web]
address = $V1 $V2
mode = dr
device = lo

[vip web6]
address = $V6
EOF
cat >"$CONF2" <<EOF
# $V2 removed, $V3 added, arp_ignore 1 -> 2
[agent]
arp_ignore = 2
arp_announce = 2

[vip web]
address = $V1
	$V3

[vip web6]
address = $V6
EOF

# change_in JSON OP KIND TARGET: python expression testing d["changes"]
has_change()
{
	echo "(\"$1\", \"$2\", \"$3\") in [(c[\"op\"], c[\"kind\"], c[\"target\"]) for c in d[\"changes\"]]"
}

count_lo_addrs()
{
	addr_json rs lo | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)[0]["addr_info"]))'
}

snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# ---- plan: prints the changes, changes nothing
agent_run rs -c "$CONF" plan
assert_rc "plan exits 0" 0
assert_match "plan lists + address $V1/32 dev lo" "^\+ address $V1/32 dev lo\$" "$OUT"
assert_match "plan lists + address $V2/32 dev lo" "^\+ address $V2/32 dev lo\$" "$OUT"
assert_match "plan lists + address $V6/128 dev lo" "^\+ address $V6/128 dev lo\$" "$OUT"
for k in all.arp_ignore lo.arp_ignore; do
	assert_match "plan lists ~ sysctl $k 0 -> 1" "^~ sysctl net\.ipv4\.conf\.${k//./\\.} 0 -> 1\$" "$OUT"
done
for k in all.arp_announce lo.arp_announce; do
	assert_match "plan lists ~ sysctl $k 0 -> 2" "^~ sysctl net\.ipv4\.conf\.${k//./\\.} 0 -> 2\$" "$OUT"
done
assert_match "plan summary counts 7 changes" '^plan: 7 changes$' "$OUT"
agent_run rs -c "$CONF" --json plan
assert_rc "plan --json exits 0" 0
assert_json "plan --json lists 7 changes" "$OUT" 'd["command"] == "plan" and len(d["changes"]) == 7'
assert_snapshot "plan changed nothing in the kernel" rs "$TDIR/before"

# ---- apply
agent_run rs -c "$CONF" --json apply
assert_rc "apply exits 0" 0
assert_json "apply --json: changed true, ok true, no error" "$OUT" \
	'd["command"] == "apply" and d["changed"] is True and d["ok"] is True and d["error"] is None'
assert_json "apply --json: 7 changes" "$OUT" 'len(d["changes"]) == 7'
assert_json "apply --json: + address $V1/32 dev lo" "$OUT" "$(has_change + address "$V1/32 dev lo")"
assert_json "apply --json: + address $V6/128 dev lo" "$OUT" "$(has_change + address "$V6/128 dev lo")"
assert_json "apply --json: ~ sysctl all.arp_ignore 0 -> 1" "$OUT" \
	'any(c["op"] == "~" and c["target"] == "net.ipv4.conf.all.arp_ignore" and c["from"] == "0" and c["to"] == "1" for c in d["changes"])'
assert_json "apply --json: every sysctl change before the first address" "$OUT" \
	'max(i for i, c in enumerate(d["changes"]) if c["kind"] == "sysctl") < min(i for i, c in enumerate(d["changes"]) if c["kind"] == "address")'

assert_addr "kernel: $V1/32 on lo, scope global" rs lo "$V1" 32 "$IPV4_VIP"
assert_addr "kernel: $V2/32 on lo, scope global" rs lo "$V2" 32 "$IPV4_VIP"
assert_addr "kernel: $V6/128 on lo, global, nodad, deprecated, preferred_lft 0" \
	rs lo "$V6" 128 "$IPV6_VIP"
assert_eq "kernel: lo holds exactly 127.0.0.1, ::1 and the 3 VIPs" 5 "$(count_lo_addrs)"
assert_no_addr "kernel: no VIP on eth0" rs eth0 "$V1"
for c in all lo; do
	assert_sysctl "kernel: $c.arp_ignore = 1" rs "net/ipv4/conf/$c/arp_ignore" 1
	assert_sysctl "kernel: $c.arp_announce = 2" rs "net/ipv4/conf/$c/arp_announce" 2
done
assert_sysctl "kernel: eth0.arp_ignore untouched (0)" rs net/ipv4/conf/eth0/arp_ignore 0
assert_sysctl "kernel: default.arp_ignore untouched (0)" rs net/ipv4/conf/default/arp_ignore 0
snapshot rs >"$TDIR/applied"

# ---- verify
agent_run rs -c "$CONF" verify
assert_rc "verify after apply exits 0" 0
assert_match "verify: ok line for $V1/32" "^ok +address $V1/32 dev lo" "$OUT"
assert_match "verify: ok line for $V6/128" "^ok +address $V6/128 dev lo" "$OUT"
assert_match "verify: ok line for effective arp_ignore of eth0" '^ok +arp_ignore eth0' "$OUT"
assert_no_match "verify: no FAIL line" '^FAIL' "$OUT"
assert_match "verify: summary with 0 failed" '^verify: [0-9]+ checks, 0 failed$' "$OUT"
agent_run rs -c "$CONF" --json verify
assert_rc "verify --json exits 0" 0
assert_json "verify --json: ok, every check ok" "$OUT" \
	'd["ok"] is True and len(d["checks"]) >= 3 and all(c["ok"] for c in d["checks"])'
assert_json "verify --json: checks the effective values of eth0 and lo" "$OUT" \
	'{"arp_ignore eth0", "arp_announce eth0", "arp_ignore lo"} <= {c["subject"] for c in d["checks"]}'

# ---- apply again: nothing to do
agent_run rs -c "$CONF" --json apply
assert_rc "second apply exits 0" 0
assert_json "second apply --json: changed false, no changes" "$OUT" \
	'd["changed"] is False and d["changes"] == [] and d["ok"] is True'
agent_run rs -c "$CONF" apply
assert_rc "third apply (text) exits 0" 0
assert_match "third apply says nothing to change" '^apply: nothing to change$' "$OUT"
agent_run rs -c "$CONF" plan
assert_match "plan after apply says nothing to change" '^plan: nothing to change$' "$OUT"
assert_snapshot "repeated applies changed nothing" rs "$TDIR/applied"

# ---- edited config reconciles
agent_run rs -c "$CONF2" --json apply
assert_rc "apply of the edited config exits 0" 0
assert_json "edited apply --json: changed true" "$OUT" 'd["changed"] is True and d["ok"] is True'
assert_json "edited apply --json: - address $V2/32 dev lo" "$OUT" "$(has_change - address "$V2/32 dev lo")"
assert_json "edited apply --json: + address $V3/32 dev lo" "$OUT" "$(has_change + address "$V3/32 dev lo")"
assert_json "edited apply --json: ~ sysctl all.arp_ignore 1 -> 2" "$OUT" \
	'any(c["op"] == "~" and c["target"] == "net.ipv4.conf.all.arp_ignore" and c["from"] == "1" and c["to"] == "2" for c in d["changes"])'
assert_json "edited apply --json: 4 changes (2 sysctls, 1 added, 1 removed)" "$OUT" 'len(d["changes"]) == 4'
assert_no_addr "kernel: removed VIP $V2 is gone" rs lo "$V2"
assert_addr "kernel: new VIP $V3/32 on lo" rs lo "$V3" 32 "$IPV4_VIP"
assert_addr "kernel: kept VIP $V1/32 still on lo" rs lo "$V1" 32 "$IPV4_VIP"
assert_addr "kernel: kept VIP $V6/128 still deprecated nodad" rs lo "$V6" 128 "$IPV6_VIP"
for c in all lo; do
	assert_sysctl "kernel: $c.arp_ignore = 2 after edit" rs "net/ipv4/conf/$c/arp_ignore" 2
	assert_sysctl "kernel: $c.arp_announce still 2" rs "net/ipv4/conf/$c/arp_announce" 2
done
agent_run rs -c "$CONF2" verify
assert_rc "verify of the edited config exits 0" 0

# ---- revert needs only the journal
rm -f "$CONF" "$CONF2"
agent_run rs -c "$CONF2" revert
assert_rc "revert with the config deleted exits 0" 0
assert_match "revert lists - address $V1/32 dev lo" "^- address $V1/32 dev lo\$" "$OUT"
assert_match "revert lists - address $V6/128 dev lo" "^- address $V6/128 dev lo\$" "$OUT"
assert_match "revert restores the first prior: all.arp_ignore 2 -> 0" \
	'^~ sysctl net\.ipv4\.conf\.all\.arp_ignore 2 -> 0$' "$OUT"
assert_match "revert summary counts 7 changes" '^revert: 7 changes$' "$OUT"
if printf '%s\n' "$OUT" | "$PYTHON" -c '
import sys
lines = [l.split()[1] for l in sys.stdin if l[:2] in ("+ ", "- ", "~ ")]
sys.exit(0 if lines and max(i for i, k in enumerate(lines) if k == "address") <
         min(i for i, k in enumerate(lines) if k == "sysctl") else 1)'; then
	pass "revert removes the VIPs before it restores the sysctls"
else
	fail "revert removes the VIPs before it restores the sysctls" "order: $OUT"
fi
assert_snapshot "after revert: addr, link, routes and sysctls equal the state before apply" \
	rs "$TDIR/before"
for c in all lo; do
	assert_sysctl "kernel: $c.arp_ignore back to 0" rs "net/ipv4/conf/$c/arp_ignore" 0
	assert_sysctl "kernel: $c.arp_announce back to 0" rs "net/ipv4/conf/$c/arp_announce" 0
done

agent_run rs -c "$CONF2" --json revert
assert_rc "revert after revert exits 0" 0
assert_json "revert after revert: changed false" "$OUT" 'd["changed"] is False and d["changes"] == []'
agent_run rs -c "$CONF2" revert
assert_match "revert after revert says nothing to change" '^revert: nothing to change$' "$OUT"
assert_snapshot "revert after revert changed nothing" rs "$TDIR/before"

# ---- what was there before the first apply stays
STATE=$TDIR/state2
ip -n "$(ns_name rs)" addr add "$V1/32" dev lo
sysctl_set rs net/ipv4/conf/lo/arp_ignore 1
sysctl_set rs net/ipv4/conf/all/arp_announce 1
snapshot rs >"$TDIR/before2"
cat >"$CONF" <<EOF
[vip web]
address = $V1 $V2 $V6
EOF
cat >"$CONF2" <<EOF
; $V1 no longer configured: still not the agent's to remove
[vip web]
address = $V2 $V6
EOF

agent_run rs -c "$CONF" --json apply
assert_rc "pre-existing: apply exits 0" 0
assert_json "pre-existing: apply does not add $V1 again" "$OUT" \
	"not any(c[\"target\"].startswith(\"$V1/\") for c in d[\"changes\"])"
assert_json "pre-existing: lo.arp_ignore already 1 is no change" "$OUT" \
	'not any(c["target"] == "net.ipv4.conf.lo.arp_ignore" for c in d["changes"])'
assert_json "pre-existing: ~ sysctl all.arp_announce 1 -> 2" "$OUT" \
	'any(c["target"] == "net.ipv4.conf.all.arp_announce" and c["from"] == "1" and c["to"] == "2" for c in d["changes"])'
agent_run rs -c "$CONF" verify
assert_rc "pre-existing: verify exits 0" 0
agent_run rs -c "$CONF2" apply
assert_rc "pre-existing: apply without $V1 in the config exits 0" 0
assert_addr "pre-existing: $V1 not removed when dropped from the config" rs lo "$V1" 32
agent_run rs -c "$CONF2" revert
assert_rc "pre-existing: revert exits 0" 0
assert_addr "pre-existing: $V1/32 survives revert" rs lo "$V1" 32 "$IPV4_VIP"
assert_no_addr "pre-existing: agent's $V2 removed by revert" rs lo "$V2"
assert_sysctl "pre-existing: all.arp_announce back to its prior 1" rs net/ipv4/conf/all/arp_announce 1
assert_sysctl "pre-existing: lo.arp_ignore still its prior 1" rs net/ipv4/conf/lo/arp_ignore 1
assert_snapshot "pre-existing: state equals the one before the first apply" rs "$TDIR/before2"

lvst_done
