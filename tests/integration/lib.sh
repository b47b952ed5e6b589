# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for the integration tests (tests/integration/test-*.sh).
# Source it from a test script with:
#
#	. "$(dirname "$0")/lib.sh"
#
# Everything that touches networking happens inside network namespaces that
# these helpers create and delete again (also on failure, via the trap).
# Only TEST-NET addresses are used (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32).
#
# Result protocol (read by tests/run-tests.sh): one line per result,
#	PASS: SUITE: name
#	FAIL: SUITE: name: reason
#	SKIP: SUITE: name: reason
# where SUITE is the script name without test- and .sh. Any other output is
# shown but not counted. A script should end with `lvst_done`, which exits 1
# when anything failed (a non-zero exit without a FAIL line is counted as one
# failure by the runner).
#
# Pitfall: under `set -o pipefail`, `cmd | grep -q X` fails at random when
# grep exits on the first match and cmd then dies of SIGPIPE (bash writes
# line by line). Use `grep -q X <<<"$(cmd)"` or `grep X >/dev/null`.
#
# Variables (set here, may be overridden from the environment):
#	BUILD		build directory (default "build", relative to the repo root)
#	AGENT_BIN	the binary `agent` runs (default $BUILD/lvs-rs-agent)
#	FAULT_BIN	the fault-injection build ($BUILD/lvs-rs-agent-fault)
#	LVST_PREFIX	unique prefix of this run's namespaces (lvst-PID-RANDOM)
#	LVST_SUITE	suite name used in result lines
#	TDIR		per-test temporary directory (mode 0700), removed at exit
#	STATE		default journal path for `agent` ($TDIR/state)
#
# Functions:
#	pass NAME			print "PASS: SUITE: NAME"
#	fail NAME REASON		print "FAIL: SUITE: NAME: REASON" (one line)
#	skip NAME REASON		print "SKIP: SUITE: NAME: REASON"
#	skip_all REASON			skip the whole script and exit 0
#	lvst_done			exit 1 if any FAIL was printed, else 0
#	lvst_require_root		skip_all unless root and `ip netns` works
#	lvst_require_cmd CMD...		skip_all unless every CMD is on $PATH
#	lvst_require_agent [BIN]	fail and exit unless BIN (default
#					$AGENT_BIN) is executable
#	lvst_agent_for_others		copy $AGENT_BIN into $TDIR (0755) for a
#					test that runs it as another uid
#	ns_new NAME			create namespace $LVST_PREFIX-NAME, lo up,
#					known sysctls (see ns_new), register it
#					for deletion at exit
#	ns_name NAME			print the full namespace name
#	in_ns NAME CMD...		run CMD inside the namespace
#	veth_pair NS1 NS2 [DEV1 [DEV2]]	veth DEV1 (default eth0) in NS1 and DEV2
#					(default eth0) in NS2, born inside them,
#					both up, waits for carrier
#	lab_new [RS [PEER]]		namespaces RS (default rs) and PEER
#					(default peer) joined by eth0<->eth0:
#					RS 192.0.2.2/24 2001:db8:1::2/64,
#					PEER 192.0.2.1/24 2001:db8:1::1/64
#	bg_register PID			kill PID (and only it) at exit
#	lock_hold FILE [SECONDS]	a process holding a POSIX write lock on
#					FILE (created 0644 if missing), as the
#					agent takes it, for SECONDS (default
#					120); LOCK_HOLDER = its PID, killed at
#					exit; status 1 if it did not get it
#	agent NS ARGS...		run $AGENT_BIN -s $STATE ARGS... inside
#					NS; output passes through, returns its
#					exit code. Variables set on the call
#					(VAR=x agent ...) reach the agent.
#	agent_run NS ARGS...		like agent, but captures: sets RC, OUT,
#					ERR (stdout, stderr text)
#	sysctl_get NS KEY		print a sysctl of NS (KEY dotted or with /)
#	sysctl_set NS KEY VALUE		write a sysctl of NS
#	addr_json NS [DEV]		print `ip -j addr show [dev DEV]` of NS
#	snapshot NS			print the normalized kernel state of NS as
#					JSON: ip -j addr, ip -j link, routes of
#					all tables, every net/ipv4/conf/*/arp_*,
#					rp_filter, net/ipv6/conf/*/disable_ipv6,
#					nft -j list ruleset
#	snapshot_diff FILE1 FILE2	print a unified diff of two snapshots;
#					status 0 when they are equal
#	assert_snapshot NAME NS FILE	PASS when snapshot NS equals FILE, else
#					FAIL and the diff (indented) follows
#	assert_eq NAME EXPECTED ACTUAL	PASS/FAIL on string equality
#	assert_rc NAME EXPECTED		PASS/FAIL on $RC of the last agent_run
#					(the reason shows the agent's stderr)
#	assert_match NAME REGEX TEXT	PASS when TEXT has a line matching the
#					extended REGEX (grep -E)
#	assert_no_match NAME REGEX TEXT	PASS when no line of TEXT matches
#	assert_json NAME JSON EXPR	PASS when the python3 expression EXPR is
#					true with d = json.loads(JSON)
#	json_eval JSON EXPR		print the value of EXPR (str, or JSON for
#					lists/dicts/bools) with d = the document
#	has_addr NS DEV ADDR PREFIX	status 0 when ADDR/PREFIX is on DEV
#	assert_addr NAME NS DEV ADDR PREFIX [EXPR]
#					PASS when ADDR/PREFIX is on DEV and the
#					python3 EXPR holds for its addr_info
#					entry `a` (e.g. a["scope"]=="global")
#	assert_no_addr NAME NS DEV ADDR	PASS when ADDR is on no prefix of DEV
#	assert_sysctl NAME NS KEY VALUE	PASS when sysctl KEY of NS reads VALUE
#	wait_until SECONDS CMD...	run CMD every 20 ms until it succeeds
#					(status 0) or SECONDS pass (status 1)
#	watch_start NS CONF [ARGS...]	`$AGENT_BIN -s $STATE -c CONF ARGS watch`
#					in NS, in the background: WATCH_PID its
#					PID, its output in $TDIR/watch.out and
#					$TDIR/watch.err; waits for its "watch:
#					keeping" line (status 1 after 10 s)
#	watch_stop [SIGNAL]		SIGNAL (default TERM) to WATCH_PID, wait
#					for it: WATCH_RC its exit status
#	delayed_window NS CONF DELAY_US TRIES
#					WINDOW_MS = the shortest wall time of
#					TRIES applies of CONF in NS by the fault
#					build, each change delayed DELAY_US, each
#					reverted; status 1 (RC the exit) when one
#					fails

