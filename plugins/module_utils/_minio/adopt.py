# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopting the lab's hand-made MinIO: its pending deletions and its accounts.

- Each `at` job ``mc admin user remove ALIAS KEY`` (create_collab_user.sh)
  becomes a collaborator record through Collaborators.ensure_adopted (the one
  home of collaborators): same user and secret, same expiry (the job's time),
  the bucket and folder read from the policy attached to the user. The job is
  removed only after its record has been written and read back.
- Every other account and policy is left alone and reported; a policy that
  grants one bucket or folder is compared with the collection's template for
  it, and the difference is returned as a diff.

No Ansible import. The caller gives the functions that run atq, at -c and atrm.
"""

from ansible_collections.egid.s3share.plugins.module_utils._host import at_queue
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    CollaboratorRefused, RecordError,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import POLICY_PREFIX, policy_name
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import BUILTIN_POLICIES
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, internal_policy, normalize_policy, policies_equal,
)

DEFAULT_NAME_PREFIX = "lab-"
_READ_ACTIONS = frozenset(("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"))
_ARN = "arn:aws:s3:::"


class AdoptError(ValueError):
    """Something the adoption cannot decide alone; reported, nothing changed for it."""


def policy_scope(document):
    """(bucket, prefix, access) that a hand-written policy grants, or AdoptError.

    Reads the Allow statements: every object resource must be one
    ``arn:aws:s3:::bucket/prefix/*`` (or the bucket's ``/*``); access is
    read-only when only reads are allowed, else read-write.
    """
    try:
        policy = normalize_policy(document)
    except PolicyError as exc:
        raise AdoptError(str(exc))
    scopes, actions = set(), set()
    for statement in policy["Statement"]:
        if statement.get("Effect") != "Allow":
            continue
        actions.update(statement.get("Action") or [])
        for resource in statement.get("Resource") or []:
            if not resource.startswith(_ARN):
                raise AdoptError("resource %s is not an S3 resource" % resource)
            path = resource[len(_ARN):]
            if "/" not in path:
                continue  # the bucket itself (ListBucket): the folder comes from the object resources
            bucket, key = path.split("/", 1)
            if not key.endswith("*") or "*" in key[:-1] or "?" in key:
                raise AdoptError("resource %s is not one folder" % resource)
            scopes.add((bucket, key[:-1].strip("/")))
    if len(scopes) != 1:
        raise AdoptError("the policy grants %s, not one folder" % (
            ", ".join(sorted("%s/%s" % s for s in scopes)) or "no object"))
    bucket, prefix = scopes.pop()
    access = "read-only" if actions and set(actions) <= _READ_ACTIONS else "read-write"
    return bucket, prefix, access


def grant_not_covered(document):
    """Why a read grant on the folder would not match this hand-written policy, or None.

    A collaborator is adopted with read access to its folder, ending at its
    expiry. A policy that restricts itself further (a Deny, a Condition such as
    a source address, NotAction or NotResource) or does not allow downloads
    (an upload-only folder) would be widened or changed by that: such a user is
    refused and left as it is, for an admin to decide.
    """
    try:
        policy = normalize_policy(document)
    except PolicyError as exc:
        return str(exc)
    allowed = set()
    for statement in policy["Statement"]:
        if statement.get("Effect") != "Allow":
            return "its policy has a %s statement, which a read grant would drop" % statement.get("Effect")
        for key in ("Condition", "NotAction", "NotResource", "NotPrincipal"):
            if statement.get(key):
                return "its policy has a %s, which a read grant would drop" % key
        allowed.update(statement.get("Action") or [])
    if not allowed & {"s3:GetObject", "s3:Get*", "s3:*", "*"}:
        return "its policy does not allow s3:GetObject (%s): a read grant would give more" % (
            ", ".join(sorted(allowed)) or "no action")
    return None


def collaborator_name(access_key, prefix=DEFAULT_NAME_PREFIX):
    """The record name of an adopted collaborator: the lab's scripts kept no name in MinIO."""
    return (prefix + access_key).lower()


class JobRunner:
    """The at commands, given by the caller: atq() -> text, script(id) -> text, remove(id)."""

    def __init__(self, atq, script, remove):
        self.atq = atq
        self.script = script
        self.remove = remove


def read_jobs(runner):
    """Every job in the queue with what it does (at_queue.read_queue)."""
    return at_queue.read_queue(runner.atq, runner.script)


def _job_view(job):
    return {"id": job["id"], "runs_at": format_time(job["runs_at"]), "owner": job["owner"],
            "removes": [r["access_key"] for r in job["removes"]]}


def adopt_at_jobs(collaborators, runner, audit=None, name_prefix=DEFAULT_NAME_PREFIX, stale="remove",
                  tracker=None, aliases=None):
    """Convert the queue's MinIO user removals. Returns {"converted", "stale", "refused", "other"}.

    - converted: the job became a record (or already was); the job is removed
      after the record was read back and matches;
    - stale: the job removes a user that no longer exists; with stale="remove"
      the job is removed (what it would do is already done), else kept;
    - refused: a conversion refused (nothing changed for that job, it stays);
    - other: jobs that are not one MinIO user removal, or that remove a user through an mc
      alias not in aliases (another server: its user is not this server's), left alone.
    """
    check_mode = collaborators.check_mode
    result = {"converted": [], "stale": [], "refused": [], "other": []}

    def audit_line(action, target, outcome, **details):
        if audit is not None:
            audit.write(action, target, outcome, **details)

    for job in read_jobs(runner):
        view = _job_view(job)
        target = "at-job:%d" % job["id"]
        if job.get("error") or len(job["removes"]) != 1 or job["other"]:
            if job["removes"] or job.get("error"):
                view["reason"] = job.get("error") or "the job does more than remove one MinIO user: left alone"
                audit_line("adopt_at_job", target, "refused", reason=view["reason"])
                result["refused"].append(view)
            else:
                result["other"].append(view)
            continue
        if aliases is not None and job["removes"][0]["alias"] not in aliases:
            view["reason"] = "it removes a user through the mc alias %s, not this server's (%s)" % (
                job["removes"][0]["alias"], ", ".join(aliases))
            result["other"].append(view)
            continue
        access_key = job["removes"][0]["access_key"]
        view["access_key"] = access_key
        user = collaborators.iam.user(access_key)
        if user is None:
            view["action"] = "removed" if stale == "remove" else "kept"
            if stale == "remove":
                if not check_mode:
                    runner.remove(job["id"])
                if tracker is not None:
                    tracker.add(target, view["runs_at"], None)
                audit_line("remove_stale_at_job", target, "changed", access_key=access_key,
                           runs_at=view["runs_at"], reason="its MinIO user no longer exists")
            result["stale"].append(view)
            continue
        name = collaborator_name(access_key, name_prefix)
        view["name"] = name
        try:
            bucket, prefix = _scope_of(collaborators, name, user)
            outcome = collaborators.ensure_adopted(name, access_key, bucket, prefix, job["runs_at"],
                                                   "at job %d" % job["id"], tracker=tracker)
            view.update(bucket=bucket, prefix=outcome.record["prefix"], expires_at=outcome.record["expires_at"],
                        changed=True, replaced_policies=outcome.details.get("replaced_policies"))
            if not check_mode:
                _check_record(collaborators, outcome.record)
                runner.remove(job["id"])
            audit_line("adopt_at_job", target, "changed", collaborator=name, access_key=access_key,
                       bucket=bucket, prefix=view["prefix"], expires_at=view["expires_at"],
                       replaced_policies=view["replaced_policies"])
            result["converted"].append(view)
        except (AdoptError, CollaboratorRefused, RecordError) as exc:
            view["reason"] = str(exc)
            audit_line("adopt_at_job", target, "refused", access_key=access_key, reason=str(exc))
            result["refused"].append(view)
        except MinioActionError as exc:
            view["reason"] = exc.message
            audit_line("adopt_at_job", target, "failed", access_key=access_key, reason=exc.message)
            result["refused"].append(view)
    return result


def _scope_of(collaborators, name, user):
    """The folder the user may read today: from its one attached policy (or from its record after a crash)."""
    pname = policy_name(name)
    if user["policies"] == [pname]:
        record = collaborators.store.get(name)
        if record is not None:
            return record["bucket"], record["prefix"]
    if len(user["policies"]) != 1:
        raise AdoptError("user has %d policies (%s): the folder to keep is ambiguous" % (
            len(user["policies"]), ", ".join(user["policies"]) or "none"))
    document = collaborators.iam.policy(user["policies"][0])
    if document is None:
        raise AdoptError("its policy %s cannot be read" % user["policies"][0])
    reason = grant_not_covered(document)
    if reason:
        raise AdoptError(reason)
    bucket, prefix, dummy = policy_scope(document)
    return bucket, prefix


def _check_record(collaborators, wanted):
    """Read the record back; the job is removed only when it holds what was written."""
    record = collaborators.store.get(wanted["name"])
    keys = ("access_key", "bucket", "prefix", "expires_at", "policy")
    if record is None or any(record.get(k) != wanted[k] for k in keys):
        raise MinioActionError("read back", "collaborator record %s" % wanted["name"],
                               "it does not hold what was written; the at job is kept")


def account_report(iam, managed_users=(), managed_policy_prefixes=()):
    """The accounts and policies adoption leaves alone, with each policy compared with our template.

    Returns {"users": [...], "policies": [...]}: users that are neither
    collaborators nor managed, with their status and policies (never a
    secret); and each policy they hold that is not built in or managed, with
    the template it would be (read-only or read-write on its folder), whether
    it differs and the before/after documents.
    """
    users, policy_users = [], {}
    for name, info in sorted(iam.users().items()):
        if name in managed_users or any(p.startswith(POLICY_PREFIX) for p in info["policies"]):
            continue
        users.append({"name": name, "status": info["status"], "policies": list(info["policies"]),
                      "member_of": list(info.get("member_of") or [])})
        for pname in info["policies"]:
            policy_users.setdefault(pname, []).append(name)
    policies = []
    for pname in sorted(policy_users):
        if pname in BUILTIN_POLICIES or any(pname.startswith(p) for p in managed_policy_prefixes if p):
            continue
        entry = {"name": pname, "users": policy_users[pname]}
        document = iam.policy(pname)
        try:
            bucket, prefix, access = policy_scope(document)
            template = internal_policy(access, bucket, prefix)
            entry.update(bucket=bucket, prefix=prefix, template=access,
                         differs=not policies_equal(document, template))
            if entry["differs"]:
                entry["diff"] = {"before": normalize_policy(document), "after": normalize_policy(template)}
        except (AdoptError, PolicyError) as exc:
            entry.update(template=None, differs=True, reason=str(exc))
        policies.append(entry)
    return {"users": users, "policies": policies}
