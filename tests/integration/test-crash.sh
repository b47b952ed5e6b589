#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Crash safety (issue 3, done-when 7): SIGKILL at a random moment during an
# apply of 1,000 VIPs (500 IPv4 + 500 IPv6, plus the 4 arp sysctls).
#
#  set A (CRASH_TRIALS trials, default 20): after the kill, `revert` exits 0
#        and the namespace equals its snapshot from before the agent ran;
#  set B (CRASH_TRIALS trials): after the kill, a new `apply` exits 0,
#        `verify` exits 0, and `revert` then restores the pre-agent state.
#
# The test build's LVS_RS_AGENT_DELAY_US (sleep before each kernel change)
# stretches the apply to about CRASH_WINDOW seconds (default 1.2); the window
# is the shortest of three such applies, and each kill lands at a uniformly
# random moment inside it.
# The random seed is printed (set CRASH_SEED to repeat a run).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

TRIALS=${CRASH_TRIALS:-20}
WINDOW=${CRASH_WINDOW:-1.2}
SEED=${CRASH_SEED:-$(( $(date +%s%N) % 32768 ))}
RANDOM=$SEED
echo "seed $SEED (CRASH_SEED=$SEED repeats the kill moments)"

CONF=$TDIR/agent.conf
NV4=500
NV6=500
{
	printf '[agent]\narp_suppress = sysctl\narp_ignore = 1\narp_announce = 2\n\n'
	printf '[vip v4]\naddress ='
	i=0
	for net in 198.51.100 203.0.113; do
		for h in $(seq 1 250); do
			[ "$i" -gt 0 ] && [ $((i % 10)) -eq 0 ] && printf '\n\t'
			printf ' %s.%d' "$net" "$h"
			i=$((i + 1))
		done
	done
	printf '\n\n[vip v6]\naddress ='
	for i in $(seq 1 "$NV6"); do
		[ "$i" -gt 1 ] && [ $(((i - 1) % 10)) -eq 0 ] && printf '\n\t'
		printf ' 2001:db8:100::%x' "$i"
	done
	printf '\n'
} >"$CONF"
NVIP=$((NV4 + NV6))

# Local helper (lib.sh removes namespaces only at exit): drop a namespace
# once it is no longer needed.
ns_drop()
{
	ip netns del "$(ns_name "$1")" 2>/dev/null
}

now_ms()
{
	echo $(( $(date +%s%N) / 1000000 ))
}

lo_addrs()
{
	ip -n "$(ns_name "$1")" -o addr show dev lo | wc -l
}

# ---- calibration: the delay that makes the apply last about WINDOW seconds
ns_new cal || { fail setup "could not create a namespace"; exit 1; }
STATE=$TDIR/state-cal
# The undelayed apply, twice (the first run can pay for a cold cache).
t_base=
for _ in 1 2; do
	t0=$(now_ms)
	AGENT_BIN=$FAULT_BIN agent_run cal -c "$CONF" --json apply
	t=$(( $(now_ms) - t0 ))
	[ "$RC" -eq 0 ] || break
	[ -z "$t_base" ] || [ "$t" -lt "$t_base" ] && t_base=$t
	CHANGES=$(json_eval "$OUT" 'len(d["changes"])')
	agent_run cal revert
	[ "$RC" -eq 0 ] || break
done
assert_rc "calibration: apply of $NVIP VIPs and its revert succeed" 0 || lvst_done
assert_eq "calibration: apply of $NVIP VIPs makes $((NVIP + 4)) changes" "$((NVIP + 4))" "$CHANGES"
# Sleep at least half the window in the delays: most of the apply is then
# the agent at work between changes, whatever the machine's speed.
DELAY_US=$(awk -v w="$WINDOW" -v b="$t_base" -v c="$CHANGES" \
	'BEGIN { d = (w * 1000 - b) * 1000 / c; m = w * 1e6 / c / 2;
		 print int(d < m ? m : d) }')
# The shortest of three delayed applies is the window: on a busy machine one
# run can take twice as long, and kills past the end of the apply test
# nothing.
WINDOW_MS=
for _ in 1 2 3; do
	t0=$(now_ms)
	LVS_RS_AGENT_DELAY_US=$DELAY_US AGENT_BIN=$FAULT_BIN agent_run cal -c "$CONF" apply
	t=$(( $(now_ms) - t0 ))
	[ "$RC" -eq 0 ] || break
	[ -z "$WINDOW_MS" ] || [ "$t" -lt "$WINDOW_MS" ] && WINDOW_MS=$t
	agent_run cal revert
done
assert_rc "calibration: apply with LVS_RS_AGENT_DELAY_US=$DELAY_US succeeds" 0 || lvst_done
ns_drop cal
echo "apply of $NVIP VIPs: ${t_base} ms; with LVS_RS_AGENT_DELAY_US=$DELAY_US: ${WINDOW_MS} ms (the kill window)"

