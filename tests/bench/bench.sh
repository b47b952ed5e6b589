#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench (issue 3, done-when 11): wall time of the agent's apply, verify
# and revert of 1, 1,000 and 10,000 VIPs on lo in a fresh network namespace,
# the time `ip -batch` takes for the same address adds and deletes in the
# same run, and the agent's peak RSS. No thresholds: it prints a table.
#
# VIPs: documentation space holds only 3 x 254 IPv4 host addresses, so each
# size takes up to 750 IPv4 VIPs (198.51.100.1-250, 203.0.113.1-250,
# 192.0.2.1-250) and the rest IPv6 (2001:db8:100::/64), as the table's
# IPv4+IPv6 column says. `ip -batch` adds the IPv6 ones with the agent's
# flags (nodad, preferred_lft 0); it does not write the 4 arp sysctls.
# Each repetition runs on a new namespace: agent apply, verify, revert, then
# ip -batch add and del of the same addresses. Times are medians over the
# repetitions, in milliseconds, measured inside the namespace;
# peak RSS is the largest maximum resident set (GNU time's %M) of any agent
# run of that size.
#
# Environment: BENCH_SIZES (default "1 1000 10000"), BENCH_REPS (default 3).

LVST_SUITE=bench
. "$(dirname "$0")/../integration/lib.sh"
set -u -o pipefail

SIZES=${BENCH_SIZES:-1 1000 10000}
REPS=${BENCH_REPS:-3}

lvst_require_root
lvst_require_agent
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
	GNU_TIME=/usr/bin/time
else
	GNU_TIME=
	echo "note: GNU time (/usr/bin/time, Debian package 'time') missing: no peak RSS"
fi

V4_NETS="198.51.100 203.0.113 192.0.2"
V4_MAX=750

# vips N: print N VIP addresses, IPv4 first.
vips()
{
	local n=$1 i=0 net h

	for net in $V4_NETS; do
		for h in $(seq 1 250); do
			[ "$i" -ge "$n" ] && return 0
			echo "$net.$h"
			i=$((i + 1))
		done
	done
	h=1
	while [ "$i" -lt "$n" ]; do
		printf '2001:db8:100::%x\n' "$h"
		h=$((h + 1))
		i=$((i + 1))
	done
}

# make_inputs N: the agent's config and the ip -batch files for N VIPs.
make_inputs()
{
	local n=$1

	vips "$n" >"$TDIR/vips"
	{
		printf '[agent]\narp_suppress = sysctl\narp_ignore = 1\narp_announce = 2\n\n'
		printf '[vip bench]\naddress ='
		# Continuation lines of 10: a config line may not exceed 1024 bytes.
		awk '{ if (NR > 1 && (NR - 1) % 10 == 0) printf "\n\t"; printf " %s", $0 } END { print "" }' "$TDIR/vips"
	} >"$TDIR/agent.conf"
	awk '/:/ { print "addr add " $0 "/128 dev lo nodad preferred_lft 0"; next }
	     { print "addr add " $0 "/32 dev lo" }' "$TDIR/vips" >"$TDIR/add.batch"
	awk '/:/ { print "addr del " $0 "/128 dev lo"; next }
	     { print "addr del " $0 "/32 dev lo" }' "$TDIR/vips" >"$TDIR/del.batch"
}

# timed NS CMD...: run CMD in namespace NS; sets MS (wall time, taken inside
# the namespace, so without the cost of entering it), KB (peak RSS of CMD,
# when GNU time is there) and RC.
TIMED='s=$EPOCHREALTIME; "$@"; rc=$?; e=$EPOCHREALTIME; echo "$rc $s $e" >&3'
timed()
{
	local ns=$1 t

	shift
	: >"$TDIR/rss"
	if [ -n "$GNU_TIME" ]; then
		set -- "$GNU_TIME" -f %M -o "$TDIR/rss" "$@"
	fi
	t=$(in_ns "$ns" bash -c "$TIMED" timed "$@" 3>&1 >"$TDIR/out" 2>"$TDIR/err")
	read -r RC MS <<<"$(echo "$t" | awk '{ printf "%d %d", $1, ($3 - $2) * 1000 + 0.5 }')"
	KB=$(tail -n 1 "$TDIR/rss")
	if [ "$RC" -ne 0 ]; then
		echo "bench: '$*' exited $RC: $(head -3 "$TDIR/err")" >&2
		BENCH_ERR=1
	fi
}

lo_count()
{
	ip -n "$(ns_name "$1")" -o addr show dev lo | wc -l
}

median()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

max()
{
	printf '%s\n' "$@" | sort -n | tail -n 1
}

BENCH_ERR=0
ROWS=()
for n in $SIZES; do
	make_inputs "$n"
	n4=$((n < V4_MAX ? n : V4_MAX))
	apply=() verify=() revert=() badd=() bdel=() rss=()
	for r in $(seq 1 "$REPS"); do
		ns=b$n-$r
		STATE=$TDIR/state-$ns
		ns_new "$ns" || { fail setup "could not create a namespace"; exit 1; }
		base=$(lo_count "$ns")
		timed "$ns" "$AGENT_BIN" -s "$STATE" -c "$TDIR/agent.conf" apply
		apply+=("$MS") rss+=("$KB")
		got=$(( $(lo_count "$ns") - base ))
		if [ "$got" -ne "$n" ]; then
			echo "bench: after apply lo holds $got of $n VIPs" >&2
			BENCH_ERR=1
		fi
		timed "$ns" "$AGENT_BIN" -s "$STATE" -c "$TDIR/agent.conf" verify
		verify+=("$MS") rss+=("$KB")
		timed "$ns" "$AGENT_BIN" -s "$STATE" revert
		revert+=("$MS") rss+=("$KB")
		timed "$ns" ip -batch "$TDIR/add.batch"
		badd+=("$MS")
		got=$(( $(lo_count "$ns") - base ))
		if [ "$got" -ne "$n" ]; then
			echo "bench: after ip -batch lo holds $got of $n VIPs" >&2
			BENCH_ERR=1
		fi
		timed "$ns" ip -batch "$TDIR/del.batch"
		bdel+=("$MS")
		echo "run $n VIPs #$r: apply ${apply[-1]} ms, verify ${verify[-1]} ms, revert ${revert[-1]} ms," \
			"ip -batch add ${badd[-1]} ms, del ${bdel[-1]} ms, agent RSS ${rss[-3]:-?}/${rss[-2]:-?}/${rss[-1]:-?} KB"
		ip netns del "$(ns_name "$ns")"
	done
	peak=n/a
	[ -n "$GNU_TIME" ] && peak=$(max "${rss[@]}")
	ROWS+=("$(printf '%6s  %10s  %8s  %9s  %9s  %12s  %12s  %12s' "$n" "$n4+$((n - n4))" \
		"$(median "${apply[@]}")" "$(median "${verify[@]}")" "$(median "${revert[@]}")" \
		"$(median "${badd[@]}")" "$(median "${bdel[@]}")" "$peak")")
done

echo
echo "$("$AGENT_BIN" --version 2>/dev/null | head -1), kernel $(uname -r), median of $REPS, ms"
printf '%6s  %10s  %8s  %9s  %9s  %12s  %12s  %12s\n' VIPs IPv4+IPv6 apply verify revert \
	"ip-batch add" "ip-batch del" "peak RSS KB"
printf '%s\n' "${ROWS[@]}"
exit "$BENCH_ERR"
