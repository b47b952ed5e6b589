#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# All or nothing (issue 3, done-when 6), with the test build's fault switch:
# LVS_RS_AGENT_FAULT=N makes the Nth kernel change of the process fail.
#
#  apply:     for every N of a multi-VIP apply (3 IPv4 + 2 IPv6 VIPs, the
#             4 arp sysctls) on a fresh namespace: exit 3, "injected fault"
#             on stderr, the namespace equals its state before the run, and
#             a following revert has nothing to do.
#  revert:    for every N of the revert of that apply: exit 3, the namespace
#             equals the applied state, and a plain revert afterwards
#             restores the state before the apply.
#  reconcile: for every N of an apply with an edited config (one IPv4 VIP
#             removed, one IPv6 VIP added, arp_ignore 1 -> 2): exit 3, the
#             namespace equals the state of the previous apply, and revert
#             still restores the state before the first apply.
# The number of changes is read from a successful run's --json output, and
# N = that number + 1 must succeed, so every change the fault switch counts is
# covered.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

CONF1=$TDIR/agent.conf
CONF2=$TDIR/edited.conf
cat >"$CONF1" <<EOF
[agent]
arp_suppress = sysctl
arp_ignore = 1
arp_announce = 2

[vip web]
address = 198.51.100.10 198.51.100.11
	203.0.113.12

[vip web6]
address = 2001:db8:100::1 2001:db8:100::2
EOF
cat >"$CONF2" <<EOF
# 203.0.113.12 removed, 2001:db8:100::3 added, arp_ignore 1 -> 2
[agent]
arp_suppress = sysctl
arp_ignore = 2
arp_announce = 2

[vip web]
address = 198.51.100.10 198.51.100.11

[vip web6]
address = 2001:db8:100::1 2001:db8:100::2 2001:db8:100::3
EOF

# Local helper (lib.sh removes namespaces only at exit): drop a namespace
# that is no longer needed.
ns_drop()
{
	ip netns del "$(ns_name "$1")" 2>/dev/null
}

# snap_cmp WANT NOW: status 0 when the snapshots are equal. A delete that a
# rollback undoes puts the address back at the end of the device's list (the
# kernel offers no way to re-insert it where it was), so the address lists
# are compared as sets; an order-only difference is reported as a note.
SNAP_CMP='
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a == b:
    sys.exit(0)
def unordered(s):
    for link in s["addr"]:
        link["addr_info"] = sorted(link.get("addr_info", []),
                                   key=lambda x: json.dumps(x, sort_keys=True))
    return s
sys.exit(3 if unordered(a) == unordered(b) else 1)
'
snap_cmp()
{
	"$PYTHON" -c "$SNAP_CMP" "$1" "$2"
	case $? in
	0) return 0 ;;
	3) echo "note: $3: same addresses, in another order on the device" ;;
	*) return 1 ;;
	esac
}

# PROBLEMS collects what is wrong in one trial; trial_result prints one
# PASS or FAIL line for it.
PROBLEMS=()
problem()
{
	PROBLEMS+=("$*")
}

