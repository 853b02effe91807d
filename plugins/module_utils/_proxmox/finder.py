# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the proxmox_* modules find a VM (or a template) in the cluster resources.

``resources`` is the answer of GET /cluster/resources?type=vm (ProxmoxClient.find_vms()).
No Ansible import.
"""

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.errors import ProxmoxError


def find_vm(resources, name=None, vmid=None, label=None, templates=False):
    """The QEMU VM with this VMID (or, without one, this name), or None when there is none.

    Raises ProxmoxError when the name is ambiguous, when the VMID belongs to a
    VM of another name (both given), or when the VM found is a template and
    ``templates`` is false. ``label`` names the VM in the messages.
    """
    label = label or "VM %s" % (name if vmid is None else vmid)
    vms = [item for item in resources if item.get("type") == "qemu"]
    if vmid is not None:
        match = [item for item in vms if int(item["vmid"]) == vmid]
        if not match:
            return None
        found = match[0]
        if name is not None and found.get("name") != name:
            raise ProxmoxError("Failed to use VMID %s for %s: it belongs to VM %r" % (vmid, label, found.get("name")))
    else:
        match = [item for item in vms if item.get("name") == name]
        if len(match) > 1:
            raise ProxmoxError("Failed to find %s: %d VMs have that name (VMIDs %s); set vmid"
                               % (label, len(match), ", ".join(str(item["vmid"]) for item in match)))
        if not match:
            return None
        found = match[0]
    if found.get("template") and not templates:
        raise ProxmoxError("Failed to manage %s: VMID %s is a template" % (label, found["vmid"]))
    return found


def find_template(resources, wanted, label):
    """The template whose VMID or name is ``wanted``; raises ProxmoxError when there is none or several."""
    templates = [item for item in resources if item.get("type") == "qemu" and item.get("template")]
    match = [item for item in templates if str(item["vmid"]) == wanted or item.get("name") == wanted]
    if not match:
        raise ProxmoxError("Failed to find template %s for %s: no template with that name or VMID in the cluster "
                           "(templates: %s)" % (wanted, label,
                                                ", ".join("%s (%s)" % (item.get("name"), item["vmid"])
                                                          for item in templates) or "none"))
    if len(match) > 1:
        raise ProxmoxError("Failed to find template %s for %s: it is ambiguous (VMIDs %s)"
                           % (wanted, label, ", ".join(str(item["vmid"]) for item in match)))
    return match[0]
