#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A VIP that was on the device before the first apply is restored whole
# (issue 13, done-when 4). IPv6 VIPs with nodad, finite valid and preferred
# lifetimes, noprefixroute or home are made the agent's (nodad, preferred
# lifetime 0) by apply; revert, and an apply that rolls back (the fault
# build, every N), put each back with its flags and lifetimes: the
# namespace's `ip -j addr` equals the one before, lifetimes compared as
# finite or forever (lib.sh's snapshot). IPv4 VIPs with lifetimes and
# noprefixroute are left as they are. The journal and --json carry the
# whole address ("212/3600/1800").

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_agent "$FAULT_BIN"
ns_new rs || { fail setup "could not create a namespace"; exit 1; }
RS=$(ns_name rs)

P_NODAD=2001:db8:200::1
P_LFT=2001:db8:200::2
P_NPR=2001:db8:200::3
P_HOME=2001:db8:200::4
P_ALL=2001:db8:200::5
P_PLAIN=2001:db8:200::6
P4=198.51.100.20
NEW6=2001:db8:200::9
NEW4=198.51.100.21

put_prior()
{
	ip -n "$RS" addr add "$P_NODAD/128" dev lo nodad &&
	ip -n "$RS" addr add "$P_LFT/128" dev lo valid_lft 3600 preferred_lft 1800 &&
	ip -n "$RS" addr add "$P_NPR/128" dev lo noprefixroute &&
	ip -n "$RS" addr add "$P_HOME/128" dev lo home &&
	ip -n "$RS" addr add "$P_ALL/128" dev lo nodad noprefixroute home \
		valid_lft 7200 preferred_lft 600 &&
	ip -n "$RS" addr add "$P_PLAIN/128" dev lo &&
	ip -n "$RS" addr add "$P4/32" dev lo valid_lft 3600 preferred_lft 1800 noprefixroute
}
put_prior || { fail setup "could not add the pre-existing addresses"; exit 1; }

CONF=$TDIR/agent.conf
write_web_conf "$CONF" "$P4" "$NEW4"
printf '\n[vip web6]\naddress = %s\n' "$P_NODAD $P_LFT $P_NPR $P_HOME $P_ALL $P_PLAIN $NEW6" >>"$CONF"

AGENT_FORM='a.get("nodad") is True and a.get("deprecated") is True and a["preferred_life_time"] == 0 and a["valid_life_time"] == 4294967295'

snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# ---- apply, then revert
agent_run rs -c "$CONF" --json apply
assert_rc "apply exits 0" 0
assert_json "apply replaces the 6 pre-existing IPv6 VIPs and adds 2 VIPs" "$OUT" \
	"sorted(c['op'] for c in d['changes'] if c['kind'] == 'address') == ['+', '+', '~', '~', '~', '~', '~', '~']"
# Each change's "from" is the whole address as it was; finite lifetimes
# count down, so each is taken within 30 s below what was set.
FROM_OK='
import json, sys
d = json.loads(sys.argv[1])
want = dict(zip(sys.argv[2::2], sys.argv[3::2]))
got = {c["target"].split("/")[0]: c["from"] for c in d["changes"] if c["op"] == "~"}
def ok(g, w):
    g, w = g.split("/"), w.split("/")
    if len(g) != len(w) or g[0] != w[0]:
        return False
    return all(a == b if not b.isdigit() else a.isdigit() and int(b) - 30 < int(a) <= int(b)
               for a, b in zip(g[1:], w[1:]))
bad = ["%s: %s, not %s" % (t, got.get(t), w) for t, w in want.items() if not ok(got.get(t, ""), w)]
print("; ".join(bad))
sys.exit(1 if bad else 0)
'
if why=$("$PYTHON" -c "$FROM_OK" "$OUT" "$P_NODAD" 2/forever/forever "$P_LFT" 0/3600/1800 \
	"$P_NPR" 200/forever/forever "$P_HOME" 10/forever/forever "$P_ALL" 212/7200/600 \
	"$P_PLAIN" preferred); then
	pass "--json: each change's from is the whole address as it was"
else
	fail "--json: each change's from is the whole address as it was" "$why"
fi
for a in $P_NODAD $P_LFT $P_NPR $P_HOME $P_ALL $P_PLAIN; do
	assert_addr "applied: $a as the agent makes it" rs lo "$a" 128 "$AGENT_FORM"
done
assert_addr "applied: $P_NPR keeps noprefixroute" rs lo "$P_NPR" 128 'a.get("noprefixroute") is True'
assert_addr "applied: $P_HOME keeps home" rs lo "$P_HOME" 128 'a.get("home") is True'
assert_addr "applied: $P4 untouched (finite lifetimes)" rs lo "$P4" 32 \
	'a["valid_life_time"] < 4294967295 and a["preferred_life_time"] > 0 and a.get("noprefixroute") is True'
journal=$(cat "$STATE")
assert_match "journal: the prior of $P_ALL is the whole address" \
	"\"target\":\"$P_ALL/128 dev lo\".*\"prior\":\"212/[0-9]+/[0-9]+\"" "$journal"
# The negative control: apply did change them (a plain forever/forever
# restore would differ from the snapshot below).
snapshot rs >"$TDIR/applied"
if snapshot_diff "$TDIR/before" "$TDIR/applied" >/dev/null; then
	fail "control: apply changed the pre-existing addresses" "the snapshot after apply equals the one before"
else
	pass "control: apply changed the pre-existing addresses"
fi

agent_run rs --json status
assert_json "status: revert would restore each whole address" "$OUT" \
	"{c['target']: c['to'] for c in d['revert'] if c['op'] == '~'}.get('$P_LFT/128 dev lo', '').startswith('0/')"

agent_run rs revert
assert_rc "revert exits 0" 0
assert_snapshot "revert: ip -j addr, routes and sysctls equal the state before apply" rs "$TDIR/before"
assert_addr "reverted: $P_LFT has finite lifetimes again" rs lo "$P_LFT" 128 \
	'0 < a["preferred_life_time"] <= 1800 and 1800 < a["valid_life_time"] <= 3600 and not a.get("nodad")'
assert_addr "reverted: $P_ALL nodad noprefixroute home, finite" rs lo "$P_ALL" 128 \
	'a.get("nodad") and a.get("noprefixroute") and a.get("home") and not a.get("deprecated") and 0 < a["preferred_life_time"] <= 600'
assert_addr "reverted: $P_NODAD nodad, preferred forever" rs lo "$P_NODAD" 128 \
	'a.get("nodad") and a["preferred_life_time"] == 4294967295'

# ---- an apply that rolls back, at every kernel change
agent_run rs -c "$CONF" --json apply
N=$(json_eval "$OUT" 'len(d["changes"])')
agent_run rs revert
assert_snapshot "counting run: revert restores" rs "$TDIR/before" || lvst_done
case $N in
'' | *[!0-9]*) fail "counting" "no changes list: $OUT"; lvst_done ;;
esac
for n in $(seq 1 "$N"); do
	LVS_RS_AGENT_FAULT=$n AGENT_BIN=$FAULT_BIN agent_run rs -c "$CONF" apply
	if [ "$RC" != 3 ] || ! grep -q 'injected fault' <<<"$ERR"; then
		fail "rollback at change $n of $N" "exit $RC, stderr: $ERR"
		continue
	fi
	assert_snapshot "rollback at change $n of $N: ip -j addr equals the state before" rs "$TDIR/before"
done

lvst_done
