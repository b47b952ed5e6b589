#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench (issue 8): the agent's apply, verify, status and revert of 1,
# 1,000 and 10,000 VIPs (addresses, and anyip local routes), each figure side
# by side with its anchor measured in the same run: `ip -batch` making the
# same kernel changes, and for 1,000 VIPs also the shell loop (one `ip addr
# add` per VIP). Medians of BENCH_REPS repetitions (default 5); the bounds of
# issue 8 (and two of this bench's own, S and P) are checked on the ratios
# and printed PASS/FAIL, the table goes to stdout and to bench/results.md
# with a description of the machine.
# Exit status: 0 when every bound held and nothing went wrong, else 1.
#
# Method (results.md repeats it):
#  - Everything runs in one network namespace that this script creates and
#    deletes (lib.sh, also on failure). Before each repetition the namespace
#    is as at the start: every repetition ends with revert or ip -batch del,
#    and the bench checks the count of bench addresses and routes on lo.
#  - Timer: build/bench-timer (tests/bench/timer.c) starts the command
#    inside the namespace with posix_spawn() and reads CLOCK_MONOTONIC
#    around spawn..wait4: the process's own wall time, for the agent and its
#    anchor alike (entering the namespace is not timed); the peak RSS is the
#    child's ru_maxrss from wait4(). Two reference rows of the one-VIP case
#    have the timer fork() instead, as a shell does.
#  - Addresses: documentation space only (the machine's safety rule). It
#    holds 762 IPv4 host addresses, so the 1,000 and 10,000 figures are IPv6
#    /128 from 2001:db8::/32, added as the agent adds them (nodad,
#    noprefixroute, preferred_lft 0; the anchors say the same); one VIP is
#    192.0.2.1 (anyip: 203.0.113.1/32), the anyip /24 is 198.51.100.0/24.
#    The namespace has only lo: nothing leaves it.
#  - The address and anyip configs say arp_suppress = none, so that the agent
#    makes exactly the anchor's kernel changes; the one-VIP bound is measured
#    on the usual config (arp_suppress = sysctl: 4 sysctls and the address).
#  - The journal lives on a tmpfs (BENCH_STATE_DIR, default a directory in
#    /dev/shm), as /run does on a systemd host; one row shows it on /tmp.
#  - Repetitions interleave the cases, and alternate within a case whether
#    the agent or its anchor runs first, so that drift in the machine's load
#    touches both sides alike.
#
# Environment: BENCH_REPS (default 5), BENCH_RESULTS (default
# bench/results.md; "-" writes none), BENCH_STATE_DIR, BUILD.

set -u -o pipefail

