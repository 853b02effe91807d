# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the egid.s3share.minio_admin role needs to know, as JSON on stdout.

  admin_state.py build-collection ROOT OUTPUT_DIR [GALAXY]      (on the controller)
  admin_state.py read-host BASE_DIR VENV_PYTHON UNIT REQUIREMENT    (on the server)

build-collection builds the collection at ROOT with `ansible-galaxy collection
build` (or, for a collection installed from a tarball, which has no galaxy.yml,
packs its MANIFEST.json, FILES.json and the files FILES.json lists, with the
modes and owners ansible-galaxy gives them), and prints the tarball's path
and its tree digest.

read-host prints what the role manages on the server: whether the venv exists
and its minio SDK satisfies REQUIREMENT, whether the timer is enabled and active, whether an old sweep.env is left, and
the installed collection under BASE_DIR/lib/ansible_collections/egid/s3share
(a symbolic link to a version directory next to it, .s3share-*): which version
it points to, that version's tree digest, and every version directory found.

The tree digest is a sha256 over one line per directory, file and symbolic link
(relative path, mode, owner and group ids, and the file's sha256 or the link's
target), sorted. It is computed the same way from the tarball's members and
from the unpacked tree, so equal digests mean the host holds exactly the built
collection (the tarball itself is not byte-reproducible; its members are).
Python bytecode caches are left out. Standard library only: this runs with the
system Python on the server, before the admin venv exists.
"""

import glob
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

COLLECTION_PARENT = ("lib", "ansible_collections", "egid")
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


def _parents(relpath):
    parent = os.path.dirname(relpath)
    while parent:
        yield parent
        parent = os.path.dirname(parent)


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
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                lines.append(_line("l", relpath, 0o777, st.st_uid, st.st_gid, os.readlink(path)))
            elif stat.S_ISDIR(st.st_mode):
                lines.append(_line("d", relpath, st.st_mode, st.st_uid, st.st_gid, "-"))
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    lines.append(_line("f", relpath, st.st_mode, st.st_uid, st.st_gid, _sha256_file(handle)))
            else:
                lines.append(_line("?", relpath, st.st_mode, st.st_uid, st.st_gid, "-"))
    return _digest(lines)


def _pack_installed(root, tarball):
    """Pack an installed collection (MANIFEST.json, FILES.json and what FILES.json lists) as ansible-galaxy would."""
    with open(os.path.join(root, "FILES.json"), "rb") as handle:
        files = json.load(handle)["files"]

    def reset(info):
        if info.type != tarfile.SYMTYPE:
            info.mode = EXEC_MODE if info.isdir() or info.mode & stat.S_IXUSR else FILE_MODE
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(tarball, "w:gz") as tar:
        for name in ["MANIFEST.json", "FILES.json"] + [f["name"] for f in files if f["name"] != "."]:
            tar.add(os.path.join(root, name), arcname=name, recursive=False, filter=reset)


def _prune(output_dir, keep, max_age=86400):
    """Remove the tarballs of earlier builds (a day old: a play running now may still be copying a recent one)."""
    prefix = os.path.basename(keep).rsplit("-", 2)[0] + "-"
    for path in glob.glob(os.path.join(output_dir, prefix + "*.tar.gz")):
        try:
            if path != keep and time.time() - os.stat(path).st_mtime > max_age:
                os.unlink(path)
        except OSError:
            pass


def build_collection(root, output_dir, galaxy=None):
    root = os.path.realpath(root)
    os.makedirs(output_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".build-", dir=output_dir)
    try:
        if os.path.exists(os.path.join(root, "galaxy.yml")):
            argv = [galaxy] if galaxy and os.path.exists(galaxy) else [sys.executable, "-m", "ansible.cli.galaxy"]
            proc = subprocess.run(argv + ["collection", "build", root, "--output-path", work, "--force"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                  check=False)
            built = glob.glob(os.path.join(work, "*.tar.gz"))
            if proc.returncode != 0 or len(built) != 1:
                raise RuntimeError("ansible-galaxy collection build %s failed: %s" % (root, proc.stdout.strip()))
            source = "build"
        elif os.path.exists(os.path.join(root, "MANIFEST.json")):
            with open(os.path.join(root, "MANIFEST.json"), "rb") as handle:
                info = json.load(handle)["collection_info"]
            built = [os.path.join(work, "%s-%s-%s.tar.gz" % (info["namespace"], info["name"], info["version"]))]
            _pack_installed(root, built[0])
            source = "installed"
        else:
            raise RuntimeError("%s is neither a collection checkout (galaxy.yml) nor an installed collection "
                               "(MANIFEST.json)" % root)
        digest = tar_digest(built[0])
        # Named after the digest, so that plays running at the same time never
        # replace a tarball another one is copying.
        tarball = os.path.join(output_dir, os.path.basename(built[0])[:-len(".tar.gz")] + "-%s.tar.gz" % digest[:16])
        os.replace(built[0], tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _prune(output_dir, tarball)
    return {"tarball": tarball, "digest": digest, "source": source, "root": root}


# Run with the venv's Python: does the installed SDK satisfy the requirement?
# (with the packaging library that pip vendors; pip itself takes a second.)
SDK_CHECK = """
import sys, importlib.metadata as md
from pip._vendor.packaging.requirements import Requirement
r = Requirement(sys.argv[1])
sys.exit(0 if r.specifier.contains(md.version(r.name), prereleases=True) else 1)
"""


def _sdk_satisfied(venv_python, requirement):
    try:
        return subprocess.run([venv_python, "-c", SDK_CHECK, requirement], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode == 0
    except OSError:
        return False


def _systemctl(verb, unit):
    try:
        proc = subprocess.run(["systemctl", verb, unit], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, check=False)
    except OSError:
        return ""
    return proc.stdout.strip()


def read_host(base_dir, venv_python, unit, requirement):
    parent = os.path.join(base_dir, *COLLECTION_PARENT)
    link = os.path.join(parent, COLLECTION_LINK)
    collection = {"path": link, "kind": "missing", "version": None, "digest": None, "versions": []}
    if os.path.isdir(parent):
        collection["versions"] = sorted(n for n in os.listdir(parent)
                                        if n.startswith(VERSION_PREFIX) and not os.path.islink(os.path.join(parent, n)))
    if os.path.islink(link):
        collection["kind"] = "link"
        # Only a link to one of the version directories counts as installed by the role.
        target = os.path.normpath(os.path.join(parent, os.readlink(link)))
        if os.path.dirname(target) == os.path.normpath(parent) and os.path.basename(target) in collection["versions"]:
            collection["version"] = os.path.basename(target)
            collection["digest"] = tree_digest(target)
    elif os.path.isdir(link):
        collection["kind"] = "directory"
    elif os.path.lexists(link):
        collection["kind"] = "other"
    return {
        "venv": os.path.exists(venv_python),
        "sdk": os.path.exists(venv_python) and _sdk_satisfied(venv_python, requirement),
        "timer": {"enabled": _systemctl("is-enabled", unit + ".timer"),
                  "active": _systemctl("is-active", unit + ".timer")},
        "legacy_env_file": os.path.lexists(os.path.join(base_dir, "etc", "sweep.env")),
        "visudo": os.path.exists("/usr/sbin/visudo"),
        "collection": collection,
    }


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "build-collection":
        result = build_collection(*argv[1:])
    elif len(argv) == 5 and argv[0] == "read-host":
        result = read_host(*argv[1:])
    else:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, RuntimeError, ValueError, tarfile.TarError) as exc:
        print(json.dumps({"failed": True, "msg": str(exc)}))
        sys.exit(1)