LVST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$LVST_ROOT" || exit 1

BUILD=${BUILD:-build}
AGENT_BIN=${AGENT_BIN:-$BUILD/lvs-rs-agent}
FAULT_BIN=${FAULT_BIN:-$BUILD/lvs-rs-agent-fault}
case $AGENT_BIN in /*) ;; *) AGENT_BIN=$LVST_ROOT/$AGENT_BIN ;; esac
case $FAULT_BIN in /*) ;; *) FAULT_BIN=$LVST_ROOT/$FAULT_BIN ;; esac
# The distribution's interpreter first: a version-manager shim on $PATH can
# cost a second per call.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

LVST_SUITE=${LVST_SUITE:-$(basename "$0" .sh)}
LVST_SUITE=${LVST_SUITE#test-}
LVST_PREFIX=${LVST_PREFIX:-lvst-$$-$RANDOM}
LVST_FAILED=0
LVST_NS=()
LVST_PIDS=()

TDIR=$(mktemp -d "${TMPDIR:-/tmp}/lvst-$LVST_SUITE.XXXXXX") || exit 1
STATE=${STATE:-$TDIR/state}
# The agent's default files outside the journal (the sysctl.d drop-in, the
# network managers' configs that verify reads) under a root of the test's
# own, never the host's /run/sysctl.d (HACKING.md).
export LVS_RS_AGENT_TEST_ROOT=$TDIR/root
mkdir -p "$LVS_RS_AGENT_TEST_ROOT/run" || exit 1

lvst_cleanup()
{
	local pid ns

	trap - EXIT INT TERM
	for pid in "${LVST_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for ns in "${LVST_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf -- "$TDIR"
}

lvst_signal()
{
	lvst_cleanup
	echo "FAIL: $LVST_SUITE: interrupted: caught signal $1"
	exit 1
}

trap lvst_cleanup EXIT
trap 'lvst_signal INT' INT
trap 'lvst_signal TERM' TERM

# ---- result lines

# One line only: the runner counts lines.
lvst_oneline()
{
	local s=$*

	s=${s//$'\n'/ | }
	s=${s//$'\r'/}
	[ ${#s} -gt 400 ] && s="${s:0:400}..."
	printf '%s' "$s"
}

pass()
{
	echo "PASS: $LVST_SUITE: $1"
}

fail()
{
	LVST_FAILED=$((LVST_FAILED + 1))
	echo "FAIL: $LVST_SUITE: $1: $(lvst_oneline "${2:-failed}")"
}

skip()
{
	echo "SKIP: $LVST_SUITE: $1: $(lvst_oneline "${2:-skipped}")"
}

skip_all()
{
	skip all "$1"
	exit 0
}

lvst_done()
{
	[ "$LVST_FAILED" -eq 0 ]
	exit $?
}

lvst_require_root()
{
	local probe="$LVST_PREFIX-probe"

	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
	command -v ip >/dev/null || skip_all "iproute2 (ip) not installed"
	ip netns add "$probe" 2>/dev/null || skip_all "cannot create network namespaces"
	ip netns del "$probe"
}

lvst_require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "$c not installed"
	done
}

lvst_require_agent()
{
	local bin=${1:-$AGENT_BIN}

	if [ ! -x "$bin" ]; then
		fail "binary" "$bin missing (run make build-tests)"
		exit 1
	fi
}

# lvst_agent_for_others: for a test that runs the agent as another uid. A
# checkout under /root (where root clones by default) is not searchable for
# that uid: copy $AGENT_BIN into $TDIR (made 0755) and point AGENT_BIN at
# the copy.
lvst_agent_for_others()
{
	chmod 0755 "$TDIR" &&
		install -D -m 0755 "$AGENT_BIN" "$TDIR/agent-bin/lvs-rs-agent" ||
		{ fail setup "cannot copy $AGENT_BIN into $TDIR"; exit 1; }
	AGENT_BIN=$TDIR/agent-bin/lvs-rs-agent
}

# ---- namespaces

ns_name()
{
	echo "$LVST_PREFIX-$1"
}

in_ns()
{
	local ns=$1

	shift
	ip netns exec "$LVST_PREFIX-$ns" "$@"
}

sysctl_get()
{
	in_ns "$1" cat "/proc/sys/${2//.//}"
}

sysctl_set()
{
	in_ns "$1" sh -c 'printf "%s\n" "$2" > "/proc/sys/$1"' sh "${2//.//}" "$3"
}

# A new namespace copies conf/all and conf/default from the host (or from
# compiled-in defaults): pin every value the tests read, so "before" is known
# and the same on every machine.
ns_new()
{
	local ns="$LVST_PREFIX-$1" c

	ip netns add "$ns" || return 1
	LVST_NS+=("$ns")
	ip -n "$ns" link set lo up || return 1
	for c in all default lo; do
		sysctl_set "$1" "net/ipv4/conf/$c/arp_ignore" 0 || return 1
		sysctl_set "$1" "net/ipv4/conf/$c/arp_announce" 0 || return 1
		sysctl_set "$1" "net/ipv4/conf/$c/rp_filter" 0 || return 1
		sysctl_set "$1" "net/ipv6/conf/$c/disable_ipv6" 0 || return 1
	done
	for c in all default; do
		# No DAD and no router advertisements: addresses are final at
		# once and nothing changes behind the test's back.
		sysctl_set "$1" "net/ipv6/conf/$c/accept_dad" 0 || return 1
		sysctl_set "$1" "net/ipv6/conf/$c/accept_ra" 0 || return 1
	done
}

# veth_ready NS DEV: DEV is up with carrier and has its final IPv6
# link-local address (here-strings, not pipes into grep -q: under pipefail a
# writer killed by SIGPIPE would turn a match into a failure).
veth_ready()
{
	local link addr

	link=$(ip -n "$LVST_PREFIX-$1" -j link show dev "$2") || return 1
	addr=$(ip -n "$LVST_PREFIX-$1" -j addr show dev "$2") || return 1
	grep -q '"operstate":"UP"' <<<"$link" &&
	grep -q '"local":"fe80:' <<<"$addr" &&
	! grep -q '"tentative":true' <<<"$addr"
}

veth_pair()
{
	local a=$1 b=$2 da=${3:-eth0} db=${4:-eth0}

	ip -n "$LVST_PREFIX-$a" link add "$da" type veth \
		peer name "$db" netns "$LVST_PREFIX-$b" || return 1
	ip -n "$LVST_PREFIX-$a" link set "$da" up || return 1
	ip -n "$LVST_PREFIX-$b" link set "$db" up || return 1
	# Operstate and the IPv6 link-local address settle asynchronously;
	# a snapshot taken before that would differ from one taken later.
	# (JSON output: plain `ip link show` looks up the names of peer
	# namespaces, which races with other runs deleting theirs.)
	for _ in $(seq 100); do
		if veth_ready "$a" "$da" && veth_ready "$b" "$db"; then
			return 0
		fi
		sleep 0.05
	done
	echo "veth_pair: $da/$db did not come up" >&2
	return 1
}

# lab_route_back [RS] [PEER]: RS's default routes via PEER, both families: the
# way back to clients a TUN real server answers them by (mss = auto takes its
# MTU).
lab_route_back()
{
	local rs=${1:-rs}

	ip -n "$LVST_PREFIX-$rs" route add default via 192.0.2.1 &&
	ip -n "$LVST_PREFIX-$rs" -6 route add default via 2001:db8:1::1
}

lab_new()
{
	local rs=${1:-rs} peer=${2:-peer}

	ns_new "$rs" && ns_new "$peer" && veth_pair "$rs" "$peer" &&
	ip -n "$LVST_PREFIX-$rs" addr add 192.0.2.2/24 dev eth0 &&
	ip -n "$LVST_PREFIX-$rs" addr add 2001:db8:1::2/64 dev eth0 &&
	ip -n "$LVST_PREFIX-$peer" addr add 192.0.2.1/24 dev eth0 &&
	ip -n "$LVST_PREFIX-$peer" addr add 2001:db8:1::1/64 dev eth0
}

bg_register()
{
	LVST_PIDS+=("$1")
}

lock_hold()
{
	rm -f "$TDIR/.holder"
	"$PYTHON" -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX)
print(os.getpid(), flush=True)
time.sleep(float(sys.argv[2]))
' "$1" "${2:-120}" >"$TDIR/.holder" &
	LOCK_HOLDER=$!
	bg_register "$LOCK_HOLDER"
	for _ in $(seq 100); do
		[ "$(cat "$TDIR/.holder" 2>/dev/null)" = "$LOCK_HOLDER" ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- the agent

agent()
{
	local ns=$1

	shift
	ip netns exec "$LVST_PREFIX-$ns" "$AGENT_BIN" -s "$STATE" "$@"
}

agent_run()
{
	agent "$@" >"$TDIR/.out" 2>"$TDIR/.err"
	RC=$?
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
	return 0
}

wait_until()
{
	local end

	end=$(($(date +%s%N) + ${1%.*} * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.02
	done
}

watch_ready()
{
	grep -q '^watch: keeping' "$TDIR/watch.err" 2>/dev/null
}

watch_start()
{
	local ns=$1 conf=$2

	shift 2
	ip netns exec "$LVST_PREFIX-$ns" "$AGENT_BIN" -s "$STATE" -c "$conf" "$@" watch \
		>"$TDIR/watch.out" 2>"$TDIR/watch.err" &
	WATCH_PID=$!
	bg_register "$WATCH_PID"
	wait_until 10 watch_ready
}

watch_stop()
{
	kill -"${1:-TERM}" "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	WATCH_RC=$?
}

# ---- kernel state

addr_json()
{
	if [ -n "${2:-}" ]; then
		ip -n "$LVST_PREFIX-$1" -j addr show dev "$2"
	else
		ip -n "$LVST_PREFIX-$1" -j addr show
	fi
}

# Normalization: drop counters and anything the kernel changes on its own
# (stats, route cache expiry); lifetimes are kept when they are fixed values
# (0 or 4294967295 = forever), otherwise they count down and are replaced by
# "dynamic". Everything else (flags, scope, order) is compared as is.
LVST_NORMALIZE='
import json, sys
VOLATILE = {"stats", "stats64", "expires", "cache", "used"}
FIXED_LIFE = (0, 4294967295)
def norm(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in VOLATILE:
                continue
            if k in ("valid_life_time", "preferred_life_time") and v not in FIXED_LIFE:
                v = "dynamic"
            out[k] = norm(v)
        return out
    if isinstance(x, list):
        return [norm(v) for v in x]
    return x
snap = {}
for key, path in (("addr", sys.argv[1]), ("link", sys.argv[2]),
                  ("route4", sys.argv[3]), ("route6", sys.argv[4])):
    with open(path) as f:
        snap[key] = norm(json.load(f))
sysctl = {}
with open(sys.argv[5]) as f:
    for line in f:
        name, _, value = line.rstrip("\n").partition(":")
        sysctl[name[len("/proc/sys/"):].replace("/", ".")] = value
snap["sysctl"] = dict(sorted(sysctl.items()))
# nf_tables (arp_suppress = nft | both): the whole ruleset, handles included
# (a table the agent deleted and made again is not the same table).
with open(sys.argv[6]) as f:
    snap["nft"] = json.load(f).get("nftables", [])
print(json.dumps(snap, indent=1, sort_keys=True))
'

# lvst_nft_ruleset NSNAME: `nft -j list ruleset` of the namespace (full
# name), or an empty ruleset where nft is not installed.
lvst_nft_ruleset()
{
	if command -v nft >/dev/null; then
		ip netns exec "$1" nft -j list ruleset
	else
		echo '{"nftables": []}'
	fi
}

snapshot()
{
	local ns="$LVST_PREFIX-$1" d

	d=$(mktemp -d "$TDIR/.snap.XXXXXX") || return 1
	ip -n "$ns" -j addr show >"$d/addr" &&
	ip -n "$ns" -j link show >"$d/link" &&
	ip -n "$ns" -4 -j route show table all >"$d/route4" &&
	ip -n "$ns" -6 -j route show table all >"$d/route6" &&
	ip netns exec "$ns" sh -c 'grep -H "" \
		/proc/sys/net/ipv4/conf/*/arp_* \
		/proc/sys/net/ipv4/conf/*/rp_filter \
		/proc/sys/net/ipv6/conf/*/disable_ipv6' >"$d/sysctl" &&
	lvst_nft_ruleset "$ns" >"$d/nft" &&
	"$PYTHON" -c "$LVST_NORMALIZE" "$d/addr" "$d/link" "$d/route4" \
		"$d/route6" "$d/sysctl" "$d/nft"
	local rc=$?
	rm -rf -- "$d"
	return $rc
}