# ---- inside the namespace: `bench.sh --inner CASE` runs one repetition of
# one case. From the caller: AGENT TIMER D (inputs) STATE DISK_STATE OUT
# (figures: LABEL REP USEC KB) ERRS (one line per problem) REP, PROM (the
# metrics file of verify --prometheus), ONE_ROUNDS.
if [ "${1:-}" = --inner ]; then
	bad()
	{
		echo "$*" >>"$ERRS"
	}

	# timed LABEL CMD...: run CMD under the timer, expect exit 0.
	# timed LABEL [--fork] CMD...: the timer creates CMD's process with
	# posix_spawn(), or with fork() under --fork (see tests/bench/timer.c).
	timed()
	{
		local label=$1 res rc us kb mode=()

		shift
		if [ "$1" = --fork ]; then
			mode=(-f)
			shift
		fi
		res=$("$TIMER" "${mode[@]}" "$@" 3>&1 >/dev/null 2>"$D/err")
		read -r rc us kb <<<"$res"
		if [ -z "${kb:-}" ]; then
			bad "$label: the timer failed: $(head -c 300 "$D/err")"
			return 1
		fi
		if [ "$rc" -ne 0 ]; then
			bad "$label: '$*' exited $rc: $(head -c 300 "$D/err" | tr '\n' ' ')"
			return 1
		fi
		echo "$label $REP $us $kb" >>"$OUT"
	}

	# The bench's addresses on lo (192.0.2.0/24, 2001:db8:100::/64).
	addrs()
	{
		ip -o addr show dev lo | grep -c -E ' (192\.0\.2\.|2001:db8:100:)' || true
	}

	# The bench's own local routes, IPv4 and IPv6: protocol 76, the agent's
	# (the anchors add theirs with it too; the addresses' routes are
	# protocol kernel).
	routes()
	{
		{
			ip -4 -o route show table local type local dev lo proto 76
			ip -6 -o route show table local type local dev lo proto 76
		} | grep -c . || true
	}

	# expect WHAT N STEP: the count of WHAT (addrs, routes) is N.
	expect()
	{
		local n

		n=$($1)
		[ "$n" -eq "$2" ] && return 0
		bad "$3: lo holds $n bench $1, expected $2"
		return 1
	}

	case_addr()
	{
		local n=$1 p=addr$1

		agent_side()
		{
			timed "$p.apply" "$AGENT" -s "$STATE" -c "$D/$p.conf" apply &&
			expect addrs "$n" "$p.apply" &&
			timed "$p.reapply" "$AGENT" -s "$STATE" -c "$D/$p.conf" apply &&
			timed "$p.verify" "$AGENT" -s "$STATE" -c "$D/$p.conf" verify &&
			timed "$p.status" "$AGENT" -s "$STATE" -c "$D/$p.conf" status &&
			timed "$p.status_json" "$AGENT" -s "$STATE" -c "$D/$p.conf" --json status &&
			timed "$p.prom" "$AGENT" -s "$STATE" -c "$D/$p.conf" \
				verify --prometheus "$PROM" &&
			timed "$p.revert" "$AGENT" -s "$STATE" revert &&
			expect addrs 0 "$p.revert"
		}
		anchor_side()
		{
			timed "$p.ipadd" ip -batch "$D/$p.add" &&
			expect addrs "$n" "$p.ipadd" &&
			timed "$p.ipdel" ip -batch "$D/$p.del" &&
			expect addrs 0 "$p.ipdel" || return 1
			[ -e "$D/$p.loop" ] || return 0
			timed "$p.loop" bash "$D/$p.loop" &&
			expect addrs "$n" "$p.loop" &&
			ip -batch "$D/$p.del" &&
			expect addrs 0 "$p.loop (deleted)"
		}
		if [ $((REP % 2)) -eq 1 ]; then
			agent_side && anchor_side
		else
			anchor_side && agent_side
		fi
	}

	# One VIP with the usual config (4 sysctls), the process floor, the
	# agent's own start (exec and dynamic loading, no work), and the
	# journal on a disk file system; the floor and the apply again with
	# the process created by fork(), as a shell does. These processes take
	# a few ms, within the machine's noise: ONE_ROUNDS rounds per
	# repetition give the 4b bound's median more samples.
	case_one()
	{
		local k

		for ((k = 0; k < ONE_ROUNDS; k++)); do
			timed one.true /bin/true &&
			timed one.version "$AGENT" --version &&
			timed one.apply "$AGENT" -s "$STATE" -c "$D/one.conf" apply &&
			expect addrs 1 one.apply &&
			timed one.revert "$AGENT" -s "$STATE" revert &&
			expect addrs 0 one.revert &&
			timed one.true_fork --fork /bin/true &&
			timed one.apply_fork --fork "$AGENT" -s "$STATE" -c "$D/one.conf" apply &&
			expect addrs 1 one.apply_fork &&
			"$AGENT" -s "$STATE" revert >/dev/null &&
			expect addrs 0 "one.apply_fork (reverted)" || return 1
		done
		timed one.apply_disk "$AGENT" -s "$DISK_STATE" -c "$D/one.conf" apply &&
		timed one.revert_disk "$AGENT" -s "$DISK_STATE" revert &&
		expect addrs 0 one.revert_disk
	}

	# anyip: P is any1 (one /32), any1000 (1,000 /128), any10000 (10,000
	# /128), any24 (one /24) or anyp6 (40 /120), R its routes.
	case_any()
	{
		local p=$1 r=$2

		agent_side()
		{
			timed "$p.apply" "$AGENT" -s "$STATE" -c "$D/$p.conf" apply &&
			expect routes "$r" "$p.apply" &&
			expect addrs 0 "$p.apply" &&
			timed "$p.verify" "$AGENT" -s "$STATE" -c "$D/$p.conf" verify &&
			timed "$p.revert" "$AGENT" -s "$STATE" revert &&
			expect routes 0 "$p.revert"
		}
		anchor_side()
		{
			timed "$p.iproute" ip -batch "$D/$p.radd" &&
			expect routes "$r" "$p.iproute" &&
			timed "$p.iprdel" ip -batch "$D/$p.rdel" &&
			expect routes 0 "$p.iprdel"
		}
		if [ $((REP % 2)) -eq 1 ]; then
			agent_side && anchor_side
		else
			anchor_side && agent_side
		fi
	}

	case $2 in
	addr) case_addr "$3" ;;
	one) case_one ;;
	any1) case_any any1 1 ;;
	any1000) case_any any1000 1000 ;;
	any10000) case_any any10000 10000 ;;
	any24) case_any any24 1 ;;
	anyp6) case_any anyp6 40 ;;
	*) bad "unknown case $2"; false ;;
	esac
	rc=$?
	if [ "$rc" -ne 0 ]; then
		# Leave the namespace clean for the other cases.
		for s in "$STATE" "$DISK_STATE"; do
			"$AGENT" -s "$s" revert >/dev/null 2>&1
		done
		for f in "$D"/*.del "$D"/*.rdel; do
			ip -force -batch "$f" >/dev/null 2>&1
		done
	fi
	exit "$rc"
fi

# lib.sh moves to the top of the tree: this script by its full path.
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
# shellcheck disable=SC2034 # read by lib.sh
LVST_SUITE=bench
. "$(dirname "$0")/../integration/lib.sh"

REPS=${BENCH_REPS:-5}
# Rounds of the one-VIP case per repetition (see case_one).
ONE_ROUNDS=5
RESULTS=${BENCH_RESULTS:-bench/results.md}
TIMER=$LVST_ROOT/$BUILD/bench-timer
case $BUILD in /*) TIMER=$BUILD/bench-timer ;; esac

case $REPS in
'' | *[!0-9]* | 0) echo "bench: BENCH_REPS must be a positive number" >&2; exit 2 ;;
esac
lvst_require_root
lvst_require_agent
if [ ! -x "$TIMER" ]; then
	fail binary "$TIMER missing (make bench builds it)"
	exit 1
fi

# Private copies: other builds in the tree must not swap the binary under a
# running benchmark.
D=$TDIR/in
mkdir -p "$D" || exit 1
cp "$AGENT_BIN" "$TDIR/lvs-rs-agent" && cp "$TIMER" "$TDIR/bench-timer" || exit 1
AGENT=$TDIR/lvs-rs-agent
TIMER=$TDIR/bench-timer

if [ -n "${BENCH_STATE_DIR:-}" ]; then
	SDIR=$(mktemp -d "$BENCH_STATE_DIR/lvs-bench.XXXXXX") || exit 1
elif [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	SDIR=$(mktemp -d /dev/shm/lvs-bench.XXXXXX) || exit 1
else
	SDIR=$(mktemp -d "$TDIR/state.XXXXXX") || exit 1
fi
trap 'rm -rf -- "$SDIR"; lvst_cleanup' EXIT
trap 'rm -rf -- "$SDIR"; lvst_signal INT' INT
trap 'rm -rf -- "$SDIR"; lvst_signal TERM' TERM
STATE=$SDIR/state
DISK_STATE=$TDIR/disk/state
mkdir -p "$TDIR/disk" || exit 1
fstype()
{
	df --output=fstype "$1" 2>/dev/null | tail -n 1
}
STATE_FS=$(fstype "$SDIR")
DISK_FS=$(fstype "$TDIR/disk")

# ---- inputs

# vips N: N VIPs: one is 192.0.2.1; more are IPv6 2001:db8:100::1.., as
# documentation space has too few IPv4 addresses for 1,000 (see Method).
vips()
{
	if [ "$1" -eq 1 ]; then
		echo 192.0.2.1
	else
		awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "2001:db8:100::%x\n", i }'
	fi
}

# conf NAME ANYIP <vips: the config, 10 VIPs a line (lines stay under 1024 B).
conf()
{
	{
		printf '[agent]\narp_suppress = none\n\n[vip %s]\n' "$1"
		[ "$2" = yes ] && printf 'anyip = yes\n'
		printf 'address ='
		awk '{ if (NR > 1 && (NR - 1) % 10 == 0) printf "\n\t"; printf " %s", $0 } END { print "" }'
	}
}

# The anchors make the agent's very kernel changes: an IPv6 VIP is added
# as netconf/addr.c adds it (no DAD, preferred lifetime 0, no prefix route),
# an anyip route as netconf/route.c does (type local, table local, protocol
# 76; scope host is what ip gives a local route).
V6FLAGS='nodad noprefixroute preferred_lft 0'
for n in 1 1000 10000; do
	p=addr$n
	vips "$n" >"$D/$p.vips"
	conf bench no <"$D/$p.vips" >"$D/$p.conf"
	awk -v f="$V6FLAGS" '{ print "addr add " $0 (index($0, ":") ? "/128 dev lo " f : "/32 dev lo") }' \
		"$D/$p.vips" >"$D/$p.add"
	awk '{ print "addr del " $0 (index($0, ":") ? "/128" : "/32") " dev lo" }' \
		"$D/$p.vips" >"$D/$p.del"
done
awk -v f="$V6FLAGS" 'BEGIN { print "while read -r a; do ip addr add \"$a/128\" dev lo " f " || exit 1; done <<EOF" }
     { print } END { print "EOF" }' "$D/addr1000.vips" >"$D/addr1000.loop"
{
	printf '[agent]\narp_suppress = sysctl\narp_ignore = 1\narp_announce = 2\n\n'
	printf '[vip one]\naddress = %s\n' "$(cat "$D/addr1.vips")"
} >"$D/one.conf"

# anyip: one IPv4 /32, 1,000 and 10,000 /128, one IPv4 /24, and 40 IPv6 /120
# (10,240 addresses).
echo 203.0.113.1/32 >"$D/any1.vips"
awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "2001:db8:200::%x/128\n", i }' >"$D/any1000.vips"
awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "2001:db8:200::%x/128\n", i }' >"$D/any10000.vips"
echo 198.51.100.0/24 >"$D/any24.vips"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "2001:db8:300::%x/120\n", i * 256 }' >"$D/anyp6.vips"
for p in any1 any1000 any10000 any24 anyp6; do
	conf "$p" yes <"$D/$p.vips" >"$D/$p.conf"
	awk '{ print "route add local " $0 " dev lo table local proto 76" }' "$D/$p.vips" >"$D/$p.radd"
	awk '{ print "route del local " $0 " dev lo table local proto 76" }' "$D/$p.vips" >"$D/$p.rdel"
done

# ---- the machine

cpu=$(awk -F': *' '/^model name/ { m = $2 } /^cpu MHz/ { f = $2 }
	/^flags/ { v = $2 ~ /(^| )hypervisor( |$)/ ? ", virtual machine (hypervisor flag)" : "" }
	/^$/ { exit } END { printf "%s, %.0f MHz%s", m, f, v }' /proc/cpuinfo)
cores=$(nproc)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
kernel="$(uname -r) ($(uname -m))"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
date0=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
version=$("$AGENT" --version 2>/dev/null | head -1)
commit=$(git -C "$LVST_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The shared libraries the loader maps besides libc (make LINK=static links
# the others into the binary).
SHLIBS=$(ldd "$AGENT" 2>/dev/null | awk '$2 == "=>" && $1 !~ /^libc\.so/ { sub(/\.so.*/, "", $1); l = l (l ? ", " : "") $1; n++ }
	END { if (n == 0) print "no library besides libc"; else if (n == 1) print l " besides libc";
	      else printf "%d libraries besides libc: %s", n, l }')
