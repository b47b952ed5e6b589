#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# watch's repair of a notified object, and --budget. In a namespace with
# arp_suppress = nft, a VIP on lo and an anyip prefix:
#
#  - a VIP deleted, an anyip route deleted, the nft table deleted: each is
#    back, and the journal file is the same file (same inode, same bytes):
#    a repair writes no journal when its content would not change;
#    negative control: SIGHUP with an edited config (a new VIP) writes it
#    (another inode);
#  - a full reconcile's repair (lo down and up, which asks for one) writes
#    no journal either: the same inode afterwards;
#  - --budget 0: a VIP deleted 8 times is repaired 8 times, never
#    contested; --budget 2: contested after its 2nd repair, said with the
#    budget;
#  - --keep-on-config-error: a broken config at SIGTERM keeps the server
#    prepared (exit 0, FILE:LINE, said) and so does a start with it (exit
#    0); without the option such a start is exit 2; a fixed config's
#    SIGTERM reverts; with nothing applied (boot) a broken config is exit 2;
#  - one log line for the nft table's repair, however many of its parts;
#  - --budget out of range or not a number: exit 2; with another command
#    than watch: exit 2.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft "$PYTHON"
lvst_require_agent
# The table's repair (flush ruleset, nft delete table) is the path of kernels
# before 6.9, which keep no owned table past its owner: on a newer one the
# watch owns the table and neither can touch it (test-watch-owner). The test
# build asks the kernel for a flag no kernel has, as 6.1 is asked PERSIST.
[ -x "$FAULT_BIN" ] || { fail setup "no $FAULT_BIN (make build-tests)"; lvst_done; exit 1; }
AGENT_BIN=$FAULT_BIN
export LVS_RS_AGENT_NO_PERSIST=1

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
WLOG=$TDIR/watch.err
VIP=192.0.2.100
ROUTE="local 203.0.113.0/29 dev lo table local"

write_conf()
{
	printf '[agent]\narp_suppress = nft\n\n[vip web]\naddress = %s\n\n' "$*" >"$CONF"
	printf '[vip any]\nanyip = yes\naddress = 203.0.113.0/29\n' >>"$CONF"
}

has_route() { [ -n "$(ip -n "$NS" route show table local type local 203.0.113.0/29 dev lo)" ]; }
has_table() { ip netns exec "$NS" nft list table arp lvs_rs_agent >/dev/null 2>&1; }
logged() { grep -Eq -- "$1" "$WLOG"; }
# watch_start waits for a "watch: keeping" line in $WLOG: never the one of the
# watch before (the new one's redirection truncates it only once it runs).
start() { rm -f "$WLOG"; watch_start "$@"; }
n_logged() { grep -Ec -- "$1" "$WLOG"; }
journal_id() { stat -c %i "$STATE"; }

write_conf "$VIP"
start rs "$CONF" || { fail start "the watch did not start: $(cat "$WLOG")"; exit 1; }
ino=$(journal_id)
cp "$STATE" "$TDIR/journal.before"

# ---- each notified object back, the journal not written
ip -n "$NS" addr del "$VIP/32" dev lo
wait_until 5 has_addr rs lo "$VIP" 32 && wait_until 5 logged "^address $VIP/32 dev lo removed" &&
	pass "VIP deleted: back" || fail "VIP deleted: back" "$(tail -3 "$WLOG")"
ip -n "$NS" route del $ROUTE
wait_until 5 has_route && wait_until 5 logged "^route $ROUTE removed" &&
	pass "anyip route deleted: back" || fail "anyip route deleted: back" "$(tail -3 "$WLOG")"
ip netns exec "$NS" nft delete table arp lvs_rs_agent
wait_until 5 has_table && wait_until 5 logged "^nft arp lvs_rs_agent removed" &&
	pass "nft table deleted: back" || fail "nft table deleted: back" "$(tail -3 "$WLOG")"
sleep 0.2
assert_eq "nft table deleted: one line for the table (its set, chains, rules in it)" 1 \
	"$(n_logged "^nft ")"
agent_run rs -c "$CONF" verify
assert_rc "verify after the repairs: exit 0" 0
assert_eq "repairs: the journal not written (same inode)" "$ino" "$(journal_id)"
cmp -s "$STATE" "$TDIR/journal.before" && pass "repairs: the journal's bytes unchanged" ||
	fail "repairs: the journal's bytes unchanged" "$(diff "$TDIR/journal.before" "$STATE" | head -3)"

# ---- a full reconcile's repair: lo down and up
ip -n "$NS" link set lo down && ip -n "$NS" link set lo up
wait_until 5 has_addr rs lo "$VIP" 32 && wait_until 5 has_route && wait_until 5 has_table &&
	pass "lo down and up: all back" || fail "lo down and up: all back" "$(tail -3 "$WLOG")"
