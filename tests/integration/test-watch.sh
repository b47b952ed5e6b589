#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# watch: apply, then repair what others undo, naming who did it. In a
# namespace with arp_suppress = both, two VIPs on lo (IPv4, IPv6) and an
# anyip prefix, with `lvs-rs-agent watch` running:
#
#  - each of: ip addr del of the VIP, ip route del of the anyip route, nft
#    flush ruleset, nft delete table arp lvs_rs_agent, all.arp_ignore = 0
#    (no notification: the poll), lo down and up, is repaired (the kernel
#    read back with a timeout, no fixed sleep as the assertion);
#  - each repair's log line names who undid it: a long-lived ip (ip -batch
#    from a FIFO, as a daemon would) by name and PID for the address and the
#    route, nft by name and PID for the table, the kernel for the IPv6 VIP
#    that lo down flushed; a one-shot `ip addr del` is named by its PID
#    (ip[PID], or "unknown process (port PID)" when it ended before the
#    lookup);
#  - the journal's steps and priors are the same after all of it;
#  - status and verify by hand work while the watch runs, status shows the
#    watch's repairs; apply and revert by hand are refused at once, naming
#    the watch;
#  - SIGHUP with a broken config keeps the old one (FILE:LINE on stderr),
#    with an edited one applies it; SIGTERM reverts: the namespace is as
#    before the watch (snapshot), the journal gone, exit 0.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft "$PYTHON"
lvst_require_agent
# The table's repair (flush ruleset, nft delete table) is the path of kernels
# before 6.9, which keep no owned table past its owner: on a newer one the
# watch owns the table and neither can touch it (test-watch-owner). The test
# build asks the kernel for a flag no kernel has, as 6.1 is asked PERSIST.
[ -x "$FAULT_BIN" ] || { fail setup "no $FAULT_BIN (make build-tests)"; lvst_done; exit 1; }
AGENT_BIN=$FAULT_BIN
export LVS_RS_AGENT_NO_PERSIST=1

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
WLOG=$TDIR/watch.err
VIP=192.0.2.100
VIP6=2001:db8::100
ROUTE="local 203.0.113.0/29 dev lo table local"

write_conf()
{
	cat >"$CONF" <<EOF
[agent]
arp_suppress = both

[vip web]
address = $VIP $VIP6 $*

[vip any]
anyip = yes
address = 203.0.113.0/29
EOF
}

has_route()
{
	[ -n "$(ip -n "$NS" route show table local type local 203.0.113.0/29 dev lo)" ]
}

has_table()
{
	ip netns exec "$NS" nft list table arp lvs_rs_agent >/dev/null 2>&1
}

lo_ready()
{
	has_addr rs lo "$VIP6" 128 && has_addr rs lo "$VIP" 32 && has_route && has_table
}

arp_ignore_is_1()
{
	[ "$(sysctl_get rs net.ipv4.conf.all.arp_ignore)" = 1 ]
}

# A log line matching $1 has come.
logged()
{
	grep -Eq -- "$1" "$WLOG"
}

# assert_logged NAME REGEX: within 5 s.
assert_logged()
{
	if wait_until 5 logged "$2"; then
		pass "$1"
	else
		fail "$1" "no log line matches /$2/: $(tail -5 "$WLOG")"
	fi
}

journal_steps()
{
	tail -n +2 "$STATE"
}

write_conf
snapshot rs >"$TDIR/before.json" || { fail setup "snapshot"; exit 1; }

watch_start rs "$CONF" || { fail start "the watch did not start: $(cat "$WLOG")"; exit 1; }
pass start
assert_match "first apply printed" '^apply: 10 changes' "$(cat "$TDIR/watch.out")"
journal_steps >"$TDIR/journal.before"
assert_eq "lock file names the watch" "$WATCH_PID watch" "$(cat "$STATE.lock")"

