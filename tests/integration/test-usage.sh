#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What an operator reads when something is off (issue 14, "Usage"):
#  - every usage error is one line on stderr with a hint (did you mean, the
#    value an option needs, ...), exit 2, nothing on stdout, nothing changed;
#    --help alone prints the help;
#  - verify before any apply says first, in one warning, that the agent has
#    applied nothing here and how to apply; its FAIL lines follow without the
#    why; after an apply a failure keeps its why and no such warning shows,
#    and a server prepared by hand passes without a journal;
#  - no message is over two lines, and no line over 100 columns (the test's
#    paths read as the default ones): usage errors, a missing config, no
#    CAP_NET_ADMIN, a busy lock, the unit's journal by hand, a kernel without
#    ipip, a failed kernel change and its rollback, the verify warning.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd setpriv
lvst_require_agent
lvst_require_agent "$FAULT_BIN"
lab_new && lab_route_back || { fail setup "could not build the rs/peer namespaces"; exit 1; }
snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

CONF=$TDIR/agent.conf
write_web_conf "$CONF" 198.51.100.10 2001:db8:100::1
MESSAGES=$TDIR/messages

# keep NAME: file the last run's stderr and stdout warnings for the length
# checks at the end, with the test's paths as the defaults read.
keep()
{
	{
		printf '%s\n' "$ERR"
		grep -A1 '^warning: ' <<<"$OUT"
	} | sed -e "s# -c $CONF -s $STATE##g" -e "s#$STATE#/run/lvs-rs-agent/state#g" \
		-e "s#$CONF#/etc/lvs-rs-agent/agent.conf#g" -e "s#$TDIR/svc#/run/lvs-rs-agent#g" \
		-e "s#^#$1|#" >>"$MESSAGES"
}

# ---- usage errors: one line, a hint, exit 2
# usage NAME REGEX ARGS...: the agent's stderr is exactly one line matching
# the extended REGEX (after "lvs-rs-agent: "), stdout is empty, exit 2.
usage()
{
	local name=$1 re=$2

	shift 2
	agent_run rs "$@"
	assert_rc "$name: exit 2" 2
	if [ "$(grep -c '' <<<"$ERR")" = 1 ] && grep -Eq "^lvs-rs-agent: $re\$" <<<"$ERR"; then
		pass "$name: one line: ${ERR#lvs-rs-agent: }"
	else
		fail "$name: one line matching $re" "stderr: ${ERR:-<empty>}"
	fi
	assert_eq "$name: nothing on stdout" "" "$OUT"
	keep "usage: $name"
}
H_CMDS='\(--help lists the commands\)'
H_OPTS='\(--help lists the options\)'
usage "a misspelt command" "unknown command \"aply\": did you mean apply\\? $H_CMDS" aply
usage "two letters swapped" "unknown command \"stauts\": did you mean status\\? $H_CMDS" stauts
usage "a command in capitals" "unknown command \"VERIFY\": did you mean verify\\? $H_CMDS" VERIFY
usage "another word" "unknown command \"reboot\" $H_CMDS" reboot
usage "no command" "no command given: add one such as apply or watch $H_CMDS"
usage "two commands" 'one command at a time: apply and verify given \(run one, then the other\)' apply verify
usage "a word after the command" 'apply takes no argument, but "agent.conf" follows it \(a file goes after -c or -s\)' \
	apply agent.conf
usage "a misspelt option" "unknown option \"--jsno\": did you mean --json\\? $H_OPTS" --jsno verify
usage "a misspelt option with a value" "unknown option \"--conifg=x\": did you mean --config\\? $H_OPTS" --conifg=x verify
usage "an unknown short option" "unknown option \"-x\" $H_OPTS" -x verify
usage "an unknown option" "unknown option \"--frobnicate\" $H_OPTS" --frobnicate apply
usage "--force with apply" '--force goes with revert, not with apply: drop it from this command' --force apply
usage "an option without its value" '--config needs a value: --config FILE' verify -c
usage "--wait without its value" '--wait needs a value: --wait SECONDS' verify --wait
usage "an option that took the command" \
	'no command given: --config took "apply" as its FILE \(write the FILE right after it\)' -c apply
usage "an option that took an option" \
	'--config took "--json" as its value: write its FILE right after it' -c --json verify
usage "an empty file name" '--state needs a file name, not an empty word' -s '' verify
usage "a value for --version" '--version takes no value: write it alone, as --version' --version=2 verify
usage "--wait not a number" '--wait "soon": not a number of seconds from 0 to 86400' -w soon verify
usage "--prometheus with apply" \
	'--prometheus goes with verify, status or watch, not with apply: drop it$' \
	--prometheus "$TDIR/m.prom" apply
