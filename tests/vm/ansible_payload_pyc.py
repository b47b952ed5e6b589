# SPDX-License-Identifier: GPL-2.0-or-later
# Test setup of the Ansible VM (sd-ansible-guest.sh installs it with a .pth file in the
# guest's overlay, gone at power-off): a module that Ansible runs imports ansible's
# module_utils from the zip its payload carries, compiling every file from source at each
# task (seconds under emulation). The controller is the same ansible-core in the same
# root, so those files are the installed ones: take them, byte-compiled, from there.
# Anything the installed copy lacks (a role's own module) still comes from the zip.
import sys
from importlib.machinery import PathFinder

_DIST = "/usr/lib/python3/dist-packages"


class _InstalledFirst:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in ("ansible", "ansible.modules", "ansible.module_utils"):
            return None
        if not sys.path or not sys.path[0].endswith("_payload.zip"):
            return None
        spec = PathFinder.find_spec(name, [_DIST if name == "ansible" else _DIST + "/ansible"])
        if spec is not None:
            spec.submodule_search_locations.append(sys.path[0] + "/" + name.replace(".", "/"))
        return spec


sys.meta_path.insert(0, _InstalledFirst)
