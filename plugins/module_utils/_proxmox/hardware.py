# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scalar keys of a VM config (memory, CPU, firmware, boot order, name...).

Part of the proxmox_vm_config planner (plan.py). No Ansible import.
"""

try:
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover
    from urllib import quote, unquote

from ansible_collections.egid.s3share.plugins.module_utils._proxmox import cloud_init
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.values import (
    bool_value, parse_property_string, print_property_string,
)

HARDWARE_KEYS = ("memory", "sockets", "cores", "cpu", "bios", "machine", "scsihw", "vga", "serial0")
SAFE_KEYS = ("name", "ostype", "agent", "onboot", "boot", "ciuser", "sshkeys", "nameserver", "searchdomain")
# PVE's values when a key is absent from the config.
PVE_DEFAULTS = {"memory": "512", "sockets": "1", "cores": "1", "cpu": "kvm64", "bios": "seabios",
                "machine": "i440fx", "scsihw": "lsi", "ostype": "other", "agent": "0", "onboot": "0",
                "vga": "default", "serial0": "none"}
# Keys whose default is expressed by leaving them out of the config.
ABSENT_DEFAULTS = ("bios", "machine", "vga", "serial0")


def normalise_scalar(key, value):
    """A config value in the form desired_scalars() produces."""
    value = str(value)
    if key == "memory":
        return parse_property_string(value, "current").get("current", PVE_DEFAULTS["memory"])
    if key == "cpu":
        return print_property_string(parse_property_string(value, "cputype"), "cputype")
    if key == "agent":
        parsed = parse_property_string(value, "enabled")
        parsed["enabled"] = "1" if bool_value(parsed.get("enabled", "0")) else "0"
        return print_property_string(parsed, "enabled")
    if key == "onboot":
        return "1" if bool_value(value) else "0"
    if key == "machine":
        parsed = parse_property_string(value, "type")
        if parsed.get("type") in (None, "", "pc", "i440fx"):
            parsed["type"] = "i440fx"
        return print_property_string(parsed, "type")
    if key == "sshkeys":
        return "\n".join(line.strip() for line in unquote(value).splitlines() if line.strip())
    if key == "nameserver":
        return " ".join(value.replace(",", " ").split())
    return value


def desired_scalars(params):
    """The declared non-disk keys, normalised like normalise_scalar() does for the config."""
    wanted = {
        "name": params["name"],
        "memory": str(params["memory"]),
        "sockets": str(params["sockets"]),
        "cores": str(params["cores"]),
        "cpu": normalise_scalar("cpu", params["cpu"]),
        "bios": params["bios"],
        "machine": normalise_scalar("machine", params["machine"] or "i440fx"),
        "scsihw": params["scsihw"],
        "ostype": params["ostype"],
        "agent": "1" if params["agent"] else "0",
        "onboot": "1" if params["onboot"] else "0",
        "vga": params["vga"],
        "serial0": "socket" if params["serial_console"] else "none",
    }
    first_disk = params["disks"][0]["slot"]
    if params.get("iso"):
        wanted["boot"] = "order=%s;%s;%s" % (first_disk, params["iso_drive"], params["nics"][0]["slot"])
    else:
        wanted["boot"] = "order=%s" % first_disk
    wanted.update(cloud_init.desired_settings(params.get("cloud_init")))
    return wanted


def request_value(key, value):
    """How a normalised scalar is sent to PVE."""
    if key == "sshkeys":
        # PVE wants the keys URL-encoded (format "urlencoded"), on top of the form encoding.
        return quote(value + "\n", safe="")
    if key == "agent" and value in ("0", "1"):
        return "enabled=%s" % value
    return value


def plan_scalars(plan, current, wanted, fresh, apply_hardware):
    """Set the declared scalars that differ; hardware keys of an existing VM only when apply_hardware."""
    updates, delete, drift, changes, after = plan.updates, plan.delete, plan.drift, plan.changes, plan.after
    for key, value in sorted(wanted.items()):
        have = current["scalars"].get(key)
        if have == value:
            continue
        if key in HARDWARE_KEYS and not fresh:
            drift.append({"key": key, "current": have, "desired": value, "applied": bool(apply_hardware)})
            if not apply_hardware:
                continue
        if key in ABSENT_DEFAULTS and value == PVE_DEFAULTS[key]:
            delete.append(key)
        else:
            updates[key] = request_value(key, value)
        after["scalars"][key] = value
        changes.append("set %s" % key)
