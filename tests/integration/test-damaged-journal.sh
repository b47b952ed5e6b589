#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A damaged journal has a way out (issue 13, done-when 3). The journal of an
# apply (4 sysctls, lo up, 3 IPv4 and 1 IPv6 VIP: 9 steps) is cut at several byte
# offsets (in the header, right after it, within a step line, after a
# whole step line, before the last newline) or has a corrupted line:
#  - status shows the steps before the damage, where the damage is and the
#    way out (exit 3); --json carries them and "unread";
#  - apply and plain revert stop (exit 3) naming the damage, revert --force
#    and forget, and change nothing;
#  - revert --force reverts exactly the steps before the damage, says what
#    it leaves (the lines from the damage on), removes the journal;
#  - forget changes nothing in the kernel, lists what revert would have
#    done for the readable steps and what is left unread, removes it.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent

CONF=$TDIR/agent.conf
write_web_conf "$CONF" 198.51.100.10 198.51.100.11 198.51.100.12 2001:db8:100::10

# A namespace of each trial, and its state before and after the apply.
trial_ns()
{
	ip netns del "$(ns_name t)" 2>/dev/null
	ns_new t || { fail setup "could not create a namespace"; lvst_done; }
	snapshot t >"$TDIR/before" || { fail setup "snapshot failed"; lvst_done; }
	rm -f "$STATE"
	agent_run t -c "$CONF" apply
	[ "$RC" = 0 ] || { fail setup "apply: exit $RC: $ERR"; lvst_done; }
	snapshot t >"$TDIR/applied"
	cp "$STATE" "$TDIR/journal"
}

# expect_kernel NAME K: the first K journal steps are back at their prior
# values and the others as applied, read from the kernel.
KERNEL_OK='
import json, subprocess, sys
ns, journal, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
steps = [json.loads(l) for l in open(journal).read().splitlines()[1:]]
addrs = json.loads(subprocess.run(["ip", "-n", ns, "-j", "addr", "show", "dev", "lo"],
                                  capture_output=True, text=True, check=True).stdout)
have = {"%s/%s dev lo" % (a["local"], a["prefixlen"]) for l in addrs for a in l.get("addr_info", [])}
bad = []
for i, s in enumerate(steps):
    want = s["prior"] if i < k else s["want"]
    if s["kind"] == "sysctl":
        now = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/sys/" + s["target"]],
                             capture_output=True, text=True, check=True).stdout.strip()
    elif s["kind"] == "link":
        link = json.loads(subprocess.run(["ip", "-n", ns, "-j", "link", "show", "dev", s["target"]],
                                         capture_output=True, text=True, check=True).stdout)
        now = "up" if "UP" in link[0]["flags"] else "down"
    else:
        now = "present" if s["target"] in have else "absent"
    if now != want:
        bad.append("%s is %s, not %s" % (s["target"], now, want))
print("; ".join(bad))
sys.exit(1 if bad else 0)
'
expect_kernel()
{
	local why

	if why=$("$PYTHON" -c "$KERNEL_OK" "$(ns_name t)" "$TDIR/journal" "$2"); then
		pass "$1"
	else
		fail "$1" "$why"
	fi
}

