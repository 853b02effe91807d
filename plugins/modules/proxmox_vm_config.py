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
  action_group:
    support: full
    membership:
      - egid.s3share.proxmox
    description: Belongs to the action group C(egid.s3share.proxmox), for C(module_defaults).
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

from ansible_collections.egid.s3share.plugins.module_utils._proxmox import configurator
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.module import ProxmoxModule


def main():
    argument_spec = dict(
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
    ProxmoxModule(argument_spec, mutually_exclusive=[("clone", "import_from", "iso")]).run(configurator.run)


if __name__ == "__main__":
    main()
