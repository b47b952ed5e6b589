#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The agent's outputs, byte for byte: a recorded set of runs (apply, apply
# again, an edited apply, a failing verify, status, plan, revert, a TUN error,
# an nft apply), each in text and in JSON, compared with the files kept in
# tests/golden/. Anything that changes what an operator or a tool reads shows
# here as a diff; a change meant to change an output updates its golden file
# in the same commit: `UPDATE_GOLDEN=1 bash tests/integration/test-golden.sh`.
#
# What varies from run to run is normalised first: the test's directory
# (TDIR), times and dates, process ids.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

GOLDEN=$LVST_ROOT/tests/golden
UPDATE=${UPDATE_GOLDEN:-}
CONF=$TDIR/agent.conf
RS=$(ns_name rs)
in_ns rs sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0 \
	net.ipv4.conf.lo.arp_ignore=0 net.ipv4.conf.lo.arp_announce=0 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 ||
	fail setup "cannot pin the ARP sysctls"

# normalise FILE: what differs between runs of the same code
normalise()
{
	"$PYTHON" - "$1" "$TDIR" <<-'EOF'
	import re, sys
	path, tdir = sys.argv[1], sys.argv[2]
	s = open(path, encoding="utf-8", errors="replace").read()
	s = s.replace(tdir, "TDIR")
	s = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [-+]\d{4}", "DATE", s)
	s = re.sub(r'"(created|updated|when|time)":\s*\d+', r'"\1":0', s)
	s = re.sub(r"\bPID \d+", "PID N", s)
	s = re.sub(r"\bnet:\[\d+\]", "net:[N]", s)
	open(path, "w").write(s)
	EOF
}

# golden NAME ARGS...: run the agent in rs, record exit, stdout and stderr
# as tests/golden/NAME, and compare.
golden()
{
	local name=$1 got
	shift
	got=$TDIR/golden.$name
	agent_run rs "$@"
	{
		echo "exit: $RC"
		echo "--- stdout"
		printf '%s\n' "$OUT"
		echo "--- stderr"
		printf '%s\n' "$ERR"
	} >"$got"
	normalise "$got"
	if [ -n "$UPDATE" ]; then
		mkdir -p "$GOLDEN"
		cp "$got" "$GOLDEN/$name"
		pass "$name: recorded"
		return
	fi
	if [ ! -f "$GOLDEN/$name" ]; then
		fail "$name" "no golden file tests/golden/$name (UPDATE_GOLDEN=1 records it)"
		return
	fi
	if cmp -s "$got" "$GOLDEN/$name"; then
		pass "$name: output as recorded"
	else
		fail "$name" "output differs from tests/golden/$name"
		diff -u "$GOLDEN/$name" "$got" | sed 's/^/    /' | head -40
	fi
}

conf_dr()
{
	cat >"$CONF" <<-EOF
	[agent]
	arp_suppress = ${SUPPRESS:-sysctl}

	[vip web]
	address = $*
	EOF
}

# ---- apply, apply again, an edited apply (text and JSON)
conf_dr 198.51.100.10 198.51.100.11 2001:db8:100::10
golden apply-text -c "$CONF" apply
golden apply-again-text -c "$CONF" apply
golden apply-again-json -c "$CONF" --json apply
conf_dr 198.51.100.10 198.51.100.12 2001:db8:100::10
golden plan-edited-text -c "$CONF" plan
golden plan-edited-json -c "$CONF" --json plan
golden apply-edited-json -c "$CONF" --json apply

# ---- a failing verify: arp_ignore lowered by hand
golden verify-ok-text -c "$CONF" verify
in_ns rs sysctl -qw net.ipv4.conf.all.arp_ignore=0
golden verify-failing-text -c "$CONF" verify
golden verify-failing-json -c "$CONF" --json verify
in_ns rs sysctl -qw net.ipv4.conf.all.arp_ignore=1

# ---- status, then revert
golden status-text -c "$CONF" status
golden status-json -c "$CONF" --json status
golden revert-text -c "$CONF" revert
golden revert-again-json -c "$CONF" --json revert

# ---- a TUN error: a device that does not fit the family (config), and
# the kernel's lack of IP-in-IP where it lacks it. A TUN real server answers
# clients by its default route, whose MTU mss = auto takes.
lab_route_back || { fail setup "could not add the default routes"; exit 1; }
cat >"$CONF" <<-EOF
[vip tunnelled]
mode = tun
device = ip6tnl0
address = 198.51.100.20
EOF
golden tun-config-error-text -c "$CONF" apply
golden tun-config-error-json -c "$CONF" --json apply
cat >"$CONF" <<-EOF
[vip tunnelled]
mode = tun
address = 198.51.100.20
EOF
if grep -qs '^ipip ' /proc/modules || [ -d /sys/module/ipip ] ||
	modinfo ipip >/dev/null 2>&1; then
	skip "tun-no-ipip" "this kernel has IP-in-IP: its absence cannot be recorded here"
else
	golden tun-no-ipip-text -c "$CONF" apply
	golden tun-no-ipip-json -c "$CONF" --json apply
fi

# ---- an nft apply, then its revert
SUPPRESS=nft conf_dr 198.51.100.10 198.51.100.0/30
sed -i 's/^\[vip web\]$/[vip web]\nanyip = yes/' "$CONF"
golden nft-apply-text -c "$CONF" apply
golden nft-verify-json -c "$CONF" --json verify
golden nft-revert-json -c "$CONF" --json revert

lvst_done