# cut_at WHERE: a byte offset in this trial's journal (whole lines: the
# header and 9 steps). Each trial's own: the header holds its namespace's
# cookie and inode, whose numbers of digits differ from one to the next.
cut_at()
{
	case $1 in
	head) head -1 "$TDIR/journal" | wc -c ;;
	line5) head -5 "$TDIR/journal" | wc -c ;;
	mid3) echo $(($(head -2 "$TDIR/journal" | wc -c) + 20)) ;;
	last) echo $(($(stat -c %s "$TDIR/journal") - 1)) ;;
	*) echo "$1" ;;
	esac
}
# damaged_case NAME WHERE K LINE: the journal cut at WHERE (cut_at; or,
# WHERE "line3", with line 3 corrupted) keeps K steps and is damaged from
# LINE.
damaged_case()
{
	local name=$1 bytes=$2 k=$3 line=$4

	trial_ns
	[ "$bytes" = line3 ] || bytes=$(cut_at "$bytes")
	if [ "$bytes" = line3 ]; then
		sed '3s/.*/{"kind":"sysctl","target":"net\/ipv4/' "$TDIR/journal" >"$STATE"
	else
		head -c "$bytes" "$TDIR/journal" >"$STATE"
	fi
	cp "$STATE" "$TDIR/damaged"

	agent_run t -c "$CONF" status
	assert_rc "$name: status exits 3" 3
	assert_match "$name: status names the line, revert --force and forget" \
		"^lvs-rs-agent: journal $STATE: line $line: damaged: .*;$" "$ERR"
	assert_match "$name: status: the ways on, on the second line" \
		"^  revert --force reverts the $k steps? before it, forget drops the journal \(lvs-rs-agent\(8\), JOURNAL\)$" "$ERR"
	if [ "$line" = 1 ]; then
		assert_match "$name: status says the header is damaged too" \
			"^  damaged: unreadable as a whole \([0-9]+ lines?, the header too\)" "$OUT"
	fi
	if [ "$k" -gt 0 ]; then
		assert_match "$name: status shows where the damage is" \
			"^  damaged: unreadable from line $line on \([0-9]+ lines?; the header counts 9 steps, $k read\)" "$OUT"
		assert_eq "$name: status shows the $k steps before it" "$k" \
			"$(sed -n '/^applied/,/^revert would/p' <<<"$OUT" | grep -c '^  [-+~=] ')"
	fi
	agent_run t -c "$CONF" --json status
	assert_json "$name: status --json: the readable steps and where the rest begins" "$OUT" \
		"len(d['journal']) == $k and d['unread']['from_line'] == $line and d['ok'] is False"

	agent_run t -c "$CONF" apply
	assert_rc "$name: apply exits 3" 3
	agent_run t revert
	assert_rc "$name: plain revert exits 3" 3
	assert_match "$name: plain revert names the way out" "revert --force reverts the $k steps? before it" "$ERR"
	assert_snapshot "$name: apply and plain revert changed nothing" t "$TDIR/applied"
	if ! cmp -s "$STATE" "$TDIR/damaged"; then
		fail "$name: the journal is left as it was" "it changed"
	fi

	agent_run t revert --force
	assert_rc "$name: revert --force exits 0" 0
	assert_match "$name: revert --force says what it reverts and leaves" \
		"^lvs-rs-agent: warning: revert --force: journal $STATE: line $line: damaged: .*: reverting the $k steps? before it; what the [0-9]+ lines? from line $line on recorded \(the header counts [0-9]+ steps?\) is left as it is$" "$ERR"
	expect_kernel "$name: revert --force reverted the $k steps before the damage, left the rest" "$k"
	if [ -e "$STATE" ]; then fail "$name: revert --force removes the journal" "still there"; else pass "$name: revert --force removes the journal"; fi
	agent_run t revert
	assert_rc "$name: revert afterwards: exit 0" 0
}

damaged_case "cut in the header (byte 40)" 40 0 1
damaged_case "cut right after the header" head 0 2
damaged_case "cut within line 3" mid3 1 3
damaged_case "cut after line 5" line5 4 6
damaged_case "cut before the last newline" last 8 10
damaged_case "line 3 corrupted" line3 1 3

# ---- forget: the kernel untouched, what is left said
trial_ns
head -c "$(cut_at line5)" "$TDIR/journal" >"$STATE"
agent_run t --json forget
assert_rc "forget exits 0" 0
assert_json "forget --json: not changed; the 4 readable steps revert would undo, left" "$OUT" \
	"d['changed'] is False and len(d['changes']) == 4 and all(c['state'] == 'left' for c in d['changes'])"
assert_json "forget --json: says what the damaged rest leaves" "$OUT" \
	"any('line 6: damaged' in w and 'is left in the kernel too, unknown' in w for w in d['warnings'])"
assert_snapshot "forget changed nothing in the kernel" t "$TDIR/applied"
if [ -e "$STATE" ]; then fail "forget removes the journal" "still there"; else pass "forget removes the journal"; fi
agent_run t forget
assert_rc "forget without a journal: exit 0" 0
assert_match "forget without a journal: nothing to forget" '^forget: no journal: nothing to forget$' "$OUT"
agent_run t -c "$CONF" status
assert_match "after forget: status sees no journal" '^journal: nothing applied$' "$OUT"

# ---- forget of a whole journal, in text
trial_ns
agent_run t forget
assert_rc "forget of a whole journal exits 0" 0
assert_match "forget: each change revert would have made, left" '^\(left\) - address 198\.51\.100\.12/32 dev lo$' "$OUT"
assert_match "forget: the summary" '^forget: journal removed; 8 changes that revert would have made left undone \(listed above\)$' "$OUT"
assert_snapshot "forget of a whole journal changed nothing" t "$TDIR/applied"

# ---- --force goes with revert only
agent_run t -c "$CONF" --force apply
assert_rc "--force with apply: exit 2" 2
assert_match "--force with apply: says why" '^lvs-rs-agent: --force goes with revert, not with apply: drop it from this command$' "$ERR"

lvst_done
