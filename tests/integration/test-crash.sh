#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Crash safety (issue 3, done-when 7; issue 5, done-when 5; issue 6,
# done-when 3): SIGKILL at a random moment during an apply, for each mode in
# CRASH_MODE (default "sysctl nft"):
#
#   sysctl  CRASH_NV4 IPv4 + CRASH_NV6 IPv6 VIPs on lo (default 500 + 500)
#           and the 4 arp sysctls;
#   nft     the same with arp_suppress = both: the nf_tables table (one
#           batch: the table, an element per IPv4 VIP, the output rule)
#           before the sysctls;
#   tun     a [vip] group mode = tun on tunl0 (the first half of the IPv4
#           VIPs) and a DR group (the other half and the IPv6 VIPs on lo):
#           tunl0 up, conf/tunl0 and conf/all rp_filter lowered 1 -> 0, the
#           VIPs on tunl0. It needs ipip, which only the VM has: the VM lab
#           tun-crash runs it (CRASH_MODE=tun); elsewhere it is skipped.
#
#  set A (CRASH_TRIALS trials per mode; default 20 for sysctl, the core
#        issue's figure, and 6 for nft and tun): after the kill,
#        `revert` exits 0 and the namespace equals its snapshot from before
#        the agent ran (lib.sh snapshot: addresses, links, routes, sysctls,
#        nft ruleset);
#  set B (CRASH_TRIALS trials): after the kill, a new `apply` exits 0,
#        `verify` exits 0, and `revert` then restores the pre-agent state.
#
# The test build's LVS_RS_AGENT_DELAY_US (sleep before each kernel change)
# stretches the apply. Even trials kill at a uniformly random moment of the
# whole apply, stretched to about CRASH_WINDOW seconds (default 1.2; the
# window is the shortest of three such applies). Odd trials aim at the
# "focus", the changes before the first address (nft: the nft batch and the
# sysctls; tun: the sysctls, tunl0 up and the rp_filter steps): each change is
# delayed so that the focus alone lasts about CRASH_WINDOW, and the kill
# lands uniformly in it. The addresses reach the kernel in netlink batches
# (the delay applies as each request is queued), the VIPs on tunl0 together
# with those on lo: a kill lands before or after a whole batch. After each
# kill the kernel state tells which changes had been made; each trial
# reports the last one ("after change K of N").
# The random seed is printed (set CRASH_SEED to repeat a run).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

MODES=${CRASH_MODE:-sysctl nft}
# trials_of MODE: the trials per set of a mode.
trials_of()
{
	if [ -n "${CRASH_TRIALS:-}" ]; then
		echo "$CRASH_TRIALS"
	elif [ "$1" = sysctl ]; then
		echo 20
	else
		echo 6
	fi
}
WINDOW=${CRASH_WINDOW:-1.2}
NV4=${CRASH_NV4:-500}
NV6=${CRASH_NV6:-500}
SEED=${CRASH_SEED:-$(( $(date +%s%N) % 32768 ))}
RANDOM=$SEED
echo "seed $SEED (CRASH_SEED=$SEED repeats the kill moments)"
for m in $MODES; do
	case $m in
	sysctl | nft | tun) ;;
	*) fail setup "CRASH_MODE: unknown mode $m (sysctl, nft, tun)"; lvst_done ;;
	esac
done
if [ "$NV4" -gt 500 ] || [ "$NV4" -lt 1 ] || [ "$NV6" -lt 0 ]; then
	fail setup "CRASH_NV4 must be 1..500 and CRASH_NV6 at least 0"
	lvst_done
fi
NVIP=$((NV4 + NV6))

# v4_list FIRST COUNT / v6_list COUNT: VIP addresses for a config, ten a
# line (continuation lines).
v4_list()
{
	local i n=0

	for i in $(seq "$1" $(($1 + $2 - 1))); do
		[ "$n" -gt 0 ] && [ $((n % 10)) -eq 0 ] && printf '\n\t'
		if [ "$i" -le 250 ]; then
			printf ' 198.51.100.%d' "$i"
		else
			printf ' 203.0.113.%d' $((i - 250))
		fi
		n=$((n + 1))
	done
}

v6_list()
{
	local i

	for i in $(seq 1 "$1"); do
		[ "$i" -gt 1 ] && [ $(((i - 1) % 10)) -eq 0 ] && printf '\n\t'
		printf ' 2001:db8:100::%x' "$i"
	done
}

