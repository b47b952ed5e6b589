#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmrun-sd.sh SCRIPT [ARGS] - vmrun.sh with the host's systemd as PID 1 in the guest
# (tests/vm/init-sd): SCRIPT runs as vmrun-job.service once vmtest.target is reached.
# Knobs: those of vmrun.sh, plus VMRUN_ROOT, VMRUN_UNITS, VMRUN_BOOT_UNITS, VMRUN_MASK,
# VMRUN_SD_ARGS (documented at the top of vmrun.sh).
VMRUN_SYSTEMD=1 exec "$(dirname "$(readlink -f "$0")")/vmrun.sh" "$@"
