#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_group
short_description: Manage MinIO groups, their members and their policies
version_added: 0.1.0
description:
  - Creates or removes a MinIO group and reconciles its members and attached policies with the same
    V(present)/V(absent)/V(exact) set semantics as M(egid.s3share.minio_user).
  - Removing a group first removes its members (MinIO refuses to remove a non-empty group).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name:
    description: Name of the group.
    type: str
    required: true
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: Whether the group is enabled. Unset keeps the current status.
    type: bool
  members:
    description: Users (access keys) in the group. Unset leaves the members alone. Unknown users are refused.
    type: list
    elements: str
  members_mode:
    description: V(exact) makes O(members) the whole membership; V(present) adds; V(absent) removes.
    type: str
    choices: [present, absent, exact]
    default: exact
  policies:
    description: Canned policies attached to the group. Unset leaves them alone. Unknown policies are refused.
    type: list
    elements: str
  policies_mode:
    description: V(exact) attaches exactly O(policies); V(present) attaches; V(absent) detaches.
    type: str
    choices: [present, absent, exact]
    default: exact
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Bioinformaticians of the ligan platform
  egid.s3share.minio_group:
    name: bioinfo-ligan
    members: [sgressier, mcanouil]
    policies: [ligan-rw]

- name: Add one member without touching the others
  egid.s3share.minio_group:
    name: bioinfo-ligan
    members: [newcomer]
    members_mode: present
"""

RETURN = r"""
group:
  description: The group after the run.
  returned: always
  type: dict
  contains:
    state:
      description: V(present) or V(absent).
      type: str
    status:
      description: V(enabled) or V(disabled).
      type: str
    members:
      description: Members, sorted.
      type: list
      elements: str
    policies:
      description: Attached policies, sorted.
      type: list
      elements: str
  sample: {"state": "present", "status": "enabled", "members": ["sgressier"], "policies": ["ligan-rw"]}
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    IamState, check_policies_exist, ensure_group_absent, ensure_group_present, group_view,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule


def main():
    m = MinioModule("minio_group", dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        enabled=dict(type="bool"),
        members=dict(type="list", elements="str"),
        members_mode=dict(type="str", default="exact", choices=["present", "absent", "exact"]),
        policies=dict(type="list", elements="str"),
        policies_mode=dict(type="str", default="exact", choices=["present", "absent", "exact"]),
    ))
    p = m.params
    name = p["name"]
    target = "group:%s" % name
    action = "remove_group" if p["state"] == "absent" else "set_group"
    iam = IamState(m.admin)
    try:
        if p["state"] == "absent":
            changed = ensure_group_absent(iam, name, m.check_mode, m.tracker)
        else:
            if p["policies"] and p["policies_mode"] != "absent":
                message = check_policies_exist(iam, p["policies"], "Failed to set the policies of group %s" % name)
                if message:
                    m.refuse(action, target, message)
            if p["members"] and p["members_mode"] != "absent":
                unknown = sorted(set(p["members"]) - set(iam.users()))
                if unknown:
                    m.refuse(action, target, "Failed to set the members of group %s: unknown user%s %s" % (
                        name, "" if len(unknown) == 1 else "s", ", ".join(unknown)))
            changed = ensure_group_present(
                iam, name, members=p["members"], members_mode=p["members_mode"], policies=p["policies"],
                policies_mode=p["policies_mode"], enabled=p["enabled"], check_mode=m.check_mode, tracker=m.tracker)
    except MinioActionError as exc:
        m.fail(exc, action, target)
    if changed:
        m.record_change(action, target)
    m.exit(changed, group=group_view(iam.group(name)) if name in iam.group_names() else group_view(None))


if __name__ == "__main__":
    main()
