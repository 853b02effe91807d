# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Presigned download links: the one home of their logic (minio_share and the s3share command).

The objects are listed with the admin client; the URLs are signed by the
client given as signer. The roles give a dedicated link identity that may
only read the shareable folders, so a URL never carries the root access key,
and rotating that identity's secret revokes every link at once.

No Ansible import: the s3share command uses this file.
"""

import datetime
import re

from ansible_collections.egid.s3share.plugins.module_utils._minio.times import utc_now
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import Refused, translated
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, folder_prefix, normalize_prefix, validate_bucket_name,
)

MAX_SECONDS = 7 * 24 * 3600
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class ShareRefused(Refused):
    """A share request refused before anything is signed."""


def parse_duration(value):
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", str(value))
    if not match:
        raise ShareRefused("invalid expires %r: use seconds or a unit such as 90m, 12h, 7d" % (value,))
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_SECONDS:
        raise ShareRefused("Refusing to share for %s: presigned URLs last at most 7 days (the S3 limit); for longer "
                           "access create an expiring account (egid.s3share.minio_collaborator, or s3share collab "
                           "add)" % value)
    if seconds < 1:
        raise ShareRefused("expires must be at least one second")
    return seconds


def validate_share(bucket, object_key=None, prefix=None, records_bucket=None):
    """Check what is to be shared before anything is read. Returns (object_key, prefix)."""
    message = validate_bucket_name(bucket)
    if message:
        raise ShareRefused(message)
    if records_bucket and bucket == records_bucket:
        raise ShareRefused("Refusing to share bucket %s: it holds the collaborator records" % bucket)
    if (object_key is None) == (prefix is None):
        raise ShareRefused("give exactly one of an object or a prefix")
    if prefix is not None:
        return None, folder_prefix(prefix, ShareRefused,
                                   "Refusing to share the whole bucket %s: give the folder to share" % bucket)
    try:
        folder, dummy, leaf = str(object_key).rpartition("/")
        if not folder or not normalize_prefix(folder) or not leaf.strip() or leaf in (".", ".."):
            raise PolicyError("an object key is a folder and a file name")
        if any(ord(c) < 32 for c in leaf):
            raise PolicyError("control characters")
    except PolicyError as exc:
        raise ShareRefused("invalid object key %r: %s" % (object_key, exc))
    return object_key, None


def object_stat(s3, bucket, object_key):
    """The object's stat, None when there is no such object."""
    stat = None
    with translated("read", "%s/%s" % (bucket, object_key), not_found_ok=True):
        stat = s3.stat_object(bucket, object_key)
    return stat


def objects_to_share(s3, bucket, object_key=None, prefix=None, max_objects=1000):
    """[{"object", "size"}] for one object or every object under a folder."""
    target = "%s/%s" % (bucket, object_key or prefix)
    if object_key is not None:
        stat = object_stat(s3, bucket, object_key)
        if stat is None:
            raise ShareRefused("Failed to share %s: no such object" % target)
        return [{"object": object_key, "size": stat.size}]
    objects = []
    with translated("list the objects of", target):
        for obj in s3.list_objects(bucket, prefix=prefix + "/", recursive=True):
            if obj.is_dir:
                continue
            objects.append({"object": obj.object_name, "size": obj.size})
            if len(objects) > max_objects:
                raise ShareRefused("Refusing to share more than max_objects=%d objects under %s"
                                   % (max_objects, target))
    if not objects:
        raise ShareRefused("Failed to share %s: no object under that prefix" % target)
    return objects


def sign_links(signer, bucket, objects, seconds):
    """Add a presigned GET URL to each object. Returns the expiry time."""
    for item in objects:
        with translated("sign a link to", "%s/%s" % (bucket, item["object"])):
            item["url"] = signer.presigned_get_object(bucket, item["object"],
                                                      expires=datetime.timedelta(seconds=seconds))
    return utc_now() + datetime.timedelta(seconds=seconds)
