#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# SIGTERM, SIGINT and SIGHUP during an apply of 1,000 VIPs (500 IPv4 and 500
# IPv6 on lo, the 4 ARP sysctls: 1,004 changes), at random moments. Each
# trial must end one of two ways, and say which:
#
#   finished:    exit 0, all 1,000 VIPs on lo, verify exits 0, the journal
#                whole (status exits 0 and counts its 1,004 steps);
#   rolled back: exit 3, one line "apply: interrupted by SIGTERM: every change
#                of this run was rolled back" (or "...: nothing was changed"),
#                the namespace equal to its snapshot from before the trial,
#                the journal byte for byte as before (or still absent).
#
# Never half applied. Odd trials start from an earlier apply of 10 of the
# VIPs (a journal to put back), even ones from nothing. SIG_TRIALS SIGTERM
# trials (default 20), then one SIGINT and one SIGHUP trial. The fault
# build's LVS_RS_AGENT_DELAY_US stretches the apply to about SIG_WINDOW
# seconds (default 1.2), as tests/integration/test-crash.sh does for its
# SIGKILL trials; the signal lands uniformly in it or a little after. At least a quarter of the
# trials must have been stopped mid-apply (changes undone), or the test
# proves nothing. Negative control: SIGKILL halfway (no handler sees it)
# leaves the apply half done, and the same checks see it. Then an
# interrupted revert: put back whole, exit 3, the journal kept, and a second
# revert finishes. The random seed is printed
# (SIG_SEED repeats a run).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

TRIALS=${SIG_TRIALS:-20}
WINDOW=${SIG_WINDOW:-1.2}
SEED=${SIG_SEED:-$(( $(date +%s%N) % 32768 ))}
RANDOM=$SEED
echo "seed $SEED (SIG_SEED=$SEED repeats the signal moments)"

v4_list()
{
	local i

	for i in $(seq "$1" "$2"); do
		if [ "$i" -le 250 ]; then
			printf ' 198.51.100.%d' "$i"
		else
			printf ' 203.0.113.%d' $((i - 250))
		fi
		[ $((i % 10)) -eq 0 ] && printf '\n\t'
	done
}

v6_list()
{
	local i

	for i in $(seq "$1" "$2"); do
		printf ' 2001:db8:100::%x' "$i"
		[ $((i % 10)) -eq 0 ] && printf '\n\t'
	done
}

CONF=$TDIR/big.conf
SMALL=$TDIR/small.conf
printf '[agent]\narp_ignore = 1\narp_announce = 2\n\n[vip v4]\naddress =%s\n\n[vip v6]\naddress =%s\n' \
	"$(v4_list 1 500)" "$(v6_list 1 500)" >"$CONF"
printf '[agent]\narp_ignore = 1\narp_announce = 2\n\n[vip v4]\naddress =%s\n\n[vip v6]\naddress =%s\n' \
	"$(v4_list 1 5)" "$(v6_list 1 5)" >"$SMALL"
NVIP=1000
CHANGES=$((4 + NVIP))
# The journal also holds the step of lo up, which needs no change here.
STEPS=$((CHANGES + 1))

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
snapshot rs >"$TDIR/fresh" || { fail setup "snapshot failed"; exit 1; }

now_ms()
{
	echo $(( $(date +%s%N) / 1000000 ))
}

vips_on_lo()
{
	"$PYTHON" -c 'import json, sys
print(sum(1 for l in json.load(sys.stdin) for a in l.get("addr_info", [])
          if a.get("prefixlen") in (32, 128) and a["local"] not in ("127.0.0.1", "::1")))' \
		<<<"$(addr_json rs lo)"
}

# ---- calibration: the apply's changes, and the delay per change that makes
# it last WINDOW
STATE=$TDIR/cal
t=$(now_ms)
AGENT_BIN=$FAULT_BIN agent_run rs -c "$CONF" apply
t_base=$(( $(now_ms) - t ))
assert_rc "calibration: apply of $NVIP VIPs exits 0" 0 || lvst_done
assert_match "calibration: $CHANGES changes" "^apply: $CHANGES changes$" "$OUT" || lvst_done
agent_run rs revert
assert_rc "calibration: revert exits 0" 0 || lvst_done
DELAY_US=$(awk -v w="$WINDOW" -v c="$CHANGES" 'BEGIN { print int(w * 1e6 / c) }')
delayed_window rs "$CONF" "$DELAY_US" 2
assert_rc "calibration: apply with LVS_RS_AGENT_DELAY_US=$DELAY_US exits 0" 0 || lvst_done
assert_snapshot "calibration: the namespace is fresh again" rs "$TDIR/fresh" || lvst_done
rm -f "$STATE"
echo "apply of $NVIP VIPs: ${t_base} ms;" \
	"with LVS_RS_AGENT_DELAY_US=$DELAY_US: ${WINDOW_MS} ms"

