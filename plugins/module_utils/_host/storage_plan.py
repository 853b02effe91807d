# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Match the storage role's disks to block devices and judge each one before anything changes.

Input: the role's storage_disks and what host_info read (block_devices,
signatures, mounts, fstab, and files for the /dev/disk/by-id paths given as
stable ids). Output: for each disk its device, what it holds and where it is
mounted, whether it gets a filesystem; and the list of problems, each a
sentence for the admin. The role stops on any problem, before the first
change. No Ansible import.
"""

from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size


def _candidates(disk, size, devices, files):
    stable_id = disk.get("stable_id") or ""
    found = []
    for dev in devices:
        if dev["size"] != size:
            continue
        if not stable_id:
            found.append(dev["name"])
        elif stable_id.startswith("/"):
            link = files.get(stable_id) or {}
            if link.get("realpath") == dev["name"]:
                found.append(dev["name"])
        elif stable_id in (dev.get("serial"), dev.get("wwn")):
            found.append(dev["name"])
    return found


def _holds(signature):
    """What a signature is, in words: "ext4", "partition table gpt" or "" when unknown."""
    if signature.get("type"):
        return signature["type"]
    if signature.get("pttype"):
        return "partition table " + signature["pttype"]
    return ""


def _same_size_groups(disks):
    """Disks without a stable id that share one size (several data drives of a cluster node): lists of 2+."""
    by_size = {}
    for disk in disks:
        if not disk.get("stable_id"):
            by_size.setdefault(parse_size(disk["size"]), []).append(disk)
    return [group for size, group in sorted(by_size.items()) if len(group) > 1]


def _match_group(group, devices, signatures, problems):
    """Match disks of one size to the devices of that size by their filesystem label.

    Such disks cannot be told apart by size, and sdX names change between boots: each must
    carry its own label, which the role writes when it creates the filesystem (without distinct
    labels they are matched one by one, as before, and refused as ambiguous). A device whose
    filesystem carries a label of the group is that disk; the blank devices go to the disks
    still unmatched, in name order (both sorted, so a rerun before the mkfs decides the same).
    A device of that size holding anything else, or a count that differs, is refused: the
    role cannot know which disk it is. Returns {name: [device]} for every disk of the group.
    """
    names = ", ".join(d["name"] for d in group)
    size = parse_size(group[0]["size"])
    labels = [d.get("label") or "" for d in group]
    if "" in labels or len(set(labels)) != len(labels):
        # Without distinct labels each disk is matched alone (and refused when its size matches several devices).
        return {}
    found = sorted(d["name"] for d in devices if d["size"] == size)
    if len(found) != len(group):
        problems.append("The disks %s (%s each) match %d devices: %s. Set stable_id to tell them apart, or check "
                        "the VM's disks." % (names, group[0]["size"], len(found), ", ".join(found) or "none"))
        return dict((d["name"], []) for d in group)
    by_label = dict((d["label"], d["name"]) for d in group)
    result = {}
    blank = []
    for dev in found:
        signature = signatures.get(dev) or {}
        if signature.get("blank"):
            blank.append(dev)
        elif signature.get("label") in by_label and by_label[signature["label"]] not in result:
            result[by_label[signature["label"]]] = [dev]
        else:
            problems.append("The device %s has the size of the disks %s but holds %s%s, which is none of their "
                            "labels (%s). Nothing was changed. Set stable_id to say which disk it is."
                            % (dev, names, _holds(signature) or "an unknown signature",
                               " labelled %s" % signature["label"] if signature.get("label") else "",
                               ", ".join(sorted(by_label))))
    for disk in sorted(group, key=lambda d: d["name"]):
        if disk["name"] not in result:
            result[disk["name"]] = [blank.pop(0)] if blank else []
    return result


def plan(disks, host_state, force_format=False, keep=()):
    """{"disks": {name: {...}}, "problems": [...]}; see the module docstring.

    keep: names of disks that must already hold a filesystem (adoption): it is
    kept whatever its type and mounted as it is (mount_fstype), never formatted,
    even with force_format; a blank or partitioned one is refused.
    """
    host_state = host_state or {}
    # Whole disks and loop devices that are writable; lsblk with --nodeps lists no partitions.
    devices = [d for d in host_state.get("block_devices", []) if d.get("type") in ("disk", "loop") and not d.get("ro")]
    signatures = host_state.get("signatures", {})
    mounts = host_state.get("mounts", [])
    fstab = host_state.get("fstab", [])
    files = host_state.get("files", {})
    problems = []
    matches = {}
    groups = _same_size_groups(disks)
    for group in groups:
        matches.update(_match_group(group, devices, signatures, problems))
    for disk in disks:
        if disk["name"] in matches:
            continue
        size = parse_size(disk["size"])
        found = _candidates(disk, size, devices, files)
        matches[disk["name"]] = found
        if len(found) != 1:
            stable_id = disk.get("stable_id") or ""
            problems.append(
                "The %s disk (%s%s) matches %d devices: %s. Set stable_id to tell them apart, or check the VM's disks."
                % (disk["name"], disk["size"], ", id " + stable_id if stable_id else "", len(found),
                   ", ".join(found) or "none"))

    by_device = {}
    for name, found in matches.items():
        if len(found) == 1:
            by_device.setdefault(found[0], []).append(name)
    for device, names in sorted(by_device.items()):
        if len(names) > 1:
            problems.append("The %s disks resolved to the same device %s." % (" and ".join(sorted(names)), device))

    result = {}
    for disk in disks:
        found = matches[disk["name"]]
        if len(found) != 1:
            continue
        device = found[0]
        signature = signatures.get(device)
        if signature is None:
            problems.append("The %s disk %s was not probed (host_info was not given its size)." % (disk["name"], device))
            continue
        fstype = disk.get("fstype") or "xfs"
        holds = _holds(signature)
        mounted_at = [m["target"] for m in mounts if m.get("source") == device]
        entry = {
            "device": device,
            "blank": signature["blank"],
            "fstype": holds,
            "uuid": signature.get("uuid", ""),
            "mounted_at": mounted_at,
            "fstab": [e for e in fstab if e.get("target") == disk["mountpoint"]],
            # A filesystem is created on a blank disk, or over another one when forced.
            "format": signature["blank"] or holds != fstype,
            "mount_fstype": fstype,
        }
        result[disk["name"]] = entry
        if disk["name"] in keep:
            entry.update(format=False, kept=True, mount_fstype=holds)
            if signature["blank"] or not signature.get("type"):
                problems.append(
                    "The %s disk %s should hold the data to adopt, but it holds %s. Nothing was changed. Check "
                    "that the inventory names the right disk." % (disk["name"], device, holds or "nothing"))
        elif not signature["blank"] and holds != fstype and not force_format:
            found_text = (holds or "an unknown signature") + (" (UUID %s)" % entry["uuid"] if entry["uuid"] else "")
            problems.append(
                "The %s disk %s already holds %s, not %s. Nothing was changed. If its content may be destroyed, "
                "run again with storage_force_format=true." % (disk["name"], device, found_text, fstype))
        elsewhere = [t for t in mounted_at if t != disk["mountpoint"]]
        if elsewhere:
            problems.append("The %s disk %s is mounted at %s, not %s. Nothing was changed."
                            % (disk["name"], device, ", ".join(mounted_at), disk["mountpoint"]))
    return {"disks": result, "problems": problems}