snapshot_diff()
{
	diff -u "$1" "$2"
}

assert_snapshot()
{
	local name=$1 ns=$2 want=$3 now

	now=$(mktemp "$TDIR/.now.XXXXXX")
	if ! snapshot "$ns" >"$now"; then
		fail "$name" "could not take a snapshot of $ns"
		return 1
	fi
	if snapshot_diff "$want" "$now" >"$now.diff"; then
		pass "$name"
		return 0
	fi
	fail "$name" "kernel state differs from the snapshot (diff follows)"
	sed -n '3,80s/^/    | /p' "$now.diff"
	return 1
}

# ---- assertions

assert_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
		return 1
	fi
}

assert_rc()
{
	if [ "$RC" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit $RC, expected $2; stderr: ${ERR:-<empty>}; stdout: ${OUT:0:200}"
		return 1
	fi
}

assert_match()
{
	if grep -Eq -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1" "no line matches /$2/ in: ${3:-<empty>}"
		return 1
	fi
}

assert_no_match()
{
	local hit

	hit=$(printf '%s\n' "$3" | grep -E -- "$2" | head -3)
	if [ -z "$hit" ]; then
		pass "$1"
	else
		fail "$1" "unexpected line(s) matching /$2/: $hit"
		return 1
	fi
}

LVST_JSON_EVAL='
import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError as e:
    print("not JSON: %s" % e)
    sys.exit(2)
try:
    v = eval(sys.argv[2], {"d": d, "json": json})
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
    sys.exit(2)
if sys.argv[3] == "test":
    sys.exit(0 if v else 1)
print(v if isinstance(v, str) else json.dumps(v))
'

json_eval()
{
	"$PYTHON" -c "$LVST_JSON_EVAL" "$1" "$2" print
}

assert_json()
{
	local why

	why=$("$PYTHON" -c "$LVST_JSON_EVAL" "$2" "$3" test)
	case $? in
	0) pass "$1" ;;
	1) fail "$1" "false: $3; document: ${2:0:300}"; return 1 ;;
	*) fail "$1" "$why; document: ${2:0:300}"; return 1 ;;
	esac
}

