# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud-init: the ci* and ipconfigN keys, the password, and the cloud-init drive.

Part of the proxmox_vm_config planner (plan.py). No Ansible import.
"""

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.values import (
    parse_property_string, print_property_string,
)


def desired_settings(cloud):
    """The declared cloud-init scalars (user, keys, DNS, ipconfigN), normalised like the config."""
    wanted = {}
    if cloud:
        if cloud.get("user"):
            wanted["ciuser"] = cloud["user"]
        if cloud.get("ssh_keys"):
            wanted["sshkeys"] = "\n".join(key.strip() for key in cloud["ssh_keys"] if key.strip())
        if cloud.get("nameservers"):
            wanted["nameserver"] = " ".join(cloud["nameservers"])
        if cloud.get("searchdomain"):
            wanted["searchdomain"] = cloud["searchdomain"]
        for index, value in enumerate(cloud.get("ip_configs") or []):
            wanted["ipconfig%d" % index] = print_property_string(parse_property_string(value))
    return wanted


def plan_settings(plan, current, params, wanted):
    """Delete the ipconfigN of NICs no longer declared; set the password once (it cannot be read back)."""
    updates, delete, changes, after = plan.updates, plan.delete, plan.changes, plan.after
    # ipconfig of NICs no longer declared.
    for key in sorted(current["scalars"]):
        if key.startswith("ipconfig") and key not in wanted and params.get("cloud_init") is not None:
            delete.append(key)
            del after["scalars"][key]
            changes.append("delete %s" % key)
    cloud = params.get("cloud_init") or {}
    if cloud.get("password") and "cipassword" not in current["scalars"]:
        updates["cipassword"] = cloud["password"]
        after["scalars"]["cipassword"] = "********"
        changes.append("set cipassword")


def plan_drive(plan, current, params):
    """Add the cloud-init drive on the first disk's storage; refuse a slot that holds something else."""
    updates, changes, errors, after = plan.updates, plan.changes, plan.errors, plan.after
    if params.get("cloud_init") is not None:
        cloud = params.get("cloud_init") or {}
        drive = cloud.get("drive") or "ide2"
        have = current["cdroms"].get(drive)
        storage = params["disks"][0]["storage"]
        if drive in current["disks"]:
            errors.append("slot %s for the cloud-init drive holds a disk" % drive)
        elif have is None:
            updates[drive] = "%s:cloudinit,format=%s" % (storage, params["disks"][0]["format"])
            after["cdroms"][drive] = {"volume": "%s:cloudinit" % storage, "storage": storage, "size": None,
                                      "media": "cdrom", "cloudinit": True, "options": {}}
            changes.append("add cloud-init drive %s" % drive)
        elif not have["cloudinit"]:
            errors.append("slot %s for the cloud-init drive holds %s; eject it or choose another cloud_init.drive"
                          % (drive, have["volume"]))
