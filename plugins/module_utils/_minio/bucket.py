# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Buckets: the one home of their reads and of their ensure_bucket / ensure_bucket_absent logic.

Used by minio_bucket and minio_info. Like _minio/iam.py, each ensure_*
function reads the current state, computes the difference, returns before
any write in check mode, and reports what changed. A request that must be
refused before any change raises BucketRefused; a failed server action
raises MinioActionError.

No Ansible import.
"""

import json

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import (
    MinioActionError, Refused, call, translated,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import validate_bucket_name
from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size

try:
    from minio.commonconfig import ENABLED, Tags
    from minio.deleteobjects import DeleteObject
    from minio.sseconfig import Rule, SSEConfig
    from minio.versioningconfig import SUSPENDED, VersioningConfig
except ImportError:  # reported by MinioModule
    pass

MAX_EXCLUDED_PREFIXES = 10


class BucketRefused(Refused):
    """A bucket request refused before any change."""


def bucket_exists(s3, name):
    with translated("check", "bucket %s" % name):
        return bool(s3.bucket_exists(name))


def read_bucket(s3, admin, name):
    """Current bucket settings, in the module's vocabulary."""
    if not bucket_exists(s3, name):
        return None
    state = {"state": "present"}
    with translated("read the settings of", "bucket %s" % name):
        versioning = s3.get_bucket_versioning(name)
        state["versioning"] = {"Enabled": "enabled", "Suspended": "suspended"}.get(versioning.status, "off")
        state["versioning_excluded_prefixes"] = sorted(versioning.excluded_prefixes or [])
        sse = s3.get_bucket_encryption(name)
        algo = sse.rule.sse_algorithm if sse and sse.rule else None
        state["encryption"] = {"AES256": "sse-s3", "aws:kms": "sse-kms"}.get(algo, "none")
        tags = s3.get_bucket_tags(name)
        state["tags"] = dict(tags) if tags else {}
        state["quota"] = int(json.loads(admin.bucket_quota_get(name) or "{}").get("quota") or 0)
    state["object_lock"] = False
    with translated("read the object lock of", "bucket %s" % name, not_found_ok=True,
                    ok_codes=("ObjectLockConfigurationNotFoundError", "InvalidRequest")):
        state["object_lock"] = s3.get_object_lock_config(name) is not None
    return state


def kms_available(admin, server=""):
    with translated("check the KMS of", "server %s" % server, ok_codes=("NotImplemented",)):
        admin.kms_key_status()
        return True
    return False


def bucket_names(s3):
    """The names of every bucket (one call)."""
    with translated("list", "buckets"):
        return [b.name for b in s3.list_buckets()]


def bucket_is_empty(s3, name):
    with translated("list the objects of", "bucket %s" % name):
        for dummy in s3.list_objects(name, recursive=True, include_version=True):
            return False
    return True


def delete_all_versions(s3, name):
    """Delete every object version and delete marker of the bucket; returns how many."""
    count = 0
    batch = []
    with translated("empty", "bucket %s" % name):
        for obj in s3.list_objects(name, recursive=True, include_version=True):
            batch.append(DeleteObject(obj.object_name, obj.version_id))
            count += 1
        if batch:
            errors = list(s3.remove_objects(name, batch, bypass_governance_mode=True))
            if errors:
                raise MinioActionError("empty", "bucket %s" % name, "; ".join(
                    "%s: %s" % (e.name, e.message) for e in errors[:5]))
    return count


# ------------------------------------------------------------------ requests
def validate_bucket_request(name, quota=None, versioning=None, excluded_prefixes=None, object_lock=None):
    """Check a request before anything is read or changed. Returns (quota in bytes or None, excluded prefixes)."""
    message = validate_bucket_name(name)
    if message:
        raise BucketRefused(message)
    if quota is not None:
        try:
            quota = parse_size(quota)
        except ValueError as exc:
            raise BucketRefused(str(exc)) from exc
    excluded = excluded_prefixes
    if excluded is not None:
        excluded = sorted(set(excluded))
        bad = [x for x in excluded if not x.endswith("/") or x.startswith("/") or "*" in x or not x.strip("/")]
        if bad:
            raise BucketRefused("Invalid versioning_excluded_prefixes for bucket %s: %s (each must be a folder "
                                "ending with '/', without wildcards)" % (name, ", ".join(bad)))
        if len(excluded) > MAX_EXCLUDED_PREFIXES:
            raise BucketRefused("Invalid versioning_excluded_prefixes for bucket %s: MinIO accepts at most %d"
                                % (name, MAX_EXCLUDED_PREFIXES))
    if object_lock and versioning == "suspended":
        raise BucketRefused("Invalid settings for bucket %s: object lock needs versioning enabled" % name)
    return quota, excluded


class BucketOutcome:
    """What ensure_bucket / ensure_bucket_absent did."""

    def __init__(self, changed, bucket, created=False, changes=None, deleted_objects=0):
        self.changed = changed
        self.bucket = bucket
        self.created = created
        self.changes = changes or []
        self.deleted_objects = deleted_objects