LVST_ADDR_EVAL='
import json, sys
dev, addr, plen, expr = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
for link in json.loads(sys.argv[1]):
    if link["ifname"] != dev:
        continue
    for a in link.get("addr_info", []):
        if a.get("local") == addr and (plen == "" or str(a.get("prefixlen")) == plen):
            if eval(expr, {"a": a}):
                sys.exit(0)
            print("%s/%s on %s is %s" % (addr, a.get("prefixlen"), dev, json.dumps(a)))
            sys.exit(1)
print("%s%s not on %s" % (addr, "/" + plen if plen else "", dev))
sys.exit(1)
'

has_addr()
{
	"$PYTHON" -c "$LVST_ADDR_EVAL" "$(addr_json "$1")" "$2" "$3" "$4" True >/dev/null
}

assert_addr()
{
	local why

	if why=$("$PYTHON" -c "$LVST_ADDR_EVAL" "$(addr_json "$2")" "$3" "$4" "$5" "${6:-True}"); then
		pass "$1"
	else
		fail "$1" "$why${6:+ (wanted $6)}"
		return 1
	fi
}

assert_no_addr()
{
	if "$PYTHON" -c "$LVST_ADDR_EVAL" "$(addr_json "$2")" "$3" "$4" "" True >/dev/null; then
		fail "$1" "$4 is still on $3"
		return 1
	fi
	pass "$1"
}

