#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Drop-ins end to end (issue 7): -c FILE reads FILE and then FILE.d/*.conf in
# strcmp (lexical) order, ignoring other names. Read back from the kernel:
# (a) the VIPs of every drop-in are applied, in the order main, 10-a, 20-b,
#     9-c (lexical, neither numeric nor by address); README, *.conf.bak and
#     .hidden.conf are ignored; a drop-in may set an [agent] key the main file
#     leaves alone, and the same key in two files is an error at the file read
#     later, which shows the reading order; deleting a drop-in removes its VIPs
#     at the next apply.
# (b) an error in a drop-in is "DROPIN_PATH:LINE: message", exit 2, and the
#     kernel and the journal stay as they were.
# (c) the same VIP in two files (also as 2001:db8::1 and 2001:DB8:0::1/128)
#     and the same group name in two files are errors naming both files and
#     lines, exit 2, nothing changed.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

CONF=$TDIR/agent.conf
D=$CONF.d
mkdir -p "$D"

# main: one VIP, no [agent] section
cat >"$CONF" <<EOF
[vip main]
address = 198.51.100.1
EOF
# Addresses chosen so that the lexical order of the files (10-a, 20-b, 9-c)
# differs from their numeric order (9, 10, 20) and from the address order.
cat >"$D/10-a.conf" <<EOF
; service a
[vip a]
address = 198.51.100.30
EOF
cat >"$D/20-b.conf" <<EOF
; service b, and the ARP policy (the main file has no [agent])
[agent]
arp_ignore = 2

[vip b]
address = 198.51.100.20 2001:db8::1
EOF
cat >"$D/9-c.conf" <<EOF
; service c
[vip c]
address = 198.51.100.10
EOF
# Not drop-ins: wrong suffix, or hidden. Each would be an error if read.
printf '[vip readme]\naddress = 203.0.113.1\n' >"$D/README"
printf '[vip bak]\naddress = 203.0.113.2\n' >"$D/30-d.conf.bak"
printf '[vip hidden]\naddress = 203.0.113.3\n' >"$D/.hidden.conf"

# addr_order JSON: the "+ address" targets of a --json plan/apply, in order
addr_order()
{
	json_eval "$1" '" ".join(c["target"].split("/")[0] for c in d["changes"] if c["kind"] == "address")'
}

snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# ---- (a) lexical order, every drop-in applied, other names ignored
agent_run rs -c "$CONF" check-config
assert_rc "check-config of main + 3 drop-ins exits 0" 0
assert_match "check-config counts 4 groups, 5 VIPs (README, .bak, .hidden ignored)" \
	': OK: 4 groups, 5 VIPs, ' "$OUT"

agent_run rs -c "$CONF" --json plan
assert_rc "plan exits 0" 0
assert_eq "plan lists the VIPs in file order: main, 10-a, 20-b, 9-c" \
	"198.51.100.1 198.51.100.30 198.51.100.20 2001:db8::1 198.51.100.10" \
	"$(addr_order "$OUT")"
assert_snapshot "plan changed nothing" rs "$TDIR/before"

agent_run rs -c "$CONF" --json apply
assert_rc "apply exits 0" 0
assert_json "apply --json: changed true, ok true" "$OUT" 'd["changed"] is True and d["ok"] is True'
assert_eq "apply adds the VIPs in file order: main, 10-a, 20-b, 9-c" \
	"198.51.100.1 198.51.100.30 198.51.100.20 2001:db8::1 198.51.100.10" \
	"$(addr_order "$OUT")"
for a in 198.51.100.1 198.51.100.30 198.51.100.20 198.51.100.10; do
	assert_addr "kernel: $a/32 on lo" rs lo "$a" 32 'a["scope"] == "global"'
done
assert_addr "kernel: 2001:db8::1/128 on lo (from 20-b.conf)" rs lo 2001:db8::1 128 \
	'a["scope"] == "global" and a.get("nodad") is True'
