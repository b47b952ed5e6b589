#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# watch after lost notifications. While `lvs-rs-agent watch` is stopped
# (SIGSTOP: the overflow is then certain on any machine, as on a busy one),
# one `ip -batch` adds and deletes an address 50,000 times on a veth of the
# namespace (100,000 address notifications, and their routes'), and deletes
# a VIP in the middle of them. IPv4 addresses, 250 of 198.51.100.0/24 in
# turn: the same burst of IPv6 addresses takes the kernel 30-100 s, not 5. Once continued, the watch finds its socket
# overflowed (ENOBUFS): it says so, reads the kernel whole (and says how
# long that took), and the VIP is back; status counts the resync; its
# memory stays bounded (peak RSS within 8 MiB of what it was before the
# burst).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd "$PYTHON"
lvst_require_agent

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
WLOG=$TDIR/watch.err
VIP=192.0.2.100
printf '[vip web]\naddress = %s 2001:db8::100\n' "$VIP" >"$CONF"
ip -n "$NS" link add v0 type veth peer name v1 && ip -n "$NS" link set v0 up &&
	ip -n "$NS" link set v1 up || { fail setup "veth"; exit 1; }

"$PYTHON" - "$TDIR/burst" "$VIP" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(50000):
        a = "198.51.100.%d/32" % (i % 250 + 1)
        f.write("address add %s dev v0\n" % a)
        f.write("address del %s dev v0\n" % a)
        if i == 25000:
            f.write("address del %s/32 dev lo\n" % sys.argv[2])
EOF

watch_start rs "$CONF" || { fail start "the watch did not start: $(cat "$WLOG")"; exit 1; }
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$WATCH_PID/status"; }
rss0=$(rss VmRSS)

kill -STOP "$WATCH_PID"
ip -n "$NS" -batch "$TDIR/burst" || fail burst "ip -batch failed"
has_addr rs lo "$VIP" 32 && fail "burst deleted the VIP" "$VIP still on lo" ||
	pass "burst deleted the VIP"
kill -CONT "$WATCH_PID"

logged() { grep -Eq -- "$1" "$WLOG"; }
wait_until 20 logged "^watch: notifications were lost" &&
	pass "overflow seen and said" || fail "overflow seen and said" "$(tail -3 "$WLOG")"
wait_until 20 has_addr rs lo "$VIP" 32 && pass "resync: VIP back" ||
	fail "resync: VIP back" "$VIP not on lo: $(tail -3 "$WLOG")"
assert_match "resync: the repair logged" "^address $VIP/32 dev lo removed by .*, restored" "$(cat "$WLOG")"
assert_match "resync: its time said" "^watch: read the kernel whole in [0-9.]+ ms$" "$(cat "$WLOG")"
agent_run rs -c "$CONF" verify
assert_rc "verify after the burst: exit 0" 0
agent_run rs -c "$CONF" --json status
assert_json "status: the resync counted" "$OUT" "d['watch']['resyncs'] >= 1"
hwm=$(rss VmHWM)
[ $((hwm - rss0)) -lt 8192 ] && pass "memory bounded (peak $hwm KiB, $rss0 KiB before)" ||
	fail "memory bounded" "peak $hwm KiB, $rss0 KiB before the burst"
# Still watching after it all.
ip -n "$NS" addr del 2001:db8::100/128 dev lo
wait_until 5 has_addr rs lo 2001:db8::100 128 && pass "still repairing after the burst" ||
	fail "still repairing after the burst" "2001:db8::100 not back"

watch_stop TERM
assert_eq "SIGTERM: exit 0" 0 "$WATCH_RC"

lvst_done
