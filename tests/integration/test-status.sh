#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# status for the troubleshooting operator (issue 7): what the journal says was
# applied and when (first and last apply, the config), for each step the value
# revert would restore ("revert would:", the same list and order as revert's
# own changes), and the live checks as verify makes them; it works with the
# config gone. Then the host of the systemd unit, imitated: the journal and its
# directory belong to a DynamicUser uid that ran with UMask=0077; root runs
# `status` by hand (the agent keeps only CAP_NET_ADMIN, so root reads with a
# plain user's access) and it works; `revert` by hand cannot work and says why
# and what to do instead, changing nothing.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd setpriv
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

V0=203.0.113.10		# on lo before the first apply: pre-existing
V1=198.51.100.10
V2=198.51.100.11
V6=2001:db8:100::1
CONF=$TDIR/agent.conf
write_conf()
{
	cat >"$CONF" <<-EOF
	[agent]
	arp_ignore = 1
	arp_announce = 2

	[vip web]
	address = $V0 $*
	EOF
}
RS=$(ns_name rs)
ip -n "$RS" addr add "$V0/32" dev lo || fail setup "could not add $V0"

# ---- nothing applied yet
agent_run rs -c "$CONF" status
assert_match "no journal: 'journal: nothing applied'" '^journal: nothing applied$' "$OUT"

# ---- two applies, a second apart: first and last apply differ
write_conf "$V1 $V6"
agent_run rs -c "$CONF" apply
assert_rc "first apply exits 0" 0
sleep 1.1
write_conf "$V1 $V2 $V6"
agent_run rs -c "$CONF" apply
assert_rc "second apply (adds $V2) exits 0" 0

agent_run rs -c "$CONF" status
assert_rc "status exits 0 after apply" 0
printf '%s\n' "$OUT" | sed 's/^/    | /'
assert_match "header: steps, first and last apply" \
	'^journal: 9 steps, first apply [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [-+][0-9]{4}, last apply [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [-+][0-9]{4}$' "$OUT"
assert_match "header: the config of the last apply" "^  config of the last apply: $CONF\$" "$OUT"
assert_match "applied: ~ sysctl all.arp_ignore 0 -> 1" '^  ~ sysctl net\.ipv4\.conf\.all\.arp_ignore 0 -> 1$' "$OUT"
assert_match "applied: + address $V1" "^  \+ address $V1/32 dev lo\$" "$OUT"
assert_match "applied: lo was up, revert leaves it" \
	'^  = link lo up: so before the first apply; revert leaves it$' "$OUT"
assert_match "applied: the pre-existing $V0 is left by revert" \
	"^  = address $V0/32 dev lo present: so before the first apply; revert leaves it\$" "$OUT"
assert_match "the checks are verify's (effective values)" '^ok   arp_ignore eth0: ' "$OUT"
assert_match "summary" '^status: [0-9]+ checks, 0 failed$' "$OUT"
# "revert would:" lists, in order, what revert then does
would=$(printf '%s\n' "$OUT" | sed -n '/^revert would:/,/^checks/p' | grep -E '^  [-+~] ')
assert_match "revert would: - address $V2 (VIPs first)" "^  - address $V2/32 dev lo\$" "$would"
assert_match "revert would: ~ sysctl lo.arp_announce 2 -> 0" '^  ~ sysctl net\.ipv4\.conf\.lo\.arp_announce 2 -> 0$' "$would"
assert_no_match "revert would not touch the pre-existing $V0" "$V0" "$would"
assert_eq "revert would: the VIPs before the sysctls" "---~~~~" \
	"$(printf '%s\n' "$would" | sed -E 's/^  ([-+~]).*address.*/-/; s/^  ~ sysctl.*/~/' | tr -d '\n')"

agent_run rs -c "$CONF" --json status
JSON=$OUT
assert_json "JSON: created < updated, config" "$JSON" \
	"0 < d['created'] < d['updated'] and d['config'] == '$CONF'"
assert_json "JSON: every journal entry has prior, want and now" "$JSON" \
	"len(d['journal']) == 9 and all(set(e) >= {'kind', 'target', 'prior', 'want', 'now'} for e in d['journal'])"

# ---- drift: a VIP deleted by hand
ip -n "$RS" addr del "$V1/32" dev lo || fail setup "could not delete $V1"
agent_run rs -c "$CONF" status
assert_rc "status exits 1 after $V1 was deleted" 1
assert_match "the check fails" "^FAIL address $V1/32 dev lo: expected present, found absent: " "$OUT"
assert_match "revert would leave $V1 alone, saying why" \
	"^  \(nothing for address $V1/32 dev lo: already absent\)\$" "$OUT"
agent_run rs -c "$CONF" --json status
JSON=$OUT

