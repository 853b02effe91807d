# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expiring external collaborators: the one home of their logic.

A collaborator is three things on the server:
- a MinIO user with a random access key (``C`` + 19 letters or digits);
- its policy ``collab-<name>`` (see _minio.policy.collaborator_policy): one
  folder, every grant ending at the expiry through a date condition that
  MinIO evaluates itself, and explicit denials of what a collaborator must
  never do (its own access keys, derived credentials, object versions);
- its record, one JSON object ``collaborators/<name>.json`` in a dedicated
  admin bucket (default ``s3share-admin``) that no policy grants: who created
  it, when, for which folder, until when. MinIO keeps no metadata on built-in
  users, so the record is where that lives. It is as durable as the data it
  protects, readable by any controller and by the sweep on the server, and
  one object per collaborator means runs for different collaborators never
  rewrite each other's records.

Creation is atomic for the caller: the record is created with a conditional
write (``If-None-Match: *``), so of two first runs for one name only one goes
on; a failure after that rolls back what was made, so the next run starts
clean and returns a secret.

The sweep finds expired collaborators from the policies alone (one admin
call lists every policy with its document, another every user), reads only
the records of the expired ones, handles each on its own, and checks that a
record really names a collaborator before removing anything.

No Ansible import: the server-side sweep and the s3share command use this file.
"""

import datetime
import io
import json
import re
import secrets
import string

from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import utc_now
from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import bucket_exists
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import (
    MinioActionError, Refused, absent_if_not_found, call, translate, translated,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    IamState, derived_keys, ensure_policy, ensure_policy_absent, ensure_user_absent, list_access_keys,
    revoke_access_keys,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, collaborator_policy, normalize_prefix, policies_equal, policy_expiry, validate_bucket_name,
)

DEFAULT_RECORDS_BUCKET = "s3share-admin"
RECORD_PREFIX = "collaborators/"
POLICY_PREFIX = "collab-"
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
_RACE = "another run created it a moment ago; run again to see it (nothing was changed by this run)"


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
    try:
        prefix = normalize_prefix(prefix)
    except PolicyError as exc:
        raise CollaboratorRefused(str(exc))
    if not prefix:
        raise CollaboratorRefused("a prefix is required: collaborators get one folder, never a whole bucket")
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


class CollaboratorStore:
    """Records in the admin bucket, read and written with the root client."""

    def __init__(self, s3, bucket=DEFAULT_RECORDS_BUCKET):
        self.s3 = s3
        self.bucket = bucket
        self._exists = None

    def bucket_exists(self):
        if self._exists is None:
            self._exists = bucket_exists(self.s3, self.bucket)
        return self._exists

    def ensure_bucket(self):
        if self.bucket_exists():
            return False
        call("create", "bucket %s" % self.bucket, self.s3.make_bucket, self.bucket)
        self._exists = True
        return True

    def get(self, name):
        """The record, None when there is none; RecordError when it is not JSON."""
        if not self.bucket_exists():
            return None
        response = None
        try:
            with translated("read", "collaborator record %s" % name, not_found_ok=True) as outcome:
                response = self.s3.get_object(self.bucket, record_key(name))
                data = response.read()
        finally:
            if response is not None:
                response.close()
                response.release_conn()
        if outcome.not_found:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise RecordError(name, "not valid JSON (%s)" % exc)

    @staticmethod
    def _encode(record):
        return json.dumps(record, sort_keys=True, indent=1).encode("utf-8")

    def create(self, record):
        """Write a new record only if none exists (If-None-Match: *). False when one already does."""
        data = self._encode(record)
        headers = {"If-None-Match": "*", "Content-Type": "application/json"}
        with translated("create", "collaborator record %s" % record["name"],
                        ok_codes=("PreconditionFailed",)) as outcome:
            # minio-py's put_object turns unknown headers into user metadata, so the conditional
            # write goes through its signed request helper.
            self.s3._execute("PUT", self.bucket, record_key(record["name"]),  # pylint: disable=protected-access
                             body=data, headers=headers)
        return outcome.code is None

    def put(self, record):
        data = self._encode(record)
        call("write", "collaborator record %s" % record["name"], self.s3.put_object, self.bucket,
             record_key(record["name"]), io.BytesIO(data), len(data), content_type="application/json")

    def delete(self, name):
        absent_if_not_found("remove", "collaborator record %s" % name, self.s3.remove_object, self.bucket,
                            record_key(name))

    def names(self):
        """Every record's name (one listing of the records folder)."""
        if not self.bucket_exists():
            return []
        result = []
        with translated("list", "collaborator records in bucket %s" % self.bucket):
            for obj in self.s3.list_objects(self.bucket, prefix=RECORD_PREFIX, recursive=True):
                key = obj.object_name
                if key.endswith(".json") and "/" not in key[len(RECORD_PREFIX):]:
                    result.append(key[len(RECORD_PREFIX):-len(".json")])
        return sorted(result)


