#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every netlink receive has a deadline (issue 15, done-when 4). With the
# test build's switches, LVS_RS_AGENT_MUTE=N swallows the Nth netlink
# request of the process, so that its answer never comes, and
# LVS_RS_AGENT_TIMEOUT_MS=T makes every wait T ms. For every N of a run
# (an rtnetlink request, dumps and batches of address changes, nf_tables
# queries, dumps and transactions: arp_suppress = nft with an IPv4 and an
# IPv6 VIP):
#
#  - the agent exits 3 no sooner than T (the request was waited for) and
#    within T plus a margin (well under the 10 s default, which a receive
#    that kept to it rather than to the deadline would take);
#  - one line names what got no answer ("RTM_GETADDR dump: no answer from
#    the kernel within T ms"), and no rollback failed;
#  - everything the run changed is rolled back: the namespace is as before;
#  - the lock is free: a second run with --wait 0 gets it at once.
#
# The same run with nothing muted is the negative control: it succeeds;
# and the first N past the run's last request succeeds too, with a wait
# too long for it not to show. Three runs: apply on a fresh namespace, apply
# with lo down (lo brought up by an rtnetlink request of its own), and the
# revert of an apply. Generic netlink: no path of the agent speaks it yet
# (test-nl covers the family lookup's deadline).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft
lvst_require_agent
lvst_require_agent "$FAULT_BIN"

T=300
# The rest of the run and its rollback, for a sanitizer build on a busy
# machine; still well under the 10 s default, so that a receive that kept
# to the default rather than the deadline would show.
MARGIN=5000
# A wait that no run of this size comes near.
T_LONG=9000

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
CONF=$TDIR/agent.conf
printf '[agent]\narp_suppress = nft\n\n[vip web]\naddress = 198.51.100.10 2001:db8:100::1\n' >"$CONF"

# A snapshot without nf_tables handles: a table that a rolled-back revert
# made again holds the same, under new handles.
snap()
{
	snapshot rs | "$PYTHON" -c '
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k != "handle"}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
print(json.dumps(strip(json.load(sys.stdin)), indent=1, sort_keys=True))'
}

# assert_snap NAME WANT: the namespace is as WANT (a snap).
assert_snap()
{
	snap >"$TDIR/cmp.json"
	if snapshot_diff "$2" "$TDIR/cmp.json" >"$TDIR/cmp.diff"; then
		pass "$1"
	else
		fail "$1" "the namespace differs (diff follows)"
		sed -n '3,40s/^/    | /p' "$TDIR/cmp.diff"
	fi
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# kind_of TEXT: which kind of request a "no answer" line names.
kind_of()
{
	case $1 in
	*"nf_tables transaction"*) echo "nf_tables transaction" ;;
	*NFT_MSG_GET*dump*) echo "nf_tables dump" ;;
	*NFT_MSG_GET*) echo "nf_tables query" ;;
	*RTM_NEWADDR* | *RTM_DELADDR*) echo "rtnetlink batch of address changes" ;;
	*RTM_NEWLINK*) echo "rtnetlink request" ;;
	*RTM_GET*dump*) echo "rtnetlink dump" ;;
	*"generic netlink"*) echo "generic netlink" ;;
	*) echo "unknown" ;;
	esac
}

