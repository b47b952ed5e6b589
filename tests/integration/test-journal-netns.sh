#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A journal belongs to the network namespace it was written in (issue 13,
# done-when 3). One journal path given to two namespaces: namespace A
# applies; B's apply, plan, status and revert (also --force) are refused,
# exit 3, with one line naming both namespaces and what to do, and B is left
# as it was; A's revert restores A exactly. With a journal of its own (-s),
# B applies and reverts exactly too. A journal of an older agent (no
# namespace in its header) is accepted and bound by the next write; forget
# run in B drops A's journal, says that it belongs to A, and touches
# neither namespace. A journal from another boot counts as none.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
ns_new a || { fail setup "could not create namespace a"; exit 1; }
ns_new b || { fail setup "could not create namespace b"; exit 1; }

CONF=$TDIR/agent.conf
CONF2=$TDIR/more.conf
write_web_conf "$CONF" 198.51.100.10 2001:db8:100::10
printf '\n[vip range]\nanyip = yes\naddress = 203.0.113.0/28\n' >>"$CONF"
{ cat "$CONF"; printf '\n[vip more]\naddress = 198.51.100.11\n'; } >"$CONF2"

inode()
{
	ip netns exec "$(ns_name "$1")" stat -L -c %i /proc/self/ns/net
}
INO_A=$(inode a)
INO_B=$(inode b)

snapshot a >"$TDIR/before-a" && snapshot b >"$TDIR/before-b" ||
	{ fail setup "snapshot failed"; exit 1; }

# ---- A applies with the shared journal
agent_run a -c "$CONF" apply
assert_rc "A: apply exits 0" 0
snapshot a >"$TDIR/applied-a"
head=$(head -1 "$STATE")
assert_match "the journal's header names A's namespace" \
	"\"netns_cookie\":[0-9]+,\"netns_inode\":$INO_A,\"netns_dev\":[0-9]+,\"boot_id\":\"[0-9a-f-]+\"" "$head"

# ---- B, same journal: every command that uses it is refused
for cmd in apply plan status revert "revert --force"; do
	# shellcheck disable=SC2086 # $cmd is a command and its option
	agent_run b -c "$CONF" $cmd
	assert_rc "B: $cmd refused (exit 3)" 3
	assert_match "B: $cmd names both namespaces and what to do" \
		"^lvs-rs-agent: journal $STATE belongs to network namespace net:\[$INO_A\] \(cookie [0-9]+\); this ${cmd%% *} runs in net:\[$INO_B\] \(cookie [0-9]+\):$" "$ERR"
	assert_match "B: $cmd: and what to do, on its second line" \
		"^  run it there, give each namespace its own journal \(-s\), or, if that namespace is gone, forget$" "$ERR"
	assert_eq "B: $cmd: one message of two lines on stderr" 2 "$(grep -c . <<<"$ERR")"
done
agent_run b -c "$CONF" --json apply
assert_json "B: --json apply: not changed, the error names A's namespace" "$OUT" \
	"d['changed'] is False and d['changes'] == [] and 'net:[$INO_A]' in d['error']"
assert_snapshot "B: the refused commands changed nothing in B" b "$TDIR/before-b"
assert_snapshot "B: ... nor in A" a "$TDIR/applied-a"

# ---- A reverts exactly
agent_run a revert
assert_rc "A: revert exits 0" 0
assert_snapshot "A: revert restores A's state before the apply" a "$TDIR/before-a"

# ---- one journal per namespace: both revert exactly
agent_run a -c "$CONF" apply
assert_rc "A: apply again" 0
STATE_A=$STATE
STATE=$TDIR/state-b
agent_run b -c "$CONF" apply
assert_rc "B: apply with its own journal (-s) exits 0" 0
agent_run b revert
assert_rc "B: revert exits 0" 0
assert_snapshot "B: its own journal: revert restores B" b "$TDIR/before-b"
STATE=$STATE_A
assert_snapshot "A: untouched by B's runs" a "$TDIR/applied-a"

