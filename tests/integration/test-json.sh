#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The --json contract (issue 13): every command's document, in success,
# failure and usage-error forms and with --prometheus, is validated against
# doc/lvs-rs-agent.schema.json (the schema of lvs-rs-agent(8)) with Debian's
# python3-jsonschema, and what a tool keys on is asserted beside it: the exit
# code, "schema", "command", "ok", "changed", "errors" always present,
# plan's "pending" and --detailed-exitcode, verify's "applied". The validator
# itself is proven first: documents broken on purpose (an unknown member, a
# wrong type, a missing member, a sentence as "found", ...) must fail.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_agent "$FAULT_BIN"
SCHEMA=$LVST_ROOT/doc/lvs-rs-agent.schema.json
# Debian's module (make deps), not one a version manager put on $PATH.
/usr/bin/python3 -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null ||
	skip_all "python3-jsonschema with draft 2020-12 not installed (make deps)"
lab_new && lab_route_back || { fail setup "could not build the rs/peer namespaces"; exit 1; }

# validate FILE: the errors of the document in FILE against the schema, one
# per line; exit 0 when it is valid, 1 when not, 2 when it is not one JSON
# document.
VALIDATE='
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
try:
    doc = json.loads(open(sys.argv[2]).read())
except ValueError as e:
    print("not one JSON document: %s" % e)
    sys.exit(2)
errs = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
for e in errs:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)) or "(top)", e.message))
sys.exit(1 if errs else 0)
'
validate()
{
	/usr/bin/python3 -c "$VALIDATE" "$SCHEMA" "$1"
}

# check NAME RC [EXPR]: the last agent_run's stdout is one document valid
# against the schema, the exit code is RC, and the python3 EXPR holds for it
# (d = the document).
check()
{
	local name=$1 rc=$2 expr=${3:-True} why

	assert_rc "$name: exit $rc" "$rc"
	printf '%s' "$OUT" >"$TDIR/doc.json"
	if why=$(validate "$TDIR/doc.json"); then
		pass "$name: valid against the schema"
	else
		fail "$name: valid against the schema" "$why; document: ${OUT:0:300}"
	fi
	assert_json "$name: $expr" "$OUT" "$expr"
}

CONF=$TDIR/agent.conf
cat >"$CONF" <<'EOF'
[agent]
arp_suppress = both

[vip web]
address = 198.51.100.10 2001:db8:100::1

[vip cdn]
anyip = yes
address = 203.0.113.0/28
EOF
BAD=$TDIR/bad.conf
printf '[vip web]\naddress = 198.51.100.10, 198.51.100.11\n' >"$BAD"
TUN=$TDIR/tun.conf
printf '[vip t]\nmode = tun\naddress = 198.51.100.20\n' >"$TUN"
PROM=$TDIR/metrics.prom

# ---- the validator rejects what the contract forbids (negative controls)
agent_run rs -c "$CONF" --json plan
printf '%s' "$OUT" >"$TDIR/plan.json"
if validate "$TDIR/plan.json" >"$TDIR/why"; then
	pass "validator: a real plan document passes"
else
	fail "validator: a real plan document passes" "$(cat "$TDIR/why")"