# ---- the config deleted: status still tells, from the journal alone
mv "$CONF" "$CONF.away"
agent_run rs -c "$CONF" status
assert_rc "config gone: status exits 1 (the journal's $V1 is missing)" 1
assert_match "config gone: a warning says so" "^WARN config $CONF: missing \(No such file or directory\): status checks only the journal's steps" "$OUT"
assert_match "config gone: the journal's steps are checked" "^ok   address $V2/32 dev lo: present\$" "$OUT"
assert_match "config gone: the journal is shown" '^revert would:$' "$OUT"
mv "$CONF.away" "$CONF"

# status's revert list is what revert does: same steps, same order
agent_run rs -c "$CONF" --json revert
assert_rc "revert exits 0" 0
REV=$OUT
"$PYTHON" - "$JSON" "$REV" >"$TDIR/.cmp" <<'PY'
import json, sys
st, rv = json.loads(sys.argv[1]), json.loads(sys.argv[2])
keys = ("op", "kind", "target", "from", "to")
a = [tuple(c[k] for k in keys) for c in st["revert"]]
b = [tuple(c[k] for k in keys) for c in rv["changes"]]
print("status said %s; revert did %s" % (a, b))
sys.exit(0 if a == b and a else 1)
PY
if [ $? = 0 ]; then pass "status's 'revert' is exactly revert's changes"; else fail "revert list" "$(cat "$TDIR/.cmp")"; fi

# ---- the unit's host, imitated: journal owned by a DynamicUser uid
DYN=61190		# in systemd's DynamicUser range 61184..65519
lvst_agent_for_others
chmod 0644 "$CONF"
install -d -m 0755 -o "$DYN" -g "$DYN" "$TDIR/run"	# RuntimeDirectoryMode=0755
SVC_STATE=$TDIR/run/state
# the service: its uid, ambient CAP_NET_ADMIN, UMask=0077
svc()
{
	in_ns rs setpriv "--reuid=$DYN" "--regid=$DYN" --clear-groups \
		--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \
		sh -c 'umask 077; exec "$@"' sh "$AGENT_BIN" -s "$SVC_STATE" "$@" \
		>"$TDIR/.out" 2>"$TDIR/.err"
	RC=$?
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
}
# root by hand
byhand()
{
	STATE=$SVC_STATE agent_run rs "$@"
}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
if ! setpriv "--reuid=$DYN" "--regid=$DYN" --clear-groups test -x "$AGENT_BIN"; then
	skip_all "uid $DYN cannot execute $AGENT_BIN"
fi
svc -c "$CONF" apply
assert_rc "the 'service' (uid $DYN, umask 077) applies" 0
assert_eq "journal and lock belong to uid $DYN, mode 0644 despite umask 077" \
	"$DYN 644 $DYN 644" "$(stat -c '%u %a' "$SVC_STATE" "$SVC_STATE.lock" | tr '\n' ' ' | sed 's/ $//')"
snapshot rs >"$TDIR/applied"

byhand -c "$CONF" status
assert_rc "root by hand: status exits 0" 0
assert_match "root by hand: status shows the journal" '^journal: 9 steps, ' "$OUT"
byhand -c "$CONF" verify
assert_rc "root by hand: verify exits 0" 0

byhand -c "$CONF" revert
assert_rc "root by hand: revert exits 3" 3
assert_match "root by hand: revert says whose the lock is" \
	"^lvs-rs-agent: cannot open $SVC_STATE\.lock: it is the unit's \(uid $DYN\),\$" "$ERR"
assert_match "root by hand: revert says why and what to do" \
	'^  and the agent keeps only CAP_NET_ADMIN: systemctl reload lvs-rs-agent applies, stop reverts$' "$ERR"
assert_eq "root by hand: the message is two lines" 2 "$(grep -c '' <<<"$ERR")"
assert_snapshot "root by hand: revert changed nothing" rs "$TDIR/applied"

# a journal left private by an older version: status says why and what to do
chmod 0600 "$SVC_STATE"
byhand -c "$CONF" status
assert_rc "root by hand, journal 0600: status exits 3" 3
assert_match "... naming the owner" \
	"^lvs-rs-agent: cannot read journal $SVC_STATE: it is the unit's \(uid $DYN\),\$" "$ERR"
assert_match "... and the fix" '^  and the agent keeps only CAP_NET_ADMIN: make it readable \(chmod 0644; its directory 0755\)$' "$ERR"
chmod 0644 "$SVC_STATE"

# status shares the lock: it waits for a run that holds it, and gives up naming it
lock_hold "$SVC_STATE.lock" 30 || fail "lock holder started" "it did not get the lock"
holder=$LOCK_HOLDER
byhand -c "$CONF" --wait 0.3 status
assert_rc "status while another run holds the lock: exit 3" 3
assert_match "... naming its PID" "lock $SVC_STATE\.lock is held by PID $holder, another lvs-rs-agent run:\$" "$ERR"
kill $holder; wait $holder 2>/dev/null

svc -c "$CONF" revert
assert_rc "the 'service' reverts" 0

lvst_done
