#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: minio_share
short_description: Presigned download links for one object or every object under a prefix
version_added: 0.1.0
description:
  - Generates presigned GET URLs, the equivalent of C(mc share download), for shares of 7 days or less
    that need no account.
  - O(expires) is at most 7 days, the S3 limit. Longer shares are refused with a pointer to
    M(egid.s3share.minio_collaborator).
  - Nothing changes on the server, so the module reports C(changed=false); each real run still appends
    one audit line naming the objects shared and the expiry (never the URLs, which are bearer secrets).
    In check mode it lists the objects it would share, without URLs.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  bucket:
    description: Bucket holding the objects.
    type: str
    required: true
  object:
    description: Key of one object to share. Mutually exclusive with O(prefix).
    type: str
  prefix:
    description:
      - Share every object under this folder (recursively). Mutually exclusive with O(object).
      - A whole bucket is never shared (an empty prefix is refused), and neither is the records bucket
        O(records_bucket).
    type: str
  expires:
    description: Lifetime of the links, in seconds or with a unit (C(90m), C(12h), C(7d)). At most 7 days.
    type: str
    default: 7d
  public_endpoint:
    description:
      - URL the recipients use, when it differs from O(endpoint) (for example when the module runs on the
        server against C(https://127.0.0.1:9000)). The signature covers the host, so it must be right.
    type: str
  max_objects:
    description: Refuse to share more objects than this under O(prefix).
    type: int
    default: 1000
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
    details: The server is never changed. Each run signs new URLs.
"""

EXAMPLES = r"""
- name: One archive for 3 days
  egid.s3share.minio_share:
    bucket: ligan
    object: results/chu-liege/run42.tar.zst
    expires: 3d
    public_endpoint: https://nectar.egid.fr:9000
  register: share
  no_log: true

- name: Every file of a run
  egid.s3share.minio_share:
    bucket: ligan
    prefix: results/chu-liege/run42
    expires: 48h
"""

RETURN = r"""
links:
  description: One entry per shared object. C(url) is absent in check mode.
  returned: always
  type: list
  elements: dict
  sample: [{"object": "results/chu-liege/run42.tar.zst", "size": 1048576,
            "url": "https://nectar.egid.fr:9000/ligan/results/...&X-Amz-Signature=..."}]
expires_at:
  description: When the links stop working, UTC ISO 8601.
  returned: always
  type: str
"""

import datetime
import re

from ansible_collections.egid.s3share.plugins.module_utils._minio_audit import utc_now
from ansible_collections.egid.s3share.plugins.module_utils._minio_collab import format_time
from ansible_collections.egid.s3share.plugins.module_utils._minio_connection import ConnectionSettings
from ansible_collections.egid.s3share.plugins.module_utils._minio_errors import is_not_found, translate
from ansible_collections.egid.s3share.plugins.module_utils._minio_module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio_policy import (
    PolicyError, normalize_prefix, validate_bucket_name,
)

MAX_SECONDS = 7 * 24 * 3600
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value):
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", str(value))
    if not match:
        raise ValueError("invalid expires %r: use seconds or a unit such as 90m, 12h, 7d" % (value,))
    return int(match.group(1)) * _UNITS[match.group(2)]


def main():
    m = MinioModule("minio_share", dict(
        bucket=dict(type="str", required=True),
        object=dict(type="str"),
        prefix=dict(type="str"),
        expires=dict(type="str", default="7d"),
        public_endpoint=dict(type="str"),
        max_objects=dict(type="int", default=1000),
    ), mutually_exclusive=[("object", "prefix")], required_one_of=[("object", "prefix")])
    p = m.params
    bucket = p["bucket"]
    target = "bucket:%s/%s" % (bucket, p["object"] or p["prefix"])
    action = "share"
    try:
        seconds = parse_duration(p["expires"])
    except ValueError as exc:
        m.refuse(action, target, str(exc))
    if seconds > MAX_SECONDS:
        m.refuse(action, target, "Refusing to share for %s: presigned URLs last at most 7 days (the S3 limit); "
                 "for longer access create an expiring account with egid.s3share.minio_collaborator" % p["expires"])
    if seconds < 1:
        m.refuse(action, target, "expires must be at least one second")
    message = validate_bucket_name(bucket)
    if message:
        m.refuse(action, target, message)
    if bucket == p["records_bucket"]:
        m.refuse(action, target, "Refusing to share bucket %s: it holds the collaborator records" % bucket)
    prefix = None
    if p["prefix"] is not None:
        try:
            prefix = normalize_prefix(p["prefix"])
        except PolicyError as exc:
            m.refuse(action, target, str(exc))
        if not prefix:
            m.refuse(action, target, "Refusing to share the whole bucket %s: give the folder to share in prefix"
                     % bucket)
    else:
        try:
            folder, dummy, leaf = p["object"].rpartition("/")
            if not folder or not normalize_prefix(folder) or not leaf or not leaf.strip():
                raise PolicyError("an object key is a folder and a file name")
            if any(ord(c) < 32 for c in leaf):
                raise PolicyError("control characters")
        except PolicyError as exc:
            m.refuse(action, target, "invalid object key %r: %s" % (p["object"], exc))

    objects = []
    try:
        if p["object"] is not None:
            try:
                stat = m.s3.stat_object(bucket, p["object"])
            except Exception as exc:  # pylint: disable=broad-except
                if is_not_found(exc):
                    m.refuse(action, target, "Failed to share %s/%s: no such object" % (bucket, p["object"]))
                raise
            objects.append({"object": p["object"], "size": stat.size})
        else:
            for obj in m.s3.list_objects(bucket, prefix=(prefix + "/") if prefix else None, recursive=True):
                if obj.is_dir:
                    continue
                objects.append({"object": obj.object_name, "size": obj.size})
                if len(objects) > p["max_objects"]:
                    m.refuse(action, target, "Refusing to share more than max_objects=%d objects under %s/%s"
                             % (p["max_objects"], bucket, prefix))
            if not objects:
                m.refuse(action, target, "Failed to share %s/%s: no object under that prefix" % (bucket, prefix))
    except Exception as exc:  # pylint: disable=broad-except
        if isinstance(exc, SystemExit):
            raise
        m.fail(translate("list the objects of", target, exc))

    expires_at = format_time(utc_now() + datetime.timedelta(seconds=seconds))
    if not m.check_mode:
        signer = m.s3
        if p["public_endpoint"]:
            try:
                public = ConnectionSettings(p["public_endpoint"], "x", "x")
            except ValueError as exc:
                m.refuse(action, target, str(exc))
            signer = m.clients.s3_for(m.clients.settings.access_key, m.clients.settings.secret_key,
                                      netloc=public.netloc, secure=public.secure)
        for item in objects:
            item["url"] = signer.presigned_get_object(bucket, item["object"],
                                                      expires=datetime.timedelta(seconds=seconds))
        m.audit.write(action, target, "shared", objects=[o["object"] for o in objects], expires_at=expires_at)
    m.exit(False, links=objects, expires_at=expires_at)


if __name__ == "__main__":
    main()
