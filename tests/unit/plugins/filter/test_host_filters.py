# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""needs_change and its siblings: the wanted entry a task acts on, compared with what host_info
reads from real files and accounts of this machine."""

import grp
import hashlib
import os
import pwd

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.filter import host as host_filters
from ansible_collections.egid.s3share.plugins.module_utils._host import host_state as hs

ME = pwd.getpwuid(os.geteuid()).pw_name
MY_GROUP = grp.getgrgid(os.getegid()).gr_name


@pytest.fixture
def binary(tmp_path):
    path = tmp_path / "minio"
    path.write_bytes(b"binary\n")
    os.chmod(str(path), 0o755)
    return str(path)


def wanted_binary(path, **changes):
    wanted = {"path": path, "owner": ME, "group": MY_GROUP, "mode": "0755",
              "sha256": hashlib.sha256(b"binary\n").hexdigest()}
    wanted.update(changes)
    return wanted


def test_a_file_as_wanted_needs_no_change(binary):
    assert host_filters.needs_change(wanted_binary(binary), hs.file_state(binary)) is False


@pytest.mark.parametrize("changes", [
    {"mode": "0700"},             # the role's mode variable changed: the guard must see it
    {"mode": "700"},
    {"owner": "no-such-owner"},
    {"group": "no-such-group"},
    {"sha256": "0" * 64},
    {"state": "directory"},
])
def test_any_declared_difference_needs_a_change(binary, changes):
    assert host_filters.needs_change(wanted_binary(binary, **changes), hs.file_state(binary)) is True


def test_drift_on_the_host_needs_a_change(binary):
    os.chmod(binary, 0o700)
    assert host_filters.needs_change(wanted_binary(binary), hs.file_state(binary)) is True
    with open(binary, "ab") as handle:
        handle.write(b"x")
    os.chmod(binary, 0o755)
    assert host_filters.needs_change(wanted_binary(binary), hs.file_state(binary)) is True


def test_modes_and_numeric_owners_compare_by_value(binary):
    state = hs.file_state(binary)
    assert host_filters.needs_change({"path": binary, "mode": 0o755}, state) is False
    assert host_filters.needs_change({"path": binary, "mode": "755"}, state) is False
    assert host_filters.needs_change({"path": binary, "owner": str(os.geteuid())}, state) is False
    assert host_filters.needs_change({"path": binary, "group": str(os.getegid() + 1)}, state) is True


def test_content_compares_by_sha256(binary):
    state = hs.file_state(binary)
    assert host_filters.needs_change({"path": binary, "content": "binary\n"}, state) is False
    assert host_filters.needs_change({"path": binary, "content": "other\n"}, state) is True


def test_missing_and_absent(tmp_path, binary):
    gone = str(tmp_path / "gone")
    assert host_filters.needs_change({"path": gone, "mode": "0644"}, hs.file_state(gone)) is True
    assert host_filters.needs_change({"path": gone, "state": "absent"}, hs.file_state(gone)) is False
    assert host_filters.needs_change({"path": binary, "state": "absent"}, hs.file_state(binary)) is True
    # A state the role forgot to read is treated as different: the acting module then decides.
    assert host_filters.needs_change({"path": gone, "mode": "0644"}, None) is True


def test_accounts():
    root = hs.account_state("root")
    wanted = {"name": "root", "group": root["group"], "home": root["home"], "shell": root["shell"]}
    assert host_filters.needs_change(wanted, root) is False
    assert host_filters.needs_change(dict(wanted, shell="/usr/sbin/nologin-other"), root) is True
    assert host_filters.needs_change(wanted, hs.account_state("no-such-account-egid")) is True
    assert host_filters.needs_change({"name": "root"}, hs.group_state("root")) is False
    assert host_filters.needs_change({"name": "nope"}, hs.group_state("no-such-group-egid")) is True


def test_units():
    running = {"load_state": "loaded", "enabled": "enabled", "active": "active"}
    wanted = {"name": "minio.service", "enabled": True, "state": "started"}
    assert host_filters.needs_change(wanted, running) is False
    assert host_filters.needs_change(wanted, dict(running, active="failed")) is True
    assert host_filters.needs_change(wanted, dict(running, enabled="disabled")) is True
    assert host_filters.needs_change({"name": "x", "state": "stopped"}, dict(running, active="inactive")) is False


def test_a_key_that_cannot_be_compared_is_an_error(binary):
    with pytest.raises(AnsibleFilterError, match="cannot compare 'src'"):
        host_filters.needs_change({"path": binary, "src": "/tmp/minio"}, hs.file_state(binary))
    with pytest.raises(AnsibleFilterError, match="not an octal mode"):
        host_filters.needs_change({"path": binary, "mode": "u+x"}, hs.file_state(binary))


def test_needing_change_lists_the_entries_that_differ(tmp_path, binary):
    folder = tmp_path / "logs"
    folder.mkdir()
    os.chmod(str(folder), 0o777)
    wanted = [wanted_binary(binary), {"path": str(folder), "state": "directory", "mode": "0750"}]
    states = {binary: hs.file_state(binary), str(folder): hs.file_state(str(folder))}
    assert host_filters.needing_change(wanted, states) == [wanted[1]]
    os.chmod(str(folder), 0o750)
    states[str(folder)] = hs.file_state(str(folder))
    assert host_filters.needing_change(wanted, states) == []
    with pytest.raises(AnsibleFilterError, match="path or a name"):
        host_filters.needing_change([{"mode": "0750"}], states)


FSTAB = hs.parse_fstab("UUID=abc /srv/s3/data xfs defaults,noatime 0 0\nUUID=def /srv/s3 xfs defaults,noatime 0 0\n")
MOUNTS = [{"source": "/dev/loop2", "target": "/srv/s3/data", "fstype": "xfs"}]


def test_mount_in_place():
    wanted = {"path": "/srv/s3/data", "src": "UUID=abc", "fstype": "xfs", "opts": "defaults,noatime"}
    host = {"fstab": FSTAB, "mounts": MOUNTS}
    assert host_filters.mount_needs_change(wanted, host, "/dev/loop2") is False
    # Drifted options, another UUID, a duplicate entry, not mounted, mounted twice, no UUID yet.
    assert host_filters.mount_needs_change(dict(wanted, opts="defaults"), host, "/dev/loop2") is True
    assert host_filters.mount_needs_change(dict(wanted, src="UUID=xyz"), host, "/dev/loop2") is True
    assert host_filters.mount_needs_change(wanted, {"fstab": FSTAB + FSTAB[:1], "mounts": MOUNTS}, "/dev/loop2") is True
    assert host_filters.mount_needs_change(wanted, {"fstab": FSTAB, "mounts": []}, "/dev/loop2") is True
    twice = MOUNTS + [{"source": "/dev/loop2", "target": "/mnt", "fstype": "xfs"}]
    assert host_filters.mount_needs_change(wanted, {"fstab": FSTAB, "mounts": twice}, "/dev/loop2") is True
    assert host_filters.mount_needs_change(dict(wanted, src=""), host, "/dev/loop2") is True
