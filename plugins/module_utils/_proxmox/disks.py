# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drives: the disks (add, grow, options; never shrink, move or detach) and the installer CD-ROM.

Part of the proxmox_vm_config planner (plan.py). No Ansible import.
"""

import re

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.values import (
    bool_value, format_size, parse_property_string, size_in_gib,
)
from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size

DISK_KEY = re.compile(r"(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0")
DISK_OPTIONS = ("cache", "discard", "iothread", "ssd")


def parse_disk(value):
    """A drive value of the config -> {volume, storage, size, media, options}."""
    parsed = parse_property_string(value, "file")
    volume = parsed.pop("file", parsed.pop("volume", ""))
    disk = {"volume": volume, "storage": volume.split(":", 1)[0] if ":" in volume else None,
            "size": parse_size(parsed.pop("size")) if "size" in parsed else None,
            "media": parsed.pop("media", "disk"),
            "cloudinit": "cloudinit" in volume}
    disk["options"] = _disk_options(parsed)
    return disk


def _disk_options(parsed):
    options = {}
    if parsed.get("cache") not in (None, ""):
        options["cache"] = parsed["cache"]
    if parsed.get("discard") == "on":
        options["discard"] = "on"
    for key in ("iothread", "ssd"):
        if bool_value(parsed.get(key, "0")):
            options[key] = "1"
    return options


def desired_disk_options(disk):
    return _disk_options({"cache": disk.get("cache"), "discard": "on" if disk.get("discard") else None,
                          "iothread": "1" if disk.get("iothread") else "0", "ssd": "1" if disk.get("ssd") else "0"})


def option_parts(options):
    """The options of a drive request value, in PVE's order: ['cache=writeback', 'discard=on', ...]."""
    return ["%s=%s" % (key, options[key]) for key in DISK_OPTIONS if key in options]


def describe_disk(disk):
    parts = ["storage=%s" % disk["storage"], "size=%s" % (format_size(disk["size"]) if disk["size"] else "?")]
    parts += ["%s=%s" % (key, disk["options"][key]) for key in DISK_OPTIONS if key in disk["options"]]
    return ",".join(parts)


def plan_disks(plan, current, params, apply_hardware):
    """Add the declared disks that are missing and grow the smaller ones; options only when apply_hardware.

    Shrinking, moving to another storage and detaching an undeclared disk are errors.
    """
    updates, resizes, drift, changes, errors, after = (plan.updates, plan.resizes, plan.drift, plan.changes,
                                                       plan.errors, plan.after)
    declared = dict((disk["slot"], disk) for disk in params["disks"])
    for slot, disk in sorted(declared.items()):
        size = parse_size(disk["size"])
        options = desired_disk_options(disk)
        have = current["disks"].get(slot)
        if slot in current["cdroms"]:
            errors.append("slot %s holds a CD-ROM or cloud-init drive (%s), not a disk"
                          % (slot, current["cdroms"][slot]["volume"]))
            continue
        if have is None:
            updates[slot] = ",".join(["%s:%s" % (disk["storage"], size_in_gib(size)), "format=%s" % disk["format"]]
                                     + option_parts(options))
            after["disks"][slot] = {"volume": None, "storage": disk["storage"], "size": size, "media": "disk",
                                    "cloudinit": False, "options": options}
            changes.append("add disk %s %s on %s" % (slot, format_size(size), disk["storage"]))
            continue
        if have["storage"] != disk["storage"]:
            errors.append("disk %s is on storage %s, not %s: moving disks is not supported, move it by hand"
                          % (slot, have["storage"], disk["storage"]))
            continue
        if have["size"] is not None and size < have["size"]:
            errors.append("disk %s is %s and would shrink to %s: shrinking disks is refused"
                          % (slot, format_size(have["size"]), format_size(size)))
            continue
        new = dict(have)
        if have["options"] != options:
            drift.append({"key": slot, "current": describe_disk(have), "desired": describe_disk(dict(have, options=options)),
                          "applied": bool(apply_hardware)})
            if apply_hardware:
                updates[slot] = ",".join([have["volume"]] + option_parts(options))
                new["options"] = options
                changes.append("set %s options" % slot)
        if have["size"] is None or size > have["size"]:
            resizes.append((slot, format_size(size), have["size"], size))
            new["size"] = size
            changes.append("resize %s %s -> %s" % (slot, format_size(have["size"]) if have["size"] else "?",
                                                   format_size(size)))
        after["disks"][slot] = new
    for slot in sorted(current["disks"]):
        if slot not in declared:
            errors.append("disk %s (%s) is not declared: detaching or deleting disks is refused, declare it"
                          % (slot, current["disks"][slot]["volume"]))


def plan_iso(plan, current, params):
    """Insert the installer ISO in its CD-ROM drive (iso_drive) when it is not there."""
    updates, changes, errors, after = plan.updates, plan.changes, plan.errors, plan.after
    if params.get("iso"):
        drive = params["iso_drive"]
        have = current["cdroms"].get(drive)
        if drive in current["disks"]:
            errors.append("slot %s for the installer ISO holds a disk" % drive)
        elif have is None or have["volume"] != params["iso"]:
            updates[drive] = "%s,media=cdrom" % params["iso"]
            after["cdroms"][drive] = {"volume": params["iso"], "storage": params["iso"].split(":")[0], "size": None,
                                      "media": "cdrom", "cloudinit": False, "options": {}}
            changes.append("insert %s in %s" % (params["iso"], drive))
