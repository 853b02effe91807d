# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The installed collection as admin_install_info reads it, and the tree digest it shares with the build script."""

import importlib.util
import io
import os
import sys
import tarfile

from ansible_collections.egid.s3share.plugins.module_utils._host import collection_tree

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ROOT = os.geteuid() == 0


def _tarball(path, files):
    with tarfile.open(str(path), "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid = len(data), 0o644, os.getuid(), os.getgid()
            tar.addfile(info, io.BytesIO(data))
    return path


def _install(parent, tarball, version):
    target = parent / version
    target.mkdir(parents=True)
    with tarfile.open(str(tarball)) as tar:
        tar.extractall(str(target), filter="tar")
    return target


def test_the_unpacked_tree_has_the_tarball_digest_and_drift_changes_it(tmp_path):
    tarball = _tarball(tmp_path / "c.tar.gz", {"MANIFEST.json": b"{}", "plugins/module_utils/x.py": b"x = 1\n"})
    parent = tmp_path / "lib" / "ansible_collections" / "egid"
    version = _install(parent, tarball, ".s3share-abc")
    # tar makes the parent directory of plugins/module_utils/x.py with mode 0755 and the extracting user's ids.
    for directory in (version / "plugins", version / "plugins" / "module_utils"):
        directory.chmod(0o755)
        if ROOT:
            os.chown(str(directory), 0, 0)
    os.symlink(".s3share-abc", str(parent / "s3share"))
    if ROOT:
        assert collection_tree.tree_digest(str(version)) == collection_tree.tar_digest(str(tarball))
    before = collection_tree.tree_digest(str(version))
    # A bytecode cache is not drift; an edited file is.
    (version / "plugins" / "module_utils" / "__pycache__").mkdir()
    (version / "plugins" / "module_utils" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert collection_tree.tree_digest(str(version)) == before
    (version / "plugins" / "module_utils" / "x.py").write_text("x = 2\n")
    assert collection_tree.tree_digest(str(version)) != before


def test_installed_collection_kinds(tmp_path):
    parent = tmp_path / "egid"
    assert collection_tree.installed_collection(str(parent)) == {
        "path": str(parent / "s3share"), "kind": "missing", "version": None, "digest": None, "versions": []}
    (parent / ".s3share-old").mkdir(parents=True)
    (parent / ".s3share-new").mkdir()
    (parent / ".s3share-new" / "MANIFEST.json").write_text("{}")
    os.symlink(".s3share-new", str(parent / "s3share"))
    state = collection_tree.installed_collection(str(parent))
    assert state["kind"] == "link" and state["version"] == ".s3share-new"
    assert state["versions"] == [".s3share-new", ".s3share-old"]
    assert state["digest"] == collection_tree.tree_digest(str(parent / ".s3share-new"))
    # A link elsewhere is not an install of the role.
    os.unlink(str(parent / "s3share"))
    os.symlink(str(tmp_path), str(parent / "s3share"))
    state = collection_tree.installed_collection(str(parent))
    assert (state["kind"], state["version"], state["digest"]) == ("link", None, None)
    os.unlink(str(parent / "s3share"))
    (parent / "s3share").mkdir()
    assert collection_tree.installed_collection(str(parent))["kind"] == "directory"
    os.rmdir(str(parent / "s3share"))
    (parent / "s3share").write_text("")
    assert collection_tree.installed_collection(str(parent))["kind"] == "other"


def test_requirement_satisfied_asks_the_environment_of_that_python(tmp_path):
    import pytest as installed  # a distribution this very environment holds
    assert collection_tree.requirement_satisfied(sys.executable, "pytest>=%s" % installed.__version__)
    assert not collection_tree.requirement_satisfied(sys.executable, "pytest<1")
    assert not collection_tree.requirement_satisfied(sys.executable, "no-such-distribution-egid")
    assert not collection_tree.requirement_satisfied(str(tmp_path / "no-python"), "pytest")


def test_the_build_script_uses_this_digest():
    path = os.path.join(_REPO, "roles", "minio_admin", "files", "admin_state.py")
    spec = importlib.util.spec_from_file_location("admin_state", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    home = os.path.realpath(collection_tree.__file__)
    for function in (module.tar_digest, module.tree_digest):
        assert os.path.realpath(function.__code__.co_filename) == home
