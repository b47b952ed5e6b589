#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/run-tests.sh [SUITE...]	SUITE: unit, integration, vm (default: all three),
#				vm-long (make check-long)
#
# Runs from the repository root with $BUILD (default build):
#   unit         every executable $BUILD/test-* (cmocka); its summary lines
#                "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)." count
#   integration  every tests/integration/test-*.sh
#   vm           tests/vm/run.sh, if present
#   vm-long      tests/vm/run.sh ansible ansible-absent watch: the Ansible role and the
#                watch unit under systemd in three VMs, 4-9 minutes of emulation each,
#                outside make check's 15 minutes
# Script suites print "PASS: name", "FAIL: name: reason", "SKIP: name: reason"
# lines, which are counted; a script that exits non-zero without a FAIL line
# counts as one failure. Under CI=true a SKIP counts as a failure.
# The last line is always "N passed, N failed[, N skipped]"; the exit status
# is non-zero when anything failed.
#
# Environment: BUILD, CI, TEST_TIMEOUT (seconds per script or binary,
# default 300), VM_TIMEOUT (seconds for tests/vm/run.sh, default 900: the VM
# labs took 682 s on a loaded host, about 480 s on a quiet one).

set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

export BUILD=${BUILD:-build}
CI=${CI:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
VM_TIMEOUT=${VM_TIMEOUT:-900}

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

LOG=$(mktemp "${TMPDIR:-/tmp}/run-tests.XXXXXX") || exit 1
trap 'rm -f "$LOG"' EXIT

count_fail()
{
	FAILED=$((FAILED + 1))
	FAILED_NAMES+=("$1")
}

count_skip()
{
	if [ "$CI" = true ]; then
		count_fail "$1 (skipped under CI)"
	else
		SKIPPED=$((SKIPPED + 1))
	fi
}

# run_logged TIMEOUT CMD...: run CMD with stdout+stderr shown as is and kept
# in $LOG; sets RC (124 when it ran out of time).
run_logged()
{
	local t=$1

	shift
	timeout -k 10 "$t" "$@" 2>&1 | tee "$LOG"
	RC=${PIPESTATUS[0]}
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		echo "run-tests: $* timed out after ${t}s"
	fi
}

# Count the PASS/FAIL/SKIP lines of one script run. The summary lists each
# failure and skip by its line (cut short: names may contain colons, so the
# name cannot be told from the reason).
count_script()
{
	local name=$1 p f s line

	p=$(grep -c '^PASS: ' "$LOG")
	f=$(grep -c '^FAIL: ' "$LOG")
	s=$(grep -c '^SKIP: ' "$LOG")
	PASSED=$((PASSED + p))
	while IFS= read -r line; do
		count_fail "${line:6:110}"
	done < <(grep '^FAIL: ' "$LOG")
	while IFS= read -r line; do
		count_skip "${line:6:110}"
	done < <(grep '^SKIP: ' "$LOG")
	if [ "$RC" -ne 0 ] && [ "$f" -eq 0 ]; then
		count_fail "$name (exit $RC without a FAIL line)"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ] && [ "$RC" -eq 0 ]; then
		count_fail "$name (reported no result)"
	fi
}

suite_unit()
{
	local bin found=0 p f n name

	for bin in "$BUILD"/test-*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		name=${bin##*/}
		echo "--- $bin"
		run_logged "$TEST_TIMEOUT" env -u CMOCKA_MESSAGE_OUTPUT "$bin"
		# "[  PASSED  ] 3 test(s)." and "[  FAILED  ] 1 test(s), listed
		# below:" once per test group; "[  FAILED  ] test_x" per test.
		p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$LOG" |
			awk '{ n += $1 } END { print n + 0 }')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$LOG" |
			awk '{ n += $1 } END { print n + 0 }')
		PASSED=$((PASSED + p))
		if [ "$f" -gt 0 ]; then
			FAILED=$((FAILED + f))
			while IFS= read -r n; do
				FAILED_NAMES+=("$name: $n")
			done < <(sed -n '/test(s)/d; s/^\[  FAILED  \] \(.*\)$/\1/p' "$LOG" | sort -u)
		elif [ "$RC" -ne 0 ]; then
			count_fail "$name (exit $RC without a FAILED line)"
		elif [ "$p" -eq 0 ]; then
			count_fail "$name (no PASSED line)"
		fi
	done
	if [ "$found" -eq 0 ]; then
		echo "SKIP: unit: no $BUILD/test-* binaries"
		count_skip "unit: no test binaries"
	fi
}

suite_integration()
{
	local t t0 found=0

	for t in tests/integration/test-*.sh; do
		[ -f "$t" ] || continue
		found=1
		echo "--- $t"
		t0=$SECONDS
		run_logged "$TEST_TIMEOUT" bash "$t"
		count_script "$t"
		echo "--- $t: $((SECONDS - t0))s"
	done
	if [ "$found" -eq 0 ]; then
		echo "SKIP: integration: no tests/integration/test-*.sh"
		count_skip "integration: no scripts"
	fi
}

suite_vm()
{
	if [ ! -e tests/vm/run.sh ]; then
		echo "SKIP: vm: tests/vm/run.sh not present"
		count_skip "vm: tests/vm/run.sh not present"
		return
	fi
	local t0=$SECONDS

	echo "--- tests/vm/run.sh"
	run_logged "$VM_TIMEOUT" bash tests/vm/run.sh "$@"
	count_script tests/vm/run.sh
	echo "--- tests/vm/run.sh: $((SECONDS - t0))s"
}

suite_vm-long()
{
	suite_vm ansible ansible-absent watch
}

SUITES=("$@")
[ ${#SUITES[@]} -eq 0 ] && SUITES=(unit integration vm)
for s in "${SUITES[@]}"; do
	case $s in
	unit | integration | vm | vm-long) ;;
	*)
		echo "run-tests: unknown suite '$s' (unit, integration, vm, vm-long)" >&2
		exit 2
		;;
	esac
done

TIMES=()
for s in "${SUITES[@]}"; do
	echo "=== $s"
	p0=$PASSED f0=$FAILED s0=$SKIPPED
	start=$SECONDS
	"suite_$s"
	TIMES+=("$(printf '%-12s %4ds  %d passed, %d failed, %d skipped' "$s" \
		$((SECONDS - start)) $((PASSED - p0)) $((FAILED - f0)) $((SKIPPED - s0)))")
	echo "=== $s: $((SECONDS - start))s"
done

echo "=== summary"
printf '%s\n' "${TIMES[@]}"
if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILED_NAMES[@]}"
fi
summary="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && summary="$summary, $SKIPPED skipped"
echo "$summary"
[ "$FAILED" -eq 0 ]
