# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic write of the host code (_host/fs.py), on real files.

The SELinux label is the security.selinux extended attribute: libselinux's
setfilecon() writes it with setxattr, so a test running as root can give a file
a label even on a kernel without SELinux, and read it back as restorecon would.
"""

import errno
import os
import stat

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._host import file_set
from ansible_collections.egid.s3share.plugins.module_utils._host import fs

LABEL = b"system_u:object_r:etc_t:s0\x00"


def _label(path):
    try:
        return os.getxattr(path, "security.selinux")
    except OSError as exc:
        if exc.errno in (errno.ENODATA, errno.ENOTSUP):
            return None
        raise


def _labelled(path, content=b"old\n", mode=0o640):
    path.write_bytes(content)
    os.chmod(path, mode)
    try:
        os.setxattr(path, "security.selinux", LABEL)
    except OSError as exc:  # not root, or a filesystem without the security namespace
        pytest.skip("cannot label a file here: %s" % exc)
    assert _label(path) == LABEL
    # Without the copy, a new file in this directory would get another label (none here).
    fresh = path.parent / "fresh"
    fresh.write_bytes(b"")
    assert _label(fresh) != LABEL
    fresh.unlink()
    return path


def _leftovers(directory, name):
    return [entry for entry in os.listdir(directory) if entry.startswith(".%s." % name)]


def test_replace_keeps_the_label_of_the_replaced_file(tmp_path):
    target = _labelled(tmp_path / "minio")
    fs.replace_file(str(target), b"new\n", 0o640)
    assert target.read_bytes() == b"new\n"
    assert _label(target) == LABEL
    assert _leftovers(tmp_path, "minio") == []


def test_file_set_keeps_the_label_when_it_rewrites_a_file(tmp_path):
    # file_set used os.rename on a fresh temporary file: the label was lost.
    target = _labelled(tmp_path / "minio.service", b"[Unit]\n", 0o644)
    entries, planned = file_set.plan([{"path": str(target), "content": "[Unit]\nDescription=MinIO\n"}], False)
    assert planned == {"accounts": [], "parents": []}
    for entry in entries:
        entry.apply()
    assert target.read_bytes() == b"[Unit]\nDescription=MinIO\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert _label(target) == LABEL


def test_new_file_gets_the_mode_and_owner_asked_not_the_umask(tmp_path):
    target = tmp_path / "admin.json"
    old_umask = os.umask(0o022)
    try:
        fs.replace_file(str(target), b'{"secret": "x"}\n', 0o600, os.getuid(), os.getgid())
    finally:
        os.umask(old_umask)
    info = os.stat(target)
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert (info.st_uid, info.st_gid) == (os.getuid(), os.getgid())
    assert target.read_bytes() == b'{"secret": "x"}\n'


def test_replace_sets_the_new_mode_and_keeps_the_owner_when_asked(tmp_path):
    target = tmp_path / "minio.env"
    target.write_bytes(b"A=1\n")
    os.chmod(target, 0o644)
    fs.replace_file(str(target), b"A=2\n", 0o640)
    info = os.stat(target)
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert info.st_uid == os.getuid()
    assert target.read_bytes() == b"A=2\n"


def test_a_failed_write_leaves_the_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "config.json"
    target.write_bytes(b"{}\n")
    with pytest.raises(TypeError):
        fs.replace_file(str(target), "text, not bytes", 0o600)
    assert target.read_bytes() == b"{}\n"
    assert _leftovers(tmp_path, "config.json") == []


def test_a_missing_directory_is_an_error_that_names_it(tmp_path):
    with pytest.raises(FileNotFoundError):
        fs.replace_file(str(tmp_path / "absent" / "file"), b"x", 0o644)
