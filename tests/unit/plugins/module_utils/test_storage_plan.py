# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""storage_plan: how the storage role matches its disks to block devices and judges them before any
change. The host state is what host_info returns on nectar (lsblk sample of a Proxmox VM, signatures
as blkid reports them)."""

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.filter import host as host_filters
from ansible_collections.egid.s3share.plugins.module_utils._host import host_state as hs
from ansible_collections.egid.s3share.plugins.module_utils._host.storage_plan import plan

GIB = 1024 ** 3
TIB = 1024 ** 4
BLANK = {"blank": True, "type": "", "uuid": "", "pttype": "", "label": ""}


def xfs(uuid):
    return {"blank": False, "type": "xfs", "uuid": uuid, "pttype": "", "label": ""}


DISKS = [
    {"name": "cache", "size": "200G", "stable_id": "", "mountpoint": "/srv/s3", "fstype": "xfs", "label": "s3cache"},
    {"name": "data", "size": "5T", "stable_id": "", "mountpoint": "/srv/s3/data", "fstype": "xfs", "label": "s3data"},
]


def device(name, size, type_="disk", ro=False, serial="", wwn=""):
    return {"name": name, "size": size, "type": type_, "ro": ro, "serial": serial, "wwn": wwn}


def nectar(**changes):
    """sdb is the system disk (/ is /dev/sdb1 on nectar), sdc the cache, sdd the data disk."""
    state = {
        "block_devices": [device("/dev/sda", 4 * GIB, serial="drive-scsi0"),
                          device("/dev/sdb", 32 * GIB, serial="drive-scsi1"),
                          device("/dev/sdc", 200 * GIB, serial="drive-scsi2", wwn="0x5000c500a1b2c3d4"),
                          device("/dev/sdd", 5 * TIB, serial="drive-scsi3"),
                          device("/dev/sr0", 200 * GIB, type_="rom", ro=True)],
        "signatures": {"/dev/sdc": dict(BLANK), "/dev/sdd": dict(BLANK)},
        "mounts": [{"source": "/dev/sdb1", "target": "/", "fstype": "ext4"}],
        "fstab": [],
        "files": {},
    }
    state.update(changes)
    return state


def test_blank_disks_are_matched_by_size_and_get_a_filesystem():
    result = plan(DISKS, nectar())
    assert result["problems"] == []
    assert result["disks"] == {
        "cache": {"device": "/dev/sdc", "blank": True, "fstype": "", "uuid": "", "mounted_at": [], "fstab": [],
                  "format": True, "mount_fstype": "xfs"},
        "data": {"device": "/dev/sdd", "blank": True, "fstype": "", "uuid": "", "mounted_at": [], "fstab": [],
                 "format": True, "mount_fstype": "xfs"},
    }


def test_a_deployed_host_needs_no_filesystem():
    fstab = hs.parse_fstab("UUID=c1 /srv/s3 xfs defaults,noatime 0 0\nUUID=d1 /srv/s3/data xfs defaults,noatime 0 0\n")
    state = nectar(signatures={"/dev/sdc": xfs("c1"), "/dev/sdd": xfs("d1")}, fstab=fstab,
                   mounts=[{"source": "/dev/sdc", "target": "/srv/s3", "fstype": "xfs"},
                           {"source": "/dev/sdd", "target": "/srv/s3/data", "fstype": "xfs"}])
    result = plan(DISKS, state)
    assert result["problems"] == []
    assert result["disks"]["data"] == {"device": "/dev/sdd", "blank": False, "fstype": "xfs", "uuid": "d1",
                                       "mounted_at": ["/srv/s3/data"], "fstab": [fstab[1]], "format": False,
                                       "mount_fstype": "xfs"}


def test_two_devices_of_the_size_are_refused_until_a_stable_id_tells_them_apart():
    state = nectar()
    state["block_devices"].append(device("/dev/sde", 5 * TIB, serial="drive-scsi4", wwn="0x5000c500ffff0001"))
    state["signatures"]["/dev/sde"] = dict(BLANK)
    result = plan(DISKS, state)
    assert result["problems"] == [
        "The data disk (5T) matches 2 devices: /dev/sdd, /dev/sde. Set stable_id to tell them apart, "
        "or check the VM's disks."]
    assert "data" not in result["disks"]
    by_serial = [DISKS[0], dict(DISKS[1], stable_id="drive-scsi4")]
    assert plan(by_serial, state)["disks"]["data"]["device"] == "/dev/sde"
    by_wwn = [DISKS[0], dict(DISKS[1], stable_id="0x5000c500ffff0001")]
    assert plan(by_wwn, state)["disks"]["data"]["device"] == "/dev/sde"


def test_stable_id_as_a_by_id_path_resolved_by_host_info(tmp_path):
    """A real symbolic link, as udev makes them under /dev/disk/by-id, read by host_state.file_state."""
    link = tmp_path / "scsi-0QEMU_QEMU_HARDDISK_drive-scsi3"
    os.symlink("/dev/sdd", str(link))
    state = nectar(files={str(link): hs.file_state(str(link))})
    result = plan([dict(DISKS[1], stable_id=str(link))], state)
    assert result["problems"] == [] and result["disks"]["data"]["device"] == "/dev/sdd"
    wrong = plan([dict(DISKS[0], stable_id=str(link))], state)
    assert wrong["problems"] == [
        "The cache disk (200G, id %s) matches 0 devices: none. Set stable_id to tell them apart, "
        "or check the VM's disks." % link]


def test_no_device_of_the_size():
    result = plan([dict(DISKS[1], size="6T")], nectar())
    assert result["problems"] == [
        "The data disk (6T) matches 0 devices: none. Set stable_id to tell them apart, or check the VM's disks."]


def test_read_only_devices_and_partitions_never_match():
    # sr0 has the cache disk's size but is a read-only rom; a partition is not a whole disk.
    state = nectar()
    state["block_devices"].append(device("/dev/sdc1", 200 * GIB, type_="part"))
    assert plan(DISKS, state)["disks"]["cache"]["device"] == "/dev/sdc"


def test_two_disks_on_one_device():
    disks = [DISKS[1], dict(DISKS[1], name="data2", mountpoint="/srv/s3/data2")]
    assert plan(disks, nectar())["problems"] == ["The data and data2 disks resolved to the same device /dev/sdd."]


@pytest.mark.parametrize("signature, holds", [
    ({"blank": False, "type": "ext4", "uuid": "7d1c", "pttype": "", "label": ""}, "ext4 (UUID 7d1c)"),
    ({"blank": False, "type": "", "uuid": "", "pttype": "gpt", "label": ""}, "partition table gpt"),
    ({"blank": False, "type": "", "uuid": "", "pttype": "", "label": ""}, "an unknown signature"),
])
def test_a_disk_holding_something_else_is_refused_unless_forced(signature, holds):
    state = nectar(signatures={"/dev/sdc": dict(BLANK), "/dev/sdd": signature})
    result = plan(DISKS, state)
    assert result["problems"] == [
        "The data disk /dev/sdd already holds %s, not xfs. Nothing was changed. If its content may be "
        "destroyed, run again with storage_force_format=true." % holds]
    forced = plan(DISKS, state, force_format=True)
    assert forced["problems"] == [] and forced["disks"]["data"]["format"] is True
    assert forced["disks"]["data"]["blank"] is False


def test_a_disk_mounted_elsewhere_is_refused():
    state = nectar(signatures={"/dev/sdc": dict(BLANK), "/dev/sdd": xfs("d1")},
                   mounts=[{"source": "/dev/sdd", "target": "/mnt/old", "fstype": "xfs"}])
    assert plan(DISKS, state)["problems"] == [
        "The data disk /dev/sdd is mounted at /mnt/old, not /srv/s3/data. Nothing was changed."]


def test_every_problem_is_reported_at_once():
    state = nectar(signatures={"/dev/sdc": {"blank": False, "type": "ext4", "uuid": "", "pttype": "", "label": ""},
                               "/dev/sdd": dict(BLANK)},
                   mounts=[{"source": "/dev/sdc", "target": "/mnt", "fstype": "ext4"}])
    problems = plan(DISKS + [dict(DISKS[1], name="archive", size="7T", mountpoint="/srv/archive")], state)["problems"]
    assert len(problems) == 3
    assert problems[0].startswith("The archive disk (7T) matches 0 devices")
    assert problems[1].startswith("The cache disk /dev/sdc already holds ext4, not xfs.")
    assert problems[2].startswith("The cache disk /dev/sdc is mounted at /mnt, not /srv/s3.")


def ext4(uuid):
    return {"blank": False, "type": "ext4", "uuid": uuid, "pttype": "", "label": ""}


@pytest.mark.parametrize("signature", [xfs("d1"), ext4("d1")])
def test_adoption_keeps_the_data_filesystem_whatever_its_type(signature):
    """The lab's data disk, mounted by sdX name in its fstab: kept, mounted as it is, never formatted."""
    fstab = hs.parse_fstab("/dev/sdd /srv/s3/data %s defaults 0 0\n" % signature["type"])
    state = nectar(signatures={"/dev/sdc": ext4("c1"), "/dev/sdd": signature}, fstab=fstab,
                   mounts=[{"source": "/dev/sdc", "target": "/srv/s3", "fstype": "ext4"},
                           {"source": "/dev/sdd", "target": "/srv/s3/data", "fstype": signature["type"]}])
    assert plan(DISKS, state)["problems"][0].startswith("The cache disk /dev/sdc already holds ext4 (UUID c1), not xfs.")
    result = plan(DISKS, state, keep=["cache", "data"])
    assert result["problems"] == []
    data = result["disks"]["data"]
    assert (data["format"], data["kept"], data["mount_fstype"], data["uuid"]) == (False, True, signature["type"], "d1")
    assert result["disks"]["cache"]["mount_fstype"] == "ext4"
    # Forcing never formats a kept disk.
    assert plan(DISKS, state, force_format=True, keep=["data"])["disks"]["data"]["format"] is False


