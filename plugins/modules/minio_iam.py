#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_iam
short_description: Reconcile a set of MinIO policies, users and groups in one run
version_added: 0.1.0
description:
  - The bulk form of M(egid.s3share.minio_policy), M(egid.s3share.minio_user) and M(egid.s3share.minio_group).
    One module run reconciles every item it is given, with the same per-item rules as those modules.
  - A C(loop) over the single-item modules pays, for every item, a module start, an SDK import, a TLS
    handshake and its own list calls. This module reads all users, all policies (with their documents) and
    the group names with three list calls whatever the number of items, reads each group it names once,
    and writes only what differs.
  - Every item is judged before the first write, first on its own, then against the server. One bad item
    fails the whole run, naming it, and nothing is written.
  - It never manages the root user, the built-in policies, the C(collab-*) identities of
    M(egid.s3share.minio_collaborator), or the collection's service identities (C(s3share-*), such as the
    link signer and the metrics identity), and with O(name_prefix) nothing outside that prefix.
  - Why one module for the whole set rather than a list option on each module. The items depend on each other
    (a user needs its policies, a group its members, a policy can only go once nothing uses it), so the
    order of the writes and the checks before them belong in one place. amazon.aws keeps one module per
    resource (C(iam_user), C(iam_policy)) and reconciles attachments with C(purge_policies); community.postgresql
    keeps C(postgresql_user) per role and reconciles memberships with present, absent and exact semantics.
    This module keeps both habits per item (O(users[].policies_mode), O(groups[].members_mode)) and adds
    the set-level purge that those collections leave to a loop.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name_prefix:
    description:
      - Every listed name must start with this prefix, and O(purge) only removes names that start with it.
      - Empty means no prefix; O(purge) then is refused.
    type: str
    default: ""
  purge:
    description:
      - Remove the users, groups and policies whose names start with O(name_prefix) and that the set does
        not list. The root user, the built-in policies, the C(collab-*) and C(s3share-*) identities are never
        removed.
    type: bool
    default: false
  policies:
    description: Canned policies.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the policy.
        type: str
        required: true
      state:
        description: Whether the policy should exist. A policy to remove is detached from the listed users
          and groups that no longer hold it; still attached to anything else, it is refused.
        type: str
        choices: [present, absent]
        default: present
      template:
        description: As in M(egid.s3share.minio_policy).
        type: str
        choices: [read-only, read-write, custom]
        default: custom
      bucket:
        description: Bucket of a template.
        type: str
      prefix:
        description: Folder inside O(policies[].bucket); empty means the whole bucket.
        type: str
        default: ""
      policy:
        description: The policy document with O(policies[].template=custom).
        type: json
  users:
    description: Built-in users.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Access key of the user (3 to 20 characters).
        type: str
        required: true
      secret_key:
        description: Secret key, 8 to 40 characters. Required to create a user. Never shown nor logged.
        type: str
      update_password:
        description: As in M(egid.s3share.minio_user). V(always) costs one signed S3 request per user.
        type: str
        choices: [always, on_create]
        default: on_create
      state:
        description: Whether the user should exist.
        type: str
        choices: [present, absent]
        default: present
      enabled:
        description: Whether the account is enabled. Unset keeps the current status.
        type: bool
      policies:
        description: Policies attached to the user; each must exist or be in O(policies). Unset leaves them alone.
        type: list
        elements: str
      policies_mode:
        description: V(exact) (purge the others), V(present) or V(absent).
        type: str
        choices: [present, absent, exact]
        default: exact
  groups:
    description: Groups.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the group.
        type: str
        required: true
      state:
        description: Whether the group should exist.
        type: str
        choices: [present, absent]
        default: present
      members:
        description: Members; each must exist or be in O(users). Unset leaves them alone.
        type: list
        elements: str
      members_mode:
        description: V(exact), V(present) or V(absent).
        type: str
        choices: [present, absent, exact]
        default: exact
      policies:
        description: Policies attached to the group. Unset leaves them alone.
        type: list
        elements: str
      policies_mode:
        description: V(exact), V(present) or V(absent).
        type: str
        choices: [present, absent, exact]
        default: exact
      enabled:
        description: Whether the group is enabled. Unset keeps the current status.
        type: bool
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: One diff per changed item, with the item's kind and name as header.
  idempotent:
    support: partial
    details: With O(users[].update_password=always) on a disabled user the secret cannot be checked and is reset.
