# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create, change and remove one collaborator: user, policy and record together, rolled back on failure.

No Ansible import: the server-side sweep and the s3share command use this file.
"""

import datetime

from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import bucket_exists
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.adopted import AdoptionMixin
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.outcome import Outcome
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.shared_area import shared_area_problem
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.store import CollaboratorStore
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    CollaboratorRefused, NameUnavailable, RACE, RecordError, STALE_CREATION, generate_access_key,
    generate_secret_key, record_view, validate_name, validate_record, validate_request,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import (
    MinioActionError, absent_if_not_found, call, translate,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    IamState, derived_keys, ensure_policy, ensure_policy_absent, ensure_user_absent, list_access_keys,
    revoke_access_keys,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import policy_name
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import collaborator_policy, policies_equal
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time, parse_time, utc_now


class Collaborators(AdoptionMixin):
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
                    raise MinioActionError("create", "collaborator %s" % name, RACE)
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
            raise MinioActionError("create", "collaborator %s" % name, RACE)
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