git -C "$LVST_ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit + uncommitted changes"
iproute=$(ip -V 2>/dev/null | head -1)

# ---- anyip: the rows need a build that takes anyip = yes

ANYIP_ERR=
if ! out=$("$AGENT" -c "$D/any10000.conf" check-config 2>&1) ||
	! out=$("$AGENT" -c "$D/any24.conf" check-config 2>&1) ||
	! out=$("$AGENT" -c "$D/anyp6.conf" check-config 2>&1); then
	ANYIP_ERR="this build refuses anyip = yes: $(lvst_oneline "$(head -2 <<<"$out")")"
fi

# ---- run

ns_new bench || { fail setup "could not create the namespace"; exit 1; }
CASES=("one" "addr 1" "addr 1000" "addr 10000")
[ -z "$ANYIP_ERR" ] && CASES+=("any1" "any1000" "any10000" "any24" "anyp6")
OUT=$TDIR/figures
ERRS=$TDIR/errors
: >"$OUT"
: >"$ERRS"
declare -A BROKEN=()

echo "lvs-rs-agent benchmark: $REPS repetitions, journal on $STATE_FS; $cpu, $cores cores, load $load0"
for rep in $(seq 1 "$REPS"); do
	for c in "${CASES[@]}"; do
		[ -n "${BROKEN[$c]:-}" ] && continue
		n0=$(wc -l <"$ERRS")
		# $c unquoted on purpose: "addr 1000" is a case and its size.
		# shellcheck disable=SC2086
		if ! in_ns bench env AGENT="$AGENT" TIMER="$TIMER" D="$D" \
			STATE="$STATE" DISK_STATE="$DISK_STATE" OUT="$OUT" PROM="$SDIR/bench.prom" \
			ONE_ROUNDS="$ONE_ROUNDS" \
			ERRS="$ERRS" REP="$rep" bash "$SELF" --inner $c; then
			# Its figures from now on would not be comparable.
			BROKEN[$c]=1
			echo "bench: case '$c' failed in repetition $rep: $(tail -n +$((n0 + 1)) "$ERRS" | head -3)" >&2
		fi
	done
	echo "repetition $rep of $REPS done (load $(cut -d' ' -f1 /proc/loadavg))"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- figures