@pytest.mark.parametrize("signature, holds", [
    (dict(BLANK), "nothing"),
    ({"blank": False, "type": "", "uuid": "", "pttype": "gpt", "label": ""}, "partition table gpt"),
])
def test_adoption_refuses_a_data_disk_without_a_filesystem(signature, holds):
    result = plan(DISKS, nectar(signatures={"/dev/sdc": xfs("c1"), "/dev/sdd": signature}), keep=["data"])
    assert result["problems"] == [
        "The data disk /dev/sdd should hold the data to adopt, but it holds %s. Nothing was changed. Check that "
        "the inventory names the right disk." % holds]


def test_adoption_still_refuses_a_disk_that_does_not_match_the_inventory():
    state = nectar(signatures={"/dev/sdc": xfs("c1"), "/dev/sdd": xfs("d1")})
    disks = [DISKS[0], dict(DISKS[1], stable_id="drive-scsi9")]
    assert plan(disks, state, keep=["data"])["problems"][0].startswith(
        "The data disk (5T, id drive-scsi9) matches 0 devices")


def test_the_filter_and_the_size_parser():
    assert host_filters.storage_plan(DISKS, nectar(), False)["problems"] == []
    assert host_filters.size_bytes("200G") == 200 * GIB
    assert host_filters.size_bytes("5TiB") == 5 * TIB
    assert host_filters.size_bytes("10GB") == 10 * 1000 ** 3
    assert host_filters.size_bytes(4096) == 4096
    with pytest.raises(AnsibleFilterError, match="size_bytes: invalid size 'big'"):
        host_filters.size_bytes("big")
    with pytest.raises(AnsibleFilterError, match="storage_plan"):
        host_filters.storage_plan([{"name": "x", "size": "1X", "mountpoint": "/x"}], nectar())