fi
agent_run rs -c "$CONF" --json verify
printf '%s' "$OUT" >"$TDIR/verify.json"
# broken NAME SOURCE PYTHON: SOURCE's document changed by PYTHON (on d) must
# fail validation.
broken()
{
	local name=$1 src=$2

	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"))' "$src" "$3" "$TDIR/broken.json" ||
		{ fail "validator rejects $name" "could not make the document"; return; }
	validate "$TDIR/broken.json" >"$TDIR/why"
	case $? in
	1) pass "validator rejects $name ($(head -n1 "$TDIR/why" | cut -c1-80))" ;;
	*) fail "validator rejects $name" "it passed: $(head -c 300 "$TDIR/broken.json")" ;;
	esac
}
broken "an unknown member" "$TDIR/verify.json" 'd["bogus"] = 1'
broken "an unknown member of a check" "$TDIR/verify.json" 'd["checks"][0]["bogus"] = 1'
broken "a wrong type (changed as a string)" "$TDIR/verify.json" 'd["changed"] = "no"'
broken "a wrong type (schema as a string)" "$TDIR/verify.json" 'd["schema"] = "1"'
broken "another schema version" "$TDIR/verify.json" 'd["schema"] = 2'
broken "a missing member (errors)" "$TDIR/verify.json" 'del d["errors"]'
broken "a missing member (warnings)" "$TDIR/verify.json" 'del d["warnings"]'
broken "a missing member of a check (kind)" "$TDIR/verify.json" 'del d["checks"][0]["kind"]'
broken "a sentence as found" "$TDIR/verify.json" 'd["checks"][0]["found"] = "0 (effective: max(all 0, lo 0))"'
broken "verify without applied" "$TDIR/verify.json" 'del d["applied"]'
broken "pending outside plan" "$TDIR/verify.json" 'd["pending"] = True'
broken "an error without errors" "$TDIR/verify.json" 'd["error"] = "x"'
broken "a three-line message" "$TDIR/verify.json" 'd["warnings"] = ["a\nb\nc"]'
broken "plan without pending" "$TDIR/plan.json" 'del d["pending"]'
broken "a state in a plan's change" "$TDIR/plan.json" 'd["changes"][0]["state"] = "done"'
broken "an unknown op" "$TDIR/plan.json" 'd["changes"][0]["op"] = "*"'
broken "an unknown command" "$TDIR/plan.json" 'd["command"] = "reboot"'

# ---- apply, plan, verify, status, revert, check-config: success and failure
agent_run rs -c "$CONF" --json verify
check "verify before any apply" 1 \
	'd["command"] == "verify" and d["ok"] is False and d["applied"] is False and len(d["warnings"]) == 1 and d["errors"] == [] and d["error"] is None'
agent_run rs -c "$CONF" --json status
check "status before any apply" 1 \
	'd["applied"] is False and d["journal"] == [] and d["config"] is None and d["created"] is None and d["revert"] == []'
agent_run rs -c "$CONF" --json plan
check "plan with changes pending" 0 'd["pending"] is True and d["changed"] is False and len(d["changes"]) > 0'
agent_run rs -c "$CONF" --json --detailed-exitcode plan
check "plan --detailed-exitcode with changes pending" 5 'd["pending"] is True and d["ok"] is True'
agent_run rs -c "$CONF" --detailed-exitcode plan
assert_rc "plan --detailed-exitcode (text) with changes pending: exit 5" 5
agent_run rs -c "$TUN" --json plan
check "plan failing (the kernel lacks ipip)" 3 'd["pending"] is None and d["ok"] is False and len(d["errors"]) >= 1'
LVS_RS_AGENT_FAULT=6 AGENT_BIN=$FAULT_BIN agent_run rs -c "$CONF" --json apply
check "apply failing at its 6th change, rolled back" 3 \
	'd["changed"] is False and {c["state"] for c in d["changes"]} >= {"undone", "failed", "not made"}'
agent_run rs -c "$CONF" --json apply
check "apply" 0 'd["changed"] is True and all(c["state"] == "done" for c in d["changes"]) and d["errors"] == []'
agent_run rs -c "$CONF" --json apply
check "apply again: nothing to do" 0 'd["changed"] is False and d["changes"] == []'
agent_run rs -c "$CONF" --json plan
check "plan with nothing to do" 0 'd["pending"] is False and d["changes"] == []'
agent_run rs -c "$CONF" --json --detailed-exitcode plan
check "plan --detailed-exitcode with nothing to do" 0 'd["pending"] is False'
agent_run rs -c "$CONF" --json verify
check "verify" 0 'd["ok"] is True and d["applied"] is True and d["warnings"] == [] and len(d["checks"]) > 0'
agent_run rs -c "$CONF" --json --prometheus "$PROM" verify
check "verify --prometheus" 0 'd["ok"] is True'
[ -s "$PROM" ] && pass "verify --prometheus wrote the metrics" || fail "verify --prometheus wrote the metrics" "$PROM empty"
agent_run rs -c "$CONF" --json --prometheus "$TDIR/no/such/dir/m.prom" verify
check "verify --prometheus into a missing directory" 3 \
	'd["ok"] is False and "metrics file" in d["error"]'