# write_conf MODE FILE; sets EXPECT, the number of changes of an apply on a
# namespace prepared by prep_ns.
write_conf()
{
	local ntun=$(((NV4 + 1) / 2))

	case $1 in
	sysctl)
		printf '[agent]\narp_suppress = sysctl\narp_ignore = 1\narp_announce = 2\n'
		printf '\n[vip v4]\naddress =%s\n' "$(v4_list 1 "$NV4")"
		EXPECT=$((4 + NVIP))
		;;
	nft)
		# A fixed rip: one output rule (the namespace has no interface
		# but lo for rip = auto to find).
		printf '[agent]\narp_suppress = both\narp_ignore = 1\narp_announce = 2\nrip = 192.0.2.2\n'
		printf '\n[vip v4]\naddress =%s\n' "$(v4_list 1 "$NV4")"
		# table + elements + output rule, 4 sysctls, the addresses
		EXPECT=$((1 + NV4 + 1 + 4 + NVIP))
		;;
	tun)
		printf '[agent]\narp_suppress = sysctl\nrp_filter = 0\n'
		printf '\n[vip tun]\nmode = tun\ndevice = tunl0\naddress =%s\n' "$(v4_list 1 "$ntun")"
		[ "$NV4" -gt "$ntun" ] &&
			printf '\n[vip dr]\nmode = dr\naddress =%s\n' "$(v4_list $((ntun + 1)) $((NV4 - ntun)))"
		# 4 arp sysctls, tunl0 up, conf/tunl0 and conf/all rp_filter,
		# the addresses
		EXPECT=$((4 + 1 + 2 + NVIP))
		;;
	esac >"$2"
	[ "$NV6" -gt 0 ] && printf '\n[vip v6]\nmode = dr\naddress =%s\n' "$(v6_list "$NV6")" >>"$2"
	return 0
}

# prep_ns NS: what the mode needs in a namespace before its snapshot.
prep_ns()
{
	[ "$MODE" = tun ] || return 0
	# Once ipip is loaded (the load step below), every namespace is born
	# with the fallback device tunl0, down, and nothing can delete it: a
	# namespace "before the agent" has tunl0, so the snapshot that revert
	# must restore is taken here, after the module was loaded (revert can
	# bring tunl0 down again, not make it absent). The existence test
	# reads /proc: naming tunl0 to ip would load ipip by itself.
	if ! in_ns "$1" test -d /proc/sys/net/ipv4/conf/tunl0; then
		fail "$MODE: setup" "no tunl0 in a new namespace although ipip was loaded"
		lvst_done
	fi
	# tunl0 keeps two traces of its first "up" that only deleting it would
	# remove: its default qdisc (ip shows noqueue instead of noop) and its
	# IPv6 settings (net/ipv6/conf/tunl0 appears). The state before the
	# agent is therefore that of a tunl0 that has been up once, as on any
	# server that used TUN mode before; everything is then compared exactly.
	ip -n "$(ns_name "$1")" link set tunl0 up &&
	ip -n "$(ns_name "$1")" link set tunl0 down &&
	# Strict rp_filter as distributions set it, on all and on tunl0: the
	# apply lowers both (rp_filter = 0), two more TUN steps.
	sysctl_set "$1" net.ipv4.conf.all.rp_filter 1 &&
	sysctl_set "$1" net.ipv4.conf.tunl0.rp_filter 1 ||
		{ fail "$MODE: setup" "cannot prepare tunl0 and rp_filter in $1"; lvst_done; }
}

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

# KILL_POINT CHANGES SNAPSHOT: which changes of an apply (the --json changes
# of an undelayed run, in their order) the kernel state (a snapshot file, or
# "-" for none) holds. Prints "KC K FOCUS FIRST text": the first K changes
# are there, KC is the kernel change that ended them (an nf_tables batch of
# consecutive nft changes is one kernel change); the focus is kernel changes
# FIRST..FOCUS (from the first nft or link change, or 1, to the last change
# before the first address).
KILL_POINT='
import json, sys
changes = json.load(open(sys.argv[1]))
snap = {"sysctl": {}, "addr": [], "link": [], "nft": []}
if sys.argv[2] != "-":
    snap = json.load(open(sys.argv[2]))
sysctl = snap["sysctl"]
addrs = {(l["ifname"], a["local"], a["prefixlen"])
         for l in snap["addr"] for a in l.get("addr_info", [])}
