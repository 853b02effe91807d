#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

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
  description:
    - Server mode, deployment id, version, KMS status and usage.
    - C(patch_levels) lists the patch levels the servers report (the egid.s3share build, for example C(egid.2);
      C("") for an upstream build), and C(advisories) what every server's patch level fixes (docs/security.md).
  returned: when server is gathered
  type: dict
  sample: {"mode": "online", "deployment_id": "40ca2eb9-...", "versions": ["2025-10-15T17:29:55Z"],
           "patch_levels": ["egid.2"], "advisories": ["CVE-2026-41145", "EGID-2026-002"],
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
  description:
    - Collaborator records with their expiry, whether their user still exists and its status, and the access keys
      derived from it (service accounts and STS keys, which should never exist, since the collaborator policy denies
      them; M(egid.s3share.minio_collaborator) with O(egid.s3share.minio_collaborator#module:rotate=true) or
      O(egid.s3share.minio_collaborator#module:state=absent) deletes them).
  returned: when collaborators are gathered
  type: list
  elements: dict
  sample: [{"name": "chu-liege", "access_key": "C7Q2ZK4M9T1XW8P0L3RA", "bucket": "ligan",
            "prefix": "results/chu-liege", "access": "read-only", "expires_at": "2026-12-23T08:00:00Z",
            "expired": false, "user_exists": true, "user_status": "enabled", "access_keys": [],
            "created_by": "sgressier"}]
unreadable_collaborator_records:
  description: Records that cannot be read or do not name a collaborator, with the reason.
  returned: when collaborators are gathered
  type: list
  elements: dict
  sample: [{"name": "broken", "reason": "collaborator record broken: not valid JSON (...)"}]
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import bucket_names, read_bucket
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.store import CollaboratorStore
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    RecordError, record_view, validate_record,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import IamState
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import PolicyError, normalize_policy
from ansible_collections.egid.s3share.plugins.module_utils._minio.server import server_info

SUBSETS = ("server", "buckets", "users", "groups", "policies", "collaborators")


def gather_buckets(m):
    result = {}
    for name in bucket_names(m.s3):
        state = read_bucket(m.s3, m.admin, name)
        if state:
            state.pop("state", None)
            result[name] = state
    return result


def main():
    m = MinioModule("minio_info", dict(
        gather_subset=dict(type="list", elements="str", default=["all"], choices=["all"] + list(SUBSETS)),
    ))
    subsets = set(SUBSETS) if "all" in m.params["gather_subset"] else set(m.params["gather_subset"])
    iam = IamState(m.admin)
    result = {}
    try:
        if "server" in subsets:
            result["server"] = server_info(m.admin)
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
            store = CollaboratorStore(m.s3, m.params["records_bucket"])
            records, unreadable = [], []
            for name in store.names():
                try:
                    record = store.get(name)
                    validate_record(name, record)
                    records.append(record)
                except RecordError as exc:
                    unreadable.append({"name": name, "reason": str(exc)})
            manager = Collaborators(iam, m.s3, store, m.audit.actor, check_mode=True)
            derived = manager.collaborator_access_keys(records)
            collaborators = []
            for record in records:
                view = record_view(record)
                view.pop("state", None)
                user = iam.user(record["access_key"])
                view["user_exists"] = user is not None
                view["user_status"] = user["status"] if user else None
                view["access_keys"] = derived.get(record["name"], [])
                collaborators.append(view)
            result["collaborators"] = collaborators
            result["unreadable_collaborator_records"] = unreadable
    except MinioActionError as exc:
        m.fail(exc)
    m.module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
