#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The config step of the role lvs_rs_agent in one module run: stage the whole
# configuration as it is about to be, check and plan it with the agent, then
# write it (and, without the unit, apply it). One run instead of a task per
# file: each task costs a module start on the host.

DOCUMENTATION = r"""
module: lvs_rs_agent_config
short_description: Stage, check, plan and write the lvs-rs-agent configuration
description:
  - Stages the main config and the drop-ins as they are about to be in a temporary directory, next to the
    operator's own drop-ins, and runs C(lvs-rs-agent -c STAGED check-config) and C(--json plan) on it. A config
    error fails the task with the agent's message (the staged paths given as the real ones) before anything is
    written. Then writes the files that differ and deletes the drop-ins of removed services.
  - C(changed) when a file differs or the agent's plan holds a change (also a drift, such as a VIP deleted by hand).
  - Check mode writes nothing; where the agent is not installed yet, there is nothing to plan with and only the
    files are reported.
options:
  binary: {type: path, required: true, description: The agent (a wrapper script works too).}
  extra_args: {type: list, elements: str, default: [], description: Words put before the command.}
  config: {type: path, required: true, description: The main config; the drop-ins are in its .d directory.}
  main: {type: str, required: true, description: The main config's text.}
  manage_main: {type: bool, default: true, description: false keeps an existing main config as it is.}
  dropins: {type: dict, default: {}, description: The role's drop-ins, file name to text.}
  absent: {type: list, elements: str, default: [], description: Drop-in file names to delete.}
  marker: {type: str, required: true, description: The role's header line; purge deletes only files holding it.}
  purge: {type: bool, default: true, description: Delete the role's drop-ins that are not in dropins.}
  apply: {type: bool, default: false, description: Run lvs-rs-agent --json apply after writing (no unit).}
"""

import json
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def write_stage(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def run_agent(module, p, config, *words):
    cmd = [p["binary"]] + p["extra_args"] + ["-c", config] + list(words)
    return module.run_command(cmd)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            binary=dict(type="path", required=True),
            extra_args=dict(type="list", elements="str", default=[]),
            config=dict(type="path", required=True),
            main=dict(type="str", required=True),
            manage_main=dict(type="bool", default=True),
            dropins=dict(type="dict", default={}),
            absent=dict(type="list", elements="str", default=[]),
            marker=dict(type="str", required=True),
            purge=dict(type="bool", default=True),
            apply=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    config = p["config"]
    ddir = config + ".d"
    marker_line = "; " + p["marker"]
    for name in list(p["dropins"]) + p["absent"]:
        if "/" in name or name.startswith(".") or not name.endswith(".conf"):
            module.fail_json(msg="drop-in name %r: a file name ending in .conf" % name)

    # what the files are about to be: path -> text, None to delete
    want = {}
    old_main = read(config)
    want[config] = p["main"] if p["manage_main"] or old_main is None else old_main
    kept = []
    if os.path.isdir(ddir):
        for name in sorted(os.listdir(ddir)):
            path = os.path.join(ddir, name)
            if not name.endswith(".conf") or not os.path.isfile(path) or name in p["dropins"]:
                continue
            text = read(path) or ""
            ours = marker_line in text.splitlines()
            if name in p["absent"] or (ours and p["purge"]):
                want[path] = None
            else:
                kept.append(name)
    for name, text in p["dropins"].items():
        want[os.path.join(ddir, name)] = text

    stage = tempfile.mkdtemp(suffix=".lvs-rs-agent")
    try:
        smain = os.path.join(stage, os.path.basename(config))
        sdir = smain + ".d"
        os.mkdir(sdir)
        write_stage(smain, want[config])
        for path, text in want.items():
            if path != config and text is not None:
                write_stage(os.path.join(sdir, os.path.basename(path)), text)
        for name in kept:
            shutil.copyfile(os.path.join(ddir, name), os.path.join(sdir, name))

        plan = None
        if os.access(p["binary"], os.X_OK):
            # the agent names the staged files: name the real ones
            def real(s):
                return s.replace(stage + "/", os.path.dirname(config) + "/")

            rc, out, err = run_agent(module, p, smain, "check-config")
            if rc != 0:
                module.fail_json(msg=real(err.strip()) or "check-config exits %d" % rc,
                                 rc=rc, stderr=real(err), stdout=real(out))
            rc, out, err = run_agent(module, p, smain, "--json", "plan")
            try:
                plan = json.loads(out)
            except ValueError:
                plan = None
            if rc != 0 or plan is None:
                module.fail_json(msg=real(err.strip()) or "plan exits %d" % rc,
                                 rc=rc, stderr=real(err), stdout=real(out))
        elif not module.check_mode:
            module.fail_json(msg="%s: not an executable: the agent is not installed" % p["binary"])
    finally:
        shutil.rmtree(stage, ignore_errors=True)

    diffs = []
    files = []
    for path, text in sorted(want.items()):
        old = old_main if path == config else read(path)
        if old == text:
            continue
        files.append(path)
        diffs.append(dict(before_header=path, after_header=path,
                          before=old or "", after=text or ""))
    kernel = len(plan["changes"]) if plan else 0
    result = dict(changed=bool(files) or kernel > 0, files=files, plan=plan,
                  kernel_changes=kernel, diff=diffs)
    if plan is None:
        result["msg"] = "%s is not installed yet: nothing to check or plan with" % p["binary"]
    if module.check_mode:
        module.exit_json(**result)

    if not os.path.isdir(ddir):
        os.makedirs(ddir, mode=0o755)
    for path in files:
        text = want[path]
        if text is None:
            os.unlink(path)
            continue
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".lvs-rs-agent.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        module.atomic_move(tmp, path)

    if p["apply"]:
        rc, out, err = run_agent(module, p, config, "--json", "apply")
        try:
            result["apply"] = json.loads(out)
        except ValueError:
            result["apply"] = None
        # exit 2: config error, 3: runtime failure (rolled back), 4: the
        # rollback failed; the agent's stderr says which and where
        if rc != 0 or result["apply"] is None:
            result.update(rc=rc, stderr=err, msg=err.strip() or "apply exits %d" % rc)
            module.fail_json(**result)
        result["changed"] = bool(files) or result["apply"]["changed"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