usage "--detailed-exitcode with verify" \
	'--detailed-exitcode goes with plan, not with verify: drop it from this command' \
	--detailed-exitcode verify
# negative control: the help itself, on request only
agent_run rs --help
assert_rc "--help: exit 0" 0
assert_match "--help: the usage on stdout" '^Usage: lvs-rs-agent \[OPTIONS\] COMMAND$' "$OUT"
assert_eq "--help: nothing on stderr" "" "$ERR"
assert_snapshot "usage errors changed nothing" rs "$TDIR/before"
if [ -e "$STATE" ] || [ -e "$STATE.lock" ]; then
	fail "usage errors wrote no journal or lock" "$(ls -l "$STATE"*)"
else
	pass "usage errors wrote no journal or lock"
fi

# ---- verify before any apply
agent_run rs -c "$CONF" verify
assert_rc "verify before any apply: exit 1" 1
assert_eq "verify before any apply: a warning of two lines on stderr says nothing is applied and how to apply" \
	"lvs-rs-agent: warning: the agent has applied nothing here yet (no journal $STATE):|  run lvs-rs-agent -c $CONF -s $STATE apply, or start its unit, to prepare this server" \
	"$(sed -n '1h; 2{H; x; s/\n/|/p}' <<<"$ERR")"
keep "verify before any apply"
agent_run rs -c "$CONF" --json verify
JSON=$OUT
# Each FAIL line is "FAIL subject: expected E, found F[ (detail)]": no why.
"$PYTHON" - "$JSON" >"$TDIR/want" <<'PY'
import json, sys
for c in json.loads(sys.argv[1])["checks"]:
    found = c["found"] + (" (%s)" % c["detail"] if c["detail"] else "")
    if c["ok"]:
        print("ok   %s: %s" % (c["subject"], found))
    else:
        print("FAIL %s: expected %s, found %s" % (c["subject"], c["expected"], found))
PY
n_fail=$(grep -c '^FAIL ' "$TDIR/want")
[ "$n_fail" -gt 5 ] && pass "verify before any apply: $n_fail checks fail" ||
	fail "verify before any apply: checks fail" "only $n_fail"
agent_run rs -c "$CONF" verify
assert_eq "verify before any apply: every check follows, without the why" \
	"$(cat "$TDIR/want")" "$(grep -v '^verify: ' <<<"$OUT")"
assert_match "verify before any apply: the summary still counts them" "^verify: [0-9]+ checks, $n_fail failed$" "$OUT"

# negative control: after an apply, a failure is told in full and no warning
agent_run rs -c "$CONF" apply
assert_rc "apply: exit 0" 0
in_ns rs ip addr del 198.51.100.10/32 dev lo
agent_run rs -c "$CONF" verify
assert_rc "verify after apply, a VIP deleted by hand: exit 1" 1
assert_no_match "... no 'nothing applied' warning" 'warning: ' "$OUT$ERR"
assert_match "... the FAIL line keeps its why" \
	"^FAIL address 198\.51\.100\.10/32 dev lo: expected present, found absent: VIP not on lo: .+$" "$OUT"
agent_run rs -c "$CONF" revert
assert_rc "revert: exit 0" 0

# a server prepared by hand, without the agent's journal: verify passes
V4CONF=$TDIR/v4.conf
write_web_conf "$V4CONF" 198.51.100.10
for c in all lo; do
	sysctl_set rs "net/ipv4/conf/$c/arp_ignore" 1
	sysctl_set rs "net/ipv4/conf/$c/arp_announce" 2
done
in_ns rs ip addr add 198.51.100.10/32 dev lo
agent_run rs -c "$V4CONF" verify
assert_rc "prepared by hand, no journal: verify exit 0" 0
assert_no_match "prepared by hand: no warning" 'warning: ' "$OUT$ERR"
agent_run rs -c "$V4CONF" --json verify
assert_json "prepared by hand: JSON says nothing applied, no warning, ok" "$OUT" \
	'd["applied"] is False and d["warnings"] == [] and d["ok"] is True'
in_ns rs ip addr del 198.51.100.10/32 dev lo
for c in all lo; do
	sysctl_set rs "net/ipv4/conf/$c/arp_ignore" 0
	sysctl_set rs "net/ipv4/conf/$c/arp_announce" 0
done

# ---- more errors, for their shape
agent_run rs -c "$TDIR/missing.conf" apply
assert_rc "a missing config: exit 2" 2
assert_eq "a missing config: one line, with where to look" \
	"$TDIR/missing.conf: No such file or directory (see lvs-rs-agent.conf(5), or -c FILE)" "$ERR"
