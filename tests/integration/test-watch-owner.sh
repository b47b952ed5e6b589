#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The watch owns the table arp lvs_rs_agent where the kernel keeps an owned
# table past its owner (NFT_TABLE_F_PERSIST, Linux 6.9), and what the kernel
# does with such tables (nft-owner-probe, in a namespace of its own):
#  - the kernel's facts: an owned table is skipped by another process's
#    flush ruleset and refused to its delete (EPERM); without PERSIST it
#    dies with its owner's socket; with it, it stays as an orphan that
#    flush ruleset deletes and a new process adopts by an update; a table
#    made unowned is never made owned by an update (EOPNOTSUPP);
#  - watch: flush ruleset leaves the table (no repair logged), nft delete
#    table is refused; SIGKILL leaves it (persistent, no owner); the next
#    watch takes it over; a oneshot apply's table is taken over, whole; a
#    oneshot verify and revert work on the orphan; SIGTERM reverts (gone);
#    the journal's prior of the table stays "absent";
#  - negative control: the path of kernels before 6.9 (the test build asks
#    the kernel for a flag no kernel has, which it refuses as 6.1 refuses
#    PERSIST): the table is unowned, flush ruleset deletes it and the watch
#    repairs it.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft
lvst_require_agent
PROBE=$LVST_ROOT/$BUILD/nft-owner-probe
case $BUILD in /*) PROBE=$BUILD/nft-owner-probe ;; esac
[ -x "$PROBE" ] || { fail setup "no $PROBE (make build-tests)"; lvst_done; exit 1; }
[ -x "$FAULT_BIN" ] || { fail setup "no $FAULT_BIN (make build-tests)"; lvst_done; exit 1; }

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
ns_new probe || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
WLOG=$TDIR/watch.err
printf '[agent]\narp_suppress = nft\n\n[vip web]\naddress = 192.0.2.100\n' >"$CONF"

# ---- the kernel's facts
facts=$(ip netns exec "$(ns_name probe)" "$PROBE") || fail "probe: ran" "$facts"
fact() { assert_eq "kernel: $1 = $2" "$2" "$(sed -n "s/^$1 = //p" <<<"$facts")"; }
fact owned.other_delete EPERM
fact owned.other_flush ok
fact owned.after_other_flush owner
fact owned.after_owner_closed absent
fact owned.owner_delete ok
fact plain.update_owner EOPNOTSUPP
fact plain.update_owner_persist EOPNOTSUPP
fact unknown_flag.make EOPNOTSUPP
fact unknown_flag.table absent
fact persist.probe_left absent
if [ "$(sed -n 's/^persist = //p' <<<"$facts")" != yes ]; then
	fact persist.probe EOPNOTSUPP
	skip "watch owns the table" "this kernel ($(uname -r)) has no NFT_TABLE_F_PERSIST"
	lvst_done
	exit 0
fi
fact persist.flags 'owner|persist'
fact persist.owner_drop_persist EOPNOTSUPP
fact persist.after_other_flush 'owner|persist'
fact persist.other_delete EPERM
fact persist.other_adopt_while_owned EPERM
fact orphan.after_owner_closed persist
fact orphan.adopt ok
fact orphan.adopter_owns yes
fact adopted.after_other_flush 'owner|persist'
fact adopted.after_owner_closed persist
fact orphan.after_other_flush absent
fact orphan.after_other_delete absent
fact persist_only.flags persist
fact persist_only.after_adopt 'owner|persist'
fact owned.replace_owner_kept yes
fact plain.replaced_owner yes

# ---- the watch
flags() { ip netns exec "$NS" "$PROBE" flags lvs_rs_agent; }
has_vip_elem() { ip netns exec "$NS" nft list set arp lvs_rs_agent vips 2>/dev/null | grep 192.0.2.100 >/dev/null; }
start() { rm -f "$WLOG"; watch_start "$@"; }
logged() { grep -Eq -- "$1" "$WLOG"; }
prior() { grep -F '"target":"arp lvs_rs_agent",' "$STATE"; }

start rs "$CONF" || { fail start "the watch did not start: $(cat "$WLOG")"; exit 1; }
assert_eq "watch: its table owned and persistent" 'owner|persist' "$(flags)"
prior_before=$(prior)
assert_match "the journal's prior of the table: absent" "absent" "$prior_before"
agent_run rs -c "$CONF" verify
assert_rc "verify by hand while the watch owns the table: exit 0" 0
ip netns exec "$NS" nft flush ruleset
sleep 0.3
assert_eq "flush ruleset: the table stays" 'owner|persist' "$(flags)"
has_vip_elem && pass "flush ruleset: the VIP still in the set" ||
	fail "flush ruleset: the VIP still in the set" "$(ip netns exec "$NS" nft list ruleset)"
logged "^nft " && fail "flush ruleset: nothing to repair" "$(cat "$WLOG")" ||
	pass "flush ruleset: nothing to repair"
ip netns exec "$NS" nft delete table arp lvs_rs_agent 2>"$TDIR/del.err"
RC=$?
assert_rc "nft delete table by another process: refused" 1
assert_match "nft delete table: the kernel says EPERM" "Operation not permitted" "$(cat "$TDIR/del.err")"

watch_stop KILL
assert_eq "watch SIGKILL: the table stays, owned by no one" persist "$(flags)"
has_vip_elem && pass "watch SIGKILL: the VIP still in the set" || fail "watch SIGKILL: the VIP still in the set"
agent_run rs -c "$CONF" verify
assert_rc "verify on the orphan: exit 0" 0
start rs "$CONF" || fail "restart" "$(cat "$WLOG")"
assert_eq "watch restarted: took the table over" 'owner|persist' "$(flags)"
logged "^watch: took over the table arp lvs_rs_agent" && pass "watch restarted: says it took over" ||
	fail "watch restarted: says it took over" "$(cat "$WLOG")"
assert_eq "the journal's prior of the table unchanged" "$prior_before" "$(prior)"
watch_stop TERM
assert_eq "watch SIGTERM: reverted, the table gone" absent "$(flags)"

# A oneshot apply's table (unowned): taken over whole; the orphan then
# reverted by hand.
agent_run rs -c "$CONF" apply
assert_rc "oneshot apply: exit 0" 0
assert_eq "oneshot apply: the table unowned" - "$(flags)"
start rs "$CONF" || fail "start after apply" "$(cat "$WLOG")"
assert_eq "watch after apply: took the table over" 'owner|persist' "$(flags)"
has_vip_elem && pass "watch after apply: the VIP still in the set" || fail "watch after apply: the VIP still in the set"
agent_run rs -c "$CONF" verify
assert_rc "watch after apply: verify exit 0" 0
watch_stop KILL
agent_run rs -c "$CONF" revert
assert_rc "oneshot revert of the orphan: exit 0" 0
assert_eq "oneshot revert of the orphan: the table gone" absent "$(flags)"

# ---- negative control: the path of kernels before 6.9
AGENT_BIN=$FAULT_BIN LVS_RS_AGENT_NO_PERSIST=1 start rs "$CONF" || fail "fallback start" "$(cat "$WLOG")"
logged "^watch: this kernel keeps no nf_tables table past its owner" &&
	pass "fallback: says the table stays unowned" || fail "fallback: says the table stays unowned" "$(cat "$WLOG")"
assert_eq "fallback: the table unowned" - "$(flags)"
ip netns exec "$NS" nft flush ruleset
wait_until 5 logged "^nft arp lvs_rs_agent removed by nft" &&
	pass "fallback: flush ruleset deletes the table, the watch repairs it" ||
	fail "fallback: flush ruleset deletes the table, the watch repairs it" "$(cat "$WLOG")"
wait_until 5 has_vip_elem && pass "fallback: the VIP back in the set" || fail "fallback: the VIP back in the set"
watch_stop TERM
assert_eq "fallback: SIGTERM reverts" absent "$(flags)"

lvst_done
