# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The expiry sweep: every collaborator past its expiry removed, one at a time, and the orphans found.

No Ansible import: the server-side sweep (_programs/sweep.py) runs this.
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    CollaboratorRefused, RecordError, STALE_CREATION, validate_name, validate_record,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import POLICY_PREFIX
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import PolicyError, policy_expiry
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time, parse_time, utc_now


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