# ------------------------------------------------------------------ shared area
def shared_area_problem(s3, bucket, prefix, scan=True):
    """Why a folder cannot be shared without exposing old data, or None.

    MinIO answers ListObjectVersions with s3:ListBucket, so no policy can hide
    old versions and delete markers from whoever may list a folder. The shared
    area must therefore keep none: the bucket is unversioned, or the folder
    lies under one of its versioning ExcludedPrefixes (``results/`` in the
    lab's buckets, whose source of truth is NFS), and no version from an
    earlier setting is left. ``scan`` lists the folder's versions (done when
    the grant is created or moved).
    """
    with translated("read the versioning of", "bucket %s" % bucket):
        config = s3.get_bucket_versioning(bucket)
    folder = prefix + "/"
    if config.status == "Enabled":
        excluded = [p for p in (config.excluded_prefixes or []) if folder.startswith(p)]
        if not excluded:
            return ("bucket %s keeps object versions under %s, so deleted files would stay readable; exclude "
                    "the shared area from versioning first (egid.s3share.minio_bucket "
                    "versioning_excluded_prefixes: ['results/'])" % (bucket, folder))
    if not scan:
        return None
    with translated("list the versions in", "%s/%s" % (bucket, folder)):
        for obj in s3.list_objects(bucket, prefix=folder, recursive=True, include_version=True):
            if obj.is_delete_marker or str(obj.is_latest).lower() != "true":
                return ("%s/%s still holds old versions or delete markers (for example %s); remove them first "
                        "(mc rm --recursive --versions --non-current --force ALIAS/%s/%s)"
                        % (bucket, folder, obj.object_name, bucket, folder))
    return None


def _versioned_objects(s3, bucket, prefix):
    """Why adopting a folder would lock its collaborator out, or None.

    Objects written while the folder was versioned keep a version id; mc names
    it when it downloads, and the collaborator policy refuses any request that
    names a version. Such a folder must be rewritten unversioned first.
    """
    folder = prefix + "/"
    with translated("list the versions in", "%s/%s" % (bucket, folder)):
        for obj in s3.list_objects(bucket, prefix=folder, recursive=True, include_version=True):
            if obj.version_id not in (None, "", "null"):
                return ("%s/%s holds objects written while it was versioned (for example %s): the collaborator "
                        "policy refuses requests naming a version, so mc could no longer download them; copy the "
                        "folder onto itself once it is excluded from versioning, then run again"
                        % (bucket, folder, obj.object_name))
    return None


# ------------------------------------------------------------------ one collaborator
class Outcome:
    """What a run did to one collaborator."""

    def __init__(self, changed, record, credentials=None, expired=False, action="set_collaborator",
                 details=None):
        self.changed = changed
        self.record = record
        self.credentials = credentials
        self.expired = expired
        self.action = action
        self.details = details or {}


