# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine of proxmox_vm_config: read the cluster, plan (plan.py), write.

The module file holds the documentation and the argument spec and calls
run(); the decisions are in plan.py and its device classes, the VM lookup in
finder.py, the connection in api.py.
"""

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.errors import ProxmoxError
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.finder import find_template, find_vm
from ansible_collections.egid.s3share.plugins.module_utils._proxmox.plan import (
    PlanError, creation_request, display, normalise_config, plan_changes, predicted_clone, validate_declaration,
)


def run(proxmox_module):
    """The action of ProxmoxModule.run(): validate the declaration before connecting, then converge."""
    params = proxmox_module.params
    problems = validate_declaration(params)
    if problems:
        proxmox_module.fail("Failed to validate the declaration of VM %s: %s" % (params["name"], "; ".join(problems)))
    return VmConfigurator(proxmox_module.module, proxmox_module.client).run()


class VmConfigurator:
    """Reads the cluster, plans with plan.py, writes; check mode stops before the first write."""

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
        return find_vm(resources, name=self.params["name"], vmid=self.params.get("vmid"), label=self.label)

    def find_template(self, resources):
        return find_template(resources, self.params["clone"], self.label)

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