agent_run rs -c "$CONF" --json status
check "status" 0 \
	'd["applied"] is True and len(d["journal"]) > 0 and d["config"] and d["created"] > 0 and d["revert"] and all(s["now"] for s in d["journal"])'
agent_run rs -c "$CONF" --json --prometheus "$PROM" status
check "status --prometheus" 0 'd["ok"] is True'
ip netns exec "$(ns_name rs)" ip addr del 198.51.100.10/32 dev lo
agent_run rs -c "$CONF" --json verify
check "verify failing (a VIP deleted by hand)" 1 \
	'd["ok"] is False and d["applied"] is True and d["warnings"] == [] and any(not c["ok"] and c["found"] == "absent" for c in d["checks"])'
agent_run rs -c "$CONF" --json --prometheus "$PROM" verify
check "verify --prometheus failing" 1 'd["ok"] is False'
agent_run rs -c "$TDIR/gone.conf" --json status
check "status without its config" 1 \
	'any(c["kind"] == "config" and c["warn"] and c["found"] == "missing" for c in d["checks"])'
agent_run rs -c "$BAD" --json status
check "status with a broken config" 1 \
	'any(c["kind"] == "config" and c["found"] == "invalid" and "commas" in c["detail"] for c in d["checks"])'
cp "$STATE" "$TDIR/state.good"
printf 'not a journal\n' >"$STATE"
agent_run rs -c "$CONF" --json status
check "status with a damaged journal" 3 \
	'd["journal"] == [] and d["unread"] is not None and d["unread"]["from_line"] == 1 and d["errors"]'
cp "$TDIR/state.good" "$STATE"
LVS_RS_AGENT_FAULT=2 AGENT_BIN=$FAULT_BIN agent_run rs -c "$CONF" --json revert
check "revert failing at its 2nd change, rolled back" 3 \
	'd["changed"] is False and any(c["state"] == "failed" for c in d["changes"])'
agent_run rs --json revert
check "revert" 0 'd["changed"] is True and all(c["state"] == "done" for c in d["changes"])'
agent_run rs --json revert
check "revert again: nothing to do" 0 'd["changed"] is False and d["changes"] == []'
agent_run rs -c "$CONF" --json check-config
check "check-config" 0 'd["ok"] is True and d["checks"] == [] and d["changes"] == []'
for cmd in check-config apply plan verify; do
	agent_run rs -c "$BAD" --json "$cmd"
	check "$cmd with a config error" 2 \
		"d['command'] == '$cmd' and d['ok'] is False and 'commas' in d['error'] and d['changed'] is False"
done

# ---- usage errors: JSON too, wherever --json stands
usage()
{
	local name=$1 expr=$2

	shift 2
	agent_run rs "$@"
	check "usage error: $name" 2 "d['ok'] is False and len(d['errors']) == 1 and d['error'] == d['errors'][0] and $expr"
}
usage "no command" 'd["command"] is None' --json
usage "an unknown command" 'd["command"] is None and "did you mean apply?" in d["error"]' --json aply
usage "an unknown option before --json" '"did you mean --json?" in d["error"]' --jsno --json verify
usage "a missing value after --json" 'd["command"] is None and "--config needs a value" in d["error"]' --json -c
usage "two commands" 'd["command"] == "apply"' apply verify --json
for cmd in apply plan verify status revert check-config; do
	usage "$cmd with an extra word" "d['command'] == '$cmd'" -c "$CONF" "$cmd" extra --json
done
usage "apply --prometheus" 'd["command"] == "apply" and "--prometheus goes with verify, status or watch" in d["error"]' \
	--json --prometheus "$PROM" apply
usage "status --detailed-exitcode" 'd["command"] == "status" and "applied" in d and d["applied"] is None' \
	--json --detailed-exitcode status
usage "plan with a bad --wait" 'd["command"] == "plan" and d["pending"] is None' --json -w soon plan
usage "--json=yes" '"--json takes no value" in d["error"]' --json=yes verify

lvst_done
