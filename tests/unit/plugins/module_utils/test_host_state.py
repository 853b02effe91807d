# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_state: the readers on real files, accounts and commands of this machine, the parsers on
real command output (captured from Debian 12's util-linux 2.38 and systemd 252 where the command
cannot run here), and the host_info module run as Ansible runs it."""

import grp
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._host import host_state as hs

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(_HERE))))
_COLLECTIONS = os.path.join(_REPO, ".collections")

# lsblk --json --bytes --nodeps --paths --output NAME,SIZE,TYPE,RO,SERIAL,WWN on a Proxmox VM
# shaped like nectar (util-linux 2.38.1), and the same on util-linux 2.34 (strings, 0/1).
LSBLK_238 = """{
   "blockdevices": [
      {
         "name": "/dev/sda",
         "size": 34359738368,
         "type": "disk",
         "ro": false,
         "serial": "drive-scsi0",
         "wwn": null
      },{
         "name": "/dev/sdb",
         "size": 214748364800,
         "type": "disk",
         "ro": false,
         "serial": "drive-scsi1",
         "wwn": "0x5000c500a1b2c3d4"
      },{
         "name": "/dev/sr0",
         "size": 1073741312,
         "type": "rom",
         "ro": true,
         "serial": "QM00003",
         "wwn": null
      }
   ]
}
"""
LSBLK_234 = """{
   "blockdevices": [
      {"name": "/dev/vdb", "size": "5497558138880", "type": "disk", "ro": "0", "serial": null, "wwn": null},
      {"name": "/dev/sr0", "size": "1073741312", "type": "rom", "ro": "1", "serial": "QM00003 ", "wwn": null}
   ]
}
"""

# systemctl show --property=LoadState,UnitFileState,ActiveState -- minio.service nope.service (systemd 252)
SYSTEMCTL_SHOW = """LoadState=loaded
ActiveState=active
UnitFileState=enabled

LoadState=not-found
ActiveState=inactive
UnitFileState=
"""

FSTAB = """# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
UUID=3f1c6a2e-6d5b-4f0e-9d0c-2b9b1a1c5e11 /               ext4    errors=remount-ro 0       1
UUID=0b6f2c9e-1111-4a4a-9999-7d3e2a1b0c0d /srv/s3 xfs defaults,noatime 0 0