notes:
  - One line per changed item goes to the audit log (action C(set_user), C(remove_policy) and so on), and one
    line for a refused set.
seealso:
  - module: egid.s3share.minio_user
  - module: egid.s3share.minio_policy
  - module: egid.s3share.minio_group
"""

EXAMPLES = r"""
- name: The lab's internal accounts in one run
  egid.s3share.minio_iam:
    name_prefix: lab-
    purge: true
    policies:
      - name: lab-rw-ligan
        template: read-write
        bucket: ligan
    users:
      - name: lab-sgressier
        secret_key: "{{ vault_sgressier_secret }}"
        policies: [lab-rw-ligan]
      - name: lab-former
        state: absent
    groups:
      - name: lab-ligan
        members: [lab-sgressier]
"""

RETURN = r"""
changes:
  description: What changed (or, in check mode, would change), one entry per item.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "user", "name": "lab-sgressier", "action": "set_user", "changes": ["user"]}]
purged:
  description: The names removed by O(purge), per kind.
  returned: always
  type: dict
  sample: {"users": ["lab-former"], "groups": [], "policies": []}
items:
  description: The items that changed, as they are after the run (all of them would make a large result for
    a large set). Secrets are never returned.
  returned: always
  type: dict
  sample: {"users": {"lab-sgressier": {"state": "present", "status": "enabled", "policies": ["lab-rw-ligan"],
           "member_of": ["lab-ligan"]}}, "policies": {"lab-rw-ligan": "present"}, "groups": {}}
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import IamState
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam_set import (
    KINDS, IamSetError, IamSetResult, reconcile, summary,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule

_STATE = dict(type="str", default="present", choices=["present", "absent"])
_MODE = dict(type="str", default="exact", choices=["present", "absent", "exact"])


def main():
    m = MinioModule("minio_iam", dict(
        name_prefix=dict(type="str", default=""),
        purge=dict(type="bool", default=False),
        policies=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            state=_STATE,
            template=dict(type="str", default="custom", choices=["read-only", "read-write", "custom"]),
            bucket=dict(type="str"),
            prefix=dict(type="str", default=""),
            policy=dict(type="json"),
        )),
        users=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            secret_key=dict(type="str", no_log=True),
            update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
            state=_STATE,
            enabled=dict(type="bool"),
            policies=dict(type="list", elements="str"),
            policies_mode=_MODE,
        )),
        groups=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            state=_STATE,
            members=dict(type="list", elements="str"),
            members_mode=_MODE,
            policies=dict(type="list", elements="str"),
            policies_mode=_MODE,
            enabled=dict(type="bool"),
        )),
    ))
    spec = {key: m.params[key] for key in ("name_prefix", "purge") + KINDS}
    # Ansible scrubs every string it returns against every no_log value. Echoing
    # 1000 users back (the default "invocation") made that scrub take 5.5 s of a
    # 9 s run, so the item lists are echoed as counts, on success and on failure.
    args = {key: value for key, value in m.params.items() if key not in KINDS}
    args.update({key: "%d items" % len(m.params[key]) for key in KINDS})
    m.invocation = {"module_args": args}
    iam = IamState(m.admin)
    result = IamSetResult()

    def audit(kind, name, action, changes):
        m.audit.write(action, "%s:%s" % (kind, name), "changed", changes=changes or None)

    try:
        reconcile(iam, spec, m.clients.settings.access_key, m.check_mode,
                  password_matches=m.password_matches, on_change=audit, result=result)
    except IamSetError as exc:
        m.refuse("set_iam", "iam_set", "Refusing the whole set, nothing was changed: %s" % exc,
                 problems=exc.problems)
    except MinioActionError as exc:
        # The items before this one are applied and audited; the next run finishes the set.
        m.fail(exc, "set_iam", exc.obj, result=dict(changes=result.changes, purged=result.purged))
    out = dict(changes=result.changes, purged=result.purged, items=summary(iam, spec, result.changed_names()))
    if m.module._diff:
        out["diff"] = result.diffs
    m.module.exit_json(changed=result.changed, invocation=m.invocation, **out)


if __name__ == "__main__":
    main()
