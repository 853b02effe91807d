#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: minio_collaborator
short_description: Give an external collaborator expiring, least-privilege access to one folder
version_added: 0.1.0
description:
  - Replaces the lab's C(create_collab_user.sh <collab> <bucket> <path> <days>).
  - "The first run generates strong random credentials (a 20-character access key and a 40-character
    secret), creates a MinIO user and a policy named C(collab-<name>) scoped to O(bucket)/O(prefix),
    records the expiry and who created it, and returns the credentials once in RV(credentials)."
  - Re-runs never rotate the secret nor move the expiry unless asked, with O(rotate=true) or a new
    O(expires_at). O(days) only counts from the first run.
  - O(state=absent) revokes the user, its policy and its record.
  - "Where the record lives: one JSON object per collaborator, C(collaborators/<name>.json), in a dedicated
    admin bucket (O(records_bucket)) on the same server. No policy grants access to it, so only the admin
    credentials can read it. It is as durable as the data it protects, readable by
    M(egid.s3share.minio_info), by M(egid.s3share.minio_collaborator_sweep) on the server and by any
    controller, needs no extra database, and one object per collaborator means runs for different
    collaborators never rewrite each other's records. MinIO keeps no metadata on built-in users, so the expiry cannot live on the user."
  - "Bad input is refused, and audited, before any change: an invalid bucket or prefix (C(..), a leading
    C(/), wildcards), a prefix outside the bucket, a missing bucket, more days than O(max_days), and a name
    that would collide with an internal user or an unmanaged C(collab-<name>) policy."
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
  records_bucket:
    description: Admin bucket holding the collaborator records. Created when missing.
    type: str
    default: s3share-admin
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
      description: Whether the expiry has passed (the sweep will remove it).
      type: bool
    created_at:
      description: Creation time.
      type: str
    created_by:
      description: Who created it (SUDO_USER or the remote user).
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

import datetime