trial_result()
{
	if [ ${#PROBLEMS[@]} -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "$(printf '%s; ' "${PROBLEMS[@]}")"
	fi
	PROBLEMS=()
}

# expect_state NS WANT WHAT: record a problem (and show the diff) unless the
# namespace NS equals snapshot file WANT.
expect_state()
{
	local now=$TDIR/now

	if ! snapshot "$1" >"$now"; then
		problem "could not take a snapshot"
		return 1
	fi
	snap_cmp "$2" "$now" "$3" && return 0
	problem "$3: kernel state differs (diff follows)"
	snapshot_diff "$2" "$now" | sed -n '3,60s/^/    | /p'
	return 1
}

# expect_rc WHAT WANT: record a problem unless the last agent_run exited WANT.
expect_rc()
{
	[ "$RC" = "$2" ] && return 0
	problem "$1 exited $RC, expected $2 (stderr: ${ERR:-<empty>})"
	return 1
}

# count_changes: number of changes in the --json document in $OUT.
count_changes()
{
	json_eval "$OUT" 'len(d["changes"])' 2>/dev/null
}

fault_run()
{
	local n=$1 ns=$2

	shift 2
	LVS_RS_AGENT_FAULT=$n AGENT_BIN=$FAULT_BIN agent_run "$ns" --json "$@"
}

expect_fault()
{
	expect_rc "$1 with fault $2" 3
	if ! grep -q 'injected fault' <<<"$ERR"; then
		problem "$1 with fault $2: stderr does not name the injected fault: ${ERR:-<empty>}"
	fi
	# A message's second line, if any, is indented under its first.
	if grep -qv -e '^$' -e '^lvs-rs-agent: ' -e '^  [^ ]' <<<"$ERR"; then
		problem "$1 with fault $2: a stderr line lacks the 'lvs-rs-agent: ' prefix: ${ERR:-<empty>}"
	fi
	if [ "$(json_eval "$OUT" 'd["ok"] is False and "injected fault" in d["error"]')" != true ]; then
		problem "$1 with fault $2: --json lacks \"ok\": false and an \"error\" naming the injected fault: ${OUT:0:300}"
	fi
}

# ---- how many changes each run makes, from successful runs on a scratch
# namespace (one journal for the whole sequence)
ns_new count || { fail setup "could not create a namespace"; exit 1; }
STATE=$TDIR/state-count
agent_run count -c "$CONF1" --json apply
assert_rc "counting: apply succeeds" 0 || lvst_done
N_APPLY=$(count_changes)
agent_run count --json revert
assert_rc "counting: revert succeeds" 0 || lvst_done
N_REVERT=$(count_changes)
agent_run count -c "$CONF1" apply
assert_rc "counting: apply again succeeds" 0 || lvst_done
agent_run count -c "$CONF2" --json apply
assert_rc "counting: reconcile apply succeeds" 0 || lvst_done
N_RECONCILE=$(count_changes)
ns_drop count
for v in N_APPLY N_RECONCILE N_REVERT; do
	case ${!v} in
	'' | *[!0-9]*) fail "counting" "$v is '${!v}': no changes list in the --json output"; lvst_done ;;
	esac
done
# 4 sysctls + 3 IPv4 + 2 IPv6 addresses on a fresh namespace.
assert_eq "counting: apply of 3 IPv4 + 2 IPv6 VIPs makes 9 changes" 9 "$N_APPLY"
assert_eq "counting: revert undoes as many changes as apply made" "$N_APPLY" "$N_REVERT"
echo "changes: apply $N_APPLY, reconcile $N_RECONCILE, revert $N_REVERT"

# The trials share one namespace: every trial ends by checking that the
# namespace equals its snapshot from before (so it is as good as a fresh
# one), and a trial that finds anything wrong replaces it.
fresh_ns()
{
	ns_drop f
	ns_new f || { fail setup "could not create a namespace"; lvst_done; }
	snapshot f >"$TDIR/before" || { fail setup "snapshot failed"; lvst_done; }
}

# trial_end NAME: print the trial's result; replace the namespace if the
# trial left it in doubt.
trial_end()
{
	local bad=${#PROBLEMS[@]}

	trial_result "$1"
	[ "$bad" -eq 0 ] || fresh_ns
}

fresh_ns

# ---- apply
tested=()
for n in $(seq 1 "$N_APPLY"); do
	STATE=$TDIR/state-a$n
	fault_run "$n" f -c "$CONF1" apply
	expect_fault apply "$n"
	expect_state f "$TDIR/before" "after the failed apply"
	agent_run f --json revert
	expect_rc "revert after the failed apply" 0
	if [ "$(json_eval "$OUT" 'd["changed"] is False and d["changes"] == []')" != true ]; then
		problem "revert after the failed apply was not a no-op: ${OUT:0:300}"
	fi
	expect_state f "$TDIR/before" "after the revert that followed"
	trial_end "apply, fault at change $n of $N_APPLY: exit 3, state as before, revert a no-op"
	tested+=("$n")
done
echo "apply: tested N = ${tested[*]}"

n=$((N_APPLY + 1))
STATE=$TDIR/state-a$n
fault_run "$n" f -c "$CONF1" apply
expect_rc "apply with fault $n" 0
agent_run f revert
expect_rc "revert" 0
expect_state f "$TDIR/before" "after the revert"
trial_end "apply, fault at change $n (past the last): succeeds"

# ---- revert
tested=()
for n in $(seq 1 "$N_REVERT"); do
	STATE=$TDIR/state-r$n
	agent_run f -c "$CONF1" apply
	expect_rc "apply" 0
	snapshot f >"$TDIR/applied"
	fault_run "$n" f revert
	expect_fault revert "$n"
	expect_state f "$TDIR/applied" "after the failed revert"
	agent_run f revert
	expect_rc "plain revert afterwards" 0
	expect_state f "$TDIR/before" "after the plain revert"
	trial_end "revert, fault at change $n of $N_REVERT: exit 3, state as applied, plain revert restores"
	tested+=("$n")
done
echo "revert: tested N = ${tested[*]}"

n=$((N_REVERT + 1))
STATE=$TDIR/state-r$n
agent_run f -c "$CONF1" apply
expect_rc "apply" 0
fault_run "$n" f revert
expect_rc "revert with fault $n" 0
expect_state f "$TDIR/before" "after the revert"
trial_end "revert, fault at change $n (past the last): succeeds, state as before the apply"

# ---- reconcile
tested=()
for n in $(seq 1 "$N_RECONCILE"); do
	STATE=$TDIR/state-c$n
	agent_run f -c "$CONF1" apply
	expect_rc "apply" 0
	snapshot f >"$TDIR/applied"
	fault_run "$n" f -c "$CONF2" apply
	expect_fault "reconcile apply" "$n"
	expect_state f "$TDIR/applied" "after the failed reconcile"
	agent_run f revert
	expect_rc "revert after the failed reconcile" 0
	expect_state f "$TDIR/before" "after the revert"
	trial_end "reconcile, fault at change $n of $N_RECONCILE: exit 3, state of the previous apply, revert restores"
	tested+=("$n")
done
echo "reconcile: tested N = ${tested[*]}"

n=$((N_RECONCILE + 1))
STATE=$TDIR/state-c$n
agent_run f -c "$CONF1" apply
expect_rc "apply" 0
fault_run "$n" f -c "$CONF2" apply
expect_rc "reconcile apply with fault $n" 0
agent_run f revert
expect_rc "revert" 0
expect_state f "$TDIR/before" "after the revert"
trial_end "reconcile, fault at change $n (past the last): succeeds"

lvst_done
