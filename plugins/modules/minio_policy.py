#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_policy
short_description: Manage MinIO canned (IAM) policies
version_added: 0.1.0
description:
  - Creates, updates or removes a canned policy on a MinIO server, from a template or from JSON.
  - The current and wanted documents are compared after normalisation, so statement order,
    action and resource order, and a single string versus a one-element list make no difference.
  - Refuses to remove a policy that is still attached to users or groups, unless O(detach=true).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name:
    description: Name of the policy.
    type: str
    required: true
  state:
    description: Whether the policy should exist.
    type: str
    choices: [present, absent]
    default: present
  template:
    description:
      - V(read-only) grants C(s3:GetObject) under O(prefix) and C(s3:ListBucket) conditioned on
        that prefix (so C(mc ls) and the console can browse it), and nothing else.
      - V(read-write) adds C(s3:PutObject), C(s3:DeleteObject) and multipart uploads.
      - Both templates also deny every C(admin:*) action (no service account or secret of the user's own), any
        delete naming an object version, and the actions that destroy versions for good (C(s3:DeleteObjectVersion),
        retention, versioning and lifecycle changes), so that a delete only adds a delete marker.
      - V(custom) uses O(policy).
    type: str
    choices: [read-only, read-write, custom]
    default: custom
  bucket:
    description: Bucket the template applies to. Required with V(read-only) and V(read-write).
    type: str
  prefix:
    description:
      - Folder inside O(bucket), for example C(results/chu-liege). Empty means the whole bucket.
      - C(..), a leading C(/) and wildcards are refused.
    type: str
    default: ""
  policy:
    description: The policy document (a dictionary or JSON text) when O(template=custom).
    type: json
  detach:
    description: With O(state=absent), detach the policy from its users and groups first.
    type: bool
    default: false
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
- name: Read-write access to the ligan bucket for internal bioinformaticians
  egid.s3share.minio_policy:
    name: ligan-rw
    template: read-write
    bucket: ligan

- name: A custom policy
  egid.s3share.minio_policy:
    name: impact-list
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: s3:ListBucket
          Resource: arn:aws:s3:::impact-pm

- name: Remove a policy
  egid.s3share.minio_policy:
    name: impact-list
    state: absent
"""

RETURN = r"""
policy:
  description: The normalised policy document after the run (absent when the policy is removed).
  returned: when O(state=present)
  type: dict
  sample: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
           "Resource": ["arn:aws:s3:::ligan/*"]}]}
detached_from:
  description: Users and groups the policy was detached from, with O(state=absent) and O(detach=true).
  returned: when O(state=absent)
  type: dict
  sample: {"users": ["alice"], "groups": []}
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    BUILTIN_POLICIES, IamState, ensure_policy, ensure_policy_absent, policy_entities,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, internal_policy, normalize_policy,
)


def main():
    m = MinioModule("minio_policy", dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        template=dict(type="str", default="custom", choices=["read-only", "read-write", "custom"]),
        bucket=dict(type="str"),
        prefix=dict(type="str", default=""),
        policy=dict(type="json"),
        detach=dict(type="bool", default=False),
    ))
    p = m.params
    name = p["name"]
    target = "policy:%s" % name
    action = "remove_policy" if p["state"] == "absent" else "set_policy"
    if name in BUILTIN_POLICIES:
        m.refuse(action, target, "refusing to change the built-in policy %s" % name)
    document = None
    if p["state"] == "present":
        try:
            if p["template"] == "custom":
                if not p["policy"]:
                    raise PolicyError("policy is required with template=custom")
                document = normalize_policy(p["policy"])
            else:
                if not p["bucket"]:
                    raise PolicyError("bucket is required with template=%s" % p["template"])
                document = internal_policy(p["template"], p["bucket"], p["prefix"])
        except PolicyError as exc:
            m.refuse(action, target, "Invalid policy %s: %s" % (name, exc))

    iam = IamState(m.admin)
    result = {}
    try:
        if p["state"] == "present":
            changed = ensure_policy(iam, name, document, m.check_mode, m.tracker)
            result["policy"] = normalize_policy(iam.policy(name))
        else:
            detached = {"users": [], "groups": []}
            if iam.policy(name) is not None:
                users, groups = policy_entities(iam, name)
                if (users or groups) and not p["detach"]:
                    m.refuse(action, target, "Failed to remove policy %s: it is still attached to %s "
                             "(set detach: true to detach it first)" % (name, ", ".join(
                                 ["user %s" % u for u in users] + ["group %s" % g for g in groups])))
                detached = {"users": users, "groups": groups}
            changed = ensure_policy_absent(iam, name, m.check_mode, m.tracker, detach=p["detach"])
            result["detached_from"] = detached
    except MinioActionError as exc:
        m.fail(exc, action, target)
    if changed:
        m.record_change(action, target, template=p["template"] if p["state"] == "present" else None,
                        bucket=p["bucket"], prefix=p["prefix"] or None)
    m.exit(changed, **result)


if __name__ == "__main__":
    main()
