# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure planner of proxmox_vm_config: from a VM config and a declaration to the API requests.

normalise_config() puts a VM config (GET .../config) in a comparable shape;
plan_changes() compares it with the declaration, one device class at a time
(hardware.py: the scalar keys; cloud_init.py; disks.py: disks and the
installer CD-ROM; network.py: the NICs), and returns the requests and the
predicted state, with no API call. No Ansible import. The module
(configurator.py) reads, calls this, then writes.
"""

import re

from ansible_collections.egid.s3share.plugins.module_utils._proxmox import cloud_init
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.disks import (
    DISK_KEY, desired_disk_options, describe_disk, option_parts, parse_disk, plan_disks, plan_iso,
)
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.hardware import (
    ABSENT_DEFAULTS, HARDWARE_KEYS, PVE_DEFAULTS, SAFE_KEYS, desired_scalars, normalise_scalar, plan_scalars,
    request_value,
)
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.network import (
    NET_KEY, desired_nic, describe_nic, nic_value, parse_nic, plan_nics,
)
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.values import (
    parse_property_string, print_property_string, size_in_gib,
)
from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size


class PlanError(Exception):
    """The declared state cannot be reached safely; nothing was written."""


class Plan:
    """What plan_changes() collects; each device class adds to it.

    ``after`` starts as a copy of the current normalised state.
    """

    def __init__(self, current):
        self.after = {"scalars": dict(current["scalars"]), "disks": dict(current["disks"]),
                      "cdroms": dict(current["cdroms"]), "nics": dict(current["nics"])}
        self.updates, self.delete, self.resizes, self.drift, self.changes = {}, [], [], [], []
        self.errors = []


# --------------------------------------------------------------------------
# Normalisation: the current config and the declaration in the same shape.

def normalise_config(config):
    """The managed part of a VM config (GET .../config) as comparable values."""
    result = {"scalars": {}, "disks": {}, "cdroms": {}, "nics": {}}
    for key, value in config.items():
        if key == "digest" or key.startswith("unused"):
            continue
        value = str(value)
        if DISK_KEY.fullmatch(key):
            disk = parse_disk(value)
            if disk["media"] == "cdrom" or disk["cloudinit"]:
                result["cdroms"][key] = disk
            else:
                result["disks"][key] = disk
        elif NET_KEY.fullmatch(key):
            result["nics"][key] = parse_nic(value)
        elif key in HARDWARE_KEYS or key in SAFE_KEYS or key.startswith("ipconfig"):
            if key.startswith("ipconfig"):
                result["scalars"][key] = print_property_string(parse_property_string(value))
            else:
                result["scalars"][key] = normalise_scalar(key, value)
        elif key == "cipassword":
            result["scalars"][key] = "********"
    for key, default in PVE_DEFAULTS.items():
        result["scalars"].setdefault(key, default)
    return result


def display(state):
    """A flat dict for diff output and the RV(config) return value."""
    out = dict(state["scalars"])
    for key, disk in state["disks"].items():
        out[key] = describe_disk(disk)
    for key, disk in state["cdroms"].items():
        out[key] = ("%s,media=cdrom" % disk["volume"]) if not disk["cloudinit"] else "%s:cloudinit" % disk["storage"]
    for key, nic in state["nics"].items():
        out[key] = describe_nic(nic)
    return out


# --------------------------------------------------------------------------
# Planning: pure functions, unit tested.

def plan_changes(current, params, fresh=False, running=False):
    """Compare the normalised current state with the declaration.

    Returns a dict with ``updates`` (key -> request value for POST config),
    ``delete`` (keys), ``resizes`` [(slot, size text, old, new)],
    ``drift`` [{key, current, desired, applied}], ``changes`` (texts),
    ``after`` (predicted normalised state) and ``reboot_required``.
    Raises PlanError when the declaration would shrink, detach or move a disk.
    ``fresh`` means the VM was just created or cloned: everything is applied.
    """
    apply_hardware = fresh or params["apply_hardware_changes"]
    wanted = desired_scalars(params)
    plan = Plan(current)
    # The order of the steps is the order of ``changes``.
    plan_scalars(plan, current, wanted, fresh, apply_hardware)
    cloud_init.plan_settings(plan, current, params, wanted)
    plan_disks(plan, current, params, apply_hardware)
    cloud_init.plan_drive(plan, current, params)
    plan_iso(plan, current, params)
    plan_nics(plan, current, params, fresh, apply_hardware)
    drift = plan.drift
    if fresh:
        drift = []
    if plan.errors:
        raise PlanError("; ".join(plan.errors))
    hardware_applied = any(item["applied"] for item in drift)
    return {"updates": plan.updates, "delete": plan.delete, "resizes": plan.resizes, "drift": drift,
            "changes": plan.changes, "after": plan.after, "reboot_required": bool(running and hardware_applied)}


def creation_request(params, vmid):
    """Parameters of POST /nodes/{node}/qemu for a blank, ISO or cloud-image VM."""
    wanted = desired_scalars(params)
    request = {"vmid": vmid}
    for key, value in wanted.items():
        if key in ABSENT_DEFAULTS and value == PVE_DEFAULTS[key]:
            continue
        request[key] = request_value(key, value)
    cloud = params.get("cloud_init")
    if cloud and cloud.get("password"):
        request["cipassword"] = cloud["password"]
    for index, disk in enumerate(params["disks"]):
        options = desired_disk_options(disk)
        if index == 0 and params.get("import_from"):
            head = ["%s:0" % disk["storage"], "import-from=%s" % params["import_from"]]
        else:
            head = ["%s:%s" % (disk["storage"], size_in_gib(parse_size(disk["size"])))]
        request[disk["slot"]] = ",".join(head + ["format=%s" % disk["format"]] + option_parts(options))
    for nic in params["nics"]:
        request[nic["slot"]] = nic_value(desired_nic(nic))
    if cloud is not None:
        first = params["disks"][0]
        request[cloud.get("drive") or "ide2"] = "%s:cloudinit,format=%s" % (first["storage"], first["format"])
    if params.get("iso"):
        request[params["iso_drive"]] = "%s,media=cdrom" % params["iso"]
    return request


def predicted_clone(template_config, params):
    """What a full clone of the template onto the first disk's storage looks like, before any config change."""
    storage = params["disks"][0]["storage"]
    state = normalise_config(template_config)
    for group in ("disks", "cdroms"):
        for slot, disk in list(state[group].items()):
            if disk["cloudinit"] or group == "disks":
                state[group][slot] = dict(disk, storage=storage, volume="%s:(clone)" % storage)
    state["scalars"].pop("name", None)
    for nic in state["nics"].values():
        nic.pop("macaddr", None)
    return state


