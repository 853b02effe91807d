# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collection on the controller for the egid.s3share.minio_admin role, as JSON on stdout.

  admin_state.py build-collection ROOT OUTPUT_DIR [GALAXY]

Builds the collection at ROOT with `ansible-galaxy collection build` (or, for a
collection installed from a tarball, which has no galaxy.yml, packs its
MANIFEST.json, FILES.json and the files FILES.json lists, with the modes and
owners ansible-galaxy gives them), and prints the tarball's path and its tree
digest.

The tree digest has one home, plugins/module_utils/_host/collection_tree.py,
which the egid.s3share.admin_install_info module runs on the server to read
the installed tree; this script loads that file by its path in the collection
it belongs to (tar_digest and tree_digest are re-exported here).
"""

import glob
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time


def _load_collection_tree():
    collection = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
    path = os.path.join(collection, "plugins", "module_utils", "_host", "collection_tree.py")
    spec = importlib.util.spec_from_file_location("egid_s3share_collection_tree", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_tree = _load_collection_tree()
tar_digest = _tree.tar_digest
tree_digest = _tree.tree_digest
EXEC_MODE, FILE_MODE = _tree.EXEC_MODE, _tree.FILE_MODE


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


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "build-collection":
        result = build_collection(*argv[1:])
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
