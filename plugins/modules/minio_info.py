#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: minio_info
short_description: Read-only facts about a MinIO server
version_added: 0.1.0
description:
  - Returns server information, buckets (with versioning, encryption, quota, tags and object lock), users,
    groups, policies, and collaborators with their expiry. Never changes anything.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  gather_subset:
    description: What to gather.
    type: list
    elements: str
    choices: [all, server, buckets, users, groups, policies, collaborators]
    default: [all]
  records_bucket:
    description: Admin bucket holding the collaborator records.
    type: str
    default: s3share-admin
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: N/A
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Who has access, and until when?
  egid.s3share.minio_info:
    gather_subset: [users, collaborators]
  register: minio

- name: Show the collaborators that have expired but not been swept yet
  ansible.builtin.debug:
    msg: "{{ minio.collaborators | selectattr('expired') | map(attribute='name') }}"
"""

RETURN = r"""
server:
  description: Server mode, deployment id, version, KMS status and usage.
  returned: when server is gathered
  type: dict
  sample: {"mode": "online", "deployment_id": "40ca2eb9-...", "versions": ["2025-10-15T17:29:55Z"],
           "kms": true, "buckets": 2, "objects": 12, "usage_bytes": 123456}
buckets:
  description: Buckets by name.
  returned: when buckets are gathered
  type: dict
  sample: {"ligan": {"versioning": "enabled", "encryption": "sse-s3", "quota": 0, "tags": {}, "object_lock": false}}
users:
  description: Built-in users by access key (never secrets).
  returned: when users are gathered
  type: dict
  sample: {"sgressier": {"status": "enabled", "policies": ["ligan-rw"], "member_of": []}}
groups:
  description: Groups by name.
  returned: when groups are gathered
  type: dict
  sample: {"bioinfo": {"status": "enabled", "members": ["sgressier"], "policies": ["ligan-rw"]}}
policies:
  description: Canned policies by name, normalised.
  returned: when policies are gathered
  type: dict
collaborators:
  description: Collaborator records with their expiry and whether their user still exists.
  returned: when collaborators are gathered
  type: list
  elements: dict
  sample: [{"name": "chu-liege", "access_key": "C7Q2ZK4M9T1XW8P0L3RA", "bucket": "ligan",
            "prefix": "results/chu-liege", "access": "read-only", "expires_at": "2026-12-23T08:00:00Z",
            "expired": false, "user_exists": true, "created_by": "sgressier"}]
"""

import json

from ansible_collections.egid.s3share.plugins.module_utils._minio_bucket import read_bucket
from ansible_collections.egid.s3share.plugins.module_utils._minio_collab import CollaboratorStore, record_view
from ansible_collections.egid.s3share.plugins.module_utils._minio_errors import MinioActionError, translate
from ansible_collections.egid.s3share.plugins.module_utils._minio_iam import IamState
from ansible_collections.egid.s3share.plugins.module_utils._minio_module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio_policy import PolicyError, normalize_policy

SUBSETS = ("server", "buckets", "users", "groups", "policies", "collaborators")


def gather_server(m):
    try:
        info = json.loads(m.admin.info() or "{}")
    except Exception as exc:  # pylint: disable=broad-except
        raise translate("read", "server information", exc)
    services = info.get("services") or {}
    kms_status = services.get("kmsStatus") or []
    return {
        "mode": info.get("mode"),
        "deployment_id": info.get("deploymentID"),
        "versions": sorted(set(s.get("version") for s in info.get("servers") or [] if s.get("version"))),
        "kms": bool(kms_status) and all(s.get("status") == "online" for s in kms_status),
        "buckets": (info.get("buckets") or {}).get("count"),
        "objects": (info.get("objects") or {}).get("count"),
        "usage_bytes": (info.get("usage") or {}).get("size"),
    }


def gather_buckets(m):
    result = {}
    try:
        names = [b.name for b in m.s3.list_buckets()]
    except Exception as exc:  # pylint: disable=broad-except
        raise translate("list", "buckets", exc)
    for name in names:
        state = read_bucket(m.s3, m.admin, name)
        if state:
            state.pop("state", None)
            result[name] = state
    return result


def main():
    m = MinioModule("minio_info", dict(
        gather_subset=dict(type="list", elements="str", default=["all"], choices=["all"] + list(SUBSETS)),
        records_bucket=dict(type="str", default="s3share-admin"),
    ))
    subsets = set(SUBSETS) if "all" in m.params["gather_subset"] else set(m.params["gather_subset"])
    iam = IamState(m.admin)
    result = {}
    try:
        if "server" in subsets:
            result["server"] = gather_server(m)
        if "buckets" in subsets:
            result["buckets"] = gather_buckets(m)
        if "users" in subsets:
            result["users"] = dict((k, dict(v)) for k, v in iam.users().items())
        if "groups" in subsets:
            result["groups"] = dict((n, dict(iam.group(n))) for n in iam.group_names() if iam.group(n))
        if "policies" in subsets:
            policies = {}
            for name, doc in iam.policies().items():
                try:
                    policies[name] = normalize_policy(doc)
                except PolicyError:
                    policies[name] = doc
            result["policies"] = policies
        if "collaborators" in subsets:
            collaborators = []
            for record in CollaboratorStore(m.s3, m.params["records_bucket"]).all():
                view = record_view(record)
                view.pop("state", None)
                view["user_exists"] = iam.user(record.get("access_key") or "") is not None
                collaborators.append(view)
            result["collaborators"] = collaborators
    except MinioActionError as exc:
        m.fail(exc)
    m.module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
