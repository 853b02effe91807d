# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""file_set, run as Ansible runs it (a separate Python process reading its arguments from a file)
on a real temporary tree. Ownership cases use the nobody/nogroup accounts, so they need root."""

import grp
import json
import os
import pwd
import stat
import subprocess
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(_HERE))))
_COLLECTIONS = os.path.join(_REPO, '.collections')  # scripts/bootstrap.sh links the collection there

SECRET = "MINIO_ROOT_PASSWORD=Sup3r-Secret-value\n"
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="changing owners needs root")


def run(tmp_path, entries, check=False, diff=True):
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "entries": entries, "_ansible_check_mode": check, "_ansible_diff": diff}}))
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.egid.s3share.plugins.modules.file_set", str(args)],
        cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=_COLLECTIONS),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.stdout, proc.stderr
    raw = proc.stdout
    result = json.loads(raw)
    result["_raw"] = raw
    return result


def snapshot(root):
    """Every path under root with its type, owner, group, mode and content."""
    out = {}
    for base, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            path = os.path.join(base, name)
            info = os.lstat(path)
            data = open(path, "rb").read() if stat.S_ISREG(info.st_mode) else None
            out[path] = (stat.S_IFMT(info.st_mode), info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode), data)
    return out


def layout(tree, owner="root", group="root"):
    return [
        {"path": str(tree / "etc"), "state": "directory", "owner": owner, "group": group, "mode": "0750"},
        {"path": str(tree / "etc" / "CAs"), "state": "directory", "owner": owner, "group": group, "mode": "0750"},
        {"path": str(tree / "etc" / "minio.service"), "content": "[Unit]\nDescription=MinIO\n",
         "owner": "root", "group": group, "mode": "0644"},
        {"path": str(tree / "etc" / "minio.env"), "secret_content": SECRET,
         "owner": "root", "group": group, "mode": "0640"},
    ]


def test_check_real_check_real(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    entries = layout(tree)
    first = run(tmp_path, entries, check=True)
    assert first["changed"] and snapshot(tree) == {}
    second = run(tmp_path, entries)
    assert second["changed"]
    assert second["entries"] == first["entries"]
    assert second["diff"] == first["diff"]
    assert [e["changes"] for e in second["entries"]] == [["created"]] * 4
    assert second["changed_paths"] == [e["path"] for e in entries]
    assert [run(tmp_path, entries, check=c)["changed"] for c in (True, False)] == [False, False]

    state = snapshot(tree)
    assert state[str(tree / "etc")][3] == 0o750 and stat.S_ISDIR(state[str(tree / "etc")][0])
    assert state[str(tree / "etc" / "minio.service")][3:] == (0o644, b"[Unit]\nDescription=MinIO\n")
    assert state[str(tree / "etc" / "minio.env")][3:] == (0o640, SECRET.encode())
    assert not [p for p in state if ".minio" in p], "a temporary file was left behind"


def test_secret_never_leaves_the_module(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    created = run(tmp_path, layout(tree))
    updated = run(tmp_path, layout(tree)[:3] + [dict(layout(tree)[3], secret_content="OTHER=" + SECRET)])
    for result in (created, updated):
        assert "Sup3r-Secret-value" not in result["_raw"]
    content_diffs = [d for d in updated["diff"] if d["after_header"].endswith("minio.env")]
    assert content_diffs and "changed" in content_diffs[0]["after"]
    assert (tree / "etc" / "minio.env").read_text() == "OTHER=" + SECRET


def test_content_diff_and_atomic_replace_keep_attributes(tmp_path):
    unit = tmp_path / "minio.service"
    unit.write_text("old\n")
    os.chmod(str(unit), 0o640)
    inode = unit.stat().st_ino
    result = run(tmp_path, [{"path": str(unit), "content": "new\n"}])
    assert result["entries"][0]["changes"] == ["content"]
    content = [d for d in result["diff"] if d["after_header"] == str(unit)][0]
    assert (content["before"], content["after"]) == ("old\n", "new\n")
    assert unit.read_text() == "new\n" and stat.S_IMODE(unit.stat().st_mode) == 0o640
    assert unit.stat().st_ino != inode, "the content was not replaced by a rename"


def test_mode_only_change_keeps_the_file(tmp_path):
    unit = tmp_path / "unit"
    unit.write_text("same\n")
    os.chmod(str(unit), 0o600)
    inode = unit.stat().st_ino
    result = run(tmp_path, [{"path": str(unit), "content": "same\n", "mode": "0644"}])
    assert result["entries"][0]["changes"] == ["mode"]
    attributes = result["diff"][0]
    assert "mode: 0600" in attributes["before"] and "mode: 0644" in attributes["after"]
    assert len(result["diff"]) == 1, "no content diff when only the mode changed"
    assert unit.stat().st_ino == inode and stat.S_IMODE(unit.stat().st_mode) == 0o644


@needs_root
def test_owner_and_group_changes(tmp_path):
    nobody, nogroup = pwd.getpwnam("nobody"), grp.getgrnam("nogroup")
    tree = tmp_path / "tree"
    tree.mkdir()
    run(tmp_path, layout(tree))
    result = run(tmp_path, layout(tree, owner="nobody", group="nogroup"))
    changes = {os.path.basename(e["path"]): e["changes"] for e in result["entries"]}
    assert changes == {"etc": ["owner", "group"], "CAs": ["owner", "group"],
                       "minio.service": ["group"], "minio.env": ["group"]}
    info = os.stat(str(tree / "etc"))
    assert (info.st_uid, info.st_gid) == (nobody.pw_uid, nogroup.gr_gid)
    env = os.stat(str(tree / "etc" / "minio.env"))
    assert (env.st_uid, env.st_gid, stat.S_IMODE(env.st_mode)) == (0, nogroup.gr_gid, 0o640)
    assert not run(tmp_path, layout(tree, owner="nobody", group="nogroup"))["changed"]


@pytest.mark.parametrize("mutate,message", [
    (lambda t, e: e[3].update(owner="no-such-user-x"), "the owner no-such-user-x does not exist"),
    (lambda t, e: e[2].update(group="no-such-group-x"), "the group no-such-group-x does not exist"),
    (lambda t, e: os.symlink("/etc/hostname", str(t / "etc" / "minio.service")), "is a symbolic link"),
    (lambda t, e: os.mkdir(str(t / "etc" / "minio.env")), "is a directory, not a file"),
    (lambda t, e: e.append({"path": str(t / "missing" / "x"), "content": "x"}), "parent directory"),
    (lambda t, e: e.append({"path": "relative/x", "content": "x"}), "must be absolute"),
    (lambda t, e: e[0].update(mode="u+rwx"), "not an octal mode"),
    (lambda t, e: e.append(dict(e[0])), "listed twice"),
    (lambda t, e: e.append({"path": str(t / "etc" / "x")}), "needs content or secret_content"),
    (lambda t, e: e[0].update(content="x"), "a directory takes no content"),
])
def test_refusals_change_nothing(tmp_path, mutate, message):
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    entries = layout(tree)
    # A change that the set would make before reaching the bad entry.
    entries[0]["mode"] = "0700"
    mutate(tree, entries)
    before = snapshot(tree)
    result = run(tmp_path, entries)
    assert result.get("failed") and message in result["msg"] and "Nothing was changed" in result["msg"]
    assert snapshot(tree) == before


def test_content_and_secret_content_are_exclusive(tmp_path):
    result = run(tmp_path, [{"path": str(tmp_path / "x"), "content": "a", "secret_content": "b-secret"}])
    assert result.get("failed") and "mutually exclusive" in result["msg"]
    assert not (tmp_path / "x").exists()


def test_check_mode_accepts_accounts_that_do_not_exist_yet(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    result = run(tmp_path, layout(tree, owner="minio-user-not-yet", group="minio-group-not-yet"), check=True)
    assert result["changed"] and not result.get("failed")
    assert result["planned_accounts"] == ["group minio-group-not-yet", "owner minio-user-not-yet"]
    assert snapshot(tree) == {}
    refused = run(tmp_path, layout(tree, owner="minio-user-not-yet"))
    assert refused.get("failed") and snapshot(tree) == {}


def test_check_mode_accepts_a_parent_that_an_earlier_task_would_create(tmp_path):
    entries = [{"path": str(tmp_path / "srv" / "s3" / "certs"), "state": "directory"},
               {"path": str(tmp_path / "srv" / "s3" / "certs" / "ca.crt"), "content": "x"}]
    result = run(tmp_path, entries, check=True)
    assert result["changed"] and not result.get("failed")
    assert result["planned_parents"] == [str(tmp_path / "srv" / "s3")]
    assert [e["changes"] for e in result["entries"]] == [["created"], ["created"]]
    assert not (tmp_path / "srv").exists()
    refused = run(tmp_path, entries)
    assert refused.get("failed") and "parent directory" in refused["msg"] and not (tmp_path / "srv").exists()


def test_new_paths_get_documented_defaults(tmp_path):
    result = run(tmp_path, [{"path": str(tmp_path / "d"), "state": "directory"},
                            {"path": str(tmp_path / "d" / "f"), "content": "x"}])
    assert result["changed"]
    assert stat.S_IMODE(os.stat(str(tmp_path / "d")).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(str(tmp_path / "d" / "f")).st_mode) == 0o644