class Collaborators:
    """Create, change and remove collaborators with the root clients.

    on_secret(value) is called with every generated secret before it is sent
    anywhere, so the caller can scrub it from its output and logs.
    before_change(action) is called once, just before the first write of a
    change (never in check mode): the s3share command audits the start there.

    ``creating`` holds (name, access_key) from the moment a creation starts
    writing until the caller has handed the secret over (``delivered()``):
    a run stopped in between calls ``rollback_creation()``, so no account is
    left whose secret nobody saw.
    """

    def __init__(self, iam, s3, store, actor, check_mode=False, on_secret=None, now=None, before_change=None):
        self.iam = iam
        self.s3 = s3
        self.store = store
        self.actor = actor
        self.check_mode = check_mode
        self.on_secret = on_secret or (lambda value: None)
        self.before_change = before_change or (lambda action: None)
        self.now = now or utc_now()
        self.creating = None

    @classmethod
    def from_clients(cls, clients, records_bucket, actor, check_mode=False, on_secret=None, before_change=None):
        """The manager for one run with the root clients (a MinioClients)."""
        return cls(IamState(clients.admin), clients.s3, CollaboratorStore(clients.s3, records_bucket), actor,
                   check_mode=check_mode, on_secret=on_secret, before_change=before_change)

    # ---------------------------------------------------------------- present
    def ensure_present(self, name, bucket, prefix, access="read-only", days=30, expires_at=None, max_days=30,
                       rotate=False, reserved_names=(), root_user=None, tracker=None):
        now = self.now
        prefix, expiry = validate_request(name, bucket, prefix, access, days, expires_at, max_days,
                                          self.store.bucket, now)
        if name in reserved_names or name == root_user:
            raise NameUnavailable("the name %s is reserved for an internal account" % name)
        record = self.store.get(name)
        if record is not None:
            validate_record(name, record)
        else:
            if self.iam.user(name) is not None:
                raise NameUnavailable("the name collides with the internal user %s" % name)
            if self.iam.policy(policy_name(name)) is not None:
                if self.store.get(name) is not None:
                    # Another first run created the record, then the policy, since we read.
                    raise MinioActionError("create", "collaborator %s" % name, _RACE)
                raise NameUnavailable("policy %s exists but is not managed as a collaborator (no record); "
                                      "remove it or run the sweep with orphans=remove" % policy_name(name))
        if not bucket_exists(self.s3, bucket):
            raise CollaboratorRefused("bucket %s does not exist" % bucket)
        moved = record is None or (record["bucket"], record["prefix"]) != (bucket, prefix)
        problem = shared_area_problem(self.s3, bucket, prefix, scan=moved)
        if problem:
            raise CollaboratorRefused(problem)

        if record is None:
            expires = format_time(expiry or (now + datetime.timedelta(days=days)))
            return self._create(name, bucket, prefix, access, expires, tracker)
        expires = format_time(expiry) if expiry else record["expires_at"]
        return self._update(record, bucket, prefix, access, expires, rotate, tracker)

    def _create(self, name, bucket, prefix, access, expires, tracker):
        wanted = dict(name=name, bucket=bucket, prefix=prefix, access=access, policy=policy_name(name),
                      expires_at=expires, created_at=format_time(self.now), created_by=self.actor)
        if tracker is not None:
            tracker.add("collaborator", {"state": "absent"}, record_view(dict(wanted, access_key="(generated)"),
                                                                         self.now))
        if self.check_mode:
            return Outcome(True, dict(wanted, access_key="(generated)"), action="create_collaborator")
        self.before_change("create_collaborator")
        self.store.ensure_bucket()
        access_key = generate_access_key()
        while self.iam.user(access_key) is not None:
            access_key = generate_access_key()
        secret_key = generate_secret_key()
        self.on_secret(secret_key)
        wanted.update(access_key=access_key, status="creating")
        self.creating = (name, access_key)
        try:
            created = self.store.create(wanted)
        except BaseException:
            # Stopped or failed while the record was on its way: it may have landed. Ours names our key.
            self.rollback_creation()
            raise
        if not created:
            self.creating = None
            raise MinioActionError("create", "collaborator %s" % name, _RACE)
        try:
            ensure_policy(self.iam, wanted["policy"], collaborator_policy(access, bucket, prefix, expires), False)
            call("create", "user %s (collaborator %s)" % (access_key, name), self.iam.admin.user_add,
                 access_key, secret_key)
            self.iam.users()[access_key] = {"status": "enabled", "policies": [], "member_of": []}
            call("attach policy %s to" % wanted["policy"], "user %s" % access_key, self.iam.admin.policy_set,
                 wanted["policy"], user=access_key)
            self.iam.users()[access_key]["policies"] = [wanted["policy"]]
            wanted["status"] = "active"
            self.store.put(wanted)
        except BaseException as exc:  # pylint: disable=broad-except
            left = self.rollback_creation()
            if not isinstance(exc, Exception):
                # Stopped by a signal (or Ctrl-C): undone, then passed on to the caller, who audits it.
                exc.rollback_left = left
                raise
            error = translate("create", "collaborator %s" % name, exc)
            raise MinioActionError(error.action, error.obj, "%s (%s)" % (
                error.reason, "rolled back: nothing of it is left, the next run starts clean" if not left
                else "rollback incomplete, left: %s; the next run finishes it" % ", ".join(left)), error.code)
        credentials = dict(access_key=access_key, secret_key=secret_key)
        return Outcome(True, wanted, credentials=credentials, action="create_collaborator")

    def delivered(self):
        """The caller has handed the new secret over: the creation is complete, nothing to roll back."""
        self.creating = None

    def rollback_creation(self):
        """Undo the creation under way (see ``creating``), if any. Returns what could not be removed."""
        if self.creating is None:
            return []
        name, access_key = self.creating
        left = self._rollback(name, access_key)
        if not left:
            self.creating = None
        return left

    def _rollback(self, name, access_key):
        """Undo a creation that failed or was stopped. Returns what could not be removed.

        The record and the policy are removed only when the record names our
        access key: a record with another key belongs to a run that won the
        race for the name, and its policy with it.
        """
        left = []
        pname = policy_name(name)
        try:
            absent_if_not_found("remove", "user %s" % access_key, self.iam.admin.user_remove, access_key)
        except MinioActionError:
            left.append("user %s" % access_key)
        self.iam.users().pop(access_key, None)
        try:
            record = self.store.get(name)
        except (MinioActionError, RecordError):
            return left + ["policy %s" % pname, "record %s" % name]
        if record is not None and record.get("access_key") != access_key:
            return left
        steps = (("policy %s" % pname, self.iam.admin.policy_remove, pname),
                 ("record %s" % name, self.store.delete, name))
        for what, func, arg in steps:
            if what.startswith("record") and record is None:
                continue
            try:
                absent_if_not_found("remove", what, func, arg)
            except MinioActionError:
                left.append(what)
        self.iam.policies().pop(pname, None)
        return left

    def _update(self, record, bucket, prefix, access, expires, rotate, tracker):
        name = record["name"]
        now = self.now
        access_key = record["access_key"]
        expired = parse_time(expires) <= now
        wanted = dict(record, bucket=bucket, prefix=prefix, access=access, expires_at=expires)
        user = self.iam.user(access_key)
        before, after = record_view(record, now), record_view(wanted, now)
        resumed = record.get("status") == "creating"
        if resumed and now - parse_time(record.get("created_at") or "1970-01-01") < STALE_CREATION:
            raise MinioActionError("create", "collaborator %s" % name,
                                   "another run is creating it right now; run again in a moment")
        if expired:
            if rotate:
                raise CollaboratorRefused("collaborator %s expired at %s; give a later expires_at to extend it "
                                          "before rotating its secret" % (name, expires))
            return self._disable_expired(wanted, user, before, tracker)

        need_secret = user is None or rotate or resumed
        document = collaborator_policy(access, bucket, prefix, expires)
        if need_secret:
            after["secret"] = "rotated" if user is not None else "recreated"
        if user is not None and user["status"] != "enabled":
            before["status"], after["status"] = user["status"], "enabled"
        found = derived_keys(self.iam, access_key) if rotate and user is not None else None
        keys = found["service_accounts"] + found["sts_keys"] if found else []
        if keys:
            before["access_keys"], after["access_keys"] = keys, []
        if tracker is not None:
            tracker.add("collaborator", before, after)
        current = self.iam.policy(record["policy"])
        policy_changed = current is None or not policies_equal(current, document)
        if policy_changed and tracker is not None:
            tracker.add("policy", "outdated", "updated")
        attach_needed = user is None or user["policies"] != [record["policy"]]
        if attach_needed and user is not None and tracker is not None:
            tracker.add("attached_policies", user["policies"], [record["policy"]])
        record_changed = resumed or any(record.get(k) != wanted[k] for k in ("bucket", "prefix", "access",
                                                                             "expires_at"))
        enable = user is not None and user["status"] != "enabled"
        changed = need_secret or policy_changed or attach_needed or record_changed or enable or bool(keys)
        credentials = None
        if changed and not self.check_mode:
            self.before_change("set_collaborator")
            if policy_changed:
                ensure_policy(self.iam, record["policy"], document, False)
            if record_changed or need_secret:
                wanted.update(updated_at=format_time(now), updated_by=self.actor, status="active")
                if need_secret:
                    wanted["rotated_at"] = format_time(now)
                self.store.put(wanted)
            if keys:
                revoke_access_keys(self.iam, access_key, found)
            if need_secret:
                secret_key = generate_secret_key()
                self.on_secret(secret_key)
                call("set the secret of", "user %s (collaborator %s)" % (access_key, name),
                     self.iam.admin.user_add, access_key, secret_key)
                credentials = dict(access_key=access_key, secret_key=secret_key)
            elif enable:
                call("enable", "user %s" % access_key, self.iam.admin.user_enable, access_key)
            if attach_needed:
                call("attach policy %s to" % record["policy"], "user %s" % access_key, self.iam.admin.policy_set,
                     record["policy"], user=access_key)
        details = {"rotated": True} if credentials and user is not None else {}
        if keys:
            details["revoked_access_keys"] = len(keys)
        return Outcome(changed, wanted, credentials=credentials, details=details)

    def _disable_expired(self, record, user, before, tracker):
        """A run after the expiry cuts the account at once, without waiting for the sweep."""
        access_key = record["access_key"]
        after = dict(before)
        found = derived_keys(self.iam, access_key) if user is not None else None
        keys = found["service_accounts"] + found["sts_keys"] if found else []
        enabled = user is not None and user["status"] == "enabled"
        if enabled:
            before["status"], after["status"] = "enabled", "disabled"
        if keys:
            before["access_keys"], after["access_keys"] = keys, []
        if tracker is not None:
            tracker.add("collaborator", before, after)
        changed = enabled or bool(keys)
        if changed and not self.check_mode:
            if keys:
                revoke_access_keys(self.iam, access_key, found)
            if enabled:
                call("disable", "user %s" % access_key, self.iam.admin.user_disable, access_key)
                user["status"] = "disabled"
        return Outcome(changed, record, expired=True, action="disable_expired_collaborator")

    # ---------------------------------------------------------------- adopted
    def ensure_adopted(self, name, access_key, bucket, prefix, expires_at, adopted_from, tracker=None):
        """Take over a collaborator made by hand: its user and secret stay, its deletion becomes a record.

        The user keeps its access key and secret; its policies are replaced by
        the read-only collab-<name> policy with the expiry, and a record is
        written (created with If-None-Match when new). adopted_from says where
        the expiry came from (for example "at job 5"). Refused when the folder
        cannot be shared (shared_area_problem) or the name belongs to something
        else. The caller reads the record back before removing the old deletion.
        """
        validate_name(name)
        message = validate_bucket_name(bucket)
        if message:
            raise CollaboratorRefused(message)
        try:
            prefix = normalize_prefix(prefix)
        except PolicyError as exc:
            raise CollaboratorRefused(str(exc))
        if not prefix:
            raise CollaboratorRefused("collaborator %s: its policy grants a whole bucket, not one folder" % name)
        if not ADOPTED_ACCESS_KEY_RE.fullmatch(access_key or ""):
            raise CollaboratorRefused("user %s does not look like a create_collab_user.sh key (24 hex digits)"
                                      % access_key)
        expires = format_time(parse_time(expires_at))
        pname = policy_name(name)
        user = self.iam.user(access_key)
        if user is None:
            raise CollaboratorRefused("user %s does not exist" % access_key)
        if user.get("member_of"):
            raise CollaboratorRefused("user %s is in groups %s: not only a collaborator, left alone"
                                      % (access_key, ", ".join(user["member_of"])))
        record = self.store.get(name)
        if record is not None:
            validate_record(name, record)
            if record["access_key"] != access_key:
                raise CollaboratorRefused("collaborator %s already exists with another access key" % name)
        elif self.iam.policy(pname) is not None:
            raise CollaboratorRefused("policy %s exists but is not managed as a collaborator (no record)" % pname)
        wanted = dict(record or {}, name=name, access_key=access_key, bucket=bucket, prefix=prefix,
                      access="read-only", policy=pname, expires_at=expires, adopted_from=adopted_from)
        if record is None:
            wanted.update(created_at=format_time(self.now), created_by=self.actor)
        wanted["status"] = "active"
        document = collaborator_policy("read-only", bucket, prefix, expires)
        record_changed = record is None or any(record.get(k) != wanted[k] for k in (
            "bucket", "prefix", "access", "expires_at", "status"))
        attach_needed = user["policies"] != [pname]
        current = self.iam.policy(pname)
        policy_changed = current is None or not policies_equal(current, document)
        changed = record_changed or attach_needed or policy_changed
        if tracker is not None and changed:
            tracker.add("collaborator", record_view(record, self.now) if record else
                        {"state": "absent", "policies": list(user["policies"])},
                        dict(record_view(wanted, self.now), policies=[pname]))
        if not changed:
            return Outcome(False, wanted, action="adopt_collaborator")
        if (bucket, prefix) != ((record or {}).get("bucket"), (record or {}).get("prefix")):
            if not bucket_exists(self.s3, bucket):
                raise CollaboratorRefused("bucket %s does not exist" % bucket)
            problem = shared_area_problem(self.s3, bucket, prefix) or _versioned_objects(self.s3, bucket, prefix)
            if problem:
                raise CollaboratorRefused(problem)
        details = {"replaced_policies": [p for p in user["policies"] if p != pname] or None}
        if self.check_mode:
            return Outcome(True, wanted, action="adopt_collaborator", details=details)
        if record_changed:
            self.store.ensure_bucket()
            if record is None:
                if not self.store.create(wanted):
                    raise MinioActionError("create", "collaborator record %s" % name, _RACE)
            else:
                self.store.put(wanted)
        ensure_policy(self.iam, pname, document, False)
        if attach_needed:
            call("attach policy %s to" % pname, "user %s" % access_key, self.iam.admin.policy_set, pname,
                 user=access_key)
            user["policies"] = [pname]
        return Outcome(True, wanted, action="adopt_collaborator", details=details)

    # ---------------------------------------------------------------- absent
    def ensure_absent(self, name, tracker=None, action="remove_collaborator", record=False):
        """Remove the user, its derived keys, its policy and its record, with or without a record.

        record: the record when the caller has just read and validated it (the
        sweep), to spare a second read. Costs no listing: the users holding the
        policy come from the cached user list, and MinIO deletes a user's
        service accounts and STS keys with the user.
        """
        validate_name(name)
        if record is False:
            try:
                record = self.store.get(name)
                if record is not None:
                    validate_record(name, record)
            except RecordError as exc:
                raise CollaboratorRefused("%s; check it by hand before removing anything" % exc)
        users = self._collaborator_users(name, record)
        pname = policy_name(name)
        present = record is not None or users or self.iam.policy(pname) is not None
        if tracker is not None:
            tracker.add("collaborator", record_view(record, self.now) if record else
                        ({"state": "present", "record": "missing"} if present else {"state": "absent"}),
                        {"state": "absent"})
        if not present:
            return Outcome(False, None, action=action)
        for access_key in users:
            ensure_user_absent(self.iam, access_key, self.check_mode,
                               label="user %s (collaborator %s)" % (access_key, name))
        # The policy's users are gone: remove it at once, and detach it from a group only if the server
        # says it is still in use.
        ensure_policy_absent(self.iam, pname, self.check_mode, detach=True, try_first=True,
                             label="policy %s (collaborator %s)" % (pname, name))
        if record is not None and not self.check_mode:
            self.store.delete(name)
        details = {"access_keys": users or None, "record": "missing" if record is None else None}
        return Outcome(True, record, action=action, details=details)

    def _collaborator_users(self, name, record):
        """The users to remove with collaborator name: its recorded key, and any user holding its policy.

        From the cached user list (one call for all). Refuses when one of them
        also holds another policy or a group: that is not a collaborator,
        whatever a record says.
        """
        pname = policy_name(name)
        candidates = set(u for u, info in self.iam.users().items() if pname in info["policies"])
        if record is not None and self.iam.user(record["access_key"]) is not None:
            candidates.add(record["access_key"])
        for access_key in sorted(candidates):
            user = self.iam.user(access_key)
            held = [p for p in (user["policies"] if user else []) if p != pname] + list(user.get("member_of") or [])
            if held:
                raise CollaboratorRefused("user %s also holds %s: it is not only collaborator %s, so it is left "
                                          "alone" % (access_key, ", ".join(held), name))
        return sorted(candidates)

    # ---------------------------------------------------------------- reading
    def collaborator_access_keys(self, records):
        """{name: [derived access keys]} for the given records, in one admin call."""
        by_user = dict((r["access_key"], r["name"]) for r in records
                       if isinstance(r.get("access_key"), str) and self.iam.user(r["access_key"]) is not None)
        keys = list_access_keys(self.iam, list(by_user))
        return dict((by_user[user], v["service_accounts"] + v["sts_keys"]) for user, v in keys.items())