# ---- a long-lived ip (a daemon's socket): named by name and PID
mkfifo "$TDIR/ip.fifo"
ip -n "$NS" -batch "$TDIR/ip.fifo" &
IP_PID=$!
bg_register "$IP_PID"
exec 7>"$TDIR/ip.fifo"

echo "address del $VIP/32 dev lo" >&7
if wait_until 5 logged "^address $VIP/32 dev lo removed"; then
	wait_until 5 has_addr rs lo "$VIP" 32 && pass "ip addr del: VIP repaired" ||
		fail "ip addr del: VIP repaired" "$VIP/32 is not back on lo"
else
	fail "ip addr del: VIP repaired" "no repair logged: $(tail -3 "$WLOG")"
fi
assert_logged "ip addr del: named as ip[$IP_PID]" \
	"^address $VIP/32 dev lo removed by ip\[$IP_PID\], restored in [0-9.]+ ms$"

echo "route del $ROUTE" >&7
wait_until 5 has_route && wait_until 5 logged "^route $ROUTE removed" &&
	pass "ip route del: anyip route repaired" ||
	fail "ip route del: anyip route repaired" "$(tail -3 "$WLOG")"
assert_logged "ip route del: named as ip[$IP_PID]" \
	"^route $ROUTE removed by ip\[$IP_PID\], restored in"
exec 7>&-
wait "$IP_PID"

# ---- a one-shot ip: its PID, by name when it was still there
ip -n "$NS" addr del "$VIP/32" dev lo &
SHOT=$!
wait "$SHOT"
assert_logged "one-shot ip addr del: named by its PID $SHOT" \
	"^address $VIP/32 dev lo removed by (ip\[$SHOT\]|unknown process \(port $SHOT\)), restored"
wait_until 5 has_addr rs lo "$VIP" 32 && pass "one-shot ip addr del: VIP repaired" ||
	fail "one-shot ip addr del: VIP repaired" "$VIP/32 is not back"

# ---- nf_tables: the process comes with the transaction
ip netns exec "$NS" nft flush ruleset &
NFT_PID=$!
wait "$NFT_PID"
assert_logged "nft flush ruleset: table repaired, named as nft[$NFT_PID]" \
	"^nft arp lvs_rs_agent removed by nft\[$NFT_PID\], restored"
wait_until 5 has_table && pass "nft flush ruleset: table back" ||
	fail "nft flush ruleset: table back" "no table arp lvs_rs_agent"

ip netns exec "$NS" nft delete table arp lvs_rs_agent &
NFT_PID=$!
wait "$NFT_PID"
assert_logged "nft delete table: repaired, named as nft[$NFT_PID]" \
	"^nft arp lvs_rs_agent removed by nft\[$NFT_PID\], restored"
wait_until 5 has_table && pass "nft delete table: table back" ||
	fail "nft delete table: table back" "no table arp lvs_rs_agent"
nft_state=$(ip netns exec "$NS" nft -j list table arp lvs_rs_agent)
assert_match "nft table whole again (both VIPs in its set)" '203\.0\.113\.0' "$nft_state"

# ---- a sysctl without notification: the poll (1 s)
sysctl_set rs net.ipv4.conf.all.arp_ignore 0
wait_until 5 arp_ignore_is_1 && pass "all.arp_ignore = 0: repaired" ||
	fail "all.arp_ignore = 0: repaired" "still $(sysctl_get rs net.ipv4.conf.all.arp_ignore)"
assert_logged "all.arp_ignore: logged as found by the poll" \
	"^sysctl net\.ipv4\.conf\.all\.arp_ignore set to 0 by .*poll"

# ---- lo down and up: the kernel flushes lo's IPv6 addresses
ip -n "$NS" link set lo down && ip -n "$NS" link set lo up
wait_until 5 lo_ready && pass "lo down and up: VIPs, route and table back" ||
	fail "lo down and up: VIPs, route and table back" "$(ip -n "$NS" addr show dev lo)"
assert_logged "lo down: the IPv6 VIP named as flushed by the kernel" \
	"^address $VIP6/128 dev lo removed by the kernel, restored"

