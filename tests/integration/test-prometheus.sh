#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# verify --prometheus FILE (issue 7): node_exporter textfile-collector metrics,
# written atomically whatever verify found. After an apply every check gauge is
# 1 and verify_success 1; a VIP deleted by hand flips its gauge to 0 and
# verify_success to 0 (verify exits 1); a config error still writes a valid
# file (no check lines, verify_success 0); an unwritable FILE is exit 3. Each
# file is checked with `promtool check metrics` when promtool is installed
# (Debian: prometheus) and always with the strict parser below, which also
# rejects duplicate series (promtool does not). No temporary file is left.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

V1=198.51.100.10
V2=198.51.100.11
V6=2001:db8:100::1
CONF=$TDIR/agent.conf
write_web_conf "$CONF" "$V1" "$V2" "$V6"
RS=$(ns_name rs)
PDIR=$TDIR/textfile
PROM=$PDIR/lvs_rs_agent.prom
mkdir -p "$PDIR"

# promtool: `make deps` unpacks it into the project's cache (tools/deps.sh).
PATH=$PATH:${LVS_TOOLS_CACHE:-/var/cache/lvs-rs-agent/tools}/bin
if command -v promtool >/dev/null; then
	echo "validator: $(promtool --version 2>&1 | head -1) (promtool check metrics) and the strict parser"
	HAVE_PROMTOOL=1
else
	echo "validator: the strict parser only (no promtool: make deps unpacks it)"
	HAVE_PROMTOOL=0
fi

# The text exposition format, strictly: HELP/TYPE before a family's samples,
# each family one group, metric and label names, label value escapes (only
# \\ \" \n), Go float values, optional integer timestamp, no duplicate series,
# UTF-8, a final newline. Prints the samples as JSON: [[name, {labels}, value]].
PARSER=$TDIR/prom-parse.py
cat >"$PARSER" <<'PY'
import json, re, sys
data = open(sys.argv[1], "rb").read()
def die(msg):
    print(msg); sys.exit(1)
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    die("not UTF-8: %s" % e)
if text and not text.endswith("\n"):
    die("no newline at the end")
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LNAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
FLOAT = r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf|NaN)"
types, helps, done, seen, out = {}, {}, set(), set(), []
current = None
def family(name, start=False):
    global current
    if name != current:
        if name in done:
            die("family %s is not one group" % name)
        if current is not None:
            done.add(current)
        current = name
for n, line in enumerate(text.split("\n")[:-1], 1):
    where = "line %d: %r: " % (n, line)
    if line.strip() == "":
        continue
    if line.startswith("#"):
        m = re.fullmatch(r"# (HELP|TYPE) (" + NAME + r") (.*)", line)
        if not m:
            if re.match(r"#\s*(HELP|TYPE)\b", line):
                die(where + "malformed HELP/TYPE")
            continue
        kind, name, rest = m.groups()
        family(name)
        if any(s[0] == name for s in out):
            die(where + "%s after samples of %s" % (kind, name))
        if kind == "TYPE":
            if name in types or rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                die(where + "duplicate or invalid TYPE")
            types[name] = rest
        else:
            if name in helps or re.search(r"\\[^\\n]", rest.replace("\\\\", "")):
                die(where + "duplicate HELP or bad escape")
            helps[name] = rest
        continue
    m = re.match(r"(" + NAME + r")", line)
    if not m:
        die(where + "bad metric name")
    name, pos, labels = m.group(1), m.end(), {}
    if pos < len(line) and line[pos] == "{":
        pos += 1
        while True:
            m = re.compile(r"\s*(?:(\})|(" + LNAME + r')\s*=\s*"((?:[^"\\\n]|\\[\\"n])*)"\s*(,|\}))').match(line, pos)
            if not m:
                die(where + "bad label syntax at column %d" % (pos + 1))
            pos = m.end()
            if m.group(1):
                break
            ln = m.group(2)
            if ln in labels or ln.startswith("__"):
                die(where + "duplicate or reserved label %s" % ln)
            labels[ln] = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), m.group(3))
            if m.group(4) == "}":
                break
    m = re.compile(r" +(" + FLOAT + r")(?: +(-?[0-9]+))? *$").match(line, pos)
    if not m:
        die(where + "bad value or trailing garbage")
    base = name
    family(base)
    if base not in types or base not in helps:
        die(where + "sample of %s without HELP and TYPE before it" % base)
    key = (name, tuple(sorted(labels.items())))
    if key in seen:
        die(where + "duplicate series")
    seen.add(key)
    out.append([name, labels, float(m.group(1))])