# A cluster node: two data drives of one size (the cluster scenario's layout), told apart by their labels.
DRIVES = [
    {"name": "data1", "size": "4G", "stable_id": "", "mountpoint": "/srv/s3/data1", "fstype": "xfs", "label": "s3data1"},
    {"name": "data2", "size": "4G", "stable_id": "", "mountpoint": "/srv/s3/data2", "fstype": "xfs", "label": "s3data2"},
]


def node(signatures):
    return {
        "block_devices": [device("/dev/sda", 32 * GIB), device("/dev/loop7", 4 * GIB), device("/dev/loop3", 4 * GIB)],
        "signatures": signatures, "mounts": [], "fstab": [], "files": {},
    }


def labelled(uuid, label):
    return dict(xfs(uuid), label=label)


def test_blank_drives_of_one_size_are_given_out_in_name_order():
    result = plan(DRIVES, node({"/dev/loop3": dict(BLANK), "/dev/loop7": dict(BLANK)}))
    assert result["problems"] == []
    assert result["disks"]["data1"]["device"] == "/dev/loop3"
    assert result["disks"]["data2"]["device"] == "/dev/loop7"
    assert result["disks"]["data1"]["format"] and result["disks"]["data2"]["format"]


def test_formatted_drives_are_found_by_their_label_whatever_the_device_order():
    result = plan(DRIVES, node({"/dev/loop3": labelled("u-2", "s3data2"), "/dev/loop7": labelled("u-1", "s3data1")}))
    assert result["problems"] == []
    assert (result["disks"]["data1"]["device"], result["disks"]["data1"]["uuid"]) == ("/dev/loop7", "u-1")
    assert (result["disks"]["data2"]["device"], result["disks"]["data2"]["uuid"]) == ("/dev/loop3", "u-2")
    assert not result["disks"]["data1"]["format"] and not result["disks"]["data2"]["format"]


