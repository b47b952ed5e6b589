#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-unit-order.sh - the unit's boot ordering next to every network stack of Debian 12:
#   no-cycle        `systemd-analyze verify --root` of systemd/lvs-rs-agent.service with the
#                   units of Debian's cloud-init, ifupdown and network-manager packages and
#                   systemd's own (systemd-networkd and the wait-online units): no ordering cycle
#   negative-control the same unit with DefaultDependencies=yes (today's shape before the
#                   fix: after sysinit.target, before network-pre.target) shows the cycle
#                   through cloud-init.service and networking.service
# The three packages are downloaded with `apt-get download` (never installed) into a cache,
# ${LVS_TOOLS_CACHE:-/var/cache/lvs-rs-agent/tools}/unit-debs, and unpacked into a root in
# $TDIR next to a copy of this host's /lib/systemd/system and the built agent.
. "$(dirname "$0")/lib.sh"

UNIT=systemd/lvs-rs-agent.service
PKGS="cloud-init ifupdown network-manager"
lvst_require_cmd systemd-analyze dpkg-deb apt-get
lvst_require_agent
[ -r "$UNIT" ] || { fail exists "$UNIT missing"; lvst_done; }
SYS=/lib/systemd/system
for u in systemd-networkd.service systemd-networkd-wait-online.service systemd-sysctl.service \
	network-pre.target sysinit.target; do
	[ -e "$SYS/$u" ] || skip_all "no $SYS/$u on this host (make deps installs systemd)"
done

CACHE=${LVS_TOOLS_CACHE:-/var/cache/lvs-rs-agent/tools}/unit-debs
mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] || CACHE=$TDIR/debs
mkdir -p "$CACHE"
have_debs() {
	local p
	for p in $PKGS; do ls "$CACHE/${p}_"*.deb >/dev/null 2>&1 || return 1; done
}
if ! have_debs; then
	echo "\$ apt-get download $PKGS (into $CACHE)"
	# The package lists may be missing or stale on a fresh machine: update once, then retry.
	# (apt warns that the download runs unsandboxed as root: true, and harmless here.)
	(cd "$CACHE" && apt-get download -qq $PKGS 2>&1) | grep -v unsandboxed
	have_debs || { apt-get update -qq && (cd "$CACHE" && apt-get download -qq $PKGS 2>&1); } |
		grep -v unsandboxed
	have_debs || skip_all "cannot download $PKGS with apt-get (no Debian mirror?)"
fi

R=$TDIR/root
mkdir -p "$R$SYS" "$R/etc/systemd/system" "$R/usr/sbin"
cp -a "$SYS/." "$R$SYS/"
for d in "$CACHE"/*.deb; do
	echo "  unpacking $(basename "$d")"
	dpkg-deb -x "$d" "$R" || { fail unpack "dpkg-deb -x $d failed"; lvst_done; }
done
install -m 0755 "$AGENT_BIN" "$R/usr/sbin/lvs-rs-agent"

# The units whose start jobs must fit together: ours, every network stack, its wait-online
# unit and cloud-init's stages. Each listed unit gets a start job, as at boot.
UNITS="lvs-rs-agent.service cloud-init-local.service cloud-init.service cloud-config.service
	cloud-final.service networking.service ifupdown-wait-online.service NetworkManager.service
	NetworkManager-wait-online.service systemd-networkd.service
	systemd-networkd-wait-online.service"
for u in $UNITS; do
	[ -e "$R$SYS/$u" ] || [ "$u" = lvs-rs-agent.service ] ||
		{ fail units "$u is in none of the unpacked packages nor in $SYS"; lvst_done; }
done

# verify_order FILE: the ordering complaints of systemd-analyze verify with FILE as our unit
verify_order() {
	cp "$1" "$R/etc/systemd/system/lvs-rs-agent.service"
	# shellcheck disable=SC2086
	SYSTEMD_LOG_COLOR=0 systemd-analyze verify --root="$R" $UNITS 2>&1 |
		grep -E 'ordering cycle|Found dependency on|Job [^ ]* deleted to break'
}

echo "\$ systemd-analyze verify --root=$R $(echo $UNITS)"
out=$(verify_order "$UNIT")
if [ -z "$out" ]; then
	pass "no-cycle"
else
	echo "$out" | sed 's/^/  /'
	fail "no-cycle" "$(echo "$out" | head -n 1)"
fi

# Negative control: the implicit After=sysinit.target of DefaultDependencies=yes.
sed 's/^DefaultDependencies=no$/DefaultDependencies=yes/' "$UNIT" > "$TDIR/old.service"
grep -qx DefaultDependencies=yes "$TDIR/old.service" ||
	{ fail negative-control "$UNIT has no DefaultDependencies=no line to flip"; lvst_done; }
out=$(verify_order "$TDIR/old.service")
echo "$out" | sed 's/^/  control: /'
if grep -q 'ordering cycle' <<<"$out" && grep -q 'cloud-init.service/start' <<<"$out" &&
	grep -q 'networking.service/start' <<<"$out"; then
	pass "negative-control"
else
	fail "negative-control" "DefaultDependencies=yes showed no cycle through cloud-init and networking"
fi

# The boot pattern itself (a quiet edit could keep the test green and lose the order).
for want in DefaultDependencies=no 'After=local-fs.target systemd-sysctl.service' \
	'Before=network-pre.target shutdown.target' Wants=network-pre.target \
	Conflicts=shutdown.target; do
	grep -qxF "$want" "$UNIT" || { fail pattern "$UNIT lacks $want"; lvst_done; }
done
pass "pattern"
lvst_done
