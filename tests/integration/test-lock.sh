#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One run at a time (issue 3, done-when 8): two applies started together on
# the same journal both succeed, one after the other; while another process
# holds the lock, a run with --wait 0 exits 3 naming the holder's PID, and a
# run with --wait 1 gives up after about a second.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

CONF=$TDIR/agent.conf
cat >"$CONF" <<'EOF'
[vip web]
address = 198.51.100.10 198.51.100.11 198.51.100.12 2001:db8:100::1
EOF
snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# ---- two applies at once. With the fault build each kernel change is
# slowed down, so the runs overlap for sure; without it they still race.
SLOW=()
if [ -x "$FAULT_BIN" ]; then
	SLOW=(env LVS_RS_AGENT_DELAY_US=100000 "$FAULT_BIN")
else
	SLOW=("$AGENT_BIN")
	echo "note: $FAULT_BIN missing, racing two plain runs"
fi
RSNS=$(ns_name rs)
ip netns exec "$RSNS" "${SLOW[@]}" -s "$STATE" -c "$CONF" --json apply \
	>"$TDIR/a.out" 2>"$TDIR/a.err" &
A=$!
bg_register $A
ip netns exec "$RSNS" "${SLOW[@]}" -s "$STATE" -c "$CONF" --json apply \
	>"$TDIR/b.out" 2>"$TDIR/b.err" &
B=$!
bg_register $B
wait $A
RA=$?
wait $B
RB=$?
assert_eq "concurrent applies: first exits 0" 0 "$RA" || cat "$TDIR/a.err"
assert_eq "concurrent applies: second exits 0" 0 "$RB" || cat "$TDIR/b.err"
assert_json "concurrent applies: exactly one changed something, the other found nothing to do" \
	"[$(cat "$TDIR/a.out"), $(cat "$TDIR/b.out")]" \
	'sorted([d[0]["changed"], d[1]["changed"]]) == [False, True] and sorted(len(x["changes"]) for x in d) == [0, 8]'
agent_run rs -c "$CONF" verify
assert_rc "concurrent applies: verify exits 0" 0
for v in 198.51.100.10 198.51.100.11 198.51.100.12; do
	assert_addr "concurrent applies: $v/32 on lo" rs lo $v 32
done
assert_addr "concurrent applies: 2001:db8:100::1/128 on lo" rs lo 2001:db8:100::1 128
agent_run rs -c "$CONF" revert
assert_rc "concurrent applies: revert exits 0" 0
assert_snapshot "concurrent applies: revert restores the state" rs "$TDIR/before"

# ---- lock held by another process (POSIX record lock, as the agent takes)
rm -f "$STATE.lock"
if lock_hold "$STATE.lock"; then
	pass "lock holder started"
else
	fail "lock holder started" "it did not get the lock"
fi
H=$LOCK_HOLDER

agent_run rs -c "$CONF" --wait 0 apply
assert_rc "lock held: apply --wait 0 exits 3" 3
assert_match "lock held: message names the holder's PID $H" "^lvs-rs-agent: .*\b$H\b" "$ERR"
assert_snapshot "lock held: nothing changed" rs "$TDIR/before"

agent_run rs -c "$CONF" -w 0 revert
assert_rc "lock held: revert -w 0 exits 3" 3
assert_match "lock held: revert names the holder's PID $H" "\b$H\b" "$ERR"

t0=$(date +%s%N)
agent_run rs -c "$CONF" --wait 1 apply
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
assert_rc "lock held: apply --wait 1 exits 3" 3
if [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then
	pass "lock held: --wait 1 waited about a second (${ms} ms)"
else
	fail "lock held: --wait 1 waited about a second" "${ms} ms"
fi

# The holder goes away during a wait: the waiting run then gets the lock.
( sleep 1; kill "$H" ) &
bg_register $!
agent_run rs -c "$CONF" --wait 10 apply
assert_rc "lock released during --wait 10: apply exits 0" 0
agent_run rs -c "$CONF" revert
assert_rc "lock released: revert exits 0" 0
assert_snapshot "lock released: revert restores the state" rs "$TDIR/before"

# ---- the holder is the agent itself, slowed down by the fault build
if [ -x "$FAULT_BIN" ]; then
	ip netns exec "$RSNS" env LVS_RS_AGENT_DELAY_US=300000 "$FAULT_BIN" \
		-s "$STATE" -c "$CONF" apply >"$TDIR/slow.out" 2>"$TDIR/slow.err" &
	S=$!
	bg_register $S
	# The agent writes its PID into the lock file once it holds the lock.
	for _ in $(seq 100); do
		[ "$(tr -d '\n' <"$STATE.lock" 2>/dev/null)" = "$S" ] && break
		sleep 0.02
	done
	agent_run rs -c "$CONF" --wait 0 apply
	assert_rc "agent holds the lock: apply --wait 0 exits 3" 3
	assert_match "agent holds the lock: message names its PID $S" "\b$S\b" "$ERR"
	wait $S
	assert_eq "agent holds the lock: the slow apply exits 0" 0 "$?"
	agent_run rs -c "$CONF" revert
	assert_rc "agent holds the lock: revert exits 0" 0
	assert_snapshot "agent holds the lock: revert restores the state" rs "$TDIR/before"
else
	skip "agent holds the lock" "$FAULT_BIN missing"
fi

lvst_done
