# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Taking over a collaborator made by hand with the lab's create_collab_user.sh (the one-off adoption).

A mixin of Collaborators, kept apart so that the service holds only what
every run does. No Ansible import.
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import bucket_exists
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.outcome import Outcome
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.shared_area import (
    shared_area_problem, versioned_objects_problem,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    ADOPTED_ACCESS_KEY_RE, CollaboratorRefused, RACE, record_view, validate_name, validate_record,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError, call
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import ensure_policy
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import policy_name
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    collaborator_policy, folder_prefix, policies_equal, validate_bucket_name,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time, parse_time


class AdoptionMixin:
    """Collaborators.ensure_adopted; uses the service's iam, s3, store, actor, now and check_mode."""

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
        prefix = folder_prefix(prefix, CollaboratorRefused,
                               "collaborator %s: its policy grants a whole bucket, not one folder" % name)
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
            problem = shared_area_problem(self.s3, bucket, prefix) or versioned_objects_problem(self.s3, bucket, prefix)
            if problem:
                raise CollaboratorRefused(problem)
        details = {"replaced_policies": [p for p in user["policies"] if p != pname] or None}
        if self.check_mode:
            return Outcome(True, wanted, action="adopt_collaborator", details=details)
        if record_changed:
            self.store.ensure_bucket()
            if record is None:
                if not self.store.create(wanted):
                    raise MinioActionError("create", "collaborator record %s" % name, RACE)
            else:
                self.store.put(wanted)
        ensure_policy(self.iam, pname, document, False)
        if attach_needed:
            call("attach policy %s to" % pname, "user %s" % access_key, self.iam.admin.policy_set, pname,
                 user=access_key)
            user["policies"] = [pname]
        return Outcome(True, wanted, action="adopt_collaborator", details=details)