assert_sysctl()
{
	local v

	v=$(sysctl_get "$2" "$3" 2>&1)
	if [ "$v" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "$3 is '$v', expected '$4'"
		return 1
	fi
}

# The wall time of a stretched apply, for tests that stop it at a random
# moment (test-crash: SIGKILL; test-signals: SIGTERM): the shortest of a
# few, as one run on a busy machine can take twice as long.
delayed_window()
{
	local ns=$1 conf=$2 delay=$3 t

	WINDOW_MS=
	for _ in $(seq "$4"); do
		t=$(date +%s%N)
		LVS_RS_AGENT_DELAY_US=$delay AGENT_BIN=$FAULT_BIN agent_run "$ns" -c "$conf" apply
		t=$(( ($(date +%s%N) - t) / 1000000 ))
		[ "$RC" -eq 0 ] || return 1
		[ -z "$WINDOW_MS" ] || [ "$t" -lt "$WINDOW_MS" ] && WINDOW_MS=$t
		agent_run "$ns" revert
	done
}

# lvst_require_ping: PING=(ping), or busybox's applet (busybox-static is a
# dependency); the test is skipped when neither exists.
lvst_require_ping()
{
	if command -v ping >/dev/null; then
		PING=(ping)
	elif command -v busybox >/dev/null && grep -qx ping <<<"$(busybox --list)"; then
		PING=(busybox ping)
	else
		skip_all "neither ping nor busybox ping installed"
	fi
}

# pin_arp_zero NS: arp_ignore and arp_announce 0 on all, default, lo and
# eth0 of NS (a new namespace copies the host's values; eth0 exists only
# once lab_new made it); exits the test when that fails.
pin_arp_zero()
{
	local c

	for c in all default lo eth0; do
		sysctl_set "$1" "net.ipv4.conf.$c.arp_ignore" 0 &&
		sysctl_set "$1" "net.ipv4.conf.$c.arp_announce" 0 ||
			{ fail setup "could not pin arp sysctls of $c"; exit 1; }
	done
}

# write_web_conf FILE ADDR...: the usual config of the tests: arp_ignore 1,
# arp_announce 2 and one group "web" holding ADDR... on lo.
write_web_conf()
{
	local file=$1

	shift
	printf '[agent]\narp_ignore = 1\narp_announce = 2\n\n[vip web]\naddress = %s\n' \
		"$*" >"$file"
}

# arp_replies IP [ASKS [DEV]]: how many replies the peer's arping (on DEV,
# default eth0, ASKS requests, default 2) for IP gets; "error" when arping
# itself failed (its output then goes to stderr).
arp_replies()
{
	local ip=$1 asks=${2:-2} dev=${3:-eth0} out n

	out=$(in_ns peer timeout 15 arping -c "$asks" -W 0.2 -w 3 -i "$dev" "$ip" 2>&1)
	n=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9][0-9]*\) packets received.*/\1/p')
	if [ -z "$n" ]; then
		echo "arping failed: $out" >&2
		echo error
		return 1
	fi
	echo "$n"
}