def validate_declaration(params):
    """Input errors that need no API call."""
    problems = []
    slots = [disk["slot"] for disk in params["disks"]] + [nic["slot"] for nic in params["nics"]]
    if params.get("cloud_init") is not None:
        slots.append(params["cloud_init"].get("drive") or "ide2")
    if params.get("iso"):
        slots.append(params["iso_drive"])
    duplicates = sorted(set(slot for slot in slots if slots.count(slot) > 1))
    if duplicates:
        problems.append("slots used twice: %s" % ", ".join(duplicates))
    if not params["disks"]:
        problems.append("at least one disk is needed")
    if not params["nics"]:
        problems.append("at least one NIC is needed")
    for disk in params["disks"]:
        if not re.fullmatch(r"(?:ide[0-3]|sata[0-5]|scsi(?:[0-9]|[12][0-9]|30)|virtio(?:[0-9]|1[0-5]))", disk["slot"]):
            problems.append("%s is not a disk slot (ide0-3, sata0-5, scsi0-30, virtio0-15)" % disk["slot"])
        try:
            if parse_size(disk["size"]) < 1024 ** 3:
                problems.append("disk %s: size %s is under 1G" % (disk["slot"], disk["size"]))
        except ValueError as exc:
            problems.append("disk %s: %s" % (disk["slot"], exc))
    for nic in params["nics"]:
        if not re.fullmatch(r"net(?:[0-9]|[12][0-9]|3[01])", nic["slot"]):
            problems.append("%s is not a NIC slot (net0-31)" % nic["slot"])
    cloud = params.get("cloud_init")
    if cloud is not None and params.get("iso"):
        problems.append("cloud_init needs a cloud image (clone or import_from), not an installer ISO")
    if cloud is not None and len(cloud.get("ip_configs") or []) > len(params["nics"]):
        problems.append("more ip_configs than NICs")
    return problems
