#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# guest.sh LAB... - runs inside the VM (tests/vm/vmrun.sh): the kernel check first (always;
# reported as a result only when "kernel" is among the LABs), then each lab in its own
# bash with a time limit. Result lines are "@@RESULT PASS: vm-NAME" or
# "@@RESULT FAIL: vm-NAME: reason"; run.sh turns them into the test protocol.
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
LAB_TMO=${LVS_VM_LAB_TIMEOUT:-115}
LIMIT=120	# each VM test must take under 2 minutes

run_lab() { # run_lab NAME -> 0 if it passed
	local name=$1 dir t0 t1 rc secs
	dir=$(mktemp -d "/tmp/lab-$name.XXXXXX")
	echo
	echo "################ vm-$name ################"
	t0=$(date +%s%N)
	timeout -k 5 "$LAB_TMO" bash -c '
		LAB_NAME=vm-$2 LAB_DIR=$3 P=lvs
		. "$1/lib.sh" && . "$1/labs.sh" || exit 3
		trap teardown EXIT
		trap "exit 143" TERM
		"lab_${2//-/_}"' guest-lab "$HERE" "$name" "$dir"
	rc=$?
	t1=$(date +%s%N)
	secs=$(((t1 - t0) / 1000000000))
	# Whatever the lab left behind (a killed lab skips its trap) must not leak into the next.
	for ns in $(ip netns list | awk '/^lvs-/ { print $1 }'); do ip netns del "$ns"; done
	echo "[vm-$name] took ${secs}s"
	if [ $rc = 0 ] && [ $secs -ge $LIMIT ]; then
		LAST_REASON="took ${secs}s (limit ${LIMIT}s)"
	elif [ $rc = 0 ]; then
		return 0
	elif [ -s "$dir/verdict" ]; then
		LAST_REASON=$(cat "$dir/verdict")
	elif [ $rc = 124 ] || [ $rc = 137 ] || [ $rc = 143 ]; then
		LAST_REASON="timed out after ${LAB_TMO}s"
	else
		LAST_REASON="lab exited $rc"
	fi
	return 1
}

report_kernel=0
for lab in "$@"; do [ "$lab" = kernel ] && report_kernel=1; done
if run_lab kernel; then
	kernel_ok=1
	[ $report_kernel = 1 ] && echo "@@RESULT PASS: vm-kernel"
else
	kernel_ok=0
	[ $report_kernel = 1 ] && echo "@@RESULT FAIL: vm-kernel: $LAST_REASON"
fi
rc=0
for lab in "$@"; do
	[ "$lab" = kernel ] && continue
	if [ $kernel_ok = 0 ]; then
		echo "@@RESULT FAIL: vm-$lab: the kernel check failed in this boot"
		rc=1
	elif run_lab "$lab"; then
		echo "@@RESULT PASS: vm-$lab"
	else
		echo "@@RESULT FAIL: vm-$lab: $LAST_REASON"
		rc=1
	fi
done
[ $kernel_ok = 1 ] || rc=1
exit $rc