# assert_replies NAME IP some|none [ASKS [DEV]]
assert_replies()
{
	local name=$1 ip=$2 want=$3 asks=${4:-2} dev=${5:-eth0} n

	n=$(arp_replies "$ip" "$asks" "$dev")
	if { [ "$want" = some ] && [ "$n" != error ] && [ "$n" -gt 0 ]; } ||
	   { [ "$want" = none ] && [ "$n" = 0 ]; }; then
		pass "$name"
	else
		fail "$name" "peer's arping for $ip got $n of $asks replies, wanted $want"
	fi
}

# arp_senders VIP: make the RS answer the peer from the VIP twice (an echo reply
# to the peer's ping of the VIP, then a ping of the peer from the VIP), each
# time with an empty neighbour cache, while tcpdump in the peer namespace
# records ARP. Prints the sender address of every ARP request the RS sent,
# one per line, or "error: ..." when the capture or the exchange failed.
# Uses the caller's PING (array), RS_MAC and PEER_IP, and namespaces "rs" and
# "peer" joined by eth0. The kernel's own resolution is watched: arping would
# bypass the arp hooks (packet sockets).
arp_senders()
{
	local vip=$1 cap=$TDIR/arp.cap err=$TDIR/arp.err pid ok=0

	: >"$cap"
	: >"$err"
	timeout 30 ip netns exec "$(ns_name peer)" \
		tcpdump -n -e -l -i eth0 arp >"$cap" 2>"$err" &
	pid=$!
	bg_register "$pid"
	for _ in $(seq 100); do
		grep -q 'listening on' "$err" && break
		sleep 0.05
	done
	if ! grep -q 'listening on' "$err"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "error: tcpdump did not start: $(cat "$err")"
		return 1
	fi
	ip -n "$(ns_name rs)" neigh flush dev eth0
	in_ns peer timeout 10 "${PING[@]}" -c 1 -W 3 "$vip" >/dev/null 2>&1 && ok=$((ok + 1))
	ip -n "$(ns_name rs)" neigh flush dev eth0
	in_ns rs timeout 10 "${PING[@]}" -c 1 -W 3 -I "$vip" "$PEER_IP" >/dev/null 2>&1 && ok=$((ok + 1))
	sleep 0.3
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ "$ok" -ne 2 ]; then
		echo "error: only $ok of 2 echo exchanges between the VIP and the peer succeeded"
		return 1
	fi
	# "12:00:00.1 RSMAC > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806),
	#  length 42: Request who-has 192.0.2.1 tell 192.0.2.2, length 28"
	awk -v mac="$RS_MAC" '$2 == mac && /Request who-has/ {
		for (i = 1; i < NF; i++)
			if ($i == "tell") { s = $(i + 1); sub(/,$/, "", s); print s }
	}' "$cap"
}

