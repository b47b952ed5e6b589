#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The engine in a loop: $BUILD/reconcile-loop calls reconcile 1,000 times in
# one process on one netconf handle, in a namespace of its own, editing the
# config every 100 calls (VIPs added and removed, arp_suppress sysctl, nft,
# both, anyip prefixes) and removing a VIP behind its back halfway between
# two edits. It prints its own PASS/FAIL lines: every call as expected, the
# namespace right after each edit as the config asks (ip -j, nft -j), no
# growth of file descriptors or heap; an ASan build (SANITIZE=1) also fails
# on any leak at exit. Then, here: the journal kept the values from before
# the first of the 1,000 calls, so one revert by the command line restores
# the namespace exactly.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft
lvst_require_agent
LOOP=$LVST_ROOT/$BUILD/reconcile-loop
[ -x "$LOOP" ] || { fail binary "$LOOP missing (run make build-tests)"; exit 1; }
ns_new rs || { fail setup "could not create the namespace"; exit 1; }
snapshot rs >"$TDIR/fresh" || { fail setup "snapshot failed"; exit 1; }

in_ns rs "$LOOP" "$STATE" "$TDIR/agent.conf" "${LOOP_CALLS:-1000}" >"$TDIR/loop" 2>"$TDIR/loop.err"
rc=$?
cat "$TDIR/loop"
if [ "$rc" -eq 0 ] && [ ! -s "$TDIR/loop.err" ]; then
	pass "the loop exits 0, nothing on stderr (no leak, no sanitizer report)"
else
	fail "the loop exits 0, nothing on stderr (no leak, no sanitizer report)" \
		"exit $rc: $(head -c 600 "$TDIR/loop.err")"
fi
# Three checks, and the heap's where it is counted (not under ASan).
checks=4
grep -q '^note: reconcile-loop: the heap is not counted' "$TDIR/loop" && checks=3
assert_eq "the loop reported its checks" "$checks" "$(grep -c '^PASS: reconcile-loop: ' "$TDIR/loop")"

agent_run rs -c "$TDIR/agent.conf" revert
assert_rc "revert after 1,000 reconciles" 0
assert_snapshot "revert restores the namespace from before the first call" rs "$TDIR/fresh"

lvst_done
