# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network interfaces (netN): model, bridge, VLAN tag, firewall and MAC address.

Part of the proxmox_vm_config planner (plan.py). No Ansible import.
"""

import re

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.values import bool_value, parse_property_string

NET_KEY = re.compile(r"net\d+")
NIC_OPTIONS = ("bridge", "tag", "firewall")


def parse_nic(value):
    parsed = parse_property_string(value)
    nic = {}
    for key, item in parsed.items():
        if key == "model":
            nic["model"] = item
        elif key == "macaddr":
            nic["macaddr"] = item.upper()
        elif key in NIC_OPTIONS:
            nic[key] = item
        elif "=" not in key and re.fullmatch(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}", item):
            # "e1000=BC:24:11:..." is model + MAC in one key.
            nic["model"] = key
            nic["macaddr"] = item.upper()
    if nic.get("firewall") is not None:
        nic["firewall"] = "1" if bool_value(nic["firewall"]) else "0"
    if nic.get("firewall") == "0":
        del nic["firewall"]
    return nic


def desired_nic(nic):
    result = {"model": nic["model"], "bridge": nic["bridge"]}
    if nic.get("tag") is not None:
        result["tag"] = str(nic["tag"])
    if nic.get("firewall"):
        result["firewall"] = "1"
    if nic.get("macaddr"):
        result["macaddr"] = nic["macaddr"].upper()
    return result


def nic_value(nic, macaddr=None):
    """Request value: 'e1000=<mac>,bridge=vmbr0' keeps the MAC, 'e1000,bridge=vmbr0' lets PVE pick one."""
    mac = nic.get("macaddr") or macaddr
    head = "%s=%s" % (nic["model"], mac) if mac else nic["model"]
    rest = dict((key, nic[key]) for key in NIC_OPTIONS if nic.get(key) is not None)
    return ",".join([head] + (["%s=%s" % (key, rest[key]) for key in sorted(rest)] if rest else []))


def describe_nic(nic):
    return ",".join("%s=%s" % (key, nic[key]) for key in ("model", "bridge", "tag", "firewall", "macaddr") if key in nic)


def plan_nics(plan, current, params, fresh, apply_hardware):
    """Set the declared NICs that differ (the MAC is kept unless declared); delete undeclared ones on request."""
    updates, delete, drift, changes, after = plan.updates, plan.delete, plan.drift, plan.changes, plan.after
    declared_nics = dict((nic["slot"], desired_nic(nic)) for nic in params["nics"])
    for slot, nic in sorted(declared_nics.items()):
        have = current["nics"].get(slot)
        compared = dict((key, value) for key, value in (have or {}).items()
                        if key != "macaddr" or "macaddr" in nic)
        if have is not None and compared == nic:
            continue
        drift.append({"key": slot, "current": describe_nic(have) if have else None, "desired": describe_nic(nic),
                      "applied": bool(apply_hardware)})
        if fresh or apply_hardware:
            updates[slot] = nic_value(nic, (have or {}).get("macaddr"))
            after["nics"][slot] = dict(nic, macaddr=nic.get("macaddr") or (have or {}).get("macaddr") or "auto")
            changes.append("set %s" % slot)
    for slot in sorted(current["nics"]):
        if slot not in declared_nics:
            drift.append({"key": slot, "current": describe_nic(current["nics"][slot]), "desired": None,
                          "applied": bool(apply_hardware)})
            if apply_hardware:
                delete.append(slot)
                del after["nics"][slot]
                changes.append("delete %s" % slot)