def ensure_bucket_absent(s3, admin, name, force=False, check_mode=False, tracker=None):
    """Remove the bucket; refuse one that still holds objects unless force (then delete every version first)."""
    current = read_bucket(s3, admin, name)
    if tracker is not None:
        tracker.add("bucket", current or {"state": "absent"}, {"state": "absent"})
    if current is None:
        return BucketOutcome(False, {"state": "absent"})
    empty = bucket_is_empty(s3, name)
    if not empty and not force:
        raise BucketRefused("Refusing to delete bucket %s: it is not empty (set force: true to delete its objects "
                            "first)" % name)
    deleted = 0
    if not check_mode:
        if not empty:
            deleted = delete_all_versions(s3, name)
        call("remove", "bucket %s" % name, s3.remove_bucket, name)
    return BucketOutcome(True, {"state": "absent"}, deleted_objects=deleted)


def ensure_bucket(s3, admin, name, versioning=None, excluded_prefixes=None, encryption=None, quota=None,
                  tags=None, purge_tags=True, object_lock=None, check_mode=False, tracker=None, server=""):
    """Create or reconcile a bucket.

    quota is in bytes (see validate_bucket_request), excluded_prefixes sorted
    and unique; None leaves a setting alone. server names the server in a KMS
    error. Returns a BucketOutcome whose changes name the settings that
    differ (for a new bucket, from a plain new bucket).
    """
    current = read_bucket(s3, admin, name)
    tags = dict((str(k), str(v)) for k, v in tags.items()) if tags is not None else None
    before = current or {"state": "absent"}
    base = current or {"state": "present", "versioning": "off", "versioning_excluded_prefixes": [],
                       "encryption": "none", "tags": {}, "quota": 0, "object_lock": bool(object_lock)}
    after = dict(base)
    if current is not None and object_lock is not None and object_lock != current["object_lock"]:
        raise BucketRefused("Refusing to change object lock on bucket %s: it can only be chosen when the bucket "
                            "is created" % name)
    if after["object_lock"]:
        after["versioning"] = "enabled"
    if versioning:
        if after["object_lock"] and versioning == "suspended":
            raise BucketRefused("Refusing to suspend versioning on bucket %s: object lock needs it" % name)
        after["versioning"] = versioning
    if excluded_prefixes is not None:
        if excluded_prefixes and after["versioning"] != "enabled":
            raise BucketRefused("Invalid settings for bucket %s: versioning_excluded_prefixes needs "
                                "versioning: enabled" % name)
        after["versioning_excluded_prefixes"] = excluded_prefixes
    if after["versioning"] != "enabled":
        after["versioning_excluded_prefixes"] = []  # MinIO keeps exclusions only on an enabled bucket
    if encryption:
        after["encryption"] = encryption
    if quota is not None:
        after["quota"] = quota
    if tags is not None:
        after["tags"] = dict(tags) if purge_tags else dict(base["tags"], **tags)
    needs_kms = after["encryption"] == "sse-s3" and base["encryption"] != "sse-s3"
    if needs_kms and not kms_available(admin, server):
        raise BucketRefused("Failed to set default encryption on bucket %s: the server has no KMS configured, so "
                            "SSE-S3 is unavailable (configure KES or set MINIO_KMS_SECRET_KEY on the server)" % name)
    if tracker is not None:
        tracker.add("bucket", before, after)
    changed = before != after
    if changed and not check_mode:
        base = _apply(s3, admin, name, current, base, after)
    # For a new bucket, name only the settings that differ from a plain new bucket.
    reference = current or dict(base, versioning="off", object_lock=False)
    changes = sorted(k for k in after if k != "state" and reference.get(k) != after[k]) if changed else []
    if changed and current is None:
        changes = ["state"] + changes
    return BucketOutcome(changed, after, created=changed and current is None, changes=changes)


def _apply(s3, admin, name, current, base, after):
    """Write the settings of after that differ from base. Returns base as the new bucket starts."""
    target = "bucket %s" % name
    if current is None:
        call("create", target, s3.make_bucket, name, object_lock=bool(after["object_lock"]))
        base = dict(base, versioning="enabled" if after["object_lock"] else "off")
    versioning_keys = ("versioning", "versioning_excluded_prefixes")
    if any(after[k] != base[k] for k in versioning_keys) and after["versioning"] != "off":
        config = VersioningConfig(ENABLED if after["versioning"] == "enabled" else SUSPENDED,
                                  excluded_prefixes=after["versioning_excluded_prefixes"] or None)
        call("set versioning on", target, s3.set_bucket_versioning, name, config)
    if after["encryption"] != base["encryption"]:
        if after["encryption"] == "sse-s3":
            call("set default encryption on", target, s3.set_bucket_encryption, name,
                 SSEConfig(Rule.new_sse_s3_rule()))
        else:
            call("remove default encryption from", target, s3.delete_bucket_encryption, name)
    if after["quota"] != base["quota"]:
        if after["quota"]:
            call("set the quota of", target, admin.bucket_quota_set, name, after["quota"])
        else:
            call("clear the quota of", target, admin.bucket_quota_clear, name)
    if after["tags"] != base["tags"]:
        if after["tags"]:
            bucket_tags = Tags.new_bucket_tags()
            bucket_tags.update(after["tags"])
            call("set the tags of", target, s3.set_bucket_tags, name, bucket_tags)
        else:
            call("remove the tags of", target, s3.delete_bucket_tags, name)
    return base