UUID=7a1e0d2c-2222-4b4b-8888-1c2d3e4f5a6b /srv/s3/data xfs defaults,noatime
/dev/sr0        /media/cdrom0   udf,iso9660 user,noauto
tmpfs /tmp tmpfs
"""


# Accounts, groups, files ---------------------------------------------------

def test_account_and_group_of_this_machine():
    root = hs.account_state("root")
    entry = pwd.getpwnam("root")
    assert root == {"exists": True, "uid": 0, "gid": 0, "group": grp.getgrgid(0).gr_name,
                    "home": entry.pw_dir, "shell": entry.pw_shell}
    assert hs.account_state("no-such-account-egid") == {"exists": False}
    assert hs.group_state("root") == {"exists": True, "gid": 0}
    assert hs.group_state("no-such-group-egid") == {"exists": False}


def test_files_regular_directory_link_missing(tmp_path):
    data = b"minio binary stand-in\n" * 1000
    binary = tmp_path / "minio"
    binary.write_bytes(data)
    os.chmod(str(binary), 0o755)
    folder = tmp_path / "certs"
    folder.mkdir()
    os.chmod(str(folder), 0o750)
    link = tmp_path / "by-id"
    os.symlink("minio", str(link))
    me = pwd.getpwuid(os.geteuid()).pw_name
    my_group = grp.getgrgid(os.getegid()).gr_name

    state = hs.file_state(str(binary))
    assert state == {"exists": True, "type": "file", "owner": me, "group": my_group,
                     "uid": os.geteuid(), "gid": os.getegid(), "mode": "0755", "size": len(data),
                     "sha256": hashlib.sha256(data).hexdigest()}
    assert hs.file_state(str(folder))["type"] == "directory"
    assert hs.file_state(str(folder))["mode"] == "0750"
    assert "sha256" not in hs.file_state(str(folder))
    linked = hs.file_state(str(link))
    assert linked["type"] == "link" and linked["target"] == "minio" and linked["realpath"] == str(binary)
    assert hs.file_state(str(tmp_path / "absent")) == {"exists": False}
    assert hs.file_state("/dev/null")["type"] == "other"


def test_file_with_special_bits(tmp_path):
    path = tmp_path / "tool"
    path.write_text("x")
    os.chmod(str(path), 0o4750)
    assert hs.file_state(str(path))["mode"] == "4750"


# Units and packages ---------------------------------------------------------

def test_systemctl_show_blocks_in_the_order_asked():
    assert hs.parse_systemctl_show(SYSTEMCTL_SHOW, ["minio.service", "nope.service"]) == {
        "minio.service": {"load_state": "loaded", "enabled": "enabled", "active": "active"},
        "nope.service": {"load_state": "not-found", "enabled": "", "active": "inactive"},
    }


def test_systemctl_show_count_mismatch_is_an_error():
    with pytest.raises(hs.HostStateError, match="1 units for 2 asked"):
        hs.parse_systemctl_show("LoadState=loaded\n", ["a.service", "b.service"])


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="needs dpkg")
def test_packages_with_the_real_dpkg_query():
    names = ["dpkg", "no-such-package-egid"]
    state = hs.read_host(_runner, packages=names)["packages"]
    assert state == {"dpkg": True, "no-such-package-egid": False}


def test_dpkg_query_statuses():
    text = "xfsprogs\tnot-installed\nutil-linux\tinstalled\nlibc6\tinstalled\nlibc6\tconfig-files\n"
    assert hs.parse_dpkg_query(text, ["xfsprogs", "util-linux", "libc6:amd64", "absent"]) == {
        "xfsprogs": False, "util-linux": True, "libc6:amd64": True, "absent": False}


# Disks ---------------------------------------------------------------------

def test_lsblk_both_json_dialects():
    assert hs.parse_lsblk(LSBLK_238) == [
        {"name": "/dev/sda", "size": 34359738368, "type": "disk", "ro": False, "serial": "drive-scsi0", "wwn": ""},
        {"name": "/dev/sdb", "size": 214748364800, "type": "disk", "ro": False, "serial": "drive-scsi1",
         "wwn": "0x5000c500a1b2c3d4"},
        {"name": "/dev/sr0", "size": 1073741312, "type": "rom", "ro": True, "serial": "QM00003", "wwn": ""},
    ]
    assert hs.parse_lsblk(LSBLK_234) == [
        {"name": "/dev/vdb", "size": 5497558138880, "type": "disk", "ro": False, "serial": "", "wwn": ""},
        {"name": "/dev/sr0", "size": 1073741312, "type": "rom", "ro": True, "serial": "QM00003", "wwn": ""},
    ]
    with pytest.raises(hs.HostStateError, match="lsblk"):
        hs.parse_lsblk("lsblk: unknown column")


@pytest.mark.skipif(not (shutil.which("blkid") and shutil.which("mkfs.ext4")), reason="needs blkid and mkfs.ext4")
def test_blkid_on_a_real_filesystem_and_a_blank_image(tmp_path):
    blank = tmp_path / "blank.img"
    used = tmp_path / "used.img"
    for image in (blank, used):
        with open(str(image), "wb") as handle:
            handle.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "s3data", str(used)], check=True)

    def probe(path):
        proc = subprocess.run(["blkid", "--probe", "--output", "export", path],
                              stdout=subprocess.PIPE, universal_newlines=True, check=False)
        return hs.parse_blkid_export(proc.returncode, proc.stdout)

    assert probe(str(blank)) == {"blank": True, "type": "", "uuid": "", "pttype": "", "label": ""}
    found = probe(str(used))
    assert found["blank"] is False and found["type"] == "ext4" and found["label"] == "s3data"
    uuid = subprocess.run(["blkid", "--probe", "--match-tag", "UUID", "--output", "value", str(used)],
                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    assert found["uuid"] == uuid and len(uuid) == 36


def test_blkid_partition_table_and_failure():
    text = "DEVNAME=/dev/sdc\nPTUUID=7c3a0b1e-aaaa-bbbb-cccc-0d1e2f3a4b5c\nPTTYPE=gpt\n"
    assert hs.parse_blkid_export(0, text) == {"blank": False, "type": "", "uuid": "", "pttype": "gpt", "label": ""}
    with pytest.raises(hs.HostStateError, match="exited with 4"):
        hs.parse_blkid_export(4, "")


def test_fstab_entries():
    assert hs.parse_fstab(FSTAB) == [
        {"source": "UUID=3f1c6a2e-6d5b-4f0e-9d0c-2b9b1a1c5e11", "target": "/", "fstype": "ext4",
         "options": "errors=remount-ro", "dump": "0", "passno": "1"},
        {"source": "UUID=0b6f2c9e-1111-4a4a-9999-7d3e2a1b0c0d", "target": "/srv/s3", "fstype": "xfs",
         "options": "defaults,noatime", "dump": "0", "passno": "0"},
        {"source": "UUID=7a1e0d2c-2222-4b4b-8888-1c2d3e4f5a6b", "target": "/srv/s3/data", "fstype": "xfs",
         "options": "defaults,noatime", "dump": "0", "passno": "0"},
        {"source": "/dev/sr0", "target": "/media/cdrom0", "fstype": "udf,iso9660", "options": "user,noauto",
         "dump": "0", "passno": "0"},
        {"source": "tmpfs", "target": "/tmp", "fstype": "tmpfs", "options": "defaults", "dump": "0", "passno": "0"},
    ]


@pytest.mark.skipif(not shutil.which("findmnt"), reason="needs findmnt")
def test_findmnt_on_this_machine():
    proc = subprocess.run(hs.FINDMNT_ARGV, stdout=subprocess.PIPE, universal_newlines=True, check=True)
    mounts = hs.parse_findmnt(proc.stdout)
    assert {"target": "/", "source": mounts[[m["target"] for m in mounts].index("/")]["source"],
            "fstype": mounts[[m["target"] for m in mounts].index("/")]["fstype"]} in mounts
    assert hs.parse_findmnt("") == []


def test_read_disks_keeps_nodes_of_this_host_and_probes_wanted_sizes(tmp_path):
    """lsblk in a container lists the host's disks too: only nodes that exist here count, and only
    the devices of a wanted size are probed."""
    fstab = tmp_path / "fstab"
    fstab.write_text(FSTAB)
    lsblk = json.dumps({"blockdevices": [
        {"name": "/dev/null", "size": 200, "type": "disk", "ro": False, "serial": None, "wwn": None},
        {"name": "/dev/zero", "size": 300, "type": "disk", "ro": False, "serial": None, "wwn": None},
        {"name": str(tmp_path / "gone"), "size": 200, "type": "disk", "ro": False, "serial": None, "wwn": None},
    ]})
    calls = []

    def run(argv):
        calls.append(argv)
        if argv[0] == "lsblk":
            return 0, lsblk, ""
        if argv[0] == "blkid":
            return 2, "", ""
        return 0, '{"filesystems": [{"source": "/dev/null", "target": "/srv/s3", "fstype": "xfs"}]}', ""

    # /dev/null and /dev/zero are character devices: make them count as this host's block devices.
    orig = hs.is_block_device
    hs.is_block_device = lambda path: path.startswith("/dev/")
    try:
        state = hs.read_disks(run, [200], fstab_path=str(fstab))
    finally:
        hs.is_block_device = orig
    assert [d["name"] for d in state["block_devices"]] == ["/dev/null", "/dev/zero"]
    assert state["signatures"] == {"/dev/null": {"blank": True, "type": "", "uuid": "", "pttype": "", "label": ""}}
    assert [c[0] for c in calls] == ["lsblk", "blkid", "findmnt"]
    assert state["mounts"] == [{"source": "/dev/null", "target": "/srv/s3", "fstype": "xfs"}]
    assert len(state["fstab"]) == 5


def test_is_block_device():
    assert hs.is_block_device("/dev/null") is False
    assert hs.is_block_device("/nonexistent/dev/sdz") is False


def test_a_failing_command_names_itself():
    with pytest.raises(hs.HostStateError, match=r"Failed to run lsblk \(exit code 32\): lsblk: failed"):
        hs.read_disks(lambda argv: (32, "", "lsblk: failed"), [])


# The module, run as Ansible runs it ----------------------------------------

def _runner(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def run_module(tmp_path, args, check=False):
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check)}))
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.egid.s3share.plugins.modules.host_info", str(path)],
        cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=_COLLECTIONS),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def test_module_reads_without_changing(tmp_path):
    target = tmp_path / "file"
    target.write_text("content\n")
    os.chmod(str(target), 0o640)
    before = os.stat(str(target))
    for check in (True, False):
        result = run_module(tmp_path, {"accounts": ["root", "no-such-account-egid"], "groups": ["root"],
                                       "files": [str(target), str(tmp_path / "absent")]}, check=check)
        assert result["changed"] is False and "failed" not in result
        assert result["accounts"]["root"]["uid"] == 0
        assert result["accounts"]["no-such-account-egid"] == {"exists": False}
        assert result["groups"] == {"root": {"exists": True, "gid": 0}}
        assert result["files"][str(target)]["mode"] == "0640"
        assert result["files"][str(target)]["sha256"] == hashlib.sha256(b"content\n").hexdigest()
        assert result["files"][str(tmp_path / "absent")] == {"exists": False}
        assert result["units"] == {} and result["block_devices"] == [] and result["fstab"] == []
    after = os.stat(str(target))
    assert (after.st_mtime_ns, after.st_mode) == (before.st_mtime_ns, before.st_mode)


@pytest.mark.skipif(not shutil.which("lsblk"), reason="needs lsblk")
def test_module_disks_of_no_wanted_size(tmp_path):
    result = run_module(tmp_path, {"disks": {"sizes": [1]}}, check=True)
    assert "failed" not in result, result
    assert result["signatures"] == {}
    assert all(set(d) == {"name", "size", "type", "ro", "serial", "wwn"} for d in result["block_devices"])
    assert all(hs.is_block_device(d["name"]) for d in result["block_devices"])
    assert any(m["target"] == "/" for m in result["mounts"])


def test_module_refuses_unknown_options(tmp_path):
    result = run_module(tmp_path, {"nope": 1})
    assert result["failed"] and "nope" in result["msg"]
