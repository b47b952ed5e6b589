#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# verify explains (issue 3, done-when 5): drift made by hand after an apply
# makes verify exit 1 with a line that names what is wrong (the interface
# whose *effective* value is too low, the VIP that is missing), the value
# expected, the value found and why it breaks LVS; --json carries the same
# checks as objects.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

V1=198.51.100.10
V2=198.51.100.11
V6=2001:db8:100::1
CONF=$TDIR/agent.conf
write_web_conf "$CONF" "$V1" "$V2" "$V6"

RS=$(ns_name rs)

# text_json_agree NAME: the checks of `verify` (text) and `verify --json`
# have the same subjects, and a FAIL line for exactly the failed objects.
text_json_agree()
{
	local text json

	agent_run rs -c "$CONF" verify
	text=$OUT
	agent_run rs -c "$CONF" --json verify
	json=$OUT
	if printf '%s\n' "$text" | "$PYTHON" -c '
import json, re, sys
d = json.loads(sys.argv[1])
lines = [l.rstrip("\n") for l in sys.stdin if re.match(r"^(ok|FAIL|WARN)\s", l)]
if len(lines) != len(d["checks"]):
    print("%d text lines, %d JSON checks" % (len(lines), len(d["checks"])))
    sys.exit(1)
for l, c in zip(lines, d["checks"]):
    tag = l.split()[0]
    if (tag == "FAIL") == c["ok"] or c["subject"] not in l:
        print("text %r vs JSON %r" % (l, c))
        sys.exit(1)
' "$json" >"$TDIR/.agree"; then
		pass "$1"
	else
		fail "$1" "$(cat "$TDIR/.agree")"
	fi
}

agent_run rs -c "$CONF" apply
assert_rc "apply exits 0" 0 || { lvst_done; }
agent_run rs -c "$CONF" verify
assert_rc "verify right after apply exits 0" 0

# ---- conf/all/arp_ignore back to 0: eth0's effective value is 0
sysctl_set rs net/ipv4/conf/all/arp_ignore 0
agent_run rs -c "$CONF" verify
assert_rc "all.arp_ignore=0: verify exits 1" 1
assert_match "all.arp_ignore=0: FAIL line names eth0 (effective), expected 1, found 0, and why" \
	'^FAIL arp_ignore eth0: expected [^,]*1[^,]*, found 0[^:]*: .*[a-z].*' "$OUT"
assert_match "all.arp_ignore=0: the why mentions ARP" \
	'^FAIL arp_ignore eth0:.*: .*ARP' "$OUT"
assert_match "all.arp_ignore=0: FAIL line for the sysctl the config sets" \
	'^FAIL sysctl net\.ipv4\.conf\.all\.arp_ignore: expected 1, found 0' "$OUT"
assert_match "all.arp_ignore=0: lo still ok (lo.arp_ignore=1)" '^ok +arp_ignore lo' "$OUT"
assert_match "all.arp_ignore=0: summary counts the failures" '^verify: [0-9]+ checks, [1-9][0-9]* failed$' "$OUT"
agent_run rs -c "$CONF" --json verify
assert_rc "all.arp_ignore=0: verify --json exits 1" 1
assert_json "all.arp_ignore=0: --json ok false" "$OUT" 'd["ok"] is False'
assert_json "all.arp_ignore=0: --json check object for eth0 (ok, subject, expected, found, why)" "$OUT" \
	'[c for c in d["checks"] if c["subject"] == "arp_ignore eth0" and c["ok"] is False and "1" in c["expected"] and c["found"].startswith("0") and len(c["why"]) > 10]'
assert_json "all.arp_ignore=0: --json the address checks still ok" "$OUT" \
	'all(c["ok"] for c in d["checks"] if c["subject"].startswith("address "))'
text_json_agree "all.arp_ignore=0: text and --json carry the same checks"
sysctl_set rs net/ipv4/conf/all/arp_ignore 1

# ---- the maximum decides: eth0's own 0 is harmless while all = 1
sysctl_set rs net/ipv4/conf/eth0/arp_ignore 0
sysctl_set rs net/ipv4/conf/eth0/arp_announce 0
agent_run rs -c "$CONF" verify
assert_rc "eth0=0 under all=1: verify exits 0 (effective is the max)" 0

# ---- conf/all/arp_announce lowered
sysctl_set rs net/ipv4/conf/all/arp_announce 1
agent_run rs -c "$CONF" verify
assert_rc "all.arp_announce=1: verify exits 1" 1
assert_match "all.arp_announce=1: FAIL line names eth0 (effective), expected 2, found 1, and why" \
	'^FAIL arp_announce eth0: expected [^,]*2[^,]*, found 1[^:]*: .*[a-z].*' "$OUT"
sysctl_set rs net/ipv4/conf/all/arp_announce 2

# ---- a VIP deleted by hand
ip -n "$RS" addr del "$V2/32" dev lo
agent_run rs -c "$CONF" verify
assert_rc "$V2 deleted: verify exits 1" 1
assert_match "$V2 deleted: FAIL line names it" "^FAIL address $V2/32 dev lo: expected present, found absent" "$OUT"
assert_match "$V2 deleted: other VIPs still ok" "^ok +address $V1/32 dev lo" "$OUT"
assert_no_match "$V2 deleted: no other FAIL line" "^FAIL (arp_|sysctl|address $V1|address $V6)" "$OUT"
agent_run rs -c "$CONF" --json verify
assert_json "$V2 deleted: --json check object" "$OUT" \
	"d['ok'] is False and [c for c in d['checks'] if c['subject'] == 'address $V2/32 dev lo' and c['ok'] is False and c['expected'] == 'present' and c['found'] == 'absent' and c['why']]"
text_json_agree "$V2 deleted: text and --json carry the same checks"
ip -n "$RS" addr add "$V2/32" dev lo

# ---- the IPv6 VIP no longer deprecated: it could become a source address
ip -n "$RS" addr change "$V6/128" dev lo preferred_lft forever
agent_run rs -c "$CONF" verify
assert_rc "$V6 preferred again: verify exits 1" 1
assert_match "$V6 preferred again: FAIL line names it" "^FAIL address $V6/128 dev lo:" "$OUT"

# ---- put back by apply: verify clean again
agent_run rs -c "$CONF" apply
assert_rc "apply repairs the drift" 0
agent_run rs -c "$CONF" verify
assert_rc "verify after the repair exits 0" 0
assert_addr "kernel: $V6 deprecated again after the repair" rs lo "$V6" 128 \
	'a.get("deprecated") is True and a["preferred_life_time"] == 0'

agent_run rs -c "$CONF" revert
assert_rc "revert exits 0" 0
lvst_done
