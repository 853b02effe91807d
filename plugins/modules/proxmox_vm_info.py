#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: proxmox_vm_info
short_description: Read a Proxmox VE VM's configuration, status and guest agent addresses
version_added: 0.1.0
description:
  - Returns the configuration of a QEMU VM as C(qm config) shows it, its power status, and optionally the
    network interfaces reported by the QEMU guest agent.
  - A missing VM is not an error (RV(exists=false)); an agent that does not answer yet is not an error either
    (RV(agent_error)), so that the module can be polled with C(until).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
extends_documentation_fragment:
  - egid.s3share.proxmox
attributes:
  check_mode:
    support: full
    description: Read-only, it runs normally in check mode.
  diff_mode:
    support: none
    description: Read-only, nothing to show.
  idempotent:
    support: full
    description: Read-only.
  action_group:
    support: full
    membership:
      - egid.s3share.proxmox
    description: Belongs to the action group C(egid.s3share.proxmox), for C(module_defaults).
options:
  name:
    description: Name of the VM. Used when O(vmid) is not set.
    type: str
  vmid:
    description: VMID of the VM.
    type: int
  agent_interfaces:
    description: Also ask the guest agent for the network interfaces (C(agent/network-get-interfaces)).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Wait for nectar's guest agent to report an address
  egid.s3share.proxmox_vm_info:
    api_host: dmz-hyp07.example.org
    api_user: automation@pve
    api_token_id: ansible
    api_token_secret: "{{ vault_proxmox_api_token_secret }}"
    ca_path: /etc/ssl/egid/pve-root-ca.pem
    name: nectar
    agent_interfaces: true
  register: nectar_info
  until: nectar_info.ip_addresses | length > 0
  retries: 60
  delay: 5
"""

RETURN = r"""
exists:
  description: Whether the VM exists.
  returned: always
  type: bool
vmid:
  description: VMID of the VM.
  returned: when the VM exists
  type: int
  sample: 107
node:
  description: Node of the VM.
  returned: when the VM exists
  type: str
  sample: dmz-hyp07
status:
  description: Power status.
  returned: when the VM exists
  type: str
  sample: running
config:
  description: The VM configuration as C(qm config) shows it (without C(digest)); C(cipassword) is masked by PVE.
  returned: when the VM exists
  type: dict
  sample: {"cores": 8, "memory": "16384", "scsi0": "Dmzprox:107/vm-107-disk-0.qcow2,cache=writeback,discard=on,iothread=1,size=50G"}
interfaces:
  description: Interfaces reported by the guest agent.
  returned: when O(agent_interfaces=true) and the agent answered
  type: list
  elements: dict
ip_addresses:
  description: Non-loopback addresses reported by the guest agent.
  returned: when O(agent_interfaces=true)
  type: list
  elements: str
  sample: ["192.0.2.107"]
agent_error:
  description: Why the guest agent did not answer.
  returned: when O(agent_interfaces=true) and the agent did not answer
  type: str
  sample: "QEMU guest agent is not running"
"""

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.finder import find_vm
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.module import ProxmoxModule


def agent_addresses(interfaces):
    """Non-loopback IPv4/IPv6 addresses (link-local IPv6 excluded) from network-get-interfaces."""
    addresses = []
    for interface in interfaces:
        if interface.get("name") == "lo":
            continue
        for address in interface.get("ip-addresses") or []:
            value = address.get("ip-address", "")
            if value.startswith("127.") or value == "::1" or value.lower().startswith("fe80:"):
                continue
            addresses.append(value)
    return addresses


def vm_info(proxmox_module):
    params = proxmox_module.params
    client = proxmox_module.client
    result = dict(changed=False, exists=False)
    # A template is a VM to read, too.
    vm = find_vm(client.find_vms(), name=params["name"], vmid=params["vmid"], templates=True)
    if vm is not None:
        node, vmid = vm["node"], int(vm["vmid"])
        obj = "VM %s (%s)" % (vm.get("name"), vmid)
        qemu = client.api.nodes(node).qemu(vmid)
        config = client.call("read the config of", obj, qemu.config.get)
        config.pop("digest", None)
        status = client.call("read the status of", obj, qemu.status.current.get)
        result.update(exists=True, vmid=vmid, node=node, status=status.get("status"), config=config)
        if params["agent_interfaces"]:
            result["ip_addresses"] = []
            try:
                answer = qemu.agent("network-get-interfaces").get()
                result["interfaces"] = answer.get("result", [])
                result["ip_addresses"] = agent_addresses(result["interfaces"])
            except Exception as exc:  # pylint: disable=broad-except
                # Expected while the guest boots: PVE answers 500 until the agent runs.
                result["agent_error"] = str(getattr(exc, "content", "") or exc).strip()
    return result


def main():
    argument_spec = dict(
        name=dict(type="str"),
        vmid=dict(type="int"),
        agent_interfaces=dict(type="bool", default=False),
    )
    ProxmoxModule(argument_spec, required_one_of=[("name", "vmid")]).run(vm_info)


if __name__ == "__main__":
    main()
