#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: proxmox_vm_config
short_description: Create a Proxmox VE virtual machine and keep its hardware and cloud-init settings as declared
version_added: 0.1.0
description:
  - Creates a QEMU VM on a Proxmox VE cluster, by cloning a cloud-init template, by importing a cloud image
    already on a storage, or blank (optionally with an installer ISO on a CD-ROM drive), and then converges
    its configuration, that is CPU, memory, SCSI controller, disks, NICs, cloud-init user, SSH keys, IP and DNS settings.
  - "Why not M(community.proxmox.proxmox_kvm) and M(community.proxmox.proxmox_disk): they have no check mode,
    and C(proxmox_kvm) with O(community.proxmox.proxmox_kvm#module:update=true) skips disks and NICs unless
    C(update_unsafe) is set, which also lets it recreate disks. This module computes one plan (create, config
    changes, disk growth) from the current and the declared state, validates it completely before the first
    write, and reports it in check and diff mode."
  - A disk is never shrunk, detached, moved or deleted. A smaller size, a declared disk on another storage, or a disk
    of the VM that is not declared fails the task before anything is written.
  - Differences in CPU, memory, SCSI controller, BIOS, machine, disk options and NICs on an existing VM need a
    reboot to take effect. They are reported in RV(drift) and only applied with O(apply_hardware_changes=true).
  - Disks added to the declaration are created, grown disks are resized, cloud-init settings are updated;
    cloud-init changes reach the guest at its next boot.
  - Preflight checks, all read-only, run before any write, in check mode too. The node must be online, the storages
    must exist on it with C(images) content, the bridges must exist on it, and the template, cloud image or ISO
    must exist.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
extends_documentation_fragment:
  - egid.s3share.proxmox
attributes:
  check_mode:
    support: full
    description: Runs the read-only preflight checks and predicts every change, without writing.
  diff_mode:
    support: full
    description: Shows the normalised configuration before and after (secrets masked).
  idempotent:
    support: full
    description: A second run with the same declaration reports no change.
options:
  name:
    description:
      - Name of the VM (a DNS label). It identifies the VM when O(vmid) is not set.
    type: str
    required: true
  vmid:
    description:
      - VMID of the VM. When not set, an existing VM is found by O(name), and a new VM gets the next free VMID of the cluster.
      - If the VMID is already used by a VM with another name, the task fails.
    type: int
  node:
    description:
      - Node where a new VM is created. An existing VM is managed where it is, with a warning if that is another node.
    type: str
    required: true
  clone:
    description:
      - Name or VMID of a cloud-init template to clone the VM from (full clone onto the storage of the first disk).
      - Mutually exclusive with O(import_from) and O(iso).
    type: str
  import_from:
    description:
      - Volume ID of a cloud image to import as the first disk, for example V(Dmzprox:import/debian-12-genericcloud-amd64.qcow2).
      - Mutually exclusive with O(clone) and O(iso).
    type: str
  iso:
    description:
      - Volume ID of an installer ISO inserted in O(iso_drive), for example V(Dmzprox:iso/debian-12.11.0-amd64-netinst.iso).
      - Disks are created blank and the VM boots from its first disk, then the CD-ROM drive.
      - Mutually exclusive with O(clone) and O(import_from).
    type: str
  iso_drive:
    description: Drive slot of the installer CD-ROM.
    type: str
    default: ide2
  memory:
    description: Memory in MiB.
    type: int
    required: true
  sockets:
    description: Number of CPU sockets.
    type: int
    default: 1
  cores:
    description: Number of cores per socket.
    type: int
    required: true
  cpu:
    description: Emulated CPU type, as a PVE C(cpu) value.
    type: str
    default: x86-64-v2-AES
  bios:
    description: Firmware. V(seabios) is PVE's default and is not written to the config.
    type: str
    choices: [seabios, ovmf]
    default: seabios
  machine:
    description:
      - QEMU machine type. V(i440fx) is PVE's default and is not written to the config; otherwise a PVE C(machine) value such as V(q35).
    type: str
    default: i440fx
  scsihw:
    description: SCSI controller model.
    type: str
    default: virtio-scsi-single
    choices: [lsi, lsi53c810, virtio-scsi-pci, virtio-scsi-single, megasas, pvscsi]
  ostype:
    description: Guest OS type.
    type: str
    default: l26
  vga:
    description:
      - Display, as a PVE C(vga) value such as V(std) or V(serial0). V(default) leaves it out of the config (PVE's default display).
    type: str
    default: default
  serial_console:
    description:
      - Add a serial port (C(serial0=socket)), as many cloud-init templates have. V(false) removes it.
    type: bool
    default: false
  agent:
    description: Enable the QEMU guest agent device.
    type: bool
    default: true
  onboot:
    description: Start the VM when its node boots.
    type: bool
    default: true
  disks:
    description: The VM's disks. Every disk of the VM must be listed, the first one is the boot disk.
    type: list
    elements: dict
    required: true
    suboptions:
      slot:
        description: Drive slot, for example V(scsi0).
        type: str
        required: true
      size:
        description:
          - Size with a unit, for example V(50G) or V(5T). Only grows.
          - A bare unit letter (C(K), C(M), C(G), C(T), C(P)) and C(KiB) ... C(PiB) are binary (powers of 1024,
            as Proxmox VE means them); C(KB) ... C(PB) are decimal (powers of 1000); a number without unit is bytes.
        type: str
        required: true
      storage:
        description: Storage where the disk is created.
        type: str
        required: true
      format:
        description: Volume format on file storages.
        type: str
        default: qcow2
        choices: [raw, qcow2, vmdk]
      cache:
        description: Cache mode.
        type: str
        choices: [none, writethrough, writeback, unsafe, directsync]
      discard:
        description: Pass discard/TRIM requests to the storage.
        type: bool
        default: false
      iothread:
        description: Use a dedicated I/O thread (needs O(scsihw=virtio-scsi-single) for SCSI disks).
        type: bool
        default: false
      ssd:
        description: Present the disk as an SSD.
        type: bool
        default: false
      purpose:
        description: Free text saying what the disk is for. Only for humans, never sent to PVE.
        type: str
  nics:
    description: The VM's network devices.
    type: list
    elements: dict
    required: true
    suboptions:
      slot:
        description: Device slot, for example V(net0).
        type: str
        required: true
      model:
        description: NIC model.
        type: str
        default: virtio
      bridge:
        description: Bridge of the node the NIC is plugged in.
        type: str
        required: true
      tag:
        description: VLAN tag.
        type: int
      firewall:
        description: Enable the PVE firewall on this NIC.
        type: bool
        default: false
      macaddr:
        description: MAC address. Generated by PVE when not set, and then not compared.
        type: str
  cloud_init:
    description:
      - Cloud-init settings. Needs a cloud-init capable image (O(clone) or O(import_from)).
      - When set, a cloud-init drive is created on the storage of the first disk, in O(cloud_init.drive).
    type: dict
    suboptions:
      drive:
        description: Slot of the cloud-init drive.
        type: str
        default: ide2
      user:
        description: Administrator account created by cloud-init.
        type: str
      password:
        description:
          - Password of that account. Only set when the VM has none yet, because PVE never shows it back.
        type: str
      ssh_keys:
        description: Public SSH keys of that account.
        type: list
        elements: str
        default: []
      ip_configs:
        description:
          - One PVE C(ipconfig) value per NIC, in NIC order, for example V(ip=192.0.2.10/24,gw=192.0.2.1).
        type: list
        elements: str
        default: []
      nameservers:
        description: DNS servers.
        type: list
        elements: str
        default: []
      searchdomain:
        description: DNS search domain.
        type: str
  apply_hardware_changes:
    description:
      - Apply the differences reported in RV(drift) on an existing VM. They take effect at the next reboot (RV(reboot_required)).
    type: bool
    default: false
  task_timeout:
    description: Seconds to wait for each PVE task (create, clone, config, resize).
    type: int
    default: 900
notes:
  - Uses C(GET /cluster/resources), C(/nodes), C(/nodes/{node}/storage[/{storage}/content]), C(/nodes/{node}/network),
    C(POST /nodes/{node}/qemu), C(POST .../clone), C(GET/POST .../config) with C(digest), C(PUT .../resize), and waits
    for the resulting tasks.
seealso:
  - module: egid.s3share.proxmox_vm_power
  - module: egid.s3share.proxmox_vm_info
  - module: community.proxmox.proxmox_kvm
"""

EXAMPLES = r"""
- name: Create nectar from the Debian 12 cloud-init template
  egid.s3share.proxmox_vm_config:
    api_host: dmz-hyp07.example.org
    api_user: automation@pve
    api_token_id: ansible
    api_token_secret: "{{ vault_proxmox_api_token_secret }}"
    ca_path: /etc/ssl/egid/pve-root-ca.pem
    node: dmz-hyp07
    vmid: 107
    name: nectar
    clone: debian-12-cloudinit
    memory: 16384
    cores: 8
    cpu: x86-64-v2-AES
    disks:
      - {slot: scsi0, size: 50G, storage: Dmzprox, cache: writeback, discard: true, iothread: true}
      - {slot: scsi1, size: 200G, storage: Dmzprox, cache: writeback, discard: true, iothread: true}
      - {slot: scsi2, size: 5T, storage: Dmzprox, cache: writeback, discard: true, iothread: true}
    nics:
      - {slot: net0, model: e1000, bridge: vmbr0}
      - {slot: net1, model: e1000, bridge: vmbr1}
    cloud_init:
      user: egidadmin
      ssh_keys: ["ssh-ed25519 AAAAC3Nza... admin@egid"]
      ip_configs: ["ip=192.0.2.107/24,gw=192.0.2.1"]
      nameservers: [192.0.2.53]
      searchdomain: egid.example.org
  register: nectar_vm
"""

RETURN = r"""
vmid:
  description: VMID of the VM (predicted in check mode for a new VM).
  returned: always
  type: int
  sample: 107
node:
  description: Node of the VM.
  returned: always
  type: str
  sample: dmz-hyp07
created:
  description: Whether the VM was (or, in check mode, would be) created.
  returned: always
  type: bool
config:
  description: Normalised configuration after the run (predicted in check mode), secrets masked.
  returned: always
  type: dict
  sample: {"memory": "16384", "scsi2": "storage=Dmzprox,size=5T,cache=writeback,discard=on,iothread=1"}
changes:
  description: The configuration keys set, the disks resized and the VM created, in order.
  returned: always
  type: list
  elements: str
  sample: ["resize scsi2 5T -> 6T"]
drift:
  description: Hardware differences of an existing VM, not applied unless O(apply_hardware_changes=true).
  returned: always
  type: list
  elements: dict
  sample: [{"key": "memory", "current": "8192", "desired": "16384", "applied": false}]
reboot_required:
  description: Whether hardware changes were applied to a running VM and need a reboot.
  returned: always
  type: bool
"""

import re

try:
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover
    from urllib import quote, unquote

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.api import (
    PROXMOX_REQUIRED_ONE_OF, PROXMOX_REQUIRED_TOGETHER, ProxmoxClient, ProxmoxError, bool_value,
    format_size, parse_property_string, print_property_string, proxmox_argument_spec, size_in_gib,
)
from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size

DISK_KEY = re.compile(r"(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0")
NET_KEY = re.compile(r"net\d+")
HARDWARE_KEYS = ("memory", "sockets", "cores", "cpu", "bios", "machine", "scsihw", "vga", "serial0")
SAFE_KEYS = ("name", "ostype", "agent", "onboot", "boot", "ciuser", "sshkeys", "nameserver", "searchdomain")
# PVE's values when a key is absent from the config.
PVE_DEFAULTS = {"memory": "512", "sockets": "1", "cores": "1", "cpu": "kvm64", "bios": "seabios",
                "machine": "i440fx", "scsihw": "lsi", "ostype": "other", "agent": "0", "onboot": "0",
                "vga": "default", "serial0": "none"}
# Keys whose default is expressed by leaving them out of the config.
ABSENT_DEFAULTS = ("bios", "machine", "vga", "serial0")
DISK_OPTIONS = ("cache", "discard", "iothread", "ssd")
NIC_OPTIONS = ("bridge", "tag", "firewall")


class PlanError(Exception):
    """The declared state cannot be reached safely; nothing was written."""


# --------------------------------------------------------------------------
# Normalisation: the current config and the declaration in the same shape.

def _scalar(key, value):
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


def describe_disk(disk):
    parts = ["storage=%s" % disk["storage"], "size=%s" % (format_size(disk["size"]) if disk["size"] else "?")]
    parts += ["%s=%s" % (key, disk["options"][key]) for key in DISK_OPTIONS if key in disk["options"]]
    return ",".join(parts)


def describe_nic(nic):
    return ",".join("%s=%s" % (key, nic[key]) for key in ("model", "bridge", "tag", "firewall", "macaddr") if key in nic)


def desired_scalars(params):
    """The declared non-disk keys, normalised like _scalar() does for the config."""
    wanted = {
        "name": params["name"],
        "memory": str(params["memory"]),
        "sockets": str(params["sockets"]),
        "cores": str(params["cores"]),
        "cpu": _scalar("cpu", params["cpu"]),
        "bios": params["bios"],
        "machine": _scalar("machine", params["machine"] or "i440fx"),
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
    cloud = params.get("cloud_init")
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


def request_value(key, value):
    """How a normalised scalar is sent to PVE."""
    if key == "sshkeys":
        # PVE wants the keys URL-encoded (format "urlencoded"), on top of the form encoding.
        return quote(value + "\n", safe="")
    if key == "agent" and value in ("0", "1"):
        return "enabled=%s" % value
    return value


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
                result["scalars"][key] = _scalar(key, value)
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
    after = {"scalars": dict(current["scalars"]), "disks": dict(current["disks"]),
             "cdroms": dict(current["cdroms"]), "nics": dict(current["nics"])}
    updates, delete, resizes, drift, changes = {}, [], [], [], []
    errors = []

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
                                     + ["%s=%s" % (key, options[key]) for key in DISK_OPTIONS if key in options])
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
                updates[slot] = ",".join([have["volume"]] + ["%s=%s" % (key, options[key])
                                                             for key in DISK_OPTIONS if key in options])
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

    # CD-ROM / cloud-init drive.
    if params.get("cloud_init") is not None:
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
    if fresh:
        drift = []
    if errors:
        raise PlanError("; ".join(errors))
    hardware_applied = any(item["applied"] for item in drift)
    return {"updates": updates, "delete": delete, "resizes": resizes, "drift": drift, "changes": changes,
            "after": after, "reboot_required": bool(running and hardware_applied)}


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
        request[disk["slot"]] = ",".join(head + ["format=%s" % disk["format"]]
                                         + ["%s=%s" % (key, options[key]) for key in DISK_OPTIONS if key in options])
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


# --------------------------------------------------------------------------
# The module.

class VmConfigurator:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.api = client.api
        self.params = module.params
        self.label = "VM %s" % self.params["name"]

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    # ------------------------------------------------------------ lookups
    def find_vm(self, resources):
        params = self.params
        vms = [item for item in resources if item.get("type") == "qemu"]
        if params.get("vmid") is not None:
            match = [item for item in vms if int(item["vmid"]) == params["vmid"]]
            if not match:
                return None
            found = match[0]
            if found.get("name") != params["name"]:
                raise ProxmoxError("Failed to use VMID %s for %s: it belongs to VM %r"
                                   % (params["vmid"], self.label, found.get("name")))
        else:
            match = [item for item in vms if item.get("name") == params["name"]]
            if len(match) > 1:
                raise ProxmoxError("Failed to find %s: %d VMs have that name (VMIDs %s); set vmid"
                                   % (self.label, len(match), ", ".join(str(item["vmid"]) for item in match)))
            if not match:
                return None
            found = match[0]
        if found.get("template"):
            raise ProxmoxError("Failed to manage %s: VMID %s is a template" % (self.label, found["vmid"]))
        return found

    def find_template(self, resources):
        wanted = self.params["clone"]
        templates = [item for item in resources if item.get("type") == "qemu" and item.get("template")]
        match = [item for item in templates if str(item["vmid"]) == wanted or item.get("name") == wanted]
        if not match:
            raise ProxmoxError("Failed to find template %s for %s: no template with that name or VMID in the cluster "
                               "(templates: %s)" % (wanted, self.label,
                                                    ", ".join("%s (%s)" % (item.get("name"), item["vmid"])
                                                              for item in templates) or "none"))
        if len(match) > 1:
            raise ProxmoxError("Failed to find template %s for %s: it is ambiguous (VMIDs %s)"
                               % (wanted, self.label, ", ".join(str(item["vmid"]) for item in match)))
        return match[0]

    def preflight(self, node, need_volumes):
        """Read-only checks of everything the plan needs; raise ProxmoxError on the first gap."""
        api = self.api
        nodes = self.client.call("list", "the cluster nodes", api.nodes.get)
        states = dict((item["node"], item.get("status")) for item in nodes)
        if node not in states:
            raise ProxmoxError("Failed to find node %s for %s: not a node of the cluster (nodes: %s)"
                               % (node, self.label, ", ".join(sorted(states))))
        if states[node] != "online":
            raise ProxmoxError("Failed to use node %s for %s: node is %s" % (node, self.label, states[node]))
        storages = self.client.call("list", "the storages of node %s" % node, api.nodes(node).storage.get)
        by_name = dict((item["storage"], item) for item in storages)
        for storage in sorted(set(disk["storage"] for disk in self.params["disks"])):
            item = by_name.get(storage)
            if item is None:
                raise ProxmoxError("Failed to find storage %s for %s: not available on node %s (storages: %s)"
                                   % (storage, self.label, node, ", ".join(sorted(by_name))))
            if "images" not in str(item.get("content", "")).split(","):
                raise ProxmoxError("Failed to use storage %s for %s: it does not allow disk images (content: %s)"
                                   % (storage, self.label, item.get("content")))
            if not item.get("active", 1) or not item.get("enabled", 1):
                raise ProxmoxError("Failed to use storage %s for %s: it is not active on node %s"
                                   % (storage, self.label, node))
        bridges = self.client.call("list", "the bridges of node %s" % node,
                                   api.nodes(node).network.get, type="any_bridge")
        names = set(item["iface"] for item in bridges)
        for nic in self.params["nics"]:
            if nic["bridge"] not in names:
                raise ProxmoxError("Failed to find bridge %s for %s %s: not a bridge of node %s (bridges: %s)"
                                   % (nic["bridge"], self.label, nic["slot"], node, ", ".join(sorted(names))))
        for volume in need_volumes:
            storage = volume.split(":", 1)[0]
            if storage not in by_name:
                raise ProxmoxError("Failed to find volume %s for %s: storage %s is not available on node %s"
                                   % (volume, self.label, storage, node))
            content = self.client.call("list", "the content of storage %s" % storage,
                                       api.nodes(node).storage(storage).content.get)
            if volume not in set(item["volid"] for item in content):
                raise ProxmoxError("Failed to find volume %s for %s: it is not on storage %s"
                                   % (volume, self.label, storage))

    def read_config(self, node, vmid):
        return self.client.call("read the config of", "%s (%s)" % (self.label, vmid),
                                self.api.nodes(node).qemu(vmid).config.get)

    def apply(self, node, vmid, plan, config_digest):
        obj = "%s (%s)" % (self.label, vmid)
        timeout = self.params["task_timeout"]
        if plan["updates"] or plan["delete"]:
            request = dict(plan["updates"])
            if plan["delete"]:
                request["delete"] = ",".join(plan["delete"])
            if config_digest:
                request["digest"] = config_digest
            upid = self.client.call("update the config of", obj, self.api.nodes(node).qemu(vmid).config.post, **request)
            self.client.wait_task(node, upid, "update the config of", obj, timeout)
        for slot, size, _old, _new in plan["resizes"]:
            upid = self.client.call("resize disk %s of" % slot, obj,
                                    self.api.nodes(node).qemu(vmid).resize.put, disk=slot, size=size)
            self.client.wait_task(node, upid, "resize disk %s of" % slot, obj, timeout)

    # --------------------------------------------------------------- run
    def run(self):
        params = self.params
        api = self.api
        resources = self.client.find_vms()
        existing = self.find_vm(resources)
        node = params["node"]
        warnings = []
        if existing is not None and existing["node"] != node:
            warnings.append("%s is on node %s, not %s: managing it there" % (self.label, existing["node"], node))
            node = existing["node"]
        volumes = []
        template = None
        if existing is None:
            if params.get("clone"):
                template = self.find_template(resources)
            if params.get("import_from"):
                volumes.append(params["import_from"])
        if params.get("iso"):
            volumes.append(params["iso"])
        self.preflight(node, volumes)

        if existing is not None:
            vmid = int(existing["vmid"])
            config = self.read_config(node, vmid)
            if config.get("lock"):
                raise ProxmoxError("Failed to update %s (%s): it is locked (%s)" % (self.label, vmid, config["lock"]))
            current = normalise_config(config)
            try:
                plan = plan_changes(current, params, running=existing.get("status") == "running")
            except PlanError as exc:
                raise ProxmoxError("Failed to plan the changes of %s (%s): %s" % (self.label, vmid, exc))
            changed = bool(plan["updates"] or plan["delete"] or plan["resizes"])
            if changed and not self.module.check_mode:
                self.apply(node, vmid, plan, config.get("digest"))
                plan["after"] = normalise_config(self.read_config(node, vmid))
            return self.result(node, vmid, False, current, plan, changed, warnings)

        # A new VM: validate the whole plan before the first write.
        if params.get("vmid") is not None:
            vmid = params["vmid"]
        else:
            vmid = int(self.client.call("get", "the next free VMID", api.cluster.nextid.get))
        empty = normalise_config({})
        for key in list(empty["scalars"]):
            del empty["scalars"][key]
        if template is not None:
            template_config = self.client.call("read the config of", "template %s" % params["clone"],
                                               api.nodes(template["node"]).qemu(template["vmid"]).config.get)
            start = predicted_clone(template_config, params)
        else:
            start = None
        try:
            if start is not None:
                plan = plan_changes(start, params, fresh=True)
            else:
                plan = plan_changes(empty, params, fresh=True)
                if params.get("import_from"):
                    # The imported image has its own size; it is grown afterwards.
                    plan["changes"].append("import %s as %s" % (params["import_from"], params["disks"][0]["slot"]))
        except PlanError as exc:
            raise ProxmoxError("Failed to plan the creation of %s (%s): %s" % (self.label, vmid, exc))
        if self.module.check_mode:
            plan["changes"].insert(0, "create VM %s" % vmid if template is None
                                   else "clone template %s to VM %s" % (params["clone"], vmid))
            return self.result(node, vmid, True, empty, plan, True, warnings)

        obj = "%s (%s)" % (self.label, vmid)
        timeout = params["task_timeout"]
        if template is not None:
            clone_args = dict(newid=vmid, name=params["name"], full=1, storage=params["disks"][0]["storage"],
                              format=params["disks"][0]["format"])
            if template["node"] != node:
                clone_args["target"] = node
            upid = self.client.call("clone template %s to" % params["clone"], obj,
                                    api.nodes(template["node"]).qemu(template["vmid"]).clone.post, **clone_args)
            self.client.wait_task(template["node"], upid, "clone template %s to" % params["clone"], obj, timeout)
            first = "clone template %s to VM %s" % (params["clone"], vmid)
        else:
            upid = self.client.call("create", obj, api.nodes(node).qemu.post, **creation_request(params, vmid))
            self.client.wait_task(node, upid, "create", obj, timeout)
            first = "create VM %s" % vmid
        config = self.read_config(node, vmid)
        try:
            plan = plan_changes(normalise_config(config), params, fresh=True)
        except PlanError as exc:
            raise ProxmoxError("Failed to finish the creation of %s: %s" % (obj, exc))
        self.apply(node, vmid, plan, config.get("digest"))
        plan["after"] = normalise_config(self.read_config(node, vmid))
        plan["changes"].insert(0, first)
        return self.result(node, vmid, True, empty, plan, True, warnings)

    def result(self, node, vmid, created, before, plan, changed, warnings):
        for warning in warnings:
            self.module.warn(warning)
        for item in plan["drift"]:
            if not item["applied"]:
                self.module.warn("%s drifted: %s is %s, declared %s; set apply_hardware_changes to fix it "
                                 "(needs a reboot)" % (self.label, item["key"], item["current"], item["desired"]))
        after = display(plan["after"])
        result = dict(changed=changed, vmid=vmid, node=node, created=created, config=after,
                      changes=plan["changes"], drift=plan["drift"], reboot_required=plan["reboot_required"])
        if self.module._diff:
            result["diff"] = {"before": display(before) if not created else {}, "after": after,
                              "before_header": "%s (%s)" % (self.label, vmid), "after_header": "%s (%s)" % (self.label, vmid)}
        return result


def main():
    argument_spec = proxmox_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        vmid=dict(type="int"),
        node=dict(type="str", required=True),
        clone=dict(type="str"),
        import_from=dict(type="str"),
        iso=dict(type="str"),
        iso_drive=dict(type="str", default="ide2"),
        memory=dict(type="int", required=True),
        sockets=dict(type="int", default=1),
        cores=dict(type="int", required=True),
        cpu=dict(type="str", default="x86-64-v2-AES"),
        bios=dict(type="str", default="seabios", choices=["seabios", "ovmf"]),
        machine=dict(type="str", default="i440fx"),
        scsihw=dict(type="str", default="virtio-scsi-single",
                    choices=["lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi"]),
        ostype=dict(type="str", default="l26"),
        vga=dict(type="str", default="default"),
        serial_console=dict(type="bool", default=False),
        agent=dict(type="bool", default=True),
        onboot=dict(type="bool", default=True),
        disks=dict(type="list", elements="dict", required=True, options=dict(
            slot=dict(type="str", required=True),
            size=dict(type="str", required=True),
            storage=dict(type="str", required=True),
            format=dict(type="str", default="qcow2", choices=["raw", "qcow2", "vmdk"]),
            cache=dict(type="str", choices=["none", "writethrough", "writeback", "unsafe", "directsync"]),
            discard=dict(type="bool", default=False),
            iothread=dict(type="bool", default=False),
            ssd=dict(type="bool", default=False),
            purpose=dict(type="str"),
        )),
        nics=dict(type="list", elements="dict", required=True, options=dict(
            slot=dict(type="str", required=True),
            model=dict(type="str", default="virtio"),
            bridge=dict(type="str", required=True),
            tag=dict(type="int"),
            firewall=dict(type="bool", default=False),
            macaddr=dict(type="str"),
        )),
        cloud_init=dict(type="dict", options=dict(
            drive=dict(type="str", default="ide2"),
            user=dict(type="str"),
            password=dict(type="str", no_log=True),
            ssh_keys=dict(type="list", elements="str", default=[], no_log=False),
            ip_configs=dict(type="list", elements="str", default=[]),
            nameservers=dict(type="list", elements="str", default=[]),
            searchdomain=dict(type="str"),
        )),
        apply_hardware_changes=dict(type="bool", default=False),
        task_timeout=dict(type="int", default=900),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=PROXMOX_REQUIRED_ONE_OF,
        required_together=PROXMOX_REQUIRED_TOGETHER,
        mutually_exclusive=[("clone", "import_from", "iso")],
        supports_check_mode=True,
    )
    problems = validate_declaration(module.params)
    if problems:
        module.fail_json(msg="Failed to validate the declaration of VM %s: %s" % (module.params["name"], "; ".join(problems)))
    client = ProxmoxClient(module)
    try:
        result = VmConfigurator(module, client).run()
    except ProxmoxError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


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


if __name__ == "__main__":
    main()