# ------------------------------------------------------------------ sweep
def collaborator_policies(iam):
    """{name: expiry datetime or None} for every collab-<name> policy (from the one policy listing)."""
    found = {}
    for pname, document in iam.policies().items():
        if not pname.startswith(POLICY_PREFIX):
            continue
        name = pname[len(POLICY_PREFIX):]
        expiry = policy_expiry(document)
        try:
            found[name] = parse_time(expiry) if expiry else None
        except ValueError:
            found[name] = None
    return found


class SweepResult:
    def __init__(self):
        self.removed = []
        self.kept = []
        self.errors = []
        self.orphans = []

    def as_dict(self):
        return {"removed": self.removed, "kept": self.kept, "errors": self.errors, "orphans": self.orphans}


def sweep(collaborators, as_of=None, audit=None, orphans="ignore"):
    """Remove every collaborator past its expiry, one at a time.

    A record that cannot be read, or that does not name a collaborator, is
    reported, audited and skipped; the others are still processed. With
    orphans="report" or "remove", the records folder is also compared with the
    IAM state: records without a policy, and collab-* policies or their users
    without a record.
    """
    now = as_of or utc_now()
    result = SweepResult()
    iam, store = collaborators.iam, collaborators.store

    def audit_line(name, outcome, **details):
        if audit is not None:
            audit.write(details.pop("action", "expire_collaborator"), "collaborator:%s" % name, outcome, **details)

    policies = collaborator_policies(iam)
    for name in sorted(policies):
        expiry = policies[name]
        if expiry is not None and expiry > now:
            result.kept.append(name)
            continue
        try:
            validate_name(name)
            record = store.get(name)
            if record is None:
                if expiry is None:
                    raise RecordError(name, "missing, and its policy carries no expiry: an orphan")
                # An orphan whose own policy has expired: nothing says it may stay.
                outcome = collaborators.ensure_absent(name, action="expire_collaborator", record=None)
                result.removed.append({"name": name, "expires_at": format_time(expiry), "record": "missing"})
                audit_line(name, "changed", expires_at=format_time(expiry), record="missing",
                           access_keys=outcome.details.get("access_keys"))
                continue
            record_expiry = validate_record(name, record)
            if record_expiry > now:
                result.kept.append(name)
                continue
            collaborators.ensure_absent(name, action="expire_collaborator", record=record)
            result.removed.append({"name": name, "access_key": record["access_key"], "bucket": record["bucket"],
                                   "prefix": record["prefix"], "expires_at": record["expires_at"]})
            audit_line(name, "changed", access_key=record["access_key"], bucket=record["bucket"],
                       prefix=record["prefix"], expires_at=record["expires_at"])
        except (RecordError, CollaboratorRefused) as exc:
            result.errors.append({"name": name, "reason": str(exc)})
            audit_line(name, "refused", reason=str(exc))
        except (MinioActionError, PolicyError) as exc:
            result.errors.append({"name": name, "reason": getattr(exc, "message", str(exc))})
            audit_line(name, "failed", reason=getattr(exc, "message", str(exc)))
    if orphans in ("report", "remove"):
        _orphans(collaborators, policies, result, orphans == "remove", audit_line)
    return result