from ansible_collections.egid.s3share.plugins.module_utils._minio_audit import utc_now
from ansible_collections.egid.s3share.plugins.module_utils._minio_collab import (
    CollaboratorStore, format_time, generate_access_key, generate_secret_key, parse_time, policy_name,
    record_view, remove_collaborator, validate_request,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio_errors import MinioActionError, call, translate
from ansible_collections.egid.s3share.plugins.module_utils._minio_iam import IamState, ensure_policy
from ansible_collections.egid.s3share.plugins.module_utils._minio_module import MinioModule
from ansible_collections.egid.s3share.plugins.module_utils._minio_policy import template_policy


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
        records_bucket=dict(type="str", default="s3share-admin"),
        reserved_names=dict(type="list", elements="str", default=[]),
        public_endpoint=dict(type="str"),
    ), required_if=[("state", "present", ("bucket", "prefix"))])
    p = m.params
    name = p["name"]
    target = "collaborator:%s" % name
    now = utc_now()
    iam = IamState(m.admin)
    store = CollaboratorStore(m.s3, p["records_bucket"])
    settings = m.clients.settings
    public_url = (p["public_endpoint"] or settings.url).rstrip("/")

    if p["state"] == "absent":
        action = "remove_collaborator"
        try:
            record = store.get(name)
            m.tracker.add("collaborator", record_view(record, now), {"state": "absent"})
            changed = record is not None
            if record is not None:
                remove_collaborator(iam, store, record, m.check_mode)
                m.record_change(action, target, access_key=record.get("access_key"),
                                expires_at=record.get("expires_at"))
        except MinioActionError as exc:
            m.fail(exc, action, target)
        m.exit(changed, collaborator={"state": "absent", "name": name})

    action = "set_collaborator"
    details = dict(bucket=p["bucket"], prefix=p["prefix"], access=p["access"])
    try:
        prefix, expiry = validate_request(name, p["bucket"], p["prefix"], p["access"], p["days"],
                                          p["expires_at"], p["max_days"], p["records_bucket"], now)
    except ValueError as exc:
        m.refuse(action, target, "Refusing collaborator %s: %s" % (name, exc), **details)
    details["prefix"] = prefix
    if name in p["reserved_names"] or name == settings.access_key:
        m.refuse(action, target, "Refusing collaborator %s: the name is reserved for an internal account" % name,
                 **details)

    try:
        record = store.get(name)
        if record is None:
            if iam.user(name) is not None:
                m.refuse(action, target, "Refusing collaborator %s: the name collides with the internal user %s"
                         % (name, name), **details)
            if iam.policy(policy_name(name)) is not None:
                m.refuse(action, target, "Refusing collaborator %s: policy %s exists but is not managed as a "
                         "collaborator" % (name, policy_name(name)), **details)
        try:
            bucket_exists = m.s3.bucket_exists(p["bucket"])
        except Exception as exc:  # pylint: disable=broad-except
            raise translate("check", "bucket %s" % p["bucket"], exc)
        if not bucket_exists:
            m.refuse(action, target, "Refusing collaborator %s: bucket %s does not exist" % (name, p["bucket"]),
                     **details)

        if record is not None:
            expires_at = format_time(expiry) if expiry else record["expires_at"]
        else:
            expires_at = format_time(expiry or (now + datetime.timedelta(days=p["days"])))
        wanted = dict(record or {}, name=name, bucket=p["bucket"], prefix=prefix, access=p["access"],
                      policy=policy_name(name), expires_at=expires_at)
        document = template_policy(p["access"], p["bucket"], prefix)
        expired = parse_time(expires_at) <= now
        credentials = None
        changed = False

        if record is None:
            wanted.update(access_key="(generated)", created_at=format_time(now), created_by=m.audit.actor)
            m.tracker.add("collaborator", {"state": "absent"}, record_view(wanted, now))
            changed = True
            if not m.check_mode:
                store.ensure_bucket()
                access_key = generate_access_key()
                while iam.user(access_key) is not None:
                    access_key = generate_access_key()
                secret_key = generate_secret_key()
                m.audit.add_secret(secret_key)
                wanted["access_key"] = access_key
                # The record goes first: if a later step fails, the sweep still finds and removes the rest.
                store.put(wanted)
                # Two first runs racing for the same name: the last record written wins (MinIO is
                # strongly consistent); the other run stops here, before creating anything else.
                stored = store.get(name)
                if not stored or stored.get("access_key") != access_key:
                    raise MinioActionError("create", "collaborator %s" % name,
                                           "another run is creating the same collaborator right now")
                ensure_policy(iam, wanted["policy"], document, False)
                call("create", "user %s (collaborator %s)" % (access_key, name), m.admin.user_add,
                     access_key, secret_key)
                call("attach policy %s to" % wanted["policy"], "user %s" % access_key, m.admin.policy_set,
                     wanted["policy"], user=access_key)
                credentials = dict(access_key=access_key, secret_key=secret_key, endpoint=public_url)
        else:
            before = record_view(record, now)
            user = iam.user(record["access_key"])
            need_secret = user is None or p["rotate"]
            after = record_view(wanted, now)
            if need_secret:
                after["secret"] = "rotated" if user is not None else "recreated"
            if user is not None and user["status"] != "enabled" and not expired:
                after["status"] = "enabled"
                before["status"] = user["status"]
            m.tracker.add("collaborator", before, after)
            policy_changed = ensure_policy(iam, wanted["policy"], document, m.check_mode)
            if policy_changed:
                m.tracker.add("policy", "outdated", "updated")
            attach_needed = user is None or user["policies"] != [wanted["policy"]]
            if attach_needed and user is not None:
                m.tracker.add("attached_policies", user["policies"], [wanted["policy"]])
            record_changed = any(record.get(k) != wanted[k]
                                 for k in ("bucket", "prefix", "access", "policy", "expires_at"))
            changed = need_secret or policy_changed or attach_needed or record_changed or \
                (user is not None and user["status"] != "enabled" and not expired)
            if changed and not m.check_mode:
                if record_changed or need_secret:
                    wanted["updated_at"] = format_time(now)
                    wanted["updated_by"] = m.audit.actor
                    if need_secret:
                        wanted["rotated_at"] = format_time(now)
                    store.put(wanted)
                if need_secret:
                    secret_key = generate_secret_key()
                    m.audit.add_secret(secret_key)
                    call("set the secret of", "user %s (collaborator %s)" % (record["access_key"], name),
                         m.admin.user_add, record["access_key"], secret_key)
                    credentials = dict(access_key=record["access_key"], secret_key=secret_key,
                                       endpoint=public_url)
                elif user["status"] != "enabled" and not expired:
                    call("enable", "user %s" % record["access_key"], m.admin.user_enable, record["access_key"])
                if attach_needed:
                    call("attach policy %s to" % wanted["policy"], "user %s" % record["access_key"],
                         m.admin.policy_set, wanted["policy"], user=record["access_key"])
                if need_secret and expired:
                    # user_add re-enables; an expired collaborator stays disabled until the sweep.
                    call("disable", "user %s" % record["access_key"], m.admin.user_disable, record["access_key"])
        if changed:
            m.record_change("create_collaborator" if record is None else action, target,
                            access_key=wanted.get("access_key"), expires_at=expires_at,
                            rotated=bool(credentials) and record is not None or None, **details)
    except MinioActionError as exc:
        m.fail(exc, action, target, expires_at=None)
    result = dict(collaborator=record_view(wanted, now), expires_at=expires_at)
    if credentials:
        result["credentials"] = credentials
    if expired:
        m.module.warn("collaborator %s expired at %s; the sweep will remove it" % (name, expires_at))
    m.exit(changed, **result)


if __name__ == "__main__":
    main()
