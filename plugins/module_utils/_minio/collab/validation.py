# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a collaborator name, request and record must be: the checks done before anything changes.

No Ansible import: the server-side sweep and the s3share command use this file.
"""

import datetime
import re
import secrets
import string

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import Refused
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import policy_name
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, folder_prefix, normalize_prefix, validate_bucket_name,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time, parse_time, utc_now

# Matched with fullmatch(): "$" would accept a trailing newline.
NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]")
ACCESS_KEY_RE = re.compile(r"C[A-Z0-9]{19}")
# The keys of collaborators adopted from the lab's create_collab_user.sh (openssl rand -hex 12);
# a record may carry one only when it says it was adopted.
ADOPTED_ACCESS_KEY_RE = re.compile(r"[0-9a-f]{24}")
ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits
ACCESS_LEVELS = ("read-only", "read-write")
# A record still "creating" after this long belongs to a run that died.
STALE_CREATION = datetime.timedelta(minutes=10)
RACE = "another run created it a moment ago; run again to see it (nothing was changed by this run)"


class CollaboratorRefused(Refused):
    """A request refused before any change (bad input, or a conflict with what exists)."""


class NameUnavailable(CollaboratorRefused):
    """The name cannot be a collaborator's (reserved, an internal user's, or an unmanaged policy's).

    The s3share command tells a delegated caller only that the name is not available: the reason would name
    internal accounts."""


class RecordError(ValueError):
    """A record that cannot be trusted: unreadable, or not naming a collaborator."""

    def __init__(self, name, reason):
        self.name = name
        super().__init__("collaborator record %s: %s" % (name, reason))


def generate_access_key():
    # 20 characters: the MinIO maximum for a user's access key.
    return "C" + "".join(secrets.choice(ACCESS_KEY_ALPHABET) for dummy in range(19))


def generate_secret_key():
    # 40 characters from 62 symbols, about 238 bits.
    return "".join(secrets.choice(SECRET_ALPHABET) for dummy in range(40))


def validate_name(name):
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise CollaboratorRefused("invalid collaborator name %r: 3-40 characters, lower-case letters, "
                                  "digits and '-'" % (name,))


def validate_request(name, bucket, prefix, access, days, expires_at, max_days, records_bucket, now=None):
    """Check a collaborator request before anything changes.

    Returns (prefix, expires_at datetime or None). Raises CollaboratorRefused.
    """
    now = now or utc_now()
    validate_name(name)
    message = validate_bucket_name(bucket)
    if message:
        raise CollaboratorRefused(message)
    if bucket == records_bucket:
        raise CollaboratorRefused("bucket %s holds the collaborator records and cannot be shared" % bucket)
    prefix = folder_prefix(prefix, CollaboratorRefused,
                           "a prefix is required: collaborators get one folder, never a whole bucket")
    if access not in ACCESS_LEVELS:
        raise CollaboratorRefused("access must be read-only or read-write")
    if max_days < 1:
        raise CollaboratorRefused("max_days must be at least 1")
    expiry = None
    if expires_at:
        try:
            expiry = parse_time(expires_at)
        except ValueError as exc:
            raise CollaboratorRefused(str(exc))
        if expiry <= now:
            raise CollaboratorRefused("expires_at %s is in the past" % format_time(expiry))
        if expiry - now > datetime.timedelta(days=max_days):
            raise CollaboratorRefused("expires_at %s is more than max_days=%d days away"
                                      % (format_time(expiry), max_days))
    elif days is not None:
        if days < 1:
            raise CollaboratorRefused("days must be at least 1")
        if days > max_days:
            raise CollaboratorRefused("days=%d is more than the maximum of %d days (max_days)" % (days, max_days))
    return prefix, expiry


def validate_record(name, record):
    """Refuse a record that does not name a collaborator (a forged or damaged one). Returns its expiry."""
    if not isinstance(record, dict):
        raise RecordError(name, "not a JSON object")
    if record.get("name") != name:
        raise RecordError(name, "its name %r does not match its key" % (record.get("name"),))
    key_re = ADOPTED_ACCESS_KEY_RE if record.get("adopted_from") else ACCESS_KEY_RE
    if not isinstance(record.get("access_key"), str) or not key_re.fullmatch(record["access_key"]):
        raise RecordError(name, "access_key %r is not a collaborator key (%s)" % (
            record.get("access_key"), "24 lower-case hex digits, adopted" if record.get("adopted_from")
            else "C + 19 capitals or digits"))
    if record.get("policy") != policy_name(name):
        raise RecordError(name, "policy %r is not %s" % (record.get("policy"), policy_name(name)))
    if validate_bucket_name(record.get("bucket")):
        raise RecordError(name, "invalid bucket %r" % (record.get("bucket"),))
    try:
        if not normalize_prefix(record.get("prefix")):
            raise PolicyError("empty prefix")
    except PolicyError as exc:
        raise RecordError(name, "invalid prefix: %s" % exc)
    if record.get("access") not in ACCESS_LEVELS:
        raise RecordError(name, "invalid access %r" % (record.get("access"),))
    try:
        return parse_time(record.get("expires_at"))
    except (TypeError, ValueError):
        raise RecordError(name, "no valid expires_at")


def record_view(record, now=None):
    """What minio_info and the modules show about a collaborator (no secret)."""
    if record is None:
        return {"state": "absent"}
    now = now or utc_now()
    view = dict((k, v) for k, v in record.items() if k not in ("secret_key", "status"))
    view["state"] = "present"
    view["expired"] = parse_time(record["expires_at"]) <= now
    return view
