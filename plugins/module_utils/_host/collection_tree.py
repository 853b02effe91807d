# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as installed on a server by the minio_admin role, and its tree digest.

The role installs the built collection in a version directory
(``<parent>/.s3share-*``) and points the link ``<parent>/s3share`` at it, so a
new version replaces the old one with one rename.

The tree digest is a sha256 over one line per directory, file and symbolic link
(relative path, mode, owner and group ids, and the file's sha256 or the link's
target), sorted. It is computed the same way from a tarball's members (on the
controller, ``tar_digest``) and from the unpacked tree (on the server,
``tree_digest``), so equal digests mean the host holds exactly the built
collection (the tarball itself is not byte-reproducible; its members are).
Python bytecode caches are left out.

Standard library only and no Ansible import: the info module runs it on the
server before the admin venv exists, and the controller's build script
(roles/minio_admin/files/admin_state.py) loads this file by its path.
"""

import hashlib
import os
import stat
import subprocess
import tarfile

COLLECTION_LINK = "s3share"
VERSION_PREFIX = ".s3share-"
# ansible-galaxy's modes: 0755 for directories and executables, 0644 for the rest.
EXEC_MODE, FILE_MODE = 0o755, 0o644


def _skipped(relpath):
    parts = relpath.split("/")
    return "__pycache__" in parts or relpath.endswith((".pyc", ".pyo"))


def _line(kind, relpath, mode, uid, gid, data):
    return "%s %s %04o %d:%d %s" % (kind, relpath, mode & 0o7777, uid, gid, data)


def _digest(lines):
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest()


def _sha256_file(fileobj):
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(1 << 16), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _parents(relpath):
    parent = os.path.dirname(relpath)
    while parent:
        yield parent
        parent = os.path.dirname(parent)


def tar_digest(tarball):
    """The tree digest of a collection tarball's members."""
    lines, parents = {}, set()
    with tarfile.open(tarball, "r:*") as tar:
        for member in tar:
            name = member.name
            while name.startswith("./"):
                name = name[2:]
            name = name.rstrip("/")
            if name in ("", ".") or _skipped(name):
                continue
            parents.update(_parents(name))
            if member.isdir():
                lines[name] = _line("d", name, member.mode, member.uid, member.gid, "-")
            elif member.issym():
                lines[name] = _line("l", name, 0o777, member.uid, member.gid, member.linkname)
            elif member.isfile():
                lines[name] = _line("f", name, member.mode, member.uid, member.gid,
                                    _sha256_file(tar.extractfile(member)))
            else:
                raise ValueError("%s: unexpected member type in %s" % (name, tarball))
    # A parent directory that is not a member of its own is made by tar (as root, umask 022).
    for name in parents - set(lines):
        lines[name] = _line("d", name, EXEC_MODE, 0, 0, "-")
    return _digest(lines.values())


def tree_digest(root):
    """The tree digest of an unpacked collection (symbolic links are not followed)."""
    lines = []
    for top, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in dirnames + filenames:
            path = os.path.join(top, name)
            relpath = os.path.relpath(path, root)
            if _skipped(relpath):
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                lines.append(_line("l", relpath, 0o777, info.st_uid, info.st_gid, os.readlink(path)))
            elif stat.S_ISDIR(info.st_mode):
                lines.append(_line("d", relpath, info.st_mode, info.st_uid, info.st_gid, "-"))
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    lines.append(_line("f", relpath, info.st_mode, info.st_uid, info.st_gid, _sha256_file(handle)))
            else:
                lines.append(_line("?", relpath, info.st_mode, info.st_uid, info.st_gid, "-"))
    return _digest(lines)


def installed_collection(parent):
    """The collection installed under parent (the link, its version and digest, and every version directory).

    kind is "link", "directory" (a plain directory left by an older
    version of the role), "other" or "missing". Only a link to one of the
    version directories next to it counts as installed by the role: then
    version names that directory and digest is its tree digest.
    """
    link = os.path.join(parent, COLLECTION_LINK)
    collection = {"path": link, "kind": "missing", "version": None, "digest": None, "versions": []}
    if os.path.isdir(parent):
        collection["versions"] = sorted(
            name for name in os.listdir(parent)
            if name.startswith(VERSION_PREFIX) and not os.path.islink(os.path.join(parent, name)))
    if os.path.islink(link):
        collection["kind"] = "link"
        target = os.path.normpath(os.path.join(parent, os.readlink(link)))
        if os.path.dirname(target) == os.path.normpath(parent) and os.path.basename(target) in collection["versions"]:
            collection["version"] = os.path.basename(target)
            collection["digest"] = tree_digest(target)
    elif os.path.isdir(link):
        collection["kind"] = "directory"
    elif os.path.lexists(link):
        collection["kind"] = "other"
    return collection


# Run with the venv's Python: does the installed package satisfy the requirement?
# (with the packaging library that pip vendors; pip itself takes a second.)
_REQUIREMENT_CHECK = """
import sys, importlib.metadata as md
from pip._vendor.packaging.requirements import Requirement
r = Requirement(sys.argv[1])
sys.exit(0 if r.specifier.contains(md.version(r.name), prereleases=True) else 1)
"""


def requirement_satisfied(python, requirement):
    """Whether the Python environment of that interpreter has a distribution that satisfies the requirement."""
    if not os.path.exists(python):
        return False
    try:
        return subprocess.run([python, "-c", _REQUIREMENT_CHECK, requirement], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode == 0
    except OSError:
        return False