# ---- the trials
PROBLEMS=()
problem()
{
	PROBLEMS+=("$*")
}

FINISHED=0 ROLLED=0 MIDWAY=0
FAULT_EXE=$(readlink -f "$FAULT_BIN")

# caught PID: wait until PID is the agent (exec'd through `ip netns exec`)
# with its handler for SIGTERM in place (SigCgt bit 15). Before that a signal
# would end `ip netns exec`, or even the test shell's forked child, which
# still runs the test's own traps.
caught()
{
	local m

	for _ in $(seq 3000); do
		if [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$FAULT_EXE" ]; then
			m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
			[ -n "$m" ] && [ $(( (16#$m >> 14) & 1 )) = 1 ] && return 0
		fi
		sleep 0.001
	done
	return 1
}

# trial N SIG
trial()
{
	local n=$1 sig=$2 pid from="nothing" kill_ms undone name

	PROBLEMS=()
	STATE=$TDIR/state-$n
	rm -f "$STATE" "$STATE.before"
	if [ $((n % 2)) -eq 1 ]; then
		from="an apply of 10 VIPs"
		agent_run rs -c "$SMALL" apply
		[ "$RC" -eq 0 ] || problem "the earlier apply exited $RC: $ERR"
		cp "$STATE" "$STATE.before"
	fi
	snapshot rs >"$TDIR/before"
	# From the moment the agent catches signals to a little past the end
	# of the window: some applies finish first.
	kill_ms=$(( (RANDOM * 32768 + RANDOM) % (WINDOW_MS * 115 / 100) ))
	# A simple command in the background: `ip netns exec` execs the agent,
	# so $! is the agent's own PID.
	LVS_RS_AGENT_DELAY_US=$DELAY_US ip netns exec "$(ns_name rs)" \
		"$FAULT_BIN" -s "$STATE" -c "$CONF" apply >"$TDIR/.out" 2>"$TDIR/.err" &
	pid=$!
	caught "$pid" || problem "the agent did not catch SIGTERM in time"
	sleep "$(awk -v m="$kill_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid"
	RC=$?
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
	undone=$(grep -c '^(undone) ' <<<"$OUT")
	case $RC in
	0)
		FINISHED=$((FINISHED + 1))
		grep -q "^apply: [0-9]* changes\?$" <<<"$OUT" || problem "exit 0 without its summary line"
		[ -z "$ERR" ] || problem "exit 0 with stderr: $ERR"
		[ "$(vips_on_lo)" = "$NVIP" ] || problem "exit 0 but $(vips_on_lo) of $NVIP VIPs on lo"
		agent_run rs -c "$CONF" verify
		[ "$RC" -eq 0 ] || problem "verify after a finished apply exited $RC"
		agent_run rs -c "$CONF" status
		[ "$RC" -eq 0 ] || problem "status (the journal) after a finished apply exited $RC: $ERR"
		grep -q "^journal: $STEPS steps, " <<<"$OUT" || problem "the journal does not hold $STEPS steps"
		what="finished (exit 0)"
		;;
	3)
		ROLLED=$((ROLLED + 1))
		[ "$undone" -gt 0 ] && MIDWAY=$((MIDWAY + 1))
		if [ "$(printf '%s' "$ERR" | grep -c '')" -ne 1 ] ||
		   ! grep -Eq "^lvs-rs-agent: apply: interrupted by SIG$sig: (every change of this run was rolled back|nothing was changed)$" <<<"$ERR"; then
			problem "exit 3 without the one line saying it was interrupted and rolled back: $ERR"
		fi
		grep -q '^[-+~] ' <<<"$OUT" && problem "a change is listed as made: $(grep -m1 '^[-+~] ' <<<"$OUT")"
		snapshot rs >"$TDIR/after"
		snapshot_diff "$TDIR/before" "$TDIR/after" >"$TDIR/after.diff" ||
			problem "half applied: the namespace differs from before ($(grep -c '^[-+] ' "$TDIR/after.diff") lines; first: $(grep -m1 '^[-+] ' "$TDIR/after.diff"))"
		if [ -e "$STATE.before" ]; then
			cmp -s "$STATE" "$STATE.before" || problem "the journal is not as before"
		elif [ -e "$STATE" ]; then
			problem "a journal was left where there was none"
		fi
		what="rolled back (exit 3, $undone changes undone)"
		;;
	*)
		what="exit $RC"
		problem "exit $RC: neither finished (0) nor rolled back (3): $ERR"
		;;
	esac
	# Back to fresh for the next trial.
	agent_run rs revert
	[ "$RC" -eq 0 ] || problem "revert after the trial exited $RC: $ERR"
	snapshot rs >"$TDIR/after"
	snapshot_diff "$TDIR/fresh" "$TDIR/after" >/dev/null || problem "revert did not restore the fresh namespace"
	name="SIG$sig $n at ${kill_ms} ms (from $from): $what"
	if [ ${#PROBLEMS[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "$(printf '%s; ' "${PROBLEMS[@]}")"
		# A fresh namespace for the next trial.
		ip netns del "$(ns_name rs)"
		ns_new rs && snapshot rs >"$TDIR/fresh"
	fi
}

for n in $(seq 1 "$TRIALS"); do
	trial "$n" TERM
done
trial $((TRIALS + 1)) INT
trial $((TRIALS + 2)) HUP
echo "$((TRIALS + 2)) trials: $FINISHED finished, $ROLLED rolled back ($MIDWAY of them mid-apply)"
if [ "$MIDWAY" -ge $(( (TRIALS + 3) / 4 )) ]; then
	pass "at least a quarter of the signals landed mid-apply ($MIDWAY of $((TRIALS + 2)))"
else
	fail "signals mid-apply" "only $MIDWAY of $((TRIALS + 2)) trials were stopped with changes to undo"
fi

# ---- negative control: SIGKILL, which no handler sees, halfway leaves the
# apply half done, and the checks above would say so
STATE=$TDIR/state-kill
snapshot rs >"$TDIR/before"
LVS_RS_AGENT_DELAY_US=$DELAY_US ip netns exec "$(ns_name rs)" \
	"$FAULT_BIN" -s "$STATE" -c "$CONF" apply >/dev/null 2>&1 &
pid=$!
caught "$pid" || fail "SIGKILL control" "the agent did not start in time"
sleep "$(awk -v m="$WINDOW_MS" 'BEGIN { printf "%.3f", m / 2000 }')"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
RC=$?
assert_rc "negative control: SIGKILL halfway ends the apply (exit 137)" 137
n=$(vips_on_lo)
snapshot rs >"$TDIR/after"
d=$(snapshot_diff "$TDIR/before" "$TDIR/after" | grep -c '^[-+] ')
if [ "$n" -lt "$NVIP" ] && [ "$d" -gt 0 ]; then
	pass "negative control: after SIGKILL $n of $NVIP VIPs are on lo and the namespace differs ($d lines): half applied, as the checks tell"
else
	fail "negative control: SIGKILL halfway" "$n of $NVIP VIPs on lo, $d lines differ: not half applied, the control shows nothing"
fi
agent_run rs revert
assert_rc "negative control: revert after SIGKILL exits 0" 0
assert_snapshot "negative control: ... and restores the fresh namespace" rs "$TDIR/fresh"

# ---- an interrupted revert is put back whole; the next revert finishes
STATE=$TDIR/state-revert
agent_run rs -c "$CONF" apply
assert_rc "revert trial: apply exits 0" 0
snapshot rs >"$TDIR/applied"
cp "$STATE" "$STATE.before"
LVS_RS_AGENT_DELAY_US=$DELAY_US ip netns exec "$(ns_name rs)" \
	"$FAULT_BIN" -s "$STATE" revert >"$TDIR/.out" 2>"$TDIR/.err" &
pid=$!
caught "$pid" || fail "revert trial" "the agent did not catch SIGTERM in time"
sleep "$(awk -v m="$WINDOW_MS" 'BEGIN { printf "%.3f", m / 2000 }')"
kill -TERM "$pid"
wait "$pid"
RC=$?
ERR=$(cat "$TDIR/.err")
OUT=$(cat "$TDIR/.out")
assert_rc "revert interrupted halfway: exit 3" 3
assert_match "... says it was interrupted and rolled back" \
	'^lvs-rs-agent: revert: interrupted by SIGTERM: every change of this run was rolled back$' "$ERR"
assert_match "... and had changes to undo" '^\(undone\) - address ' "$OUT"
assert_snapshot "... the namespace is as applied" rs "$TDIR/applied"
assert_eq "... the journal is kept as it was" "" "$(cmp "$STATE" "$STATE.before" 2>&1)"
agent_run rs revert
assert_rc "a second revert exits 0" 0
assert_snapshot "... and restores the fresh namespace" rs "$TDIR/fresh"

lvst_done
