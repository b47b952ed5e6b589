#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A lost journal (issue 13, done-when 3). The agent's own objects carry its
# mark: the nf_tables table its comment (with the set's elements and the
# output rules in it), the anyip routes protocol 76. With the journal
# deleted while they are live:
#  - status says the journal is missing and fails a check for each of them;
#  - revert names them and stops (exit 3, nothing changed): plain revert
#    undoes only what a journal records; revert --force removes them;
#  - plan and apply say so and never take them for pre-existing: their
#    prior is "absent", so after apply + revert the namespace equals the
#    one before the first apply.
# A local route of another protocol that was there before (proto static)
# is pre-existing, stays through all of it, and is never taken for the
# agent's (the negative control of the mark).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
RS=$(ns_name rs)

CONF=$TDIR/agent.conf
cat >"$CONF" <<EOF
[agent]
arp_suppress = nft

[vip range]
anyip = yes
address = 198.51.100.0/24 203.0.113.7 2001:db8:5::/64

[vip theirs]
anyip = yes
address = 203.0.113.128/25
EOF
# Not the agent's: there before, another protocol.
ip -n "$RS" route add local 203.0.113.128/25 dev lo table local proto static ||
	{ fail setup "could not add the static local route"; exit 1; }
snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# The agent's objects: the table, its 3 elements (the IPv4 prefixes and
# the VIP, the static route's prefix too: the table is the agent's whole)
# and the output rule of eth0, and 3 routes of protocol 76.
MARKED=8
count_unrecorded()
{
	json_eval "$1" "len([c for c in d['checks'] if c['found'] == 'unrecorded' and not c['ok']])"
}

agent_run rs -c "$CONF" apply
assert_rc "apply exits 0" 0
snapshot rs >"$TDIR/applied"
assert_match "setup: the agent's routes are protocol 76" '^local 198\.51\.100\.0/24 dev lo' \
	"$(ip -n "$RS" route show table local proto 76)"
agent_run rs -c "$CONF" --json status
assert_eq "status with the journal: no unrecorded object" 0 "$(count_unrecorded "$OUT")"

# ---- the journal is lost
rm -f "$STATE"
agent_run rs -c "$CONF" status
assert_rc "lost: status exits 1" 1
assert_match "lost: status says the journal is missing" \
	"^journal: missing, yet the agent's own objects are live \(FAIL lines below\): it was lost$" "$OUT"
assert_match "lost: status: the table" \
	"^FAIL nft arp lvs_rs_agent: expected recorded, found unrecorded \(interval\): it carries the agent's mark, but there is no journal \(lost\): revert leaves it; revert --force removes it$" "$OUT"
assert_match "lost: status: an anyip route" \
	"^FAIL route local 2001:db8:5::/64 dev lo table local: expected recorded, found unrecorded \(present\)" "$OUT"
assert_match "lost: status: the output rule" "^FAIL nft arp lvs_rs_agent output eth0: expected recorded, found unrecorded \(192\.0\.2\.2\)" "$OUT"
assert_no_match "lost: status: the static route is not the agent's" "^FAIL route local 203\.0\.113\.128" "$OUT"
agent_run rs -c "$CONF" --json status
assert_eq "lost: status --json: one failed check per marked object" "$MARKED" "$(count_unrecorded "$OUT")"

agent_run rs revert
assert_rc "lost: revert without --force exits 3" 3
assert_match "lost: revert names what is live and the way out" \
	"^lvs-rs-agent: revert: no journal $STATE, yet $MARKED of the agent's own objects are live \(.*nft arp lvs_rs_agent.* and [0-9]+ more\): the journal that recorded them is gone; revert --force removes them \(sysctls and addresses carry no mark" "$ERR"
assert_snapshot "lost: revert without --force changed nothing" rs "$TDIR/applied"

agent_run rs -c "$CONF" --json plan
assert_rc "lost: plan exits 0" 0
assert_json "lost: plan warns that they count as the agent's" "$OUT" \
	"any('no journal records $MARKED of the agent' in w and 'not as pre-existing, so revert removes them' in w for w in d['warnings'])"

agent_run rs -c "$CONF" apply
assert_rc "lost: apply exits 0" 0
assert_match "lost: apply says it on stderr" "^lvs-rs-agent: warning: apply: no journal records $MARKED of the agent's own objects that are live" "$ERR"
PRIORS='
import json, sys
# lo up is a step of every DR config, and carries no mark: it is not one
steps = [s for s in (json.loads(l) for l in open(sys.argv[1]).read().splitlines()[1:])
         if s["kind"] != "link"]
bad = [s["target"] for s in steps if (s["prior"] != "absent") != s["target"].startswith("local 203.0.113.128/25")]
print(", ".join(bad))
sys.exit(1 if bad or len(steps) != 9 else 0)
'
if bad=$("$PYTHON" -c "$PRIORS" "$STATE"); then
	pass "lost: the new journal records the marked objects as absent before, the static route as there"
else
	fail "lost: the new journal records the marked objects as absent before, the static route as there" "wrong priors: $bad"
fi
agent_run rs -c "$CONF" status
assert_rc "lost: status after that apply exits 0" 0
agent_run rs revert
assert_rc "lost: revert exits 0" 0
assert_snapshot "lost: apply + revert: the namespace as before the first apply" rs "$TDIR/before"

# ---- revert --force without a journal
agent_run rs -c "$CONF" apply
assert_rc "apply" 0
rm -f "$STATE"
agent_run rs --json revert --force
assert_rc "lost: revert --force exits 0" 0
assert_json "lost: revert --force removes each marked object, says so" "$OUT" \
	"len(d['changes']) == $MARKED and all(c['op'] == '-' and c['state'] == 'done' for c in d['changes']) and any('removing $MARKED of the agent' in w and 'sysctls and addresses carry no mark' in w for w in d['warnings'])"
assert_snapshot "lost: revert --force: the namespace as before" rs "$TDIR/before"
agent_run rs revert
assert_rc "then revert: exit 0" 0
assert_match "then revert: nothing to change" '^revert: nothing to change$' "$OUT"

# ---- a marked object that the journal lacks (the journal of a smaller
# config): apply tells it and leaves it; revert --force removes it
agent_run rs -c "$CONF" apply
assert_rc "apply" 0
rm -f "$STATE"
cat >"$TDIR/small.conf" <<EOF
[agent]
arp_suppress = nft

[vip range]
anyip = yes
address = 198.51.100.0/24
EOF
agent_run rs -c "$TDIR/small.conf" apply
assert_rc "lost: apply of a smaller config exits 0" 0
assert_match "lost: apply tells the marked objects it leaves" \
	"^lvs-rs-agent: warning: apply: 4 of the agent's own objects are live but in neither the journal nor the config \(route local 203\.0\.113\.7/32 dev lo table local, route local 2001:db8:5::/64 dev lo table local, nft arp lvs_rs_agent vip 203\.0\.113\.7, nft arp lvs_rs_agent vip 203\.0\.113\.128/25\): left as they are; revert --force removes them$" "$ERR"
agent_run rs revert --force
assert_rc "revert --force exits 0" 0
assert_snapshot "revert --force: the namespace as before" rs "$TDIR/before"

lvst_done