up = {l["ifname"]: "UP" in l.get("flags", []) for l in snap["link"]}
tables, elems, rules = set(), set(), []
for o in snap["nft"]:
    if "table" in o:
        tables.add((o["table"]["family"], o["table"]["name"]))
    if "set" in o and o["set"]["table"] == "lvs_rs_agent":
        elems.update(e for e in o["set"].get("elem", []) if isinstance(e, str))
    if "rule" in o and o["rule"]["table"] == "lvs_rs_agent":
        rules.append(json.dumps(o["rule"]))
def done(c):
    kind, t, to = c["kind"], c["target"], c["to"]
    if kind == "sysctl":
        return sysctl.get(t) == to
    if kind == "link":
        return up.get(t, False) == (to == "up")
    if kind == "address":
        a, _, dev = t.partition(" dev ")
        ip, _, plen = a.partition("/")
        return ((dev, ip, int(plen)) in addrs) == (to == "present")
    if kind == "nft":
        w = t.split()
        if len(w) == 2:
            return ((w[0], w[1]) in tables) == (to == "present")
        if w[2] == "vip":
            return (w[3] in elems) == (to == "present")
        if w[2] == "output":
            have = any("\"output\"" in r and to in r and
                       (w[3] == "*" or w[3] in r) for r in rules)
            return have == (to != "absent")
    raise SystemExit("unknown change kind %s" % kind)
def label(c):
    if c["kind"] == "address":
        return "address dev " + c["target"].partition(" dev ")[2]
    return c["kind"]
flags = [done(c) for c in changes]
kern, kc, prev = [], 0, None
for c in changes:
    if not (c["kind"] == "nft" and prev == "nft"):
        kc += 1
    kern.append(kc)
    prev = c["kind"]
k = 0
while k < len(flags) and flags[k]:
    k += 1
# The focus: every change before the first address, as kernel changes (the
# addresses reach the kernel in netlink batches after the delays of the
# whole batch, whatever their device).
focus = 0
for i, c in enumerate(changes):
    if c["kind"] == "address":
        break
    focus = kern[i]
first = next((kern[i] for i, c in enumerate(changes)
              if c["kind"] in ("nft", "link")), 1)
groups = []
for c, f in zip(changes, flags):
    if not groups or groups[-1][0] != label(c):
        groups.append([label(c), 0, 0])
    groups[-1][1] += f
    groups[-1][2] += 1
last = "%s %s" % (changes[k - 1]["kind"], changes[k - 1]["target"]) if k else "none"
text = "after change %d of %d (kernel change %d, last: %s); %s" % (
    k, len(changes), kern[k - 1] if k else 0, last,
    ", ".join("%s %d/%d" % tuple(g) for g in groups))
if sum(flags) > k:
    text += "; and %d later change(s)" % (sum(flags) - k)
print(kern[k - 1] if k else 0, k, focus, first, text)
'

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

