#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lo down (issue 13, "False ok"): the kernel flushes the IPv6 addresses of a
# device that goes down, so the IPv6 VIPs on lo vanish, and apply used to
# put them back on a lo that was still down and say ok. lo being up is part
# of DR preparation, a journaled step ordered before the VIPs:
#
#  - after `ip link set lo down` the peer's ping of the IPv6 VIP (routed
#    through the RS, as a director's DR packet would be) gets no answer, and
#    verify fails with "link lo: expected up, found down" and why;
#  - apply brings lo up before it adds the VIPs back (the change lines in
#    that order), verify exits 0, the peer's ping is answered again, and so
#    is the RS's own ping of 127.0.0.1 (a VIP added back to a down lo is
#    answered as well: what a down lo breaks besides is loopback traffic);
#  - revert leaves lo up when it was up before the first apply, and brings
#    it down again (the namespace exactly as before) when it was down.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_ping

V4=198.51.100.10
V6=2001:db8:100::1

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
RS=$(ns_name rs)
ip -n "$(ns_name peer)" route add 198.51.100.0/24 via 192.0.2.2 dev eth0 &&
ip -n "$(ns_name peer)" -6 route add 2001:db8:100::/64 via 2001:db8:1::2 dev eth0 ||
	{ fail setup "could not route the VIPs through the RS in the peer"; exit 1; }
CONF=$TDIR/agent.conf
write_web_conf "$CONF" "$V4" "$V6"

# answers ADDR [NS]: the ping of ADDR from NS (default peer) is answered.
answers()
{
	in_ns "${2:-peer}" timeout 10 "${PING[@]}" -c 1 -W 2 "$1" >/dev/null 2>&1
}

lo_state()
{
	json_eval "$(ip -n "$RS" -j link show dev lo)" \
		'"up" if "UP" in d[0]["flags"] else "down"'
}

# ---- lo up before the first apply: taken down later by hand
agent_run rs -c "$CONF" apply
assert_rc "apply exits 0" 0
if answers "$V6"; then pass "the peer's ping of $V6 is answered"; else fail "the peer's ping of $V6 is answered" "no answer"; fi

ip -n "$RS" link set lo down
assert_eq "lo set down by hand" down "$(lo_state)"
assert_no_addr "the kernel flushed $V6 from the down lo" rs lo "$V6"
if answers "$V6"; then
	fail "negative control: lo down, the ping of $V6 goes unanswered" "it was answered"
else
	pass "negative control: lo down, the ping of $V6 goes unanswered"
fi
if answers 127.0.0.1 rs; then
	fail "negative control: lo down, the RS's own ping of 127.0.0.1 goes unanswered" "it was answered"
else
	pass "negative control: lo down, the RS's own ping of 127.0.0.1 goes unanswered"
fi
agent_run rs -c "$CONF" verify
assert_rc "lo down: verify exits 1" 1
assert_match "lo down: verify names lo's link state and why" \
	'^FAIL link lo: expected up, found down: lo holds the VIPs: .*flushes its IPv6 addresses' "$OUT"
assert_match "lo down: verify names the missing IPv6 VIP" "^FAIL address $V6/128 dev lo: expected present, found absent" "$OUT"
agent_run rs -c "$CONF" --json verify
assert_json "lo down: --json check kind link, target lo, found down" "$OUT" \
	'[c for c in d["checks"] if c["kind"] == "link" and c["target"] == "lo" and not c["ok"] and c["expected"] == "up" and c["found"] == "down" and c["why"]]'

agent_run rs -c "$CONF" plan
assert_rc "lo down: plan exits 0" 0
assert_match "lo down: plan brings lo up" '^~ link lo down -> up$' "$OUT"
agent_run rs -c "$CONF" apply
assert_rc "lo down: apply exits 0" 0
assert_eq "lo down: apply: lo up, then the VIP" \
	"$(printf '~ link lo down -> up\n+ address %s/128 dev lo' "$V6")" \
	"$(grep -E '^(~ link|\+ address)' <<<"$OUT")"
assert_eq "lo down: lo is up after apply" up "$(lo_state)"
assert_addr "lo down: $V6 is back on lo" rs lo "$V6" 128
agent_run rs -c "$CONF" verify
assert_rc "lo down: verify exits 0 after apply" 0
if answers "$V6"; then pass "lo down: after apply the ping of $V6 is answered"; else fail "lo down: after apply the ping of $V6 is answered" "no answer"; fi
if answers "$V4"; then pass "lo down: after apply the ping of $V4 is answered"; else fail "lo down: after apply the ping of $V4 is answered" "no answer"; fi
# A VIP added to a down lo is answered too: what only lo up gives back is
# the host's own loopback traffic (and the IPv6 VIPs survive only while up).
if answers 127.0.0.1 rs; then pass "lo down: after apply the RS's own ping of 127.0.0.1 is answered"; else fail "lo down: after apply the RS's own ping of 127.0.0.1 is answered" "no answer"; fi

agent_run rs -c "$CONF" revert
assert_rc "revert exits 0" 0
assert_eq "revert leaves lo up: it was up before the first apply" up "$(lo_state)"

# ---- lo down before the first apply
ip -n "$RS" link set lo down
snapshot rs >"$TDIR/before"
agent_run rs -c "$CONF" apply
assert_rc "lo down first: apply exits 0" 0
assert_eq "lo down first: lo is up after apply" up "$(lo_state)"
if answers "$V6"; then pass "lo down first: the ping of $V6 is answered"; else fail "lo down first: the ping of $V6 is answered" "no answer"; fi
agent_run rs -c "$CONF" verify
assert_rc "lo down first: verify exits 0" 0
agent_run rs -c "$CONF" revert
assert_rc "lo down first: revert exits 0" 0
assert_match "lo down first: revert brings lo down again" '^~ link lo up -> down$' "$OUT"
assert_eq "lo down first: lo is down after revert" down "$(lo_state)"
assert_snapshot "lo down first: the namespace as before the first apply" rs "$TDIR/before"

lvst_done