# ---- a journal of an older agent: accepted, bound at the next write
sed -i '1s/,"netns_cookie":[0-9]*,"netns_inode":[0-9]*,"netns_dev":[0-9]*,"boot_id":"[0-9a-f-]*"//' "$STATE"
assert_no_match "setup: the header has no namespace" '"netns_' "$(head -1 "$STATE")"
agent_run a -c "$CONF" status
assert_rc "unbound journal: status in A exits 0" 0
agent_run a -c "$CONF" apply
assert_rc "unbound journal: apply with nothing to do exits 0" 0
assert_no_match "... and leaves it unbound (nothing written)" '"netns_' "$(head -1 "$STATE")"
agent_run a -c "$CONF2" apply
assert_rc "unbound journal: apply of one more VIP exits 0" 0
assert_match "... and binds the journal it writes to A" "\"netns_inode\":$INO_A," "$(head -1 "$STATE")"
agent_run b -c "$CONF2" apply
assert_rc "bound again: B's apply refused" 3
agent_run a -c "$CONF" apply
assert_rc "A: back to the first config" 0
snapshot a >"$TDIR/applied-a"

# ---- forget in B: A's journal is dropped, no namespace touched
agent_run b forget
assert_rc "B: forget of A's journal exits 0" 0
assert_match "B: forget says whose the journal was" \
	"^lvs-rs-agent: warning: journal $STATE belongs to network namespace net:\[$INO_A\] \(cookie [0-9]+\), not this one \(net:\[$INO_B\] \(cookie [0-9]+\)\):$" "$ERR"
assert_match "B: forget says that what it recorded stays" \
	"^  what it recorded is there, and stays$" "$ERR"
assert_match "B: forget lists what revert would have done (as recorded)" \
	"^\(left\) - address 198\.51\.100\.10/32 dev lo$" "$OUT"
assert_match "B: forget: the summary" "^forget: journal removed; [0-9]+ changes that revert would have made left undone \(listed above\)$" "$OUT"
if [ -e "$STATE" ]; then fail "forget removes the journal" "$STATE is still there"; else pass "forget removes the journal"; fi
assert_snapshot "forget changed nothing in A" a "$TDIR/applied-a"
assert_snapshot "forget changed nothing in B" b "$TDIR/before-b"

# ---- another boot: the journal counts as none. A reboot is imitated: the
# journal of an apply is kept, revert restores the kernel (as a reboot
# would), and the journal comes back with another boot id. After forget A
# stays applied for good (that is what forget means): a new namespace.
ip netns del "$(ns_name a)"
ns_new a || { fail setup "could not create namespace a again"; lvst_done; }
snapshot a >"$TDIR/before-a" || { fail setup "snapshot failed"; lvst_done; }
agent_run a -c "$CONF" apply
assert_rc "A (new): apply exits 0" 0
cp "$STATE" "$TDIR/journal"
agent_run a revert
assert_rc "A: revert" 0
sed '1s/"boot_id":"[0-9a-f-]*"/"boot_id":"00000000-0000-0000-0000-000000000000"/' \
	"$TDIR/journal" >"$STATE"
agent_run a --json status
assert_json "another boot: status shows no journal and says why" "$OUT" \
	"d['journal'] == [] and any('written before this boot' in w for w in d['warnings'])"
agent_run a -c "$CONF" --json plan
assert_json "another boot: plan adds everything, as on a first apply" "$OUT" \
	"len(d['changes']) == 7 and all(c['op'] in '+~' for c in d['changes'])"
agent_run a revert
assert_rc "another boot: revert exits 0" 0
assert_match "another boot: revert says the journal counts as none" \
	"journal $STATE was written before this boot \(boot id 00000000-0000-0000-0000-000000000000\):$" "$ERR"
assert_match "another boot: ... and that it counts as none" \
	"^  nothing it recorded is in this kernel any more, so it counts as none$" "$ERR"
if [ -e "$STATE" ]; then fail "another boot: revert removes the journal" "still there"; else pass "another boot: revert removes the journal"; fi
assert_snapshot "another boot: revert changed nothing in the kernel" a "$TDIR/before-a"
sed '1s/"boot_id":"[0-9a-f-]*"/"boot_id":"00000000-0000-0000-0000-000000000000"/' \
	"$TDIR/journal" >"$STATE"
agent_run a -c "$CONF" apply
assert_rc "another boot: apply exits 0" 0
assert_match "another boot: apply starts a journal of this boot" \
	"\"boot_id\":\"$(cat /proc/sys/kernel/random/boot_id)\"" "$(head -1 "$STATE")"
agent_run a revert
assert_snapshot "another boot: apply, then revert, restores A" a "$TDIR/before-a"

lvst_done