# calibrate: the changes of an undelayed apply, the delay that stretches
# the apply to about WINDOW seconds, and the one that stretches the focus.
calibrate()
{
	local t t_base t1 i

	ns_new cal || { fail setup "could not create a namespace"; lvst_done; }
	prep_ns cal
	STATE=$TDIR/state-cal
	# The undelayed apply, twice (the first run can pay for a cold cache).
	t_base=
	for i in 1 2; do
		t=$(now_ms)
		AGENT_BIN=$FAULT_BIN agent_run cal -c "$CONF" --json apply
		t=$(( $(now_ms) - t ))
		[ "$RC" -eq 0 ] || break
		[ -z "$t_base" ] || [ "$t" -lt "$t_base" ] && t_base=$t
		# (A file, not json_eval: the document can exceed an argument's
		# size limit.)
		printf '%s\n' "$OUT" >"$TDIR/apply.json"
		CHANGES=$("$PYTHON" -c 'import json, sys
c = json.load(open(sys.argv[1]))["changes"]
json.dump(c, open(sys.argv[2], "w"))
print(len(c))' "$TDIR/apply.json" "$CHANGES_FILE")
		agent_run cal revert
		[ "$RC" -eq 0 ] || break
	done
	assert_rc "$MODE: calibration: apply of $NVIP VIPs and its revert succeed" 0 || lvst_done
	assert_eq "$MODE: calibration: apply of $NVIP VIPs makes $EXPECT changes" "$EXPECT" "$CHANGES" ||
		lvst_done
	# Time to the first kernel change: a run that fails there.
	t1=
	for i in 1 2; do
		t=$(now_ms)
		LVS_RS_AGENT_FAULT=1 AGENT_BIN=$FAULT_BIN agent_run cal -c "$CONF" apply
		t=$(( $(now_ms) - t ))
		[ -z "$t1" ] || [ "$t" -lt "$t1" ] && t1=$t
	done
	assert_rc "$MODE: calibration: a fault at change 1 fails the apply" 3 || lvst_done
	# Sleep at least half the window in the delays: most of the apply is
	# then the agent at work between changes, whatever the machine's speed.
	DELAY_US=$(awk -v w="$WINDOW" -v b="$t_base" -v c="$CHANGES" \
		'BEGIN { d = (w * 1000 - b) * 1000 / c; m = w * 1e6 / c / 2;
			 print int(d < m ? m : d) }')
	# The shortest of three delayed applies is the window: on a busy
	# machine one run can take twice as long, and kills past the end of
	# the apply test nothing.
	delayed_window cal "$CONF" "$DELAY_US" 3
	assert_rc "$MODE: calibration: apply with LVS_RS_AGENT_DELAY_US=$DELAY_US succeeds" 0 || lvst_done
	ns_drop cal
	read -r _ _ FOCUS FOCUS_FIRST _ < <("$PYTHON" -c "$KILL_POINT" "$CHANGES_FILE" -)
	# Each focus change gets WINDOW / (FOCUS + 1); the kill lands before the
	# first one, between two, or half a delay past the last.
	FOCUS_DELAY_US=$(awk -v w="$WINDOW" -v k="$FOCUS" 'BEGIN { print int(w * 1e6 / (k + 1)) }')
	FOCUS_MS=$(awk -v t="$t1" -v k="$FOCUS" -v d="$FOCUS_DELAY_US" \
		'BEGIN { print int(t + (k + 0.5) * d / 1000) }')
	echo "$MODE: apply of $NVIP VIPs: $CHANGES changes in ${t_base} ms (first change after about ${t1} ms);" \
		"with LVS_RS_AGENT_DELAY_US=$DELAY_US: ${WINDOW_MS} ms (the whole window);" \
		"the focus, kernel changes $FOCUS_FIRST..$FOCUS, with $FOCUS_DELAY_US: ${FOCUS_MS} ms"
}

# crash_apply NS FOCUS: start the fault build's apply in NS, SIGKILL it
# after a random delay inside the window (the focus window if FOCUS is 1);
# sets KILL_MS, KILL_RC (137 when the signal ended it), KC (the kernel
# change the kill landed after), AT_KILL (what the kernel held right after).
crash_apply()
{
	local ns=$1 pid delay=$DELAY_US win=$WINDOW_MS k n

	if [ "$2" = 1 ]; then
		delay=$FOCUS_DELAY_US
		win=$FOCUS_MS
	fi
	KILL_MS=$(( (RANDOM * 32768 + RANDOM) % win ))
	# A simple command in the background: `ip netns exec` execs the agent,
	# so $! is the agent's own PID.
	LVS_RS_AGENT_DELAY_US=$delay ip netns exec "$(ns_name "$ns")" \
		"$FAULT_BIN" -s "$STATE" -c "$CONF" apply >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v m="$KILL_MS" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL "$pid" 2>/dev/null
	# (stderr: the shell's "Killed" notice)
	wait "$pid" 2>/dev/null
	KILL_RC=$?
	KC=-1 k=0 AT_KILL="no state read"
	snapshot "$ns" >"$TDIR/at-kill" &&
		read -r KC k _ _ AT_KILL < <("$PYTHON" -c "$KILL_POINT" "$CHANGES_FILE" "$TDIR/at-kill")
	n=$CHANGES
	if [ "$KILL_RC" -ne 137 ]; then
		AT_KILL="apply had ended (exit $KILL_RC): $AT_KILL"
	elif [ "$k" -gt 0 ] && [ "$k" -lt "$n" ]; then
		MIDWAY=$((MIDWAY + 1))
	fi
	if [ "$KILL_RC" -eq 137 ] && [ "$KC" -ge "$FOCUS_FIRST" ] && [ "$KC" -le "$FOCUS" ]; then
		IN_FOCUS=$((IN_FOCUS + 1))
	fi
	LANDED+=("$KC")
}

# Each set runs in one namespace: a trial that ends with the namespace equal
# to its snapshot leaves it as fresh as a new one; after a failed trial the
# namespace is replaced.
run_set()
{
	local set=$1 t ns=$1 name focus what

	ns_new "$ns" || { fail setup "could not create a namespace"; lvst_done; }
	prep_ns "$ns"
	snapshot "$ns" >"$TDIR/before"
	for t in $(seq 1 "$TRIALS"); do
		STATE=$TDIR/state-$MODE-$set$t
		focus=$((t % 2))
		what="whole apply"
		[ "$focus" = 1 ] && what="focus"
		crash_apply "$ns" "$focus"
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
			name="$MODE: crash A$t: kill at ${KILL_MS} ms ($what) after kernel change $KC, revert restores the pre-agent state"
		else
			name="$MODE: crash B$t: kill at ${KILL_MS} ms ($what) after kernel change $KC, apply converges, verify passes, revert restores"
		fi
		echo "trial $MODE $set$t: kill at $KILL_MS ms ($what window): $AT_KILL; ${#PROBLEMS[@]} problem(s)"
		if [ ${#PROBLEMS[@]} -eq 0 ]; then
			pass "$name"
		else
			fail "$name" "$(printf '%s; ' "${PROBLEMS[@]}")"
			ns_drop "$ns"
			ns_new "$ns" || { fail setup "could not create a namespace"; lvst_done; }
			prep_ns "$ns"
			snapshot "$ns" >"$TDIR/before"
		fi
		PROBLEMS=()
	done
	ns_drop "$ns"
}

# load_module: tun mode needs ipip; the agent's own request loads it (its
# probe: RTM_NEWLINK kind ipip). Returns 1 when the kernel lacks it.
load_module()
{
	[ "$MODE" = tun ] || return 0
	ns_new load || { fail setup "could not create a namespace"; lvst_done; }
	STATE=$TDIR/state-load
	agent_run load -c "$CONF" apply
	if [ "$RC" -eq 3 ] && grep -q 'lacks' <<<"$ERR"; then
		ns_drop load
		skip "$MODE" "this kernel lacks ipip (${ERR#lvs-rs-agent: }); the VM lab tun-crash tests TUN crashes"
		return 1
	fi
	assert_rc "$MODE: the agent's first TUN apply (loads ipip) succeeds" 0 || lvst_done
	agent_run load revert
	assert_rc "$MODE: its revert succeeds" 0 || lvst_done
	ns_drop load
}

for MODE in $MODES; do
	TRIALS=$(trials_of "$MODE")
	CONF=$TDIR/agent-$MODE.conf
	CHANGES_FILE=$TDIR/changes-$MODE.json
	write_conf "$MODE" "$CONF"
	load_module || continue
	calibrate
	start=$SECONDS
	MIDWAY=0
	IN_FOCUS=0
	LANDED=()
	run_set A
	run_set B
	echo "$MODE: $((2 * TRIALS)) trials in $((SECONDS - start)) s, $MIDWAY killed mid-way" \
		"(some but not all changes made), $IN_FOCUS in the focus (after kernel change $FOCUS_FIRST..$FOCUS)"
	# The agent sends the addresses in netlink batches (the delay applies
	# as each request is queued), so the kernel sees them arrive in a few
	# steps: these are the kernel changes the kills landed after.
	echo "$MODE: kills landed after kernel change (change x trials):" \
		"$(printf '%s\n' "${LANDED[@]}" | sort -n | uniq -c | awk '{ printf "%s x%s  ", $2, $1 }')"
	# A kill that always lands before the first or after the last change
	# proves nothing about a crash in the middle.
	if [ "$MIDWAY" -ge "$TRIALS" ]; then
		pass "$MODE: at least half of the kills landed mid-apply ($MIDWAY of $((2 * TRIALS)))"
	else
		fail "$MODE: kills mid-apply" "only $MIDWAY of $((2 * TRIALS)) kills landed between the first and the last change"
	fi
	if [ "$IN_FOCUS" -ge 1 ]; then
		pass "$MODE: $IN_FOCUS kill(s) landed in the focus (after kernel change $FOCUS_FIRST..$FOCUS)"
	else
		fail "$MODE: kills in the focus" "no kill landed after kernel change $FOCUS_FIRST..$FOCUS"
	fi
done

lvst_done
