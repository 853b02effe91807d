# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket reads shared by minio_bucket and minio_info."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import (
    error_code, is_not_found, translate,
)

_UNITS = {"": 1, "b": 1, "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9, "tb": 10 ** 12, "pb": 10 ** 15,
          "k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30, "t": 2 ** 40, "p": 2 ** 50,
          "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40, "pib": 2 ** 50}


def parse_size(value):
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError("invalid size %r: use bytes or a unit such as 500GiB, 5TiB, 10GB" % (value,))
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def read_bucket(s3, admin, name):
    """Current bucket settings, in the module's vocabulary."""
    try:
        if not s3.bucket_exists(name):
            return None
    except Exception as exc:  # pylint: disable=broad-except
        raise translate("check", "bucket %s" % name, exc)
    state = {"state": "present"}
    try:
        versioning = s3.get_bucket_versioning(name)
        state["versioning"] = {"Enabled": "enabled", "Suspended": "suspended"}.get(versioning.status, "off")
        state["versioning_excluded_prefixes"] = sorted(versioning.excluded_prefixes or [])
        sse = s3.get_bucket_encryption(name)
        algo = sse.rule.sse_algorithm if sse and sse.rule else None
        state["encryption"] = {"AES256": "sse-s3", "aws:kms": "sse-kms"}.get(algo, "none")
        tags = s3.get_bucket_tags(name)
        state["tags"] = dict(tags) if tags else {}
        state["quota"] = int(json.loads(admin.bucket_quota_get(name) or "{}").get("quota") or 0)
    except Exception as exc:  # pylint: disable=broad-except
        raise translate("read the settings of", "bucket %s" % name, exc)
    try:
        lock = s3.get_object_lock_config(name)
        state["object_lock"] = lock is not None
    except Exception as exc:  # pylint: disable=broad-except
        if is_not_found(exc) or error_code(exc) in ("ObjectLockConfigurationNotFoundError", "InvalidRequest"):
            state["object_lock"] = False
        else:
            raise translate("read the object lock of", "bucket %s" % name, exc)
    return state


def kms_available(admin, server=""):
    try:
        admin.kms_key_status()
        return True
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) == "NotImplemented":
            return False
        raise translate("check the KMS of", "server %s" % server, exc)