# stat LABEL FIELD: "median min max count" of field 3 (us) or 4 (KiB).
stat()
{
	awk -v l="$1" -v f="$2" '$1 == l { print $f }' "$OUT" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) exit;
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
			print m, v[1], v[NR], NR }'
}

med()
{
	local s

	s=$(stat "$1" 3) && [ -n "$s" ] && echo "${s%% *}"
}

# ms US: microseconds as milliseconds for the table.
ms()
{
	awk -v u="$1" 'BEGIN { m = u / 1000; printf (m < 100 ? "%.1f" : "%.0f"), m }'
}

fig()
{
	local s m lo hi

	s=$(stat "$1" 3)
	[ -n "$s" ] || { echo "no figure"; return 1; }
	read -r m lo hi _ <<<"$s"
	echo "$(ms "$m") ms ($(ms "$lo")-$(ms "$hi"))"
}

# Peak RSS in KiB of every run of the labels given.
rss()
{
	local l out=0 k

	for l in "$@"; do
		k=$(awk -v l="$l" '$1 == l { print $4 }' "$OUT" | sort -n | tail -1)
		[ -n "$k" ] && [ "$k" -gt "$out" ] && out=$k
	done
	echo "$out"
}

FAILS=0
HELD=()
FAILED=()
TABLE=()

# row ID TEXT AGENT_LABEL ANCHOR_TEXT ANCHOR_LABEL BOUND_KIND BOUND
#   BOUND_KIND: ratio (agent/anchor <= BOUND), ms (agent median <= BOUND),
#   none (informational). An ID names the issue's bound ("1a"); "-" none.
row()
{
	local id=$1 text=$2 a=$3 atext=$4 b=$5 kind=$6 bound=$7
	local af bf ratio=- verdict=- am bm why=

	af=$(fig "$a") || af=
	bf=-
	[ -n "$b" ] && { bf=$(fig "$b") || bf=; }
	am=$(med "$a") || am=
	[ -n "$b" ] && { bm=$(med "$b") || bm=; }
	if [ -n "$am" ] && [ -n "$b" ] && [ -n "${bm:-}" ]; then
		ratio=$(awk -v x="$am" -v y="$bm" 'BEGIN { printf "%.3f", x / y }')
	fi
	case $kind in
	ratio)
		if [ "$ratio" = - ]; then
			verdict=FAIL why="no figure"
		elif awk -v r="$ratio" -v b="$bound" 'BEGIN { exit !(r <= b) }'; then
			verdict=PASS
		else
			verdict=FAIL
		fi
		bound="<= $bound x"
		;;
	ms)
		if [ -z "$am" ]; then
			verdict=FAIL why="no figure"
		elif awk -v m="$am" -v b="$bound" 'BEGIN { exit !(m / 1000 <= b) }'; then
			verdict=PASS
		else
			verdict=FAIL
		fi
		bound="<= $bound ms"
		;;
	*)
		bound=-
		;;
	esac
	[ -z "$af" ] && af="no figure (see errors)"
	[ -z "$bf" ] && bf="no figure (see errors)"
	TABLE+=("| $id | $text | $af | $atext | $bf | $ratio | $bound | $verdict${why:+ ($why)} |")
	case $verdict in
	PASS) HELD+=("$id") ;;
	FAIL) FAILED+=("$id"); FAILS=$((FAILS + 1)) ;;
	esac
}