def _orphans(collaborators, policies, result, remove, audit_line):
    iam, store = collaborators.iam, collaborators.store
    records = set(store.names())
    gone = set(n["name"] for n in result.removed)
    by_policy = {}
    for access_key, user in iam.users().items():
        for pname in user["policies"]:
            if pname.startswith(POLICY_PREFIX):
                by_policy.setdefault(pname[len(POLICY_PREFIX):], []).append(access_key)
    names = (set(policies) | set(by_policy) | records) - gone
    for name in sorted(names):
        kind = None
        if name not in records:
            kind = "no record"
        elif name not in policies:
            kind = "no policy"
        if kind is None:
            continue
        entry = {"name": name, "problem": kind, "users": sorted(by_policy.get(name, []))}
        try:
            # The lists above were read at different moments: a collaborator being created now (its
            # record comes first, then its policy) is not an orphan.
            record = store.get(name)
            if kind == "no record" and record is not None:
                continue
            if kind == "no policy" and record is not None and record.get("status") == "creating" and \
                    collaborators.now - parse_time(record.get("created_at") or "1970-01-01") < STALE_CREATION:
                continue
            if remove:
                collaborators.ensure_absent(name, action="remove_orphan")
                entry["removed"] = True
                audit_line(name, "changed", action="remove_orphan", problem=kind, access_keys=entry["users"] or None)
            else:
                audit_line(name, "reported", action="orphan_collaborator", problem=kind,
                           access_keys=entry["users"] or None)
        except (RecordError, CollaboratorRefused, MinioActionError) as exc:
            entry["error"] = getattr(exc, "message", str(exc))
            result.errors.append({"name": name, "reason": entry["error"]})
            audit_line(name, "refused", action="remove_orphan", reason=entry["error"])
        result.orphans.append(entry)