# trials NAME CMD WANT_SNAPSHOT AFTER: for N = 1, 2, ... run the fault
# build's CMD with request N muted until a run succeeds; each must fail as
# the header says and leave the namespace as WANT_SNAPSHOT. AFTER is the
# command of the second run that must get the lock at once. Sets KINDS
# (the kinds of request seen, one a line) and N_REQ (how many requests
# the run makes).
trials()
{
	local name=$1 cmd=$2 want=$3 after=$4 n t0 dt line kind why now waited

	KINDS=
	N_REQ=
	for n in $(seq 1 80); do
		t0=$(now_ms)
		LVS_RS_AGENT_MUTE=$n LVS_RS_AGENT_TIMEOUT_MS=$T AGENT_BIN=$FAULT_BIN \
			agent_run rs -c "$CONF" "$cmd"
		dt=$(($(now_ms) - t0))
		waited=$dt
		if [ "$RC" = 0 ]; then
			# Past the last request, or a request the run could do
			# without: undone, the same run once more with a wait
			# far longer than the run tells them apart.
			agent_run rs -c "$CONF" "$after"
			t0=$(now_ms)
			LVS_RS_AGENT_MUTE=$n LVS_RS_AGENT_TIMEOUT_MS=$T_LONG AGENT_BIN=$FAULT_BIN \
				agent_run rs -c "$CONF" "$cmd"
			dt=$(($(now_ms) - t0))
			if [ "$RC" = 0 ] && [ "$dt" -lt "$T_LONG" ]; then
				pass "$name: $cmd makes $((n - 1)) requests: with request $n muted it succeeds in $dt ms, nothing waited for"
			else
				fail "$name: request $n" "$cmd exits $RC after $dt ms with a $T_LONG ms deadline: was a muted request not needed?"
			fi
			N_REQ=$((n - 1))
			return 0
		fi
		why=
		line=$(grep -E "(RTM_[A-Z]+|NFT_MSG_[A-Z]+|nf_tables transaction|generic netlink family).*: no answer from the kernel within $T ms" <<<"$ERR")
		kind=$(kind_of "$line")
		if [ "$RC" != 3 ]; then
			why="exit $RC, expected 3"
		elif [ "$dt" -lt "$T" ] || [ "$dt" -gt $((T + MARGIN)) ]; then
			why="took $dt ms, expected $T to $((T + MARGIN))"
		elif [ "$(grep -c . <<<"$line")" != 1 ] || [ "$kind" = unknown ]; then
			why="no one line names what got no answer"
		elif grep -q "rollback failed" <<<"$ERR"; then
			why="the rollback failed"
		fi
		if [ -n "$why" ]; then
			fail "$name: request $n" "$why; stderr: $ERR"
			continue
		fi
		now=$TDIR/now.json
		snap >"$now"
		if ! snapshot_diff "$want" "$now" >"$now.diff"; then
			fail "$name: request $n ($kind)" "the namespace is not as before the run (diff follows)"
			sed -n '3,40s/^/    | /p' "$now.diff"
			continue
		fi
		agent_run rs -c "$CONF" -w 0 "$after"
		if [ "$RC" != 0 ] || grep -qi "lock" <<<"$ERR"; then
			fail "$name: request $n ($kind)" "the second run did not get the lock (exit $RC): $ERR"
			continue
		fi
		pass "$name: request $n ($kind): exit 3 after $waited ms, \"$(sed 's/^ *//' <<<"$line")\", rolled back, lock free"
		KINDS+="$kind"$'\n'
	done
	fail "$name: negative control" "no run succeeded within 80 muted requests"
}

# covers NAME KIND...: the trials met each KIND.
covers()
{
	local name=$1 k

	shift
	for k in "$@"; do
		if grep -qxF "$k" <<<"$KINDS"; then
			pass "$name: the $N_REQ requests include: $k"
		else
			fail "$name: the $N_REQ requests include: $k" "kinds met: $(sort -u <<<"$KINDS" | tr '\n' ',')"
		fi
	done
}

# ---- apply on a fresh namespace
BEFORE=$TDIR/before.json
snap >"$BEFORE"
# Negative control: nothing muted, the fault build's apply succeeds.
AGENT_BIN=$FAULT_BIN LVS_RS_AGENT_TIMEOUT_MS=$T agent_run rs -c "$CONF" apply
assert_rc "negative control: without a muted request apply exits 0" 0
agent_run rs -c "$CONF" revert
assert_rc "negative control: revert exits 0" 0
assert_snap "negative control: revert: the namespace as before" "$BEFORE"
trials apply apply "$BEFORE" revert
covers apply "rtnetlink dump" "rtnetlink batch of address changes" "nf_tables query" \
	"nf_tables dump" "nf_tables transaction"
agent_run rs -c "$CONF" revert
assert_rc "apply: revert after the last run exits 0" 0
assert_snap "apply: revert: the namespace as before" "$BEFORE"

# ---- apply with lo down: lo is brought up by a request of its own
ip -n "$(ns_name rs)" link set lo down || fail setup "cannot bring lo down"
LO_DOWN=$TDIR/lo-down.json
snap >"$LO_DOWN"
trials "lo down" apply "$LO_DOWN" revert
covers "lo down" "rtnetlink request"
agent_run rs -c "$CONF" revert
assert_rc "lo down: revert after the last run exits 0" 0
assert_snap "lo down: revert: the namespace as before" "$LO_DOWN"
ip -n "$(ns_name rs)" link set lo up || fail setup "cannot bring lo up"

# ---- revert of an apply: a failed revert rolls back to the applied state
agent_run rs -c "$CONF" apply
assert_rc "revert: the apply exits 0" 0
APPLIED=$TDIR/applied.json
snap >"$APPLIED"
trials revert revert "$APPLIED" apply
covers revert "rtnetlink batch of address changes" "nf_tables transaction"
assert_snap "revert: the last run leaves the namespace as before the apply" "$BEFORE"

lvst_done