# anyrow: a row of the anyip cases, or FAIL rows when the build refuses anyip.
anyrow()
{
	if [ -n "$ANYIP_ERR" ]; then
		local id=$1 text=$2 kind=$6 bound=$7

		case $kind in
		ratio) bound="<= $bound x" ;;
		ms) bound="<= $bound ms" ;;
		*) bound=- ;;
		esac
		TABLE+=("| $id | $text | not measured | $4 | - | - | $bound | FAIL (not measured: anyip refused, see below) |")
		[ "$id" != - ] && FAILED+=("$id")
		FAILS=$((FAILS + 1))
		return
	fi
	row "$@"
}

row - "1 VIP: apply" addr1.apply "ip -batch add" addr1.ipadd none -
row - "1 VIP: revert" addr1.revert "ip -batch del" addr1.ipdel none -
row - "1 VIP: verify" addr1.verify "" "" none -
row 4b "1 VIP: apply, usual config (4 sysctls + address)" one.apply "/bin/true (process floor)" one.true ms 5
row - "1 VIP: lvs-rs-agent --version (exec and loading, no work)" one.version "/bin/true" one.true none -
row - "1 VIP: revert, usual config" one.revert "/bin/true" one.true none -
row - "1 VIP: apply, usual config, journal on $DISK_FS" one.apply_disk "/bin/true" one.true none -
row - "1 VIP: apply, usual config, the timer forks (see the notes)" one.apply_fork "/bin/true, the timer forks" one.true_fork none -
row 2a "1,000 IPv6: apply" addr1000.apply "shell loop of ip addr add" addr1000.loop ratio 0.05
row 2b "1,000 IPv6: apply" addr1000.apply "ip -batch add" addr1000.ipadd ratio 1.5
row - "1,000 IPv6: apply again, nothing to change" addr1000.reapply "" "" none -
row - "1,000 IPv6: verify" addr1000.verify "" "" none -
row - "1,000 IPv6: status" addr1000.status "verify" addr1000.verify none -
row - "1,000 IPv6: status --json" addr1000.status_json "status" addr1000.status none -
row - "1,000 IPv6: verify --prometheus" addr1000.prom "verify" addr1000.verify none -
row - "1,000 IPv6: revert" addr1000.revert "ip -batch del" addr1000.ipdel none -
row 1a "10,000 IPv6: apply" addr10000.apply "ip -batch add" addr10000.ipadd ratio 1.05
row 1b "10,000 IPv6: revert" addr10000.revert "ip -batch del" addr10000.ipdel ratio 1.05
row - "10,000 IPv6: apply again, nothing to change" addr10000.reapply "" "" none -
row 4a "10,000 IPv6: verify" addr10000.verify "" "" ms 50
row S "10,000 IPv6: status" addr10000.status "verify (same repetitions)" addr10000.verify ratio 3
row - "10,000 IPv6: status --json" addr10000.status_json "status" addr10000.status none -
row P "10,000 IPv6: verify --prometheus" addr10000.prom "verify (same repetitions)" addr10000.verify ratio 3
anyrow - "1 anyip /32 (203.0.113.1): apply" any1.apply "ip -batch route add local" any1.iproute none -
anyrow - "1 anyip /32: verify" any1.verify "" "" none -
anyrow - "1 anyip /32: revert" any1.revert "ip -batch route del local" any1.iprdel none -
anyrow - "1,000 anyip /128: apply" any1000.apply "ip -batch add of 1,000 IPv6 addresses" addr1000.ipadd none -
anyrow - "1,000 anyip /128: apply" any1000.apply "ip -batch route add local" any1000.iproute none -
anyrow - "1,000 anyip /128: verify" any1000.verify "" "" none -
anyrow - "1,000 anyip /128: revert" any1000.revert "ip -batch route del local" any1000.iprdel none -
anyrow 3 "10,000 anyip /128: apply" any10000.apply "ip -batch add of 10,000 IPv6 addresses" addr10000.ipadd ratio 0.15
anyrow - "10,000 anyip /128: apply" any10000.apply "ip -batch route add local" any10000.iproute none -
anyrow - "10,000 anyip /128: verify" any10000.verify "" "" none -
anyrow - "10,000 anyip /128: revert" any10000.revert "ip -batch route del local" any10000.iprdel none -
anyrow - "40 anyip /120 (10,240 IPv6 addresses): apply" anyp6.apply "ip -batch add of 10,000 IPv6 addresses" addr10000.ipadd none -
anyrow - "40 anyip /120: apply" anyp6.apply "ip -batch route add local" anyp6.iproute none -
anyrow - "40 anyip /120: revert" anyp6.revert "ip -batch route del local" anyp6.iprdel none -
anyrow - "1 anyip /24 (198.51.100.0/24): apply" any24.apply "ip -batch route add local" any24.iproute none -
anyrow - "1 anyip /24: verify" any24.verify "" "" none -
anyrow - "1 anyip /24: revert" any24.revert "ip -batch route del local" any24.iprdel none -

