# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module_utils file whose docstring says "No Ansible import" imports without Ansible.

Those files also run on the server outside Ansible (the s3share command, the
sweep, the collectors), where ansible-core is not installed. ``python -I``
does not show it: the venv has ansible-core, so ``import ansible`` works
there. Each file is imported in a fresh Python whose import system refuses
``ansible`` and ``ansible.*`` (and still allows ``ansible_collections.*``).
"""

import os
import re
import subprocess
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(_HERE))))
MODULE_UTILS = os.path.join(REPO, "plugins", "module_utils")
COLLECTIONS = os.path.join(REPO, ".collections")  # linked by tests/unit/conftest.py
PROMISE = re.compile(r"No\s+Ansible\s+import")

# Run in the child: block Ansible, then import the module named by argv[2].
BLOCKED_IMPORT = r"""
import importlib
import sys


class NoAnsible:
    def find_spec(self, name, path=None, target=None):
        if name == "ansible" or name.startswith("ansible."):
            raise ImportError("blocked by the test: %s imports %s" % (sys.argv[2], name))
        return None


sys.meta_path.insert(0, NoAnsible())
sys.path.insert(0, sys.argv[1])
importlib.import_module(sys.argv[2])
assert not [name for name in sys.modules if name == "ansible" or name.startswith("ansible.")]
"""


def promised_modules():
    """Dotted names of the module_utils files whose docstring makes the promise."""
    names = []
    for folder, _dirs, files in os.walk(MODULE_UTILS):
        for filename in sorted(files):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(folder, filename)
            with open(path, encoding="utf-8") as handle:
                if not PROMISE.search(handle.read()):
                    continue
            relative = os.path.relpath(path, REPO)[:-len(".py")].split(os.sep)
            if relative[-1] == "__init__":
                relative.pop()
            names.append(".".join(["ansible_collections", "egid", "s3share"] + relative))
    return sorted(names)


def import_without_ansible(module_name, path=COLLECTIONS):
    # -I: no user site, no PYTHONPATH, no current directory; -S is not used, the SDKs are in site-packages.
    return subprocess.run([sys.executable, "-I", "-c", BLOCKED_IMPORT, path, module_name],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)


def test_the_promise_is_made_where_expected():
    names = promised_modules()
    # The shared helpers and both server-side packages make it; a rename must not make this test empty.
    assert "ansible_collections.egid.s3share.plugins.module_utils._size" in names
    assert any("._minio." in name for name in names) and any("._host." in name for name in names)
    assert len(names) >= 20, names


@pytest.mark.parametrize("module_name", promised_modules())
def test_imports_with_ansible_blocked(module_name):
    proc = import_without_ansible(module_name)
    assert proc.returncode == 0, proc.stderr


def test_the_block_is_real(tmp_path):
    """The same child refuses a file that imports Ansible, so a pass above means something."""
    package = tmp_path / "ansible_collections" / "egid" / "probe"
    package.mkdir(parents=True)
    (package / "uses_ansible.py").write_text("from ansible.module_utils.basic import AnsibleModule\n")
    (package / "plain.py").write_text("import json\n")
    assert import_without_ansible("ansible_collections.egid.probe.plain", str(tmp_path)).returncode == 0
    proc = import_without_ansible("ansible_collections.egid.probe.uses_ansible", str(tmp_path))
    assert proc.returncode != 0
    assert "blocked by the test: ansible_collections.egid.probe.uses_ansible imports ansible" in proc.stderr
