#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# watch never fights for ever. A loop deletes a VIP every 10 ms while
# `lvs-rs-agent watch --backoff 8` runs:
#
#  - after 5 repairs the VIP is contested: said once in the log, repairs
#    stop (no repair line while the back-off runs, the VIP stays absent),
#    the agent's CPU time over 4 s of the back-off stays below 1 %
#    (utime + stime of /proc/PID/stat);
#  - status (text and JSON), the metrics file (--prometheus) and systemd's
#    status text (NOTIFY_SOCKET: a datagram socket of the test's) say so;
#    READY=1 came after the first apply;
#  - once the loop stops, the VIP is repaired when the back-off ends (not
#    before), and is no longer contested.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd "$PYTHON"
lvst_require_agent

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
NS=$(ns_name rs)
CONF=$TDIR/watch.conf
WLOG=$TDIR/watch.err
PROM=$TDIR/metrics.prom
VIP=192.0.2.100
BACKOFF=8
printf '[vip web]\naddress = %s 192.0.2.101\n' "$VIP" >"$CONF"

# systemd's side of sd_notify: every datagram, one per line.
export NOTIFY_SOCKET=$TDIR/notify.sock
"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$NOTIFY_SOCKET" "$TDIR/notify.log" &
bg_register $!
wait_until 5 test -S "$NOTIFY_SOCKET" || { fail setup "no notify socket"; exit 1; }

watch_start rs "$CONF" --backoff "$BACKOFF" --prometheus "$PROM" ||
	{ fail start "the watch did not start: $(cat "$WLOG")"; exit 1; }
unset NOTIFY_SOCKET
notified() { grep -q -- "$1" "$TDIR/notify.log"; }
wait_until 5 notified "READY=1" && pass "sd_notify READY=1 after the first apply" ||
	fail "sd_notify READY=1 after the first apply" "$(cat "$TDIR/notify.log")"

logged() { grep -Eq -- "$1" "$WLOG"; }
repairs() { grep -c "^address $VIP/32 dev lo removed" "$WLOG"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$WATCH_PID/stat"; }

# ---- the fight
# One ip process (-force: a delete of a VIP already gone fails and the batch goes on), fed a
# delete every 10 ms: it is alive when the watch looks its port up, so every repair names it
# (a one-shot ip may end before that: "unknown", and all 5 were so once in make check).
(while :; do echo "address del $VIP/32 dev lo"; sleep 0.01; done) |
	ip -n "$NS" -force -batch - >/dev/null 2>&1 &
LOOP=$!
bg_register "$LOOP"

if wait_until 10 logged "^address $VIP/32 dev lo is contested: repaired 5 times"; then
	pass "contested after the budget"
else
	fail "contested after the budget" "$(tail -5 "$WLOG")"
fi
contested_at=$(date +%s%N)
n0=$(repairs)
assert_eq "5 repairs before it was contested" 5 "$n0"
c0=$(cpu_ticks)
sleep 4
c1=$(cpu_ticks)
n1=$(repairs)
assert_eq "no repair while contested (the loop still deleting)" "$n0" "$n1"
# 1 % of 4 s is 4 ticks of 10 ms.
[ $((c1 - c0)) -lt 4 ] && pass "CPU below 1 % while contested ($((c1 - c0)) ticks in 4 s)" ||
	fail "CPU below 1 % while contested" "$((c1 - c0)) ticks of 10 ms in 4 s"
assert_eq "contested: said once" 1 "$(grep -c "is contested" "$WLOG")"
has_addr rs lo "$VIP" 32 && fail "contested: left as it is" "$VIP is on lo" ||
	pass "contested: left as it is"

agent_run rs -c "$CONF" status
echo "$OUT" | grep -E "^(watch|contested)" | sed 's/^/    | /'
assert_match "status: contested" \
	"^contested: address $VIP/32 dev lo \(undone again and again, last by ip\[$LOOP\]" "$OUT"
agent_run rs -c "$CONF" --json status
assert_json "status --json: contested" "$OUT" \
	"[c['target'] for c in d['watch']['contested']] == ['$VIP/32 dev lo']"
assert_match "metric: contested object" \
	"^lvs_rs_agent_watch_contested\{kind=\"address\",target=\"$VIP/32 dev lo\"\} 1$" "$(cat "$PROM")"
assert_match "metric: contested count" "^lvs_rs_agent_watch_contested_objects 1$" "$(cat "$PROM")"
assert_match "metric: 5 address repairs, by cause: ip" \
	'^lvs_rs_agent_watch_repairs_total\{kind="address",cause="ip"\} 5$' "$(cat "$PROM")"
assert_match "metric: time of the last repair" \
	"^lvs_rs_agent_watch_last_repair_timestamp_seconds [1-9][0-9]+$" "$(cat "$PROM")"
assert_match "sd_notify STATUS: contested" "STATUS=watching; 1 object contested" \
	"$(cat "$TDIR/notify.log")"

# ---- the fight ends: repaired when the back-off ends, not before
kill "$LOOP"
wait "$LOOP" 2>/dev/null
if wait_until 20 has_addr rs lo "$VIP" 32; then
	ms=$((($(date +%s%N) - contested_at) / 1000000))
	[ "$ms" -ge $((BACKOFF * 1000 - 300)) ] &&
		pass "repaired after the back-off (${ms} ms after contested)" ||
		fail "repaired after the back-off" "back after only $ms ms"
else
	fail "repaired after the back-off" "$VIP not back: $(tail -3 "$WLOG")"
fi
wait_until 5 logged "tried again after its back-off" &&
	pass "the retry logged" || fail "the retry logged" "$(tail -3 "$WLOG")"
agent_run rs -c "$CONF" --json status
assert_json "status --json: no longer contested" "$OUT" "d['watch']['contested'] == []"
wait_until 5 grep -q "^lvs_rs_agent_watch_contested_objects 0$" "$PROM" &&
	pass "metric: no longer contested" || fail "metric: no longer contested" "$(grep contested_objects "$PROM")"

watch_stop TERM
assert_eq "SIGTERM: exit 0" 0 "$WATCH_RC"

lvst_done
