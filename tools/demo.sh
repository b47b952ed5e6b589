#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/demo.sh (`make demo`): lvs-rs-agent on a throwaway real server.
# Creates a network namespace with a veth peer, shows its addresses and ARP
# sysctls, applies tools/demo.conf (two IPv4 VIPs, one IPv6 VIP), verifies,
# reverts, checks that the namespace is exactly as before and removes it
# (also on failure or Ctrl-C). Never touches the host's own network.

LVST_PREFIX=lvs-demo-$$
LVST_SUITE=demo
. "$(dirname "$0")/../tests/integration/lib.sh"
set -u -o pipefail

DEMO_CONF=$LVST_ROOT/tools/demo.conf

die()
{
	echo "demo: $*" >&2
	exit 1
}

title()
{
	if [ -t 1 ]; then
		printf '\n\033[1m== %s\033[0m\n' "$*"
	else
		printf '\n== %s\n' "$*"
	fi
}

show_state()
{
	in_ns rs ip addr show
	echo
	in_ns rs sh -c 'for c in all lo eth0; do
		for k in arp_ignore arp_announce; do
			printf "net.ipv4.conf.%s.%s = %s\n" $c $k \
				"$(cat /proc/sys/net/ipv4/conf/$c/$k)"
		done
	done'
}

# run ARGS...: show and run the agent in the namespace; stop on failure
# (verify's exit 1 included: the demo expects a clean verify).
run()
{
	local rc

	printf '\n$ lvs-rs-agent -c %s %s\n' "$CONF" "$*"
	agent rs -c "$CONF" "$@"
	rc=$?
	[ "$rc" -eq 0 ] || die "lvs-rs-agent $* exited $rc"
}

[ "$(id -u)" -eq 0 ] || die "run as root (it creates a network namespace)"
[ -x "$AGENT_BIN" ] || die "$AGENT_BIN missing: run make first"

lab_new || die "could not create the demo namespaces"
CONF=$TDIR/agent.conf
cp "$DEMO_CONF" "$CONF"

title "A throwaway real server: namespace $(ns_name rs), eth0 <-> $(ns_name peer)"
show_state
snapshot rs >"$TDIR/before" || die "snapshot failed"

title "Config ($CONF, from tools/demo.conf)"
cat "$CONF"

title "plan: what apply would change (changes nothing)"
run plan
title "apply"
run apply
title "verify: the kernel read back against the config"
run verify
title "After apply"
show_state
title "revert: undo exactly what apply changed, from the journal"
run revert
title "After revert"
show_state

echo
if snapshot rs >"$TDIR/after" && diff -u "$TDIR/before" "$TDIR/after" >"$TDIR/diff"; then
	echo "namespace restored exactly"
else
	cat "$TDIR/diff"
	die "namespace NOT restored exactly (diff above)"
fi
echo "removing namespaces $(ns_name rs) and $(ns_name peer)"