print(json.dumps(out))
PY

# prom_check NAME FILE: PASS when FILE is valid exposition; sets SAMPLES (JSON).
prom_check()
{
	local out rc

	SAMPLES='[]'
	if [ "$HAVE_PROMTOOL" = 1 ]; then
		out=$(promtool check metrics <"$2" 2>&1)
		rc=$?
		if [ $rc != 0 ] || [ -n "$out" ]; then
			fail "$1" "promtool check metrics: exit $rc: $out"
			return 1
		fi
	fi
	out=$("$PYTHON" "$PARSER" "$2")
	rc=$?
	if [ $rc != 0 ]; then
		fail "$1" "strict parser: $out"
		return 1
	fi
	SAMPLES=$out
	pass "$1"
}

# only_the_file NAME: the directory holds the metrics file and nothing else.
only_the_file()
{
	assert_eq "$1" "$(basename "$PROM")" "$(ls -A "$PDIR")"
}

# ---- after apply: all 1
agent_run rs -c "$CONF" apply
assert_rc "apply exits 0" 0
t0=$(date +%s)
# the unit's UMask=0077: the file must still be 0644 for node_exporter's user
(umask 077; agent rs -c "$CONF" --prometheus "$PROM" verify >"$TDIR/.out" 2>"$TDIR/.err")
RC=$?; OUT=$(cat "$TDIR/.out"); ERR=$(cat "$TDIR/.err")
t1=$(date +%s)
assert_rc "verify --prometheus exits 0 after apply" 0
assert_match "verify still prints its checks" '^verify: [0-9]+ checks, 0 failed$' "$OUT"
assert_eq "the metrics file is mode 0644 under umask 077" 644 "$(stat -c %a "$PROM" 2>&1)"
prom_check "the file is valid exposition (after apply)" "$PROM"
agent_run rs -c "$CONF" --json verify
JSON=$OUT
n_checks=$(json_eval "$JSON" 'len(d["checks"])')
assert_json "one check_ok series per check of verify --json" "$SAMPLES" \
	"sorted((s[1]['kind'] + ' ' + s[1]['subject']).strip() for s in d if s[0] == 'lvs_rs_agent_check_ok') == sorted($(json_eval "$JSON" '[c["subject"] for c in d["checks"]]'))"
assert_json "every check gauge is 1" "$SAMPLES" \
	"[s for s in d if s[0] == 'lvs_rs_agent_check_ok'] and all(s[2] == 1 for s in d if s[0] == 'lvs_rs_agent_check_ok')"
assert_json "verify_success 1, checks $n_checks, checks_failed 0" "$SAMPLES" \
	"[(s[0], s[2]) for s in d if not s[1] and s[0] != 'lvs_rs_agent_last_verify_timestamp_seconds'] == [('lvs_rs_agent_checks', $n_checks), ('lvs_rs_agent_checks_failed', 0), ('lvs_rs_agent_verify_success', 1)]"
assert_json "the VIP's series: kind address, subject $V1/32 dev lo" "$SAMPLES" \
	"any(s[0] == 'lvs_rs_agent_check_ok' and s[1] == {'kind': 'address', 'subject': '$V1/32 dev lo'} for s in d)"
assert_json "last_verify_timestamp_seconds is the time of the run" "$SAMPLES" \
	"[s[2] for s in d if s[0] == 'lvs_rs_agent_last_verify_timestamp_seconds'][0] in range($t0, $t1 + 1)"
only_the_file "no temporary file beside the metrics file"

# ---- drift: a VIP deleted by hand
ino1=$(stat -c %i "$PROM")
ip -n "$RS" addr del "$V1/32" dev lo || fail setup "could not delete $V1 by hand"
agent_run rs -c "$CONF" --prometheus "$PROM" verify
assert_rc "verify --prometheus exits 1 after the VIP was deleted" 1
assert_match "verify names the VIP" "^FAIL address $V1/32 dev lo: " "$OUT"
prom_check "the file is valid exposition (drift)" "$PROM"
assert_json "the gauge of $V1 flipped to 0" "$SAMPLES" \
	"[s[2] for s in d if s[0] == 'lvs_rs_agent_check_ok' and s[1]['subject'] == '$V1/32 dev lo'] == [0]"
assert_json "every other check gauge is still 1" "$SAMPLES" \
	"all(s[2] == 1 for s in d if s[0] == 'lvs_rs_agent_check_ok' and s[1]['subject'] != '$V1/32 dev lo')"