# assert_senders NAME WANT VIP: every ARP request the RS sent during the exchange
# carries WANT as sender, and there was at least one.
assert_senders()
{
	local name=$1 want=$2 vip=$3 s bad

	s=$(arp_senders "$vip")
	case $s in
	error:*) fail "$name" "${s#error: }"; return 1 ;;
	"") fail "$name" "the RS sent no ARP request during the exchange"; return 1 ;;
	esac
	bad=$(printf '%s\n' "$s" | grep -vxF "$want" | sort -u | tr '\n' ' ')
	if [ -z "$bad" ]; then
		pass "$name ($(printf '%s\n' "$s" | wc -l) requests, sender $want)"
	else
		fail "$name" "RS's ARP requests carried sender(s) $bad(wanted only $want); all: ${s//$'\n'/ }"
		return 1
	fi
}

# ---- nf_tables (arp_suppress = nft | both)

# nft_table_json [NS]: `nft -j list table arp lvs_rs_agent` of NS (default
# rs); empty when there is no such table.
nft_table_json()
{
	in_ns "${1:-rs}" nft -j list table arp lvs_rs_agent 2>/dev/null
}

# The table as the agent makes it, checked field by field: python over
# `nft -j list table arp lvs_rs_agent`, with %s = the VIPs and %s =
# {oifname: rip} ("*" for a rule without oifname). No table flags (dormant),
# one set "vips" of plain addresses, the two chains and nothing else.
LVST_NFT_TABLE_EXPR='
(lambda items, vips, rules: (
  [x for x in items if "table" in x][0]["table"]["name"] == "lvs_rs_agent" and
  not [x for x in items if "table" in x][0]["table"].get("flags") and
  [x["set"]["name"] for x in items if "set" in x] == ["vips"] and
  [x for x in items if "set" in x][0]["set"]["type"] == "ipv4_addr" and
  not [x for x in items if "set" in x][0]["set"].get("flags") and
  sorted([x for x in items if "set" in x][0]["set"].get("elem", [])) == sorted(vips) and
  sorted((c["name"], c["hook"], c["prio"], c["policy"], c["type"])
         for c in (x["chain"] for x in items if "chain" in x)) ==
      [("input", "input", 0, "accept", "filter"), ("output", "output", 0, "accept", "filter")] and
  [r["expr"] for r in (x["rule"] for x in items if "rule" in x) if r["chain"] == "input"] == [[
      {"match": {"op": "==", "left": {"payload": {"protocol": "arp", "field": "operation"}}, "right": "request"}},
      {"match": {"op": "==", "left": {"payload": {"protocol": "arp", "field": "daddr ip"}}, "right": "@vips"}},
      {"drop": None}]] and
  sorted(json.dumps(r["expr"], sort_keys=True) for r in (x["rule"] for x in items if "rule" in x)
         if r["chain"] == "output") ==
  sorted(json.dumps(
      ([{"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": oif}}] if oif != "*" else []) + [
      {"match": {"op": "==", "left": {"payload": {"protocol": "arp", "field": "operation"}}, "right": "request"}},
      {"match": {"op": "==", "left": {"payload": {"protocol": "arp", "field": "saddr ip"}}, "right": "@vips"}},
      {"mangle": {"key": {"payload": {"protocol": "arp", "field": "saddr ip"}}, "value": rip}}], sort_keys=True)
      for oif, rip in rules.items())
))(d["nftables"], %s, %s)'