for a in 203.0.113.1 203.0.113.2 203.0.113.3; do
	assert_no_addr "kernel: $a of an ignored file is not on lo" rs lo "$a"
done
for c in all lo; do
	assert_sysctl "kernel: $c.arp_ignore = 2 (set by drop-in 20-b.conf)" rs \
		"net/ipv4/conf/$c/arp_ignore" 2
	assert_sysctl "kernel: $c.arp_announce = 2 (default)" rs \
		"net/ipv4/conf/$c/arp_announce" 2
done
snapshot rs >"$TDIR/applied"
cp "$STATE" "$TDIR/state.applied"

agent_run rs -c "$CONF" --json apply
assert_json "second apply: changed false" "$OUT" 'd["changed"] is False and d["changes"] == []'

# The same [agent] key in 10-a.conf and 9-c.conf: only one may set it, and
# the error is reported at the one read second, naming the first.
cp "$D/10-a.conf" "$TDIR/10-a.conf.orig"
cp "$D/9-c.conf" "$TDIR/9-c.conf.orig"
printf '[agent]\narp_announce = 2\n' >>"$D/10-a.conf"
printf '[agent]\narp_announce = 1\n' >>"$D/9-c.conf"
agent_run rs -c "$CONF" apply
assert_rc "arp_announce in 10-a.conf and 9-c.conf: exit 2" 2
assert_eq "the error is at 9-c.conf (read after 10-a.conf), naming 10-a.conf:5" \
	"$D/9-c.conf:5: arp_announce: already set at $D/10-a.conf:5" "$ERR"
assert_snapshot "[agent] key in two drop-ins: kernel unchanged" rs "$TDIR/applied"
cp "$TDIR/10-a.conf.orig" "$D/10-a.conf"
cp "$TDIR/9-c.conf.orig" "$D/9-c.conf"

# A key the main file sets cannot be overridden by a drop-in either.
printf '[agent]\narp_ignore = 1\n' >"$CONF.new"
cat "$CONF" >>"$CONF.new"
mv "$CONF.new" "$CONF"
agent_run rs -c "$CONF" check-config
assert_rc "arp_ignore in the main file and in 20-b.conf: exit 2" 2
assert_eq "the error is at the drop-in, naming the main file" \
	"$D/20-b.conf:3: arp_ignore: already set at $CONF:2" "$ERR"
printf '[vip main]\naddress = 198.51.100.1\n' >"$CONF"

# ---- (b) an error in a drop-in: FILE:LINE, exit 2, nothing changed
cp "$D/20-b.conf" "$TDIR/20-b.conf.orig"
cat >"$D/20-b.conf" <<EOF
; service b, and the ARP policy (the main file has no [agent])
[agent]
arp_ignore = 2

[vip b]
address = 198.51.100.20 198.51.100.300
EOF
agent_run rs -c "$CONF" apply
assert_rc "apply with an invalid address in 20-b.conf: exit 2" 2
assert_eq "stderr: DROPIN_PATH:LINE: message, one line" \
	"$D/20-b.conf:6: vip \"b\": \"198.51.100.300\" is not an IPv4 or IPv6 address" "$ERR"
assert_eq "stdout is empty" "" "$OUT"
assert_snapshot "bad drop-in: kernel unchanged (its good VIPs and the others' stay)" \
	rs "$TDIR/applied"
if cmp -s "$STATE" "$TDIR/state.applied"; then
	pass "bad drop-in: journal unchanged"
else
	fail "bad drop-in: journal unchanged" "$STATE differs from the one after apply"
fi
agent_run rs -c "$CONF" --json apply
assert_rc "apply --json with the bad drop-in: exit 2" 2
assert_json "apply --json: error names the drop-in and line, changed false" "$OUT" \
	"d[\"ok\"] is False and d[\"changed\"] is False and d[\"error\"].startswith(\"$D/20-b.conf:6: \")"