# Peak RSS: every agent run with 10,000 VIPs.
RSS_LABELS=(addr10000.apply addr10000.reapply addr10000.verify addr10000.status
	addr10000.status_json addr10000.prom addr10000.revert)
[ -z "$ANYIP_ERR" ] && RSS_LABELS+=(any10000.apply any10000.verify any10000.revert)
peak=$(rss "${RSS_LABELS[@]}")
rss_detail=""
for l in "${RSS_LABELS[@]}"; do
	name=${l#*.}
	rss_detail+="${rss_detail:+, }${name/_json/ --json} $(rss "$l")"
done
[ -z "$ANYIP_ERR" ] || rss_detail+=" (anyip not measured)"
if [ "$peak" -gt 0 ] && [ "$peak" -le 8192 ]; then
	verdict=PASS
	HELD+=(4c)
else
	verdict=FAIL
	FAILED+=(4c)
	FAILS=$((FAILS + 1))
fi
[ -z "$ANYIP_ERR" ] || { [ "$verdict" = PASS ] && verdict="PASS for the address runs; anyip not measured"; }
TABLE+=("| 4c | 10,000: peak RSS of the agent | $peak KiB | max over: $rss_detail (KiB) | - | - | <= 8 MiB (8192 KiB) | $verdict |")
if [ -n "$ANYIP_ERR" ] && [[ " ${FAILED[*]} " != *" 4c "* ]]; then
	FAILED+=("4c (anyip runs not measured)")
	FAILS=$((FAILS + 1))
fi

ERRLINES=$(sort -u "$ERRS")
[ -n "$ERRLINES" ] && FAILS=$((FAILS + 1))

# ---- report

# Facts behind the bounds, from this run's figures.
notes()
{
	local a t v b x y

	a=$(med one.apply) t=$(med one.true) v=$(med one.version)
	if [ -n "$a" ] && [ -n "$t" ] && [ -n "$v" ]; then
		local pa pv under

		# Paired in each round (the same moment's load), the k-th apply
		# against the k-th /bin/true: steadier than medians' difference.
		pa=$(pmed one.apply one.true) pv=$(pmed one.version one.true)
		under=$(awk '$1 == "one.apply" { n++; if ($3 <= 5000) k++ } END { printf "%d of %d", k, n }' "$OUT")
		echo "- 4b (one VIP): the agent's median is $(ms "$a") ms. On this machine" \
			"/bin/true alone takes $(ms "$t") ms (created, exec, exit: the process" \
			"floor) and \`lvs-rs-agent --version\`, which only starts and exits," \
			"$(ms "$v") ms. Paired round by round with /bin/true, the agent's" \
			"apply takes $(ms "$pa") ms more than the floor; $(ms "$pv") ms of them" \
			"are starting the binary (the dynamic loader mapping and relocating" \
			"$SHLIBS; the page faults of a bigger process), the rest" \
			"the apply itself (config, lock, journal written and fsynced, 4" \
			"sysctls, the address, the read-back). $under applies took 5 ms or less."
		x=$(med one.apply_fork) y=$(med one.true_fork)
		if [ -n "$x" ] && [ -n "$y" ]; then
			echo "  With the timer's fork() in place of posix_spawn(), as a shell" \
				"starts a command, the apply takes $(ms "$x") ms and /bin/true" \
				"$(ms "$y") ms: fork() copies the starter's address space and both" \
				"sides take copy-on-write faults until the exec, a cost of the" \
				"starter that grows with its size (a page fault costs 10-18 us on" \
				"this virtual machine), not of the agent."
		fi
		if [ "$a" -gt 5000 ] && [ "$t" -ge 5000 ]; then
			echo "  The bound cannot hold here: the process floor alone is" \
				"above 5 ms. See \"Startup\" below."
		elif [ "$a" -gt 5000 ]; then
			echo "  The bound fails because of the floor: 5 ms leave" \
				"$(msd 5000 "$t") ms above its median, and starting the binary" \
				"alone takes $(ms "$pv") ms; it holds only when and where a" \
				"process starts faster than here. See \"Startup\" below for what" \
				"was cut and what is left."
		fi
	fi
	x=$(med addr1000.ipadd) y=$(med addr10000.ipadd) a=$(med addr1000.ipdel) b=$(med addr10000.ipdel)
	if [ -n "$x" ] && [ -n "$y" ] && [ -n "$a" ] && [ -n "$b" ]; then
		echo "- IPv6 (rows 1a, 1b, 2a, 2b, 3, 4a, S, P): documentation space holds" \
			"762 IPv4 host addresses, too few for 1,000 or 10,000 VIPs, so these" \
			"figures are IPv6 /128. They are not directly comparable with the" \
			"issue's IPv4 anchors: the kernel does more per IPv6 address (each add" \
			"walks every IPv6 address of the namespace, addrconf_verify_rtnl; each" \
			"delete walks the IPv6 routing table for preferred sources," \
			"rt6_remove_prefsrc, and the device's address list), which makes both" \
			"superlinear, for the agent and \`ip\` alike: \`ip -batch\` takes" \
			"$(ms "$x") ms to add 1,000 and $(ms "$y") ms to add 10,000" \
			"(x$(awk -v a="$x" -v b="$y" 'BEGIN { printf "%.0f", b / a }')), $(ms "$a") and $(ms "$b") ms to delete them" \
			"(x$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", b / a }')). The ratios compare the agent and its" \
			"anchor on the same addresses in the same run and keep their meaning."
	fi
	a=$(med addr10000.apply) b=$(med addr10000.ipadd)
	if [ -n "$a" ] && [ -n "$b" ]; then
		echo "- 1a/1b (10,000): \`ip -batch\` sends one request per line and waits" \
			"for its answer before the next; the agent sends up to 800 requests" \
			"per sendmsg and then reads their answers. Both wait on the same" \
			"kernel work, the agent not on 10,000 round trips."
	fi
	a=$(med addr10000.status) b=$(med addr10000.prom) v=$(med addr10000.verify)
	if [ -n "$a" ] && [ -n "$b" ] && [ -n "$v" ]; then
		echo "- S and P are this benchmark's own bounds, not the issue's: status and" \
			"verify --prometheus do what verify does and a little more (status" \
			"also reads the journal and checks its steps; --prometheus writes" \
			"and fsyncs the metrics file), so they must stay of verify's order:" \
			"at most 3 times its median. Here $(ms "$a") and $(ms "$b") ms against" \
			"verify's $(ms "$v") ms."
	fi
}