assert_eq "lo down and up: the journal not written (same inode)" "$ino" "$(journal_id)"

# ---- negative control: a reload that changes the config writes it
write_conf "$VIP 192.0.2.101"
kill -HUP "$WATCH_PID"
wait_until 5 has_addr rs lo 192.0.2.101 32 && pass "reload: new VIP applied" ||
	fail "reload: new VIP applied" "$(tail -3 "$WLOG")"
[ "$(journal_id)" != "$ino" ] && pass "reload: the journal written (another inode)" ||
	fail "reload: the journal written (another inode)" "inode $ino still"
grep -q '"192.0.2.101/32 dev lo"' "$STATE" && pass "reload: the journal holds the new VIP" ||
	fail "reload: the journal holds the new VIP" "$(cat "$STATE")"
watch_stop TERM
assert_eq "SIGTERM: exit 0" 0 "$WATCH_RC"

# ---- --budget 0: never contested
repeat_del()
{
	local i

	for ((i = 1; i <= $1; i++)); do
		ip -n "$NS" addr del "$VIP/32" dev lo
		wait_until 5 has_addr rs lo "$VIP" 32 || return 1
	done
}
write_conf "$VIP"
start rs "$CONF" --budget 0 || { fail "--budget 0: start" "$(cat "$WLOG")"; exit 1; }
repeat_del 8 && pass "--budget 0: repaired 8 times in a row" ||
	fail "--budget 0: repaired 8 times in a row" "$(tail -3 "$WLOG")"
assert_eq "--budget 0: 8 repair lines" 8 "$(n_logged "^address $VIP/32 dev lo removed by")"
assert_eq "--budget 0: never contested" 0 "$(n_logged "is contested")"
watch_stop TERM

start rs "$CONF" --budget 2 || { fail "--budget 2: start" "$(cat "$WLOG")"; exit 1; }
repeat_del 2
ip -n "$NS" addr del "$VIP/32" dev lo
wait_until 5 logged "is contested: repaired 2 times within 60 s" &&
	pass "--budget 2: contested after 2 repairs, said" ||
	fail "--budget 2: contested after 2 repairs, said" "$(tail -3 "$WLOG")"
sleep 0.3
has_addr rs lo "$VIP" 32 && fail "--budget 2: the 3rd undoing left alone" "$VIP is back" ||
	pass "--budget 2: the 3rd undoing left alone"
watch_stop TERM

# ---- --keep-on-config-error: a broken config at the stop and the start
start rs "$CONF" --keep-on-config-error || { fail "keep: start" "$(cat "$WLOG")"; exit 1; }
echo bogus >>"$CONF"
watch_stop TERM
assert_eq "keep: SIGTERM with a broken config: exit 0" 0 "$WATCH_RC"
assert_match "keep: FILE:LINE said" "^$CONF:[0-9]+: " "$(cat "$WLOG")"
assert_match "keep: kept, said" "kept the [0-9]+ changes of the last apply" "$(cat "$WLOG")"
has_addr rs lo "$VIP" 32 && pass "keep: the VIP stays" || fail "keep: the VIP stays" "$VIP gone"
[ -s "$STATE" ] && pass "keep: the journal stays" || fail "keep: the journal stays" "no journal"
agent_run rs -c "$CONF" --keep-on-config-error watch
assert_rc "keep: start with the broken config: exit 0" 0
assert_match "keep: start: kept, said" "restart lvs-rs-agent-watch" "$(cat "$TDIR/.err")"
has_addr rs lo "$VIP" 32 && pass "keep: start: the VIP stays" || fail "keep: start: the VIP stays" "$VIP gone"
agent_run rs -c "$CONF" watch
assert_rc "negative control: without the option, a broken config: exit 2" 2
write_conf "$VIP"
start rs "$CONF" --keep-on-config-error || fail "keep: fixed config: start" "$(cat "$WLOG")"
watch_stop TERM
has_addr rs lo "$VIP" 32 && fail "keep: fixed config: SIGTERM reverts" "$VIP still there" ||
	pass "keep: fixed config: SIGTERM reverts"
printf 'bogus\n' >"$CONF"
agent_run rs -c "$CONF" --keep-on-config-error watch
assert_rc "keep: nothing applied (boot) and a broken config: exit 2" 2

# ---- usage
for v in 1001 -1 x 2.5 ''; do
	agent_run rs -c "$CONF" --budget "$v" watch
	assert_rc "--budget '$v': exit 2" 2
done
agent_run rs -c "$CONF" --budget 3 apply
assert_rc "--budget with apply: exit 2" 2
assert_match "--budget with apply: says it is watch's" "budget.*watch" "$(cat "$TDIR/.err")"

lvst_done