def test_a_wiped_drive_is_the_one_whose_label_is_missing():
    result = plan(DRIVES, node({"/dev/loop3": dict(BLANK), "/dev/loop7": labelled("u-1", "s3data1")}))
    assert result["problems"] == []
    assert result["disks"]["data1"]["device"] == "/dev/loop7"
    assert result["disks"]["data2"] == dict(result["disks"]["data2"], device="/dev/loop3", format=True)


@pytest.mark.parametrize("signature", [xfs("u-9"), labelled("u-9", "backup"), {"blank": False, "type": "", "uuid": "",
                                                                               "pttype": "gpt", "label": ""}])
def test_a_same_size_device_with_a_foreign_filesystem_is_refused_even_when_forced(signature):
    result = plan(DRIVES, node({"/dev/loop3": dict(BLANK), "/dev/loop7": signature}), force_format=True)
    assert len(result["problems"]) == 1
    assert "/dev/loop7" in result["problems"][0] and "Nothing was changed" in result["problems"][0]
    assert "data2" not in result["disks"]


def test_same_size_drives_without_distinct_labels_stay_ambiguous():
    drives = [dict(DRIVES[0]), dict(DRIVES[1], label="s3data1")]
    result = plan(drives, node({"/dev/loop3": dict(BLANK), "/dev/loop7": dict(BLANK)}))
    assert result["disks"] == {}
    assert [p.split(" matches ")[1][:9] for p in result["problems"]] == ["2 devices", "2 devices"]


def test_same_size_drives_and_a_device_count_that_differs():
    state = node({"/dev/loop3": dict(BLANK)})
    state["block_devices"] = state["block_devices"][:2]
    result = plan(DRIVES, state)
    assert result["disks"] == {}
    assert result["problems"] == ["The disks data1, data2 (4G each) match 1 devices: /dev/loop7. Set stable_id to "
                                  "tell them apart, or check the VM's disks."]