agent_run rs -c "$CONF" verify
assert_rc "verify with the bad drop-in: exit 2" 2
assert_match "verify reports the same line" "^$D/20-b\\.conf:6: " "$ERR"
cp "$TDIR/20-b.conf.orig" "$D/20-b.conf"

# ---- (c) the same VIP in two files
printf '[vip c]\naddress = 198.51.100.10\n\t2001:DB8:0::1\n' >"$D/9-c.conf"
agent_run rs -c "$CONF" apply
assert_rc "2001:db8::1 (20-b.conf) and 2001:DB8:0::1 (9-c.conf): exit 2" 2
assert_eq "the VIP error names both files and lines" \
	"$D/9-c.conf:3: vip \"c\": 2001:db8::1 is already listed at $D/20-b.conf:6 (vip \"b\")" \
	"$ERR"
assert_snapshot "duplicate VIP across files: kernel unchanged" rs "$TDIR/applied"

printf '[vip c]\naddress = 198.51.100.10 2001:db8:0:0::1/128\n' >"$D/9-c.conf"
agent_run rs -c "$CONF" check-config
assert_rc "2001:db8:0:0::1/128 in 9-c.conf: exit 2" 2
assert_eq "the /128 spelling is the same VIP, both places named" \
	"$D/9-c.conf:2: vip \"c\": 2001:db8::1 is already listed at $D/20-b.conf:6 (vip \"b\")" \
	"$ERR"

printf '[vip c]\naddress = 198.51.100.10\n' >"$D/9-c.conf"
printf '[vip x]\naddress = 198.51.100.1\n' >"$D/10-a.conf"
agent_run rs -c "$CONF" apply
assert_rc "198.51.100.1 in the main file and in 10-a.conf: exit 2" 2
assert_eq "the error names the drop-in's line and the main file's" \
	"$D/10-a.conf:2: vip \"x\": 198.51.100.1 is already listed at $CONF:2 (vip \"main\")" \
	"$ERR"
assert_snapshot "duplicate of a main-file VIP: kernel unchanged" rs "$TDIR/applied"

printf '; a second definition of a group\n[vip b]\naddress = 198.51.100.40\n' >"$D/10-a.conf"
agent_run rs -c "$CONF" apply
assert_rc "[vip b] in 10-a.conf and 20-b.conf: exit 2" 2
assert_eq "the group error names both files and lines" \
	"$D/20-b.conf:5: vip \"b\" is already defined at $D/10-a.conf:2" "$ERR"
assert_snapshot "duplicate group across files: kernel unchanged" rs "$TDIR/applied"
if cmp -s "$STATE" "$TDIR/state.applied"; then
	pass "refused configs: journal unchanged"
else
	fail "refused configs: journal unchanged" "$STATE differs from the one after apply"
fi
cp "$TDIR/10-a.conf.orig" "$D/10-a.conf"

# ---- a service removed: its drop-in deleted, its VIPs go
rm "$D/20-b.conf"
agent_run rs -c "$CONF" --json apply
assert_rc "apply without 20-b.conf exits 0" 0
assert_json "apply removes exactly 20-b.conf's two VIPs and lowers arp_ignore to 1" "$OUT" \
	'sorted((c["op"], c["target"]) for c in d["changes"] if c["kind"] == "address") == [("-", "198.51.100.20/32 dev lo"), ("-", "2001:db8::1/128 dev lo")] and all(c["to"] == "1" for c in d["changes"] if c["kind"] == "sysctl")'
assert_no_addr "kernel: 198.51.100.20 gone" rs lo 198.51.100.20
assert_no_addr "kernel: 2001:db8::1 gone" rs lo 2001:db8::1
assert_addr "kernel: 198.51.100.30 (10-a.conf) stays" rs lo 198.51.100.30 32

# ---- revert restores the namespace as it was
agent_run rs -c "$CONF" revert
assert_rc "revert exits 0" 0
assert_snapshot "after revert the namespace equals its state before the first apply" \
	rs "$TDIR/before"

lvst_done
