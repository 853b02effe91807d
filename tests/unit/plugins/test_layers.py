# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What docs/architecture.md promises about the plugins, checked on the source.

Who may import whom (read with ``ast``, nothing is imported), and that no
plugin claims a ``version_added`` ahead of galaxy.yml.
"""

import ast
import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLUGINS = os.path.join(REPO, "plugins")
COLLECTION = "ansible_collections.egid.s3share.plugins."
SDKS = ("minio", "proxmoxer", "requests", "cryptography")


def python_files(folder):
    for root, _dirs, files in os.walk(os.path.join(PLUGINS, folder)):
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(root, name)


def imported(path):
    """Every module name the file imports, at any depth (``from x import y`` gives x and x.y)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update("%s.%s" % (node.module, alias.name) for alias in node.names)
    return names


def own(names):
    """The collection's own imports, as 'module_utils._minio.collab', 'modules.x', ..."""
    return set(name[len(COLLECTION):] for name in names if name.startswith(COLLECTION))


def relative(path):
    return os.path.relpath(path, REPO)


def test_the_reader_sees_imports():
    names = imported(os.path.join(PLUGINS, "modules", "proxmox_vm_power.py"))
    assert "module_utils._proxmox.finder.find_vm" in own(names)


def test_modules_reach_sdks_only_through_module_utils():
    offenders = [(relative(path), name) for path in python_files("modules") for name in imported(path)
                 if name.split(".")[0] in SDKS]
    assert not offenders


def test_nothing_imports_a_module_or_a_filter():
    offenders = []
    for folder in ("module_utils", "filter", "modules"):
        for path in python_files(folder):
            offenders += [(relative(path), name) for name in own(imported(path))
                          if name.startswith(("modules.", "filter."))]
    assert not offenders


def test_generic_packages_do_not_import_the_minio_side():
    """_host, _proxmox, _size and _tls are below _minio, _s3share and _backup; _minio is below _s3share and
    _backup, which do not import each other. _minio and _seaweedfs (the two servers) do not import each other."""
    below = {"_host": ("_minio", "_seaweedfs", "_s3share", "_proxmox", "_backup"),
             "_proxmox": ("_minio", "_seaweedfs", "_s3share", "_host", "_backup"),
             "_size.py": ("_minio", "_seaweedfs", "_s3share", "_host", "_proxmox", "_backup"),
             "_tls.py": ("_minio", "_seaweedfs", "_s3share", "_host", "_proxmox", "_backup"),
             "_minio": ("_seaweedfs", "_s3share", "_proxmox", "_backup"),
             "_seaweedfs": ("_minio", "_s3share", "_proxmox", "_backup"),
             "_s3share": ("_backup", "_proxmox"), "_backup": ("_s3share", "_proxmox")}
    offenders = []
    for path in python_files("module_utils"):
        package = relative(path).split(os.sep)[2]
        forbidden = below.get(package, ())
        offenders += [(relative(path), name) for name in own(imported(path))
                      if name.startswith(tuple("module_utils.%s" % item.replace(".py", "") for item in forbidden))]
    assert not offenders


def test_generic_minio_code_does_not_import_the_collaborator_package():
    """names.py and times.py hold what the MinIO side shares; the collaborator package sits above them."""
    generic = ("module.py", "iam_set.py", "audit.py", "audit_chain.py", "share.py", "names.py", "times.py",
               "policy.py", "iam.py", "bucket.py", "errors.py", "diff.py", "connection.py", "metrics.py")
    offenders = [(relative(path), name) for path in python_files("module_utils")
                 if relative(path).split(os.sep)[2:] in [["_minio", item] for item in generic]
                 for name in own(imported(path)) if name.startswith("module_utils._minio.collab")]
    assert not offenders
    # Every file named is there, so the check cannot pass on a renamed one.
    assert all(os.path.isfile(os.path.join(PLUGINS, "module_utils", "_minio", item)) for item in generic)


def test_nothing_imports_the_server_programs():
    """_programs/ is the top of the Python layers: the launchers run it, no plugin imports it."""
    offenders = []
    for folder in ("module_utils", "filter", "modules"):
        for path in python_files(folder):
            if os.sep + "_programs" + os.sep in path:
                continue
            offenders += [(relative(path), name) for name in own(imported(path))
                          if name.startswith("module_utils._programs")]
    assert not offenders


def test_each_action_group_is_the_modules_of_its_doc_fragment():
    """The fragment says its modules are in the group: a module in one and not the other breaks the promise."""
    with open(os.path.join(REPO, "meta", "runtime.yml"), encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)["action_groups"]
    for group in ("minio", "proxmox"):
        fragment = re.compile(r"^extends_documentation_fragment:\n(?:  - .*\n)*  - egid\.s3share\.%s\n" % group, re.M)
        users = []
        for path in python_files("modules"):
            with open(path, encoding="utf-8") as handle:
                if fragment.search(handle.read()):
                    users.append(os.path.basename(path)[:-len(".py")])
        assert sorted(users) == sorted(groups[group]), group


def test_version_added_is_never_ahead_of_galaxy():
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        version = tuple(int(part) for part in yaml.safe_load(handle)["version"].split("."))
    found = []
    for root, _dirs, files in os.walk(PLUGINS):
        for name in files:
            if not name.endswith((".py", ".yml")):  # not the __pycache__
                continue
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                for match in re.finditer(r"version_added:\s*['\"]?(\d+)\.(\d+)\.(\d+)", handle.read()):
                    found.append((os.path.join(root, name), tuple(int(part) for part in match.groups())))
    assert len(found) >= 20
    assert not [(relative(path), added) for path, added in found if added > version]