# crash_apply NS: start the fault build's apply in NS, SIGKILL it after a
# random delay inside the window; sets KILL_MS, KILL_RC (137 when the signal
# ended it), AT_KILL (a summary of what the kernel held right after).
crash_apply()
{
	local ns=$1 pid base

	base=$(lo_addrs "$ns")
	KILL_MS=$(( (RANDOM * 32768 + RANDOM) % WINDOW_MS ))
	# A simple command in the background: `ip netns exec` execs the agent,
	# so $! is the agent's own PID.
	LVS_RS_AGENT_DELAY_US=$DELAY_US ip netns exec "$(ns_name "$ns")" \
		"$FAULT_BIN" -s "$STATE" -c "$CONF" apply >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v m="$KILL_MS" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL "$pid" 2>/dev/null
	# (stderr: the shell's "Killed" notice)
	wait "$pid" 2>/dev/null
	KILL_RC=$?
	KILL_VIPS=$(( $(lo_addrs "$ns") - base ))
	AT_KILL="$KILL_VIPS of $NVIP VIPs, arp_ignore=$(sysctl_get "$ns" net.ipv4.conf.all.arp_ignore)"
	if [ "$KILL_RC" -eq 137 ]; then
		AT_KILL="killed with $AT_KILL present"
	else
		AT_KILL="apply had ended (exit $KILL_RC) with $AT_KILL present"
	fi
}

PROBLEMS=()
problem()
{
	PROBLEMS+=("$*")
}

expect_rc()
{
	[ "$RC" = "$2" ] && return 0
	problem "$1 exited $RC, expected $2 (stderr: $(printf '%s\n' "$ERR" | head -3))"
	return 1
}

expect_state()
{
	local now=$TDIR/now

	if ! snapshot "$1" >"$now"; then
		problem "could not take a snapshot"
		return 1
	fi
	snapshot_diff "$2" "$now" >"$now.diff" && return 0
	problem "$3: kernel state differs from before the agent ($(grep -c '^[-+] ' "$now.diff") lines differ; first: $(grep -m1 '^[-+] ' "$now.diff"))"
	return 1
}

# Each set runs in one namespace: a trial that ends with the namespace equal
# to its snapshot leaves it as fresh as a new one; after a failed trial the
# namespace is replaced.
MIDWAY=0
STATES=()
run_set()
{
	local set=$1 t ns=$1 name

	ns_new "$ns" || { fail setup "could not create a namespace"; lvst_done; }
	snapshot "$ns" >"$TDIR/before"
	for t in $(seq 1 "$TRIALS"); do
		STATE=$TDIR/state-$set$t
		crash_apply "$ns"
		STATES+=("$KILL_VIPS")
		case $AT_KILL in
		"killed with 0 of "*", arp_ignore=0 present") ;;
		"killed with $NVIP of "*) ;;
		killed*) MIDWAY=$((MIDWAY + 1)) ;;
		esac
		if [ "$set" = B ]; then
			agent_run "$ns" -c "$CONF" apply
			expect_rc "apply after the kill" 0
			agent_run "$ns" -c "$CONF" verify
			expect_rc "verify after that apply" 0
		fi
		agent_run "$ns" revert
		expect_rc "revert" 0
		expect_state "$ns" "$TDIR/before" "after revert"
		if [ "$set" = A ]; then
			name="crash A$t: kill at ${KILL_MS} ms, revert restores the pre-agent state"
		else
			name="crash B$t: kill at ${KILL_MS} ms, apply converges, verify passes, revert restores"
		fi
		echo "trial $set$t: kill after $KILL_MS ms of $WINDOW_MS: $AT_KILL; ${#PROBLEMS[@]} problem(s)"
		if [ ${#PROBLEMS[@]} -eq 0 ]; then
			pass "$name"
		else
			fail "$name" "$(printf '%s; ' "${PROBLEMS[@]}")"
			ns_drop "$ns"
			ns_new "$ns" || { fail setup "could not create a namespace"; lvst_done; }
			snapshot "$ns" >"$TDIR/before"
		fi
		PROBLEMS=()
	done
	ns_drop "$ns"
}

start=$SECONDS
run_set A
run_set B
echo "$((2 * TRIALS)) trials in $((SECONDS - start)) s, $MIDWAY killed mid-way (some but not all changes made)"
# The agent sends the addresses in netlink batches (the delay applies as each
# request is queued), so the kernel sees them arrive in a few steps: these
# are the address counts found right after the kills.
echo "VIPs present right after the kill (count x trials): $(printf '%s\n' "${STATES[@]}" | sort -n | uniq -c | awk '{ printf "%s x%s  ", $2, $1 }')"
# A kill that always lands before the first or after the last change proves
# nothing about a crash in the middle.
if [ "$MIDWAY" -ge "$TRIALS" ]; then
	pass "at least half of the kills landed mid-apply ($MIDWAY of $((2 * TRIALS)))"
else
	fail "kills mid-apply" "only $MIDWAY of $((2 * TRIALS)) kills landed between the first and the last change"
fi

lvst_done
