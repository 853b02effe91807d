#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_collaborator
short_description: Give an external collaborator expiring, least-privilege access to one folder
version_added: 0.1.0
description:
  - Replaces the lab's C(create_collab_user.sh <collab> <bucket> <path> <days>).
  - "The first run generates strong random credentials (a 20-character access key and a 40-character
    secret), creates a MinIO user and a policy named C(collab-<name>) scoped to O(bucket)/O(prefix),
    records the expiry and who created it, and returns the credentials once in RV(credentials)."
  - "The policy ends every grant at the expiry with a C(DateLessThan aws:CurrentTime) condition, so MinIO
    itself refuses the collaborator from that second on, before the sweep removes the account. It also
    denies what a collaborator must never do, whatever MinIO's defaults: creating its own access keys
    (service accounts) or changing its secret (C(admin:*)), and any request naming an object version.
    STS keys (the web console's session) get this same policy, so the same folder until the same expiry."
  - "The shared folder must keep no old versions: MinIO answers ListObjectVersions with C(s3:ListBucket), so
    a policy cannot hide deleted files from a collaborator who may list the folder. The bucket must be
    unversioned, or the folder must lie under one of its versioning excluded prefixes (see
    M(egid.s3share.minio_bucket) O(egid.s3share.minio_bucket#module:versioning_excluded_prefixes); the lab
    excludes C(results/), whose source of truth is NFS), and no old version or delete marker may be left
    there. Otherwise the grant is refused before any change."
  - "Creation is atomic for the caller: the record is created with a conditional write, so of two first runs
    for one name only one creates an account, and the other fails without changing anything. A failure after
    the user is created rolls everything back, so the next run starts clean and returns a secret."
  - Re-runs never rotate the secret nor move the expiry unless asked, with O(rotate=true) or a new
    O(expires_at). O(days) only counts from the first run. O(rotate=true) also deletes the service accounts and
    revokes the STS keys the user may own.
  - A run after the expiry disables the account (and cuts its derived keys) at once, instead of waiting for
    the sweep.
  - O(state=absent) removes the user, its derived keys, its policy and its record; without a record it still
    removes the C(collab-<name>) policy and the users that hold only that policy.
  - "Where the record lives: one JSON object per collaborator, C(collaborators/<name>.json), in the admin bucket
    O(records_bucket). No policy grants access to it, so only the admin credentials can read it. MinIO keeps
    no metadata on built-in users, so the expiry cannot live on the user."
  - "Bad input is refused, and audited, before any change: an invalid name, bucket or prefix (C(..), a leading
    C(/), wildcards, a trailing newline), a prefix outside the bucket, a missing bucket, the records bucket, a
    versioned folder, more days than O(max_days), and a name that would collide with an internal user or an
    unmanaged C(collab-<name>) policy."
  - Expired collaborators are removed by M(egid.s3share.minio_collaborator_sweep), which the
    C(egid.s3share.minio_admin) role runs from a systemd timer on the server.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name:
    description: Short name of the collaborator, for example C(chu-liege). 3 to 40 lower-case letters, digits or C(-).
    type: str
    required: true
  state:
    description: Whether the collaborator should have access.
    type: str
    choices: [present, absent]
    default: present
  bucket:
    description: Bucket holding the shared folder. Required with O(state=present).
    type: str
  prefix:
    description: Folder inside O(bucket), for example C(results/chu-liege). Required with O(state=present).
    type: str
  access:
    description: V(read-only) (list and download) or V(read-write) (also upload and delete) inside O(prefix).
    type: str
    choices: [read-only, read-write]
    default: read-only
  days:
    description: Lifetime in days, counted from the first run. Ignored when O(expires_at) is set.
    type: int
    default: 30
  expires_at:
    description:
      - Explicit expiry, ISO 8601 (C(2026-12-31T18:00:00Z)); a time without zone is UTC.
      - On an existing collaborator, a different value moves the expiry.
    type: str
  max_days:
    description: Longest lifetime allowed, for O(days) and O(expires_at).
    type: int
    default: 30
  rotate:
    description: Generate a new secret and return it in RV(credentials).
    type: bool
    default: false
  public_endpoint:
    description:
      - URL the collaborator uses (for example C(https://nectar.egid.fr:9000)), returned in
        RV(credentials.endpoint). Defaults to O(endpoint), which is often C(https://127.0.0.1:9000) on the server.
    type: str
  reserved_names:
    description: Names refused as collaborator names, in addition to existing users and the admin user.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
notes:
  - "Set C(no_log: true) on the task: the returned secret is meant to be delivered once, the access key
    by e-mail and the secret by SMS, never on the same channel."
"""

EXAMPLES = r"""
- name: Read-only access to results/chu-liege for 30 days
  egid.s3share.minio_collaborator:
    name: chu-liege
    bucket: ligan
    prefix: results/chu-liege
    days: 30
  register: collab
  no_log: true

- name: Extend the access until a given date
  egid.s3share.minio_collaborator:
    name: chu-liege
    bucket: ligan
    prefix: results/chu-liege
    expires_at: "2026-12-31T18:00:00Z"

- name: Revoke now
  egid.s3share.minio_collaborator:
    name: chu-liege
    state: absent
"""

RETURN = r"""
collaborator:
  description: The collaborator record after the run (never the secret).
  returned: always
  type: dict
  contains:
    state:
      description: V(present) or V(absent).
      type: str
    name:
      description: Collaborator name.
      type: str
    access_key:
      description: The collaborator's login (access key).
      type: str
    bucket:
      description: Shared bucket.
      type: str
    prefix:
      description: Shared folder.
      type: str
    access:
      description: V(read-only) or V(read-write).
      type: str
    policy:
      description: Name of the scoped policy.
      type: str
    expires_at:
      description: Expiry, UTC ISO 8601.
      type: str
    expired:
      description: Whether the expiry has passed (the account is disabled; the sweep removes it).
      type: bool
    created_at:
      description: Creation time.
      type: str
    created_by:
      description: Who created it (the audit actor, that is the user who ran sudo, or the login user).
      type: str
  sample: {"state": "present", "name": "chu-liege", "access_key": "C7Q2ZK4M9T1XW8P0L3RA", "bucket": "ligan",
           "prefix": "results/chu-liege", "access": "read-only", "policy": "collab-chu-liege",
           "expires_at": "2026-12-23T08:00:00Z", "expired": false, "created_at": "2026-11-23T08:00:00Z",
           "created_by": "sgressier"}
credentials:
  description: The generated credentials, only on creation or rotation (and not in check mode).
  returned: when created or rotated
  type: dict
  contains:
    access_key:
      description: Login.
      type: str
    secret_key:
      description: Secret. Deliver it on a different channel than the login.
      type: str
    endpoint:
      description: S3 endpoint the credentials are for (O(public_endpoint), else O(endpoint)).
      type: str
expires_at:
  description: Expiry of the access, UTC ISO 8601.
  returned: when O(state=present)
  type: str
  sample: "2026-12-23T08:00:00Z"
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    CollaboratorRefused, RecordError, record_view,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule


def main():
    m = MinioModule("minio_collaborator", dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        bucket=dict(type="str"),
        prefix=dict(type="str"),
        access=dict(type="str", default="read-only", choices=["read-only", "read-write"]),
        days=dict(type="int", default=30),
        expires_at=dict(type="str"),
        max_days=dict(type="int", default=30),
        rotate=dict(type="bool", default=False),
        reserved_names=dict(type="list", elements="str", default=[]),
        public_endpoint=dict(type="str"),
    ), required_if=[("state", "present", ("bucket", "prefix"))])
    p = m.params
    name = p["name"]
    target = "collaborator:%s" % name
    settings = m.clients.settings
    public_url = (p["public_endpoint"] or settings.url).rstrip("/")
    manager = Collaborators.from_clients(m.clients, p["records_bucket"], m.audit.actor, check_mode=m.check_mode,
                                         on_secret=m.audit.add_secret)
    if p["state"] == "absent":
        action = "remove_collaborator"
        try:
            outcome = manager.ensure_absent(name, tracker=m.tracker)
        except CollaboratorRefused as exc:
            m.refuse(action, target, "Refusing to remove collaborator %s: %s" % (name, exc))
        except MinioActionError as exc:
            m.fail(exc, action, target)
        if outcome.changed:
            m.record_change(action, target, access_key=(outcome.record or {}).get("access_key"),
                            expires_at=(outcome.record or {}).get("expires_at"), **outcome.details)
        m.exit(outcome.changed, collaborator={"state": "absent", "name": name})

    action = "set_collaborator"
    details = dict(bucket=p["bucket"], prefix=p["prefix"], access=p["access"])
    try:
        outcome = manager.ensure_present(name, p["bucket"], p["prefix"], p["access"], p["days"], p["expires_at"],
                                         p["max_days"], p["rotate"], p["reserved_names"], settings.access_key,
                                         tracker=m.tracker)
    except (CollaboratorRefused, RecordError) as exc:
        m.refuse(action, target, "Refusing collaborator %s: %s" % (name, exc), **details)
    except MinioActionError as exc:
        m.fail(exc, action, target, **details)
    record = outcome.record
    if outcome.changed:
        details["prefix"] = record["prefix"]
        m.record_change(outcome.action, target, access_key=record.get("access_key"),
                        expires_at=record["expires_at"], **dict(details, **outcome.details))
    result = dict(collaborator=record_view(record, manager.now), expires_at=record["expires_at"])
    if outcome.credentials:
        result["credentials"] = dict(outcome.credentials, endpoint=public_url)
    if outcome.expired:
        m.module.warn("collaborator %s expired at %s: its account is disabled and the sweep removes it"
                      % (name, record["expires_at"]))
    m.exit(outcome.changed, **result)


if __name__ == "__main__":
    main()
