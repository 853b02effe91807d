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
    for disk in disks:
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