# assert_nft_table NAME VIPS RULES: the table of namespace rs is exactly
# the agent's (LVST_NFT_TABLE_EXPR), VIPS a python list ("['198.51.100.10']"),
# RULES a python dict ("{'eth0': '192.0.2.2'}").
assert_nft_table()
{
	local name=$1 vips=$2 rules=$3 j

	j=$(nft_table_json)
	if [ -z "$j" ]; then
		fail "$name" "no table arp lvs_rs_agent"
		return 1
	fi
	# shellcheck disable=SC2059
	assert_json "$name" "$j" "$(printf "$LVST_NFT_TABLE_EXPR" "$vips" "$rules")"
}

# nft_monitor_start [NS]: `nft monitor` of NS (default rs) in the
# background; nft_monitor_stop prints what it saw, blank lines dropped.
# Every committed nf_tables batch is one "# new generation N by process
# PID (NAME)" line.
nft_monitor_start()
{
	# Not through in_ns: $! must be nft itself (ip netns exec execs it),
	# not a subshell whose death leaves nft running.
	ip netns exec "$(ns_name "${1:-rs}")" nft monitor >"$TDIR/monitor" 2>&1 &
	LVST_MON_PID=$!
	bg_register "$LVST_MON_PID"
	sleep 0.5
}

nft_monitor_stop()
{
	sleep 0.5
	kill "$LVST_MON_PID" 2>/dev/null
	wait "$LVST_MON_PID" 2>/dev/null
	grep -av '^$' "$TDIR/monitor"
}