CONF_SAVED=$CONF
CONF=$TDIR/missing.conf keep "a missing config"
CONF=$CONF_SAVED

NONET=(setpriv --bounding-set=-net_admin --inh-caps=-net_admin)
in_ns rs "${NONET[@]}" "$AGENT_BIN" -s "$STATE" -c "$CONF" apply >"$TDIR/.out" 2>"$TDIR/.err"
RC=$? OUT=$(cat "$TDIR/.out") ERR=$(cat "$TDIR/.err")
assert_rc "no CAP_NET_ADMIN: exit 3" 3
assert_match "no CAP_NET_ADMIN: says what to do" '^  run it as root, or grant CAP_NET_ADMIN as an ambient capability$' "$ERR"
keep "no CAP_NET_ADMIN"

lock_hold "$STATE.lock" 60 || fail "lock holder started" "it did not get the lock"
H=$LOCK_HOLDER
agent_run rs -c "$CONF" -w 0 apply
assert_rc "a busy lock: exit 3" 3
assert_match "a busy lock: names the holder" "^lvs-rs-agent: lock $STATE\\.lock is held by PID $H, another lvs-rs-agent run:\$" "$ERR"
assert_match "a busy lock: says what to do" '^  gave up after 0 s \(--wait SECONDS waits longer\)$' "$ERR"
keep "a busy lock"
kill "$H" 2>/dev/null
wait "$H" 2>/dev/null

# the unit's journal directory (its DynamicUser's), root by hand
install -d -m 0755 -o 61190 -g 61190 "$TDIR/svc"
STATE=$TDIR/svc/state agent_run rs -c "$CONF" apply
assert_rc "the unit's journal by hand: exit 3" 3
assert_eq "the unit's journal by hand: why and what to do, in two lines" \
	"lvs-rs-agent: cannot open $TDIR/svc/state.lock: its directory is the unit's (uid 61190),
  and the agent keeps only CAP_NET_ADMIN: systemctl reload lvs-rs-agent applies, stop reverts" "$ERR"
keep "the unit's journal by hand"

TUN=$TDIR/tun.conf
printf '[vip t]\nmode = tun\naddress = 198.51.100.20\n' >"$TUN"
if in_ns rs ip link show tunl0 >/dev/null 2>&1 || [ -d /sys/module/ipip ]; then
	skip "a kernel without ipip" "this kernel has ipip (test-tun and the VM labs cover TUN)"
else
	for cmd in plan apply; do
		agent_run rs -c "$TUN" "$cmd"
		assert_rc "a kernel without ipip: $cmd exit 3" 3
		keep "a kernel without ipip: $cmd"
	done
fi

# a failed kernel change, rolled back: its kernel text and the rollback line
LVS_RS_AGENT_FAULT=5 AGENT_BIN=$FAULT_BIN agent_run rs -c "$CONF" apply
assert_rc "a failed change: exit 3" 3
assert_match "a failed change: names it" \
	'^lvs-rs-agent: apply: adding address 198\.51\.100\.10/32 dev lo: Input/output error$' "$ERR"
assert_match "a failed change: the kernel's text on its second line" \
	'^  \(kernel: injected fault at kernel change 5\)$' "$ERR"
assert_match "a failed change: says it was rolled back" '^lvs-rs-agent: apply: every change of this run was rolled back$' "$ERR"
keep "a failed change"
assert_snapshot "after all of these, nothing changed" rs "$TDIR/before"

# ---- no message over two lines, no line over 100 columns
"$PYTHON" - "$MESSAGES" >"$TDIR/shape" <<'PY'
import sys
msgs = []  # (case, [lines])
for raw in open(sys.argv[1]):
    case, _, line = raw.rstrip("\n").partition("|")
    if not line or line == "--" or line.startswith(("ok ", "FAIL ", "WARN ")):
        continue
    if line.startswith("  ") and msgs and msgs[-1][0] == case:
        msgs[-1][1].append(line)
    else:
        msgs.append((case, [line]))
bad = 0
for case, lines in msgs:
    why = []
    if len(lines) > 2:
        why.append("%d lines" % len(lines))
    why += ["%d columns" % len(l) for l in lines if len(l) > 100]
    if why:
        bad += 1
        print("%s: %s: %s" % (case, ", ".join(why), " | ".join(lines)))
print("%d messages, %d too long" % (len(msgs), bad))
sys.exit(1 if bad else 0)
PY
if [ $? = 0 ]; then
	pass "every message at most two lines of 100 columns ($(tail -n1 "$TDIR/shape"))"
else
	sed 's/^/    /' "$TDIR/shape"
	fail "every message at most two lines of 100 columns" "$(tail -n1 "$TDIR/shape"), listed above"
fi

lvst_done
