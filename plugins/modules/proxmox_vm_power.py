#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: proxmox_vm_power
short_description: Start, stop or restart a Proxmox VE virtual machine
version_added: 0.1.0
description:
  - Brings a QEMU VM to a power state and waits for the PVE task to finish.
  - "Why not M(community.proxmox.proxmox_kvm) with O(community.proxmox.proxmox_kvm#module:state=started):
    it has no check mode, so a check run of the role could not say whether the VM would be started."
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
extends_documentation_fragment:
  - egid.s3share.proxmox
attributes:
  check_mode:
    support: full
    description: Reads the power status and predicts the actions without running them.
  diff_mode:
    support: full
    description: Shows the power status before and after.
  idempotent:
    support: partial
    description: V(started) and V(stopped) change nothing when the VM is already there.
    details: V(restarted) always restarts the VM.
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
  state:
    description:
      - V(started) starts a stopped VM, V(stopped) stops a running one (ACPI shutdown, or hard stop with O(force)),
        V(restarted) shuts it down if needed and starts it, so that pending hardware changes take effect.
    type: str
    choices: [started, stopped, restarted]
    default: started
  force:
    description: Hard stop instead of an ACPI shutdown.
    type: bool
    default: false
  shutdown_timeout:
    description: Seconds the guest has to shut down before PVE gives up (the task then fails).
    type: int
    default: 180
  task_timeout:
    description: Seconds to wait for each PVE task.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Start nectar
  egid.s3share.proxmox_vm_power:
    api_host: dmz-hyp07.example.org
    api_user: automation@pve
    api_token_id: ansible
    api_token_secret: "{{ vault_proxmox_api_token_secret }}"
    ca_path: /etc/ssl/egid/pve-root-ca.pem
    name: nectar
    state: started
"""

RETURN = r"""
vmid:
  description: VMID of the VM.
  returned: always
  type: int
  sample: 107
node:
  description: Node of the VM.
  returned: always
  type: str
  sample: dmz-hyp07
status:
  description: Power status after the run (predicted in check mode).
  returned: always
  type: str
  sample: running
"""

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.errors import ProxmoxError
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.finder import find_vm
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.module import ProxmoxModule


def power_actions(status, state, force):
    """The PVE status/<action> calls that bring a VM from status to state."""
    stop = "stop" if force else "shutdown"
    if state == "started":
        return [] if status == "running" else ["start"]
    if state == "stopped":
        return [] if status == "stopped" else [stop]
    return ([stop] if status == "running" else []) + ["start"]


def converge_power(proxmox_module):
    params = proxmox_module.params
    client = proxmox_module.client
    vm = find_vm(client.find_vms(), name=params["name"], vmid=params["vmid"])
    if vm is None:
        raise ProxmoxError("Failed to find VM %s: no such VM in the cluster"
                           % (params["name"] if params["vmid"] is None else params["vmid"]))
    node, vmid = vm["node"], int(vm["vmid"])
    obj = "VM %s (%s)" % (vm.get("name"), vmid)
    current = client.call("read the status of", obj, client.api.nodes(node).qemu(vmid).status.current.get)
    status = current.get("status")
    actions = power_actions(status, params["state"], params["force"])
    final = "stopped" if params["state"] == "stopped" else "running"
    if actions and not proxmox_module.check_mode:
        for action in actions:
            kwargs = {"timeout": params["shutdown_timeout"]} if action == "shutdown" else {}
            upid = client.call("%s" % action, obj,
                               getattr(client.api.nodes(node).qemu(vmid).status, action).post, **kwargs)
            client.wait_task(node, upid, action, obj, params["task_timeout"])
    result = dict(changed=bool(actions), vmid=vmid, node=node, status=final if actions else status,
                  actions=actions)
    if proxmox_module.module._diff:
        result["diff"] = {"before": {"status": status}, "after": {"status": result["status"]}}
    return result


def main():
    argument_spec = dict(
        name=dict(type="str"),
        vmid=dict(type="int"),
        state=dict(type="str", default="started", choices=["started", "stopped", "restarted"]),
        force=dict(type="bool", default=False),
        shutdown_timeout=dict(type="int", default=180),
        task_timeout=dict(type="int", default=300),
    )
    ProxmoxModule(argument_spec, required_one_of=[("name", "vmid")]).run(converge_power)


if __name__ == "__main__":
    main()