# ---- the journal: same steps, same priors
journal_steps >"$TDIR/journal.after"
if cmp -s "$TDIR/journal.before" "$TDIR/journal.after"; then
	pass "journal steps and priors unchanged"
else
	fail "journal steps and priors unchanged" "$(diff "$TDIR/journal.before" "$TDIR/journal.after" | head -5)"
fi

# ---- by hand while the watch runs
agent_run rs -c "$CONF" -w 0 status
assert_rc "status by hand: exit 0" 0
assert_match "status by hand: shows the watch" "^watch: PID $WATCH_PID" "$OUT"
assert_match "status by hand: lists a repair" "address $VIP/32 dev lo removed by ip" "$OUT"
agent_run rs -c "$CONF" --json status
assert_json "status --json: the watch's repairs" "$OUT" \
	"d['watch']['pid'] == $WATCH_PID and any(x['target'] == '$VIP/32 dev lo' for x in d['watch']['recent'])"
agent_run rs -c "$CONF" verify
assert_rc "verify by hand: exit 0" 0
start=$(date +%s%N)
agent_run rs -c "$CONF" apply
assert_rc "apply by hand: refused" 3
assert_match "apply by hand: names the watch and systemctl" \
	"watch \(PID $WATCH_PID\) keeps this server prepared.*holds" "$ERR"
assert_match "apply by hand: says what to do instead" "systemctl reload lvs-rs-agent-watch" "$ERR"
[ $(($(date +%s%N) - start)) -lt 2000000000 ] && pass "apply by hand: refused at once" ||
	fail "apply by hand: refused at once" "took $((($(date +%s%N) - start) / 1000000)) ms"
agent_run rs -c "$CONF" revert
assert_rc "revert by hand: refused" 3

# ---- SIGHUP: a broken config keeps the old one; an edited one is applied
cp "$CONF" "$TDIR/good.conf"
printf '[vip web]\naddress = 192.0.2.300\n' >"$CONF"
kill -HUP "$WATCH_PID"
assert_logged "SIGHUP, broken config: FILE:LINE" "^$CONF:2: "
assert_logged "SIGHUP, broken config: kept the old" "^watch: $CONF has errors: kept the config"
kill -0 "$WATCH_PID" 2>/dev/null && pass "SIGHUP, broken config: still running" ||
	fail "SIGHUP, broken config: still running" "the watch ended"
has_addr rs lo "$VIP" 32 && pass "SIGHUP, broken config: VIP kept" ||
	fail "SIGHUP, broken config: VIP kept" "$VIP gone"
write_conf 192.0.2.101
kill -HUP "$WATCH_PID"
wait_until 5 has_addr rs lo 192.0.2.101 32 && pass "SIGHUP, edited config: new VIP applied" ||
	fail "SIGHUP, edited config: new VIP applied" "192.0.2.101 not on lo: $(tail -3 "$WLOG")"
assert_logged "SIGHUP: said" "^watch: reloaded $CONF"
# The new VIP is watched too.
ip -n "$NS" addr del 192.0.2.101/32 dev lo
wait_until 5 has_addr rs lo 192.0.2.101 32 && pass "reloaded config's VIP repaired" ||
	fail "reloaded config's VIP repaired" "192.0.2.101 not back"

# ---- SIGTERM: revert exactly
watch_stop TERM
assert_eq "SIGTERM: exit 0" 0 "$WATCH_RC"
assert_match "SIGTERM: reverted" '^revert: [0-9]+ changes' "$(cat "$TDIR/watch.out")"
assert_snapshot "SIGTERM: the namespace as before the watch" rs "$TDIR/before.json"
[ ! -e "$STATE" ] && pass "SIGTERM: journal removed" || fail "SIGTERM: journal removed" "$STATE remains"
[ ! -e "$STATE.watch" ] && pass "SIGTERM: STATE.watch removed" ||
	fail "SIGTERM: STATE.watch removed" "$STATE.watch remains"

lvst_done
