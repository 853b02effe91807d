#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_share
short_description: Presigned download links for one object or every object under a prefix
version_added: 0.1.0
description:
  - Generates presigned GET URLs, the equivalent of C(mc share download), for shares of 7 days or less
    that need no account.
  - O(expires) is at most 7 days, the S3 limit. Longer shares are refused with a pointer to
    M(egid.s3share.minio_collaborator).
  - "The objects are listed with the admin credentials, but the URLs are signed by O(signer_access_key) when it
    is set: the role C(egid.s3share.minio_admin) creates a link identity that may only read the shareable
    folders, so a URL never carries the root access key, and rotating that identity's secret revokes every
    link at once. Without a signer the admin credentials sign (not recommended)."
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
  signer_access_key:
    description: Access key of the identity that signs the URLs (the link identity of C(egid.s3share.minio_admin)).
    type: str
  signer_secret_key:
    description: Its secret. Never logged nor returned.
    type: str
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

from ansible_collections.egid.s3share.plugins.module_utils._minio.times import utc_now
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import ConnectionSettings
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio.share import (
    ShareRefused, objects_to_share, parse_duration, sign_links, validate_share,
)


def main():
    m = MinioModule("minio_share", dict(
        bucket=dict(type="str", required=True),
        object=dict(type="str"),
        prefix=dict(type="str"),
        expires=dict(type="str", default="7d"),
        public_endpoint=dict(type="str"),
        max_objects=dict(type="int", default=1000),
        signer_access_key=dict(type="str", no_log=False),
        signer_secret_key=dict(type="str", no_log=True),
    ), mutually_exclusive=[("object", "prefix")], required_one_of=[("object", "prefix")],
        required_together=[("signer_access_key", "signer_secret_key")])
    p = m.params
    bucket = p["bucket"]
    target = "bucket:%s/%s" % (bucket, p["object"] or p["prefix"])
    action = "share"
    try:
        seconds = parse_duration(p["expires"])
        object_key, prefix = validate_share(bucket, p["object"], p["prefix"], p["records_bucket"])
        public = ConnectionSettings(p["public_endpoint"], "x", "x") if p["public_endpoint"] else None
    except (ShareRefused, ValueError) as exc:
        m.refuse(action, target, str(exc))
    try:
        objects = objects_to_share(m.s3, bucket, object_key, prefix, p["max_objects"])
    except ShareRefused as exc:
        m.refuse(action, target, str(exc))
    except MinioActionError as exc:
        m.fail(exc)
    settings = m.clients.settings
    signer_key = p["signer_access_key"] or settings.access_key
    if m.check_mode:
        expires_at = format_time(utc_now() + datetime.timedelta(seconds=seconds))
    else:
        signer = m.clients.s3_for(signer_key, p["signer_secret_key"] or settings.secret_key,
                                  netloc=public.netloc if public else None, secure=public.secure if public else None)
        try:
            expires_at = format_time(sign_links(signer, bucket, objects, seconds))
        except MinioActionError as exc:
            m.fail(exc, action, target)
        m.audit.write(action, target, "shared", objects=[o["object"] for o in objects], expires_at=expires_at,
                      signed_by=signer_key)
    m.exit(False, links=objects, expires_at=expires_at)


if __name__ == "__main__":
    main()
