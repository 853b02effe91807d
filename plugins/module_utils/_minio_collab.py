# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expiring external collaborators: records, validation, creation, sweep.

Where the record lives: one JSON object per collaborator,
``collaborators/<name>.json``, in a dedicated admin bucket (default
``s3share-admin``) on the same MinIO server. No policy grants access to that
bucket, so only the root (admin) credentials can read or change it. The record
is therefore as durable as the data it protects, is readable by minio_info,
by the sweep on the server and by any controller, needs no extra database,
and one object per collaborator means runs for different collaborators
never rewrite each other's records. MinIO has no per-user metadata for built-in users, which is
why the expiry cannot live on the user itself.

No Ansible import: the server-side expiry sweep (roles/minio_admin) runs this
file with the admin venv's Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import io
import json
import re
import secrets
import string

from ansible_collections.egid.s3share.plugins.module_utils._minio_errors import (
    MinioActionError, call, is_not_found, translate,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio_iam import IamState
from ansible_collections.egid.s3share.plugins.module_utils._minio_policy import (
    PolicyError, normalize_prefix, validate_bucket_name,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio_audit import utc_now

DEFAULT_RECORDS_BUCKET = "s3share-admin"
RECORD_PREFIX = "collaborators/"
POLICY_PREFIX = "collab-"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits


def generate_access_key():
    # 20 characters: the MinIO maximum for a user's access key.
    return "C" + "".join(secrets.choice(ACCESS_KEY_ALPHABET) for dummy in range(19))


def generate_secret_key():
    # 40 characters from 62 symbols, about 238 bits.
    return "".join(secrets.choice(SECRET_ALPHABET) for dummy in range(40))


def policy_name(name):
    return POLICY_PREFIX + name


def record_key(name):
    return "%s%s.json" % (RECORD_PREFIX, name)


def parse_time(value):
    """Parse an ISO 8601 time (date, or date and time) as an aware UTC datetime."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("invalid time %r: use ISO 8601, for example 2026-12-31T18:00:00Z" % (value,))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def format_time(moment):
    return moment.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_request(name, bucket, prefix, access, days, expires_at, max_days, records_bucket, now=None):
    """Check a collaborator request before anything changes.

    Returns (prefix, expires_at datetime or None). Raises ValueError with the
    refusal reason.
    """
    now = now or utc_now()
    if not name or not NAME_RE.match(name):
        raise ValueError("invalid collaborator name %r: 3-40 characters, lower-case letters, digits and '-'" % (name,))
    message = validate_bucket_name(bucket)
    if message:
        raise ValueError(message)
    if bucket == records_bucket:
        raise ValueError("bucket %s holds the collaborator records and cannot be shared" % bucket)
    try:
        prefix = normalize_prefix(prefix)
    except PolicyError as exc:
        raise ValueError(str(exc))
    if not prefix:
        raise ValueError("a prefix is required: collaborators get one folder, never a whole bucket")
    if access not in ("read-only", "read-write"):
        raise ValueError("access must be read-only or read-write")
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    expiry = None
    if expires_at:
        expiry = parse_time(expires_at)
        if expiry <= now:
            raise ValueError("expires_at %s is in the past" % format_time(expiry))
        if expiry - now > datetime.timedelta(days=max_days):
            raise ValueError("expires_at %s is more than max_days=%d days away" % (format_time(expiry), max_days))
    elif days is not None:
        if days < 1:
            raise ValueError("days must be at least 1")
        if days > max_days:
            raise ValueError("days=%d is more than the maximum of %d days (max_days)" % (days, max_days))
    return prefix, expiry


def record_view(record, now=None):
    """What minio_info and the modules show about a collaborator (no secret)."""
    if record is None:
        return {"state": "absent"}
    now = now or utc_now()
    view = dict((k, v) for k, v in record.items() if k != "secret_key")
    view["state"] = "present"
    view["expired"] = parse_time(record["expires_at"]) <= now
    return view


class CollaboratorStore(object):
    """Records in the admin bucket, read and written with the root client."""

    def __init__(self, s3, bucket=DEFAULT_RECORDS_BUCKET):
        self.s3 = s3
        self.bucket = bucket
        self._exists = None

    def bucket_exists(self):
        if self._exists is None:
            try:
                self._exists = bool(self.s3.bucket_exists(self.bucket))
            except Exception as exc:  # pylint: disable=broad-except
                raise translate("check", "bucket %s" % self.bucket, exc)
        return self._exists

    def ensure_bucket(self):
        if self.bucket_exists():
            return False
        call("create", "bucket %s" % self.bucket, self.s3.make_bucket, self.bucket)
        self._exists = True
        return True

    def get(self, name):
        if not self.bucket_exists():
            return None
        response = None
        try:
            response = self.s3.get_object(self.bucket, record_key(name))
            return json.loads(response.read().decode("utf-8"))
        except Exception as exc:  # pylint: disable=broad-except
            if is_not_found(exc):
                return None
            raise translate("read", "collaborator record %s" % name, exc)
        finally:
            if response is not None:
                response.close()
                response.release_conn()

    def put(self, record):
        data = json.dumps(record, sort_keys=True, indent=1).encode("utf-8")
        call("write", "collaborator record %s" % record["name"], self.s3.put_object, self.bucket,
             record_key(record["name"]), io.BytesIO(data), len(data), content_type="application/json")

    def delete(self, name):
        call("remove", "collaborator record %s" % name, self.s3.remove_object, self.bucket, record_key(name))

    def names(self):
        if not self.bucket_exists():
            return []
        try:
            objects = self.s3.list_objects(self.bucket, prefix=RECORD_PREFIX)
            result = []
            for obj in objects:
                key = obj.object_name
                if key.endswith(".json"):
                    result.append(key[len(RECORD_PREFIX):-len(".json")])
            return sorted(result)
        except Exception as exc:  # pylint: disable=broad-except
            raise translate("list", "collaborator records in bucket %s" % self.bucket, exc)

    def all(self):
        records = []
        for name in self.names():
            record = self.get(name)
            if record is not None:
                records.append(record)
        return records


def remove_collaborator(iam, store, record, check_mode):
    """Disable, then remove the user (which drops its policy mapping), its policy and its record.

    Safe to run concurrently: anything already gone counts as done. Returns
    True when this run removed something.
    """
    name = record["name"]
    access_key = record.get("access_key")
    removed = False
    if access_key and iam.user(access_key) is not None:
        removed = True
        if not check_mode:
            steps = (
                ("disable", lambda: iam.admin.user_disable(access_key)),
                ("remove", lambda: iam.admin.user_remove(access_key)),
            )
            for action, step in steps:
                try:
                    step()
                except Exception as exc:  # pylint: disable=broad-except
                    if is_not_found(exc):
                        # A concurrent sweep got there first.
                        removed = False
                        break
                    raise translate(action, "user %s (collaborator %s)" % (access_key, name), exc)
        iam.users().pop(access_key, None)
    pname = record.get("policy") or policy_name(name)
    if iam.policy(pname) is not None:
        removed = True
        if not check_mode:
            try:
                iam.admin.policy_remove(pname)
            except Exception as exc:  # pylint: disable=broad-except
                if not is_not_found(exc):
                    raise translate("remove", "policy %s (collaborator %s)" % (pname, name), exc)
        iam.policies().pop(pname, None)
    if not check_mode:
        store.delete(name)
    return removed


def sweep(iam, store, check_mode=False, as_of=None, audit=None):
    """Remove every collaborator past its expiry. Returns (removed, kept, errors)."""
    now = as_of or utc_now()
    removed, kept, errors = [], [], []
    for record in store.all():
        try:
            expiry = parse_time(record["expires_at"])
        except (KeyError, ValueError):
            errors.append("collaborator record %s has no valid expires_at" % record.get("name"))
            continue
        if expiry > now:
            kept.append(record["name"])
            continue
        summary = {"name": record["name"], "access_key": record.get("access_key"),
                   "bucket": record.get("bucket"), "prefix": record.get("prefix"),
                   "expires_at": record["expires_at"]}
        try:
            did = remove_collaborator(iam, store, record, check_mode)
        except MinioActionError as exc:
            errors.append(exc.message)
            if audit is not None:
                audit.write("expire_collaborator", "collaborator:%s" % record["name"], "failed",
                            reason=exc.message, expires_at=record["expires_at"])
            continue
        if did:
            removed.append(summary)
            if audit is not None:
                audit.write("expire_collaborator", "collaborator:%s" % record["name"], "changed",
                            access_key=record.get("access_key"), bucket=record.get("bucket"),
                            prefix=record.get("prefix"), expires_at=record["expires_at"])
    return removed, kept, errors


def new_iam(admin):
    return IamState(admin)
