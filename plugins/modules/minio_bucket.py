#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_bucket
short_description: Manage MinIO buckets (versioning, encryption, quota, tags, object lock)
version_added: 0.1.0
description:
  - Creates or removes a bucket and reconciles its versioning, default encryption (SSE-S3), hard quota
    and tags. Object lock can only be chosen when the bucket is created.
  - SSE-S3 needs a KMS on the server (KES, or C(MINIO_KMS_SECRET_KEY)); without one the module refuses
    with a clear message before changing anything.
  - Refuses to delete a bucket that still holds objects unless O(force=true).
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name:
    description: Bucket name.
    type: str
    required: true
  state:
    description: Whether the bucket should exist.
    type: str
    choices: [present, absent]
    default: present
  versioning:
    description: V(enabled) or V(suspended). Unset leaves versioning alone (new buckets are unversioned).
    type: str
    choices: [enabled, suspended]
  versioning_excluded_prefixes:
    description:
      - Folders of a versioned bucket that keep no versions (MinIO's C(ExcludedPrefixes) extension, at most 10,
        each ending with C(/)). A file deleted there is gone for good.
      - The lab excludes C(results/), the folders shared with external collaborators. Their source of truth is
        NFS, and MinIO lets whoever may list a folder list its old versions (C(ListObjectVersions) falls back
        to C(s3:ListBucket)), so a file published by mistake and removed must not stay behind as an old version.
        M(egid.s3share.minio_collaborator) refuses to share a folder that keeps versions.
      - Only with O(versioning=enabled). An empty list removes the exclusions. Unset leaves them alone.
    type: list
    elements: str
  encryption:
    description: Default encryption. V(sse-s3) encrypts new objects with the server's KMS; V(none) removes it.
    type: str
    choices: [sse-s3, none]
  quota:
    description:
      - Hard quota, in bytes or with a unit (C(500GiB), C(5TiB), C(10GB)). V(0) removes the quota.
      - A bare unit letter (C(K), C(M), C(G), C(T), C(P)) and C(KiB) ... C(PiB) are binary (powers of 1024);
        C(KB) ... C(PB) are decimal (powers of 1000), as C(mc) means them; a number without unit is bytes.
      - Unset leaves the quota alone.
    type: str
  tags:
    description: Bucket tags.
    type: dict
  purge_tags:
    description: Remove the tags that are not in O(tags).
    type: bool
    default: true
  object_lock:
    description:
      - Enable object lock (WORM) when creating the bucket. It implies versioning V(enabled).
      - It cannot be changed on an existing bucket; a mismatch is refused.
    type: bool
  force:
    description: With O(state=absent), delete every object and version in the bucket first.
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
- name: One bucket per platform, versioned, encrypted, with a 5 TiB quota
  egid.s3share.minio_bucket:
    name: ligan
    versioning: enabled
    versioning_excluded_prefixes: [results/]
    encryption: sse-s3
    quota: 5TiB
    tags:
      platform: ligan
      gdpr: "true"

- name: Remove an empty bucket
  egid.s3share.minio_bucket:
    name: old-project
    state: absent
"""

RETURN = r"""
bucket:
  description: The bucket after the run.
  returned: always
  type: dict
  contains:
    state:
      description: V(present) or V(absent).
      type: str
    versioning:
      description: V(enabled), V(suspended) or V(off).
      type: str
    versioning_excluded_prefixes:
      description: Folders that keep no versions.
      type: list
      elements: str
    encryption:
      description: V(sse-s3), V(sse-kms) or V(none).
      type: str
    quota:
      description: Hard quota in bytes, 0 when none.
      type: int
    tags:
      description: Bucket tags.
      type: dict
    object_lock:
      description: Whether object lock is enabled.
      type: bool
  sample: {"state": "present", "versioning": "enabled", "encryption": "sse-s3", "quota": 5497558138880,
           "tags": {"platform": "ligan"}, "object_lock": false}
deleted_objects:
  description: Number of object versions deleted with O(force=true).
  returned: when O(state=absent)
  type: int
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import (
    BucketRefused, ensure_bucket, ensure_bucket_absent, validate_bucket_request,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule


def main():
    m = MinioModule("minio_bucket", dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        versioning=dict(type="str", choices=["enabled", "suspended"]),
        versioning_excluded_prefixes=dict(type="list", elements="str"),
        encryption=dict(type="str", choices=["sse-s3", "none"]),
        quota=dict(type="str"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        object_lock=dict(type="bool"),
        force=dict(type="bool", default=False),
    ))
    p = m.params
    name = p["name"]
    target = "bucket:%s" % name
    action = "remove_bucket" if p["state"] == "absent" else "set_bucket"
    try:
        quota, excluded = validate_bucket_request(name, p["quota"], p["versioning"],
                                                  p["versioning_excluded_prefixes"], p["object_lock"])
        if p["state"] == "absent":
            outcome = ensure_bucket_absent(m.s3, m.admin, name, force=p["force"], check_mode=m.check_mode,
                                           tracker=m.tracker)
            if outcome.changed:
                m.record_change(action, target, force=p["force"] or None)
            m.exit(outcome.changed, bucket=outcome.bucket, deleted_objects=outcome.deleted_objects)
        outcome = ensure_bucket(m.s3, m.admin, name, versioning=p["versioning"], excluded_prefixes=excluded,
                                encryption=p["encryption"], quota=quota, tags=p["tags"], purge_tags=p["purge_tags"],
                                object_lock=p["object_lock"], check_mode=m.check_mode, tracker=m.tracker,
                                server=m.clients.settings.url)
    except BucketRefused as exc:
        m.refuse(action, target, str(exc))
    except MinioActionError as exc:
        m.fail(exc, action, target)
    if outcome.changed:
        m.record_change("create_bucket" if outcome.created else action, target, changes=outcome.changes)
    m.exit(outcome.changed, bucket=outcome.bucket)


if __name__ == "__main__":
    main()