# pmed A B: median of the differences of the k-th figures of A and of B
# (microseconds), for figures taken in rounds.
pmed()
{
	awk -v a="$1" -v b="$2" '$1 == a { x[++na] = $3 } $1 == b { y[++nb] = $3 }
		END { n = na < nb ? na : nb; for (i = 1; i <= n; i++) print x[i] - y[i] }' "$OUT" |
		sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit;
			print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# msd A B: A - B microseconds as milliseconds, one decimal.
msd()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a - b) / 1000 }'
}

# Every figure of the run: label, milliseconds per repetition, peak RSS.
raw()
{
	awk '{ t[$1] = t[$1] sprintf(" %.1f", $3 / 1000);
	       if ($4 > k[$1]) k[$1] = $4; if (!($1 in o)) o[$1] = NR }
	     END { for (l in o) printf "%d | %s |%s | %d |\n", o[l], l, t[l], k[l] }' "$OUT" |
		sort -n | cut -d'|' -f2- | sed 's/^ /| /'
}

report()
{
	cat <<EOF
# lvs-rs-agent benchmark (issue 8)

Recorded by \`make bench\` (tests/bench/bench.sh) on $date0.

## Machine

- CPU: $cpu, $cores cores; memory $mem
- Kernel: $kernel; $iproute
- Load average (1, 5, 15 min): $load0 at the start, $load1 at the end
- Agent: $version, commit $commit; loads $SHLIBS
- Journal (state file) on $STATE_FS; the "journal on $DISK_FS" row puts it on $DISK_FS

## Results

Median of $REPS repetitions, with the smallest and largest in brackets;
ratio = agent median / anchor median. The bound column is the issue's
(1a..4c), or this benchmark's own (S, P: see the notes); rows without one
are for reference.

| Bound | What | Agent | Anchor | Anchor figure | Ratio | Bound | Result |
|---|---|---|---|---|---|---|---|
EOF
	printf '%s\n' "${TABLE[@]}"
	cat <<EOF

Bounds that held in this run: ${HELD[*]:-none}.
Bounds that failed in this run: ${FAILED[*]:-none}.
EOF
	if [ -n "$ANYIP_ERR" ]; then
		printf '\nThe anyip rows were not measured: %s.\n' "$ANYIP_ERR"
	fi
	printf '\nNotes:\n\n'
	notes
	if [ -n "$ERRLINES" ]; then
		printf '\nProblems during the run (their cases stopped; no figure shown for what failed):\n\n'
		sed 's/^/- /' <<<"$ERRLINES"
	fi
	cat <<'EOF'

## Method

- One network namespace created and deleted by the script (everything runs
  on its lo); each repetition leaves it as it found it (revert, or ip -batch
  del), which the script checks by counting the bench's addresses and routes.
- Timer: `build/bench-timer` (tests/bench/timer.c), run inside the namespace,
  reads CLOCK_MONOTONIC around posix_spawn (glibc: clone with CLONE_VM and
  CLONE_VFORK, then exec) and wait4 of the one command: the process's wall
  time from birth to exit, for the agent and its anchor alike, without a
  copy of the timer itself. The rows "the timer forks" use fork() and exec
  instead, as a shell does. Entering the namespace (`ip netns exec`, some
  100 ms here) is not timed. Peak RSS is the child's ru_maxrss.
- Anchors: `ip -batch FILE` with one line per VIP, making the agent's very
  kernel changes: `addr add 192.0.2.1/32 dev lo`, `addr add
  2001:db8:100::N/128 dev lo nodad noprefixroute preferred_lft 0` (as
  netconf/addr.c adds an IPv6 VIP: no DAD, deprecated, no prefix route),
  `route add local PREFIX dev lo table local proto 76` (as netconf/route.c:
  type local, scope host, table local, protocol 76), the same lines with
  `del`; for 1,000 VIPs also a bash loop running one `ip addr add` per VIP
  with the same flags. The agent's configs say `arp_suppress = none`, so that
  it makes the anchor's kernel changes and no others; "usual config" is
  `arp_suppress = sysctl` (the 4 ARP sysctls too).
- Addresses: documentation space only, the rule of the machine this runs on.
  It holds 762 IPv4 host addresses (192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24), too few for 1,000 VIPs: the 1,000 and 10,000 figures are
  IPv6 from 2001:db8::/32 (2001:db8:100::1.., anyip 2001:db8:200::1../128 and
  40 /120 in 2001:db8:300::/112), the one-VIP figures IPv4 (192.0.2.1, anyip
  203.0.113.1/32), the anyip /24 is 198.51.100.0/24. The issue's anchors were IPv4: its absolute
  figures and these are not directly comparable (see the notes above); the
  ratios, made on the same addresses in the same run, are.
- status and verify --prometheus run after verify with the same config; the
  metrics file is written beside the journal.
- The journal sits on a tmpfs, as /run/lvs-rs-agent does on a systemd host
  (its fsync costs nothing there); the "journal on ..." row shows a disk.
- Repetitions interleave the cases and alternate which side runs first.
  The one-VIP case runs 5 rounds per repetition (its medians have 5 times
  as many samples): its processes take a few ms, the size of the noise.

## Startup (bound 4b)

Measured apart from `make bench`, on this machine on 2026-11-25, in one
namespace, the two binaries (or the two timers) alternating, 150 to 400
pairs, median of the paired differences (the same binary against itself
differs by up to 50 us: the method's noise).

- A page fault costs 10-18 us on this virtual machine (measured by touching
  fresh anonymous pages), a system call about 1 us: a process's start is
  mostly its page faults. /bin/true takes 48, `lvs-rs-agent --version` 71,
  a one-VIP apply 86 (96, 114 linked against the five shared libraries).
- How the process is created: fork() copies the starter's address space
  and both sides take copy-on-write faults until the exec; posix_spawn()
  (clone with CLONE_VM and CLONE_VFORK) copies nothing. The timer uses
  posix_spawn() so that its own copy is not counted as the agent's time;
  the rows "the timer forks" show what fork() adds here (about 1 ms, for
  /bin/true and the agent alike).
- Linking libnftnl, libcap-ng, inih and json-c into the binary (`make
  LINK=static`, the default) makes a one-VIP apply 0.78 ms faster (200
  pairs; 28 page faults and 37 system calls fewer): the dynamic loader now
  maps only libmnl besides libc (LD_DEBUG=statistics, median of 41 runs:
  0.41 ms in ld.so, against 0.60 ms with the five libraries shared and
  0.34 ms for /bin/true). `make LINK=shared` gives the shared build back.
- Cut before, with every guarantee kept (journal written and fsynced before
  any change, read-back, rollback, the same capability drop): capget(2)
  tells whether CAP_NET_ADMIN is held, where capng_get_caps_process() also
  read /proc/PID/status twice for bounding and ambient sets the drop does
  not use; the netlink handle no longer zeroes its 32 KiB receive buffer
  (8 pages a small dump never touches). Together 9 page faults and 8
  system calls fewer: apply and verify 0.23 ms faster.
- Tried, no difference beyond the noise: `-Os` (text 7 % smaller), lazy
  binding instead of `-z now` (which would also give up full RELRO),
  `-Wl,-O1`, `-z pack-relative-relocs`, `-z noseparate-code`.
  `--as-needed` drops none of the libraries (each is used) and the
  toolchain emits only the GNU hash already.
- Left: libmnl stays a shared library (Debian ships no static archive of
  it), about 0.2 ms; the rest of the agent's part is the apply itself.
- The journal is no startup cost on tmpfs (a dozen system calls, two fsyncs that
  return at once); on a disk its fsyncs are the "journal on ..." row.

## Reproduce

    make bench                  # BENCH_REPS=5 by default
    BENCH_REPS=9 make bench     # more repetitions on a noisy machine

Needs root (network namespaces) and iproute2. Exit status 1 when a bound
failed or a run went wrong.

## Noise

The figures are wall times of short processes on a shared machine: the load
average above says how busy it was. Starting a process alone (`/bin/true`) take
what the "process floor" anchor shows, and that floor moves with the load;
the one-VIP figures are mostly that floor. Medians over repetitions, the
interleaving of cases, and the alternating order keep drift from favouring
either side; the brackets show the spread.

## Raw figures

Wall time in ms of each repetition, in order; peak RSS in KiB (largest).

| Figure | ms | KiB |
|---|---|---|
EOF
	raw
}

echo
printf '%s\n' "${TABLE[@]}" | sed 's/^| //; s/ |$//; s/ | /  |  /g'
echo
echo "held: ${HELD[*]:-none}"
echo "failed: ${FAILED[*]:-none}"
[ -n "$ANYIP_ERR" ] && echo "FAIL: anyip rows not measured: $ANYIP_ERR"
if [ -n "$ERRLINES" ]; then
	echo "FAIL: problems during the run:"
	sed 's/^/  /' <<<"$ERRLINES"
fi
for id in "${FAILED[@]}"; do
	echo "FAIL: bound $id"
done
if [ "$RESULTS" != - ]; then
	mkdir -p "$(dirname "$RESULTS")" && report >"$RESULTS" &&
		echo "written: $RESULTS"
fi
[ "$FAILS" -eq 0 ]