assert_json "verify_success 0, checks_failed 1" "$SAMPLES" \
	"[s[2] for s in d if s[0] == 'lvs_rs_agent_verify_success'] == [0] and [s[2] for s in d if s[0] == 'lvs_rs_agent_checks_failed'] == [1]"
ino2=$(stat -c %i "$PROM")
[ "$ino1" != "$ino2" ] && pass "the file was replaced (rename), not rewritten in place" ||
	fail "replaced" "same inode $ino1 after the second run"
only_the_file "no temporary file after the second run"

# --json and --prometheus together: one document on stdout, the file as well
rm -f "$PROM"
agent_run rs -c "$CONF" --json --prometheus "$PROM" verify
assert_rc "verify --json --prometheus exits 1" 1
assert_json "stdout is still one JSON document" "$OUT" 'd["command"] == "verify" and not d["ok"]'
prom_check "the file is written with --json too" "$PROM"

# status writes the same kind of file
agent_run rs -c "$CONF" --prometheus "$PROM" status
assert_rc "status --prometheus exits 1" 1
prom_check "status: the file is valid exposition" "$PROM"
assert_json "status: the gauge of $V1 is 0, verify_success 0" "$SAMPLES" \
	"[s[2] for s in d if s[1].get('subject') == '$V1/32 dev lo'] == [0] and [s[2] for s in d if s[0] == 'lvs_rs_agent_verify_success'] == [0]"

# ---- verify cannot check: a config error still writes the file
printf '[agent]\narp_ignore = 7\n' >"$TDIR/bad.conf"
agent_run rs -c "$TDIR/bad.conf" --prometheus "$PROM" verify
assert_rc "verify --prometheus with a config error exits 2" 2
assert_match "the config error is on stderr" 'bad\.conf:2: ' "$ERR"
prom_check "config error: the file is valid exposition" "$PROM"
assert_json "config error: no check lines, verify_success 0" "$SAMPLES" \
	"not [s for s in d if s[0] == 'lvs_rs_agent_check_ok'] and [s[2] for s in d if s[0] == 'lvs_rs_agent_verify_success'] == [0] and [s[2] for s in d if s[0] == 'lvs_rs_agent_checks'] == [0]"
only_the_file "no temporary file after the config error"

# ---- FILE cannot be written: exit 3, one line on stderr
agent_run rs -c "$CONF" apply
assert_rc "apply repairs the drift" 0
agent_run rs -c "$CONF" --prometheus "$TDIR/missing/x.prom" verify
assert_rc "verify that passes, FILE in a missing directory: exit 3" 3
assert_match "stderr names the file" "^lvs-rs-agent: cannot write the metrics file $TDIR/missing/x\.prom: No such file or directory\$" "$ERR"
assert_match "the checks are still printed" '^verify: [0-9]+ checks, 0 failed$' "$OUT"
agent_run rs -c "$TDIR/bad.conf" --prometheus "$TDIR/missing/x.prom" verify
assert_rc "a config error stays exit 2 when FILE cannot be written either" 2
assert_match "... and says both" 'cannot write the metrics file' "$ERR"

# ---- label values that need escaping: an interface named with a double quote
# and a backslash (valid in a Linux device name) holding IPv4 gets the
# effective arp_ignore/arp_announce checks, so its name reaches the labels.
# (Only the file is checked here, not the gauges' values.)
ODD='q"x\y'
if ip -n "$RS" link add "$ODD" type veth peer name q2 &&
	ip -n "$RS" addr add 203.0.113.2/24 dev "$ODD"; then
	agent_run rs -c "$CONF" --prometheus "$PROM" verify
	prom_check "with interface $ODD: the file is valid exposition" "$PROM"
	assert_match "the label value is escaped in the file" \
		'^lvs_rs_agent_check_ok\{kind="arp_ignore",subject="q\\"x\\\\y"\} [01]$' "$(cat "$PROM")"
	assert_json "... and reads back as the interface name" "$SAMPLES" \
		"any(s[1].get('subject') == 'q\"x\\\\y' for s in d)"
	ip -n "$RS" link del "$ODD"
else
	fail escaping "could not create the interface $ODD"
fi

# ---- only with verify and status
agent_run rs -c "$CONF" --prometheus "$PROM" apply
assert_rc "--prometheus with apply is a usage error" 2
assert_match "... saying so" 'prometheus goes with verify, status or watch' "$ERR"

lvst_done
