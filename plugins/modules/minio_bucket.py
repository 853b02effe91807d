#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
    kms_available, parse_size, read_bucket,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError, call
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import validate_bucket_name

try:
    from minio.commonconfig import ENABLED, Tags
    from minio.deleteobjects import DeleteObject
    from minio.sseconfig import Rule, SSEConfig
    from minio.versioningconfig import SUSPENDED, VersioningConfig
except ImportError:  # reported by MinioModule
    pass


def bucket_is_empty(m, name):
    for dummy in m.s3.list_objects(name, recursive=True, include_version=True):
        return False
    return True


def delete_all_versions(m, name):
    count = 0
    batch = []
    for obj in m.s3.list_objects(name, recursive=True, include_version=True):
        batch.append(DeleteObject(obj.object_name, obj.version_id))
        count += 1
    if batch:
        errors = list(m.s3.remove_objects(name, batch, bypass_governance_mode=True))
        if errors:
            raise MinioActionError("empty", "bucket %s" % name, "; ".join(
                "%s: %s" % (e.name, e.message) for e in errors[:5]))
    return count


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
    message = validate_bucket_name(name)
    if message:
        m.refuse(action, target, message)
    quota = None
    if p["quota"] is not None:
        try:
            quota = parse_size(p["quota"])
        except ValueError as exc:
            m.refuse(action, target, str(exc))
    tags = dict((str(k), str(v)) for k, v in (p["tags"] or {}).items()) if p["tags"] is not None else None
    excluded = p["versioning_excluded_prefixes"]
    if excluded is not None:
        excluded = sorted(set(excluded))
        bad = [x for x in excluded if not x.endswith("/") or x.startswith("/") or "*" in x or not x.strip("/")]
        if bad:
            m.refuse(action, target, "Invalid versioning_excluded_prefixes for bucket %s: %s (each must be a folder "
                     "ending with '/', without wildcards)" % (name, ", ".join(bad)))
        if len(excluded) > 10:
            m.refuse(action, target, "Invalid versioning_excluded_prefixes for bucket %s: MinIO accepts at most 10"
                     % name)
    if p["object_lock"] and p["versioning"] == "suspended":
        m.refuse(action, target, "Invalid settings for bucket %s: object lock needs versioning enabled" % name)

    result = {}
    try:
        current = read_bucket(m.s3, m.admin, name)
        if p["state"] == "absent":
            m.tracker.add("bucket", current or {"state": "absent"}, {"state": "absent"})
            changed = current is not None
            result["deleted_objects"] = 0
            if current is not None:
                empty = bucket_is_empty(m, name)
                if not empty and not p["force"]:
                    m.refuse(action, target, "Refusing to delete bucket %s: it is not empty (set force: true "
                             "to delete its objects first)" % name)
                if not m.check_mode:
                    if not empty:
                        result["deleted_objects"] = delete_all_versions(m, name)
                    call("remove", "bucket %s" % name, m.s3.remove_bucket, name)
            if changed:
                m.record_change(action, target, force=p["force"] or None)
            result["bucket"] = {"state": "absent"}
            m.exit(changed, **result)

        before = current or {"state": "absent"}
        base = current or {"state": "present", "versioning": "off", "versioning_excluded_prefixes": [],
                           "encryption": "none", "tags": {}, "quota": 0, "object_lock": bool(p["object_lock"])}
        after = dict(base)
        if current is not None and p["object_lock"] is not None and p["object_lock"] != current["object_lock"]:
            m.refuse(action, target, "Refusing to change object lock on bucket %s: it can only be chosen "
                     "when the bucket is created" % name)
        if after["object_lock"]:
            after["versioning"] = "enabled"
        if p["versioning"]:
            if after["object_lock"] and p["versioning"] == "suspended":
                m.refuse(action, target, "Refusing to suspend versioning on bucket %s: object lock needs it" % name)
            after["versioning"] = p["versioning"]
        if excluded is not None:
            if excluded and after["versioning"] != "enabled":
                m.refuse(action, target, "Invalid settings for bucket %s: versioning_excluded_prefixes needs "
                         "versioning: enabled" % name)
            after["versioning_excluded_prefixes"] = excluded
        if after["versioning"] != "enabled":
            after["versioning_excluded_prefixes"] = []  # MinIO keeps exclusions only on an enabled bucket
        if p["encryption"]:
            after["encryption"] = p["encryption"]
        if quota is not None:
            after["quota"] = quota
        if tags is not None:
            after["tags"] = dict(tags) if p["purge_tags"] else dict(base["tags"], **tags)
        needs_kms = after["encryption"] == "sse-s3" and base["encryption"] != "sse-s3"
        if needs_kms and not kms_available(m.admin, m.clients.settings.url):
            m.refuse(action, target, "Failed to set default encryption on bucket %s: the server has no KMS "
                     "configured, so SSE-S3 is unavailable (configure KES or set MINIO_KMS_SECRET_KEY on the "
                     "server)" % name)
        m.tracker.add("bucket", before, after)
        changed = before != after
        if changed and not m.check_mode:
            if current is None:
                call("create", "bucket %s" % name, m.s3.make_bucket, name, object_lock=bool(after["object_lock"]))
                base = dict(base, versioning="enabled" if after["object_lock"] else "off")
            versioning_keys = ("versioning", "versioning_excluded_prefixes")
            if any(after[k] != base[k] for k in versioning_keys) and after["versioning"] != "off":
                config = VersioningConfig(ENABLED if after["versioning"] == "enabled" else SUSPENDED,
                                          excluded_prefixes=after["versioning_excluded_prefixes"] or None)
                call("set versioning on", "bucket %s" % name, m.s3.set_bucket_versioning, name, config)
            if after["encryption"] != base["encryption"]:
                if after["encryption"] == "sse-s3":
                    call("set default encryption on", "bucket %s" % name, m.s3.set_bucket_encryption, name,
                         SSEConfig(Rule.new_sse_s3_rule()))
                else:
                    call("remove default encryption from", "bucket %s" % name, m.s3.delete_bucket_encryption, name)
            if after["quota"] != base["quota"]:
                if after["quota"]:
                    call("set the quota of", "bucket %s" % name, m.admin.bucket_quota_set, name, after["quota"])
                else:
                    call("clear the quota of", "bucket %s" % name, m.admin.bucket_quota_clear, name)
            if after["tags"] != base["tags"]:
                if after["tags"]:
                    bucket_tags = Tags.new_bucket_tags()
                    bucket_tags.update(after["tags"])
                    call("set the tags of", "bucket %s" % name, m.s3.set_bucket_tags, name, bucket_tags)
                else:
                    call("remove the tags of", "bucket %s" % name, m.s3.delete_bucket_tags, name)
        if changed:
            # For a new bucket, name only the settings that differ from a plain new bucket.
            reference = current or dict(base, versioning="off", object_lock=False)
            changes = sorted(k for k in after if k != "state" and reference.get(k) != after[k])
            m.record_change("create_bucket" if current is None else action, target,
                            changes=(["state"] if current is None else []) + changes)
        m.exit(changed, bucket=after)
    except MinioActionError as exc:
        m.fail(exc, action, target)


if __name__ == "__main__":
    main()
