#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: minio_user
short_description: Manage MinIO built-in users
version_added: 0.1.0
description:
  - Creates, updates, enables, disables or removes a MinIO built-in user, and reconciles its attached
    policies. This replaces the lab's C(create_minio_user.sh).
  - All users are read with one C(list-users) call, so the module costs a constant number of reads.
  - The SDK's C(user_add) re-enables a disabled user; when the password is (re)set on a user that should
    stay disabled, the module disables it again in the same run.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  name:
    description: Access key of the user (3 to 20 characters).
    type: str
    required: true
    aliases: [user_access_key]
  user_secret_key:
    description:
      - Secret key (password) of the user, 8 to 40 characters. Required to create a user.
    type: str
    aliases: [password]
  update_password:
    description:
      - V(on_create) only sets O(user_secret_key) when the user is created.
      - V(always) makes sure the user's secret is O(user_secret_key). The module first checks the current
        secret with one signed S3 request, so an unchanged password reports C(changed=false). The secret
        of a disabled user cannot be checked this way, so it is reset on every run.
    type: str
    choices: [always, on_create]
    default: on_create
  state:
    description: Whether the user should exist.
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: Whether the account is enabled. Unset keeps the current status (new users are enabled).
    type: bool
  policies:
    description:
      - Canned policies attached to the user. Unset leaves the attachments alone.
      - Every policy must exist; unknown ones are refused before any change.
    type: list
    elements: str
  policies_mode:
    description:
      - V(exact) attaches exactly O(policies) and detaches the others (purge).
      - V(present) only attaches O(policies); V(absent) only detaches them.
    type: str
    choices: [present, absent, exact]
    default: exact
extends_documentation_fragment:
  - egid.s3share.minio
  - egid.s3share.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: partial
    details: With O(update_password=always) on a disabled user the secret cannot be checked and is reset.
"""

EXAMPLES = r"""
- name: Internal bioinformatician with read-write access to ligan
  egid.s3share.minio_user:
    name: sgressier
    user_secret_key: "{{ vault_sgressier_secret }}"
    policies: [ligan-rw]

- name: Suspend an account without deleting it
  egid.s3share.minio_user:
    name: sgressier
    enabled: false

- name: Remove an account
  egid.s3share.minio_user:
    name: sgressier
    state: absent
"""

RETURN = r"""
user:
  description: The user after the run. The secret is never returned.
  returned: always
  type: dict
  contains:
    state:
      description: V(present) or V(absent).
      type: str
    status:
      description: V(enabled) or V(disabled).
      type: str
    policies:
      description: Attached policies, sorted.
      type: list
      elements: str
    member_of:
      description: Groups the user belongs to.
      type: list
      elements: str
  sample: {"state": "present", "status": "enabled", "policies": ["ligan-rw"], "member_of": []}
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    IamState, check_policies_exist, ensure_user_absent, ensure_user_present, user_view,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.module import MinioModule


def main():
    m = MinioModule("minio_user", dict(
        name=dict(type="str", required=True, aliases=["user_access_key"], no_log=False),
        user_secret_key=dict(type="str", no_log=True, aliases=["password"]),
        update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        enabled=dict(type="bool"),
        policies=dict(type="list", elements="str"),
        policies_mode=dict(type="str", default="exact", choices=["present", "absent", "exact"]),
    ))
    p = m.params
    name = p["name"]
    target = "user:%s" % name
    action = "remove_user" if p["state"] == "absent" else "set_user"
    if not 3 <= len(name) <= 20:
        m.refuse(action, target, "Invalid user name %r: MinIO access keys have 3 to 20 characters" % name)
    if name == m.clients.settings.access_key:
        m.refuse(action, target, "Refusing to manage the root user %s as a built-in user" % name)
    secret = p["user_secret_key"]
    if secret is not None and not 8 <= len(secret) <= 40:
        m.refuse(action, target, "Invalid user_secret_key for %s: MinIO secret keys have 8 to 40 characters" % name)

    iam = IamState(m.admin)
    try:
        if p["state"] == "absent":
            changed = ensure_user_absent(iam, name, m.check_mode, m.tracker)
        else:
            if p["policies"] and p["policies_mode"] != "absent":
                message = check_policies_exist(iam, p["policies"], "Failed to set the policies of user %s" % name)
                if message:
                    m.refuse(action, target, message)
            if iam.user(name) is None and not secret:
                m.refuse(action, target, "Failed to create user %s: user_secret_key is required to create a user" % name)
            changed = ensure_user_present(
                iam, name, secret_key=secret, enabled=p["enabled"], update_password=p["update_password"],
                policies=p["policies"], policies_mode=p["policies_mode"], check_mode=m.check_mode,
                tracker=m.tracker, password_matches=m.password_matches)
    except MinioActionError as exc:
        m.fail(exc, action, target)
    if changed:
        m.record_change(action, target)
    m.exit(changed, user=user_view(iam.user(name)))


if __name__ == "__main__":
    main()
