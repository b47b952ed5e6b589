#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# valgrind over the integration happy path (issue 3, done-when 10): plan,
# apply, apply again, verify, status, revert (text and --json), a failing
# verify and a config error, each under
# valgrind --leak-check=full --errors-for-leak-kinds=all: no errors, no leaks
# of any kind, and the same exit code as without valgrind.
#
# An ASan build cannot run under valgrind; under SANITIZE=1 this uses the
# plain build/lvs-rs-agent, which `make check SANITIZE=1` builds too (ASan's
# own leak checker covers the sanitized binary in the other tests).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd valgrind

BIN=$AGENT_BIN
if [ "${SANITIZE:-}" = 1 ] || grep -q __asan_init "$BIN" 2>/dev/null; then
	BIN=$LVST_ROOT/build/lvs-rs-agent
	if [ ! -x "$BIN" ] || grep -q __asan_init "$BIN"; then
		skip_all "$AGENT_BIN is an ASan build and no plain build/lvs-rs-agent exists"
	fi
	echo "note: $AGENT_BIN is an ASan build: running valgrind on $BIN"
fi
lvst_require_agent "$BIN"
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

CONF=$TDIR/agent.conf
cat >"$CONF" <<'EOF'
[agent]
arp_ignore = 1
arp_announce = 2
[vip web]
address = 198.51.100.10 198.51.100.11
[vip web6]
address = 2001:db8:100::1
EOF
BAD=$TDIR/bad.conf
printf '[vip web]\naddress = 300.1.1.1\n' >"$BAD"
snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

N=0
# vg NAME EXPECTED_RC AGENT_ARGS...
vg()
{
	local name=$1 want=$2 log

	shift 2
	N=$((N + 1))
	log=$TDIR/vg.$N.log
	in_ns rs valgrind --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 --track-fds=no \
		--log-file="$log" "$BIN" -s "$STATE" "$@" >"$TDIR/.out" 2>"$TDIR/.err"
	RC=$?
	ERR=$(cat "$TDIR/.err")
	OUT=$(cat "$TDIR/.out")
	if [ "$RC" -eq 99 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
		fail "$name: valgrind clean" "exit $RC; $(grep -E 'ERROR SUMMARY|definitely|indirectly|possibly|still reachable|Invalid|uninitialised' "$log" | head -5)"
		sed -n '/== *$/,$p' "$log" | head -60 | sed 's/^/    | /'
		return 1
	fi
	if grep -qE 'definitely lost: [1-9]|indirectly lost: [1-9]|possibly lost: [1-9]|still reachable: [1-9]' "$log"; then
		fail "$name: valgrind clean" "leaks: $(grep -E 'lost:|reachable:' "$log" | head -4)"
		return 1
	fi
	pass "$name: valgrind clean (no errors, no leaks)"
	assert_eq "$name: exit code $want under valgrind" "$want" "$RC" || echo "    | stderr: $ERR"
}

vg "check-config" 0 -c "$CONF" check-config
vg "plan" 0 -c "$CONF" plan
vg "apply --json" 0 -c "$CONF" --json apply
assert_json "apply --json under valgrind changed the kernel" "$OUT" 'd["changed"] is True'
assert_addr "kernel: 198.51.100.10/32 on lo after apply under valgrind" rs lo 198.51.100.10 32
vg "apply again" 0 -c "$CONF" apply
vg "verify" 0 -c "$CONF" verify
vg "verify --json" 0 -c "$CONF" --json verify
vg "status" 0 -c "$CONF" status
vg "status --json" 0 -c "$CONF" --json status
ip -n "$(ns_name rs)" addr del 198.51.100.11/32 dev lo
vg "verify with a VIP missing" 1 -c "$CONF" verify
vg "revert" 0 -c "$CONF" revert
assert_snapshot "revert under valgrind restored the state" rs "$TDIR/before"
vg "revert again" 0 -c "$CONF" --json revert
vg "config error" 2 -c "$BAD" apply
vg "usage error" 2 no-such-command
vg "help" 0 --help

lvst_done
