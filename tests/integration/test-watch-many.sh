#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# watch: more objects undone at once than the watch keeps notifications of
# (64). In a namespace with 200 IPv4 VIPs on lo and `lvs-rs-agent watch`
# running:
#
#  - one `ip -batch` deletes 10 of them: all back, each repair logged, no
#    read of the whole kernel (the notified objects alone are repaired);
#  - one `ip -batch` deletes all 200: the watch says it reads the kernel
#    whole, and all 200 are back within 5 s, well before the periodic full
#    reconcile (60 s), each repair logged; verify exits 0. (A watch that
#    repaired only the 64 it had kept left the other 136 missing until then.)
#  - SIGTERM reverts: no VIP left.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
WLOG=$TDIR/watch.err
N=200
{
	printf '[vip many]\naddress = 192.0.2.1\n'
	for i in $(seq 2 $N); do printf '  192.0.2.%d\n' "$i"; done
} >"$CONF"

# how many of the N VIPs are on lo
vips_on_lo() { ip -n "$NS" -4 -o addr show dev lo | grep -c ' 192\.0\.2\.'; }
all_back() { [ "$(vips_on_lo)" = "$N" ]; }
# delete_batch FIRST LAST: one ip -batch deleting 192.0.2.FIRST..LAST
delete_batch()
{
	for i in $(seq "$1" "$2"); do echo "address del 192.0.2.$i/32 dev lo"; done >"$TDIR/batch"
	ip -n "$NS" -batch "$TDIR/batch"
}
# repairs_since LINE: the repair lines of the log after its first LINE lines
repairs_since() { tail -n +"$(($1 + 1))" "$WLOG" | grep -c '^address 192\.0\.2\.[0-9]*/32 dev lo removed by .*, restored in'; }

watch_start rs "$CONF" || { fail start "the watch did not start: $(tail -3 "$WLOG")"; exit 1; }
assert_eq "start: $N VIPs on lo" "$N" "$(vips_on_lo)"

# ---- a few: the notified objects alone
l0=$(wc -l <"$WLOG")
delete_batch 11 20 || fail "10 deleted" "ip -batch failed"
wait_until 5 all_back && pass "10 deleted at once: all back" ||
	fail "10 deleted at once: all back" "$(vips_on_lo) of $N on lo"
sleep 0.2
assert_eq "10 deleted at once: 10 repairs logged" 10 "$(repairs_since "$l0")"
tail -n +"$((l0 + 1))" "$WLOG" | grep -q '^watch: more than' &&
	fail "10 deleted at once: no full read" "$(tail -n +"$((l0 + 1))" "$WLOG" | grep '^watch:')" ||
	pass "10 deleted at once: no full read"

# ---- more than kept: the full reconcile
l0=$(wc -l <"$WLOG")
delete_batch 1 $N || fail "all deleted" "ip -batch failed"
wait_until 5 all_back && pass "$N deleted at once: all back within 5 s" ||
	fail "$N deleted at once: all back within 5 s" "$(vips_on_lo) of $N on lo: $(tail -2 "$WLOG")"
sleep 0.2
new=$(tail -n +"$((l0 + 1))" "$WLOG")
assert_match "$N deleted at once: said" "^watch: more than 64 objects undone at once: reading the kernel whole$" "$new"
assert_eq "$N deleted at once: $N repairs logged" "$N" "$(repairs_since "$l0")"
agent_run rs -c "$CONF" verify
assert_rc "verify afterwards: exit 0" 0

watch_stop TERM
assert_eq "SIGTERM: exit 0" 0 "$WATCH_RC"
assert_eq "SIGTERM: no VIP left" 0 "$(vips_on_lo)"

lvst_done
