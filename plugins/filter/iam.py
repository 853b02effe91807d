# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM set that site.yml gives egid.s3share.minio_iam, built from the inventory."""

from ansible.errors import AnsibleFilterError

_USER_KEYS = {"name", "bucket", "secret_key", "state", "enabled", "update_password"}


def internal_iam(users, groups=None, policy_prefix="rw-"):
    """Internal accounts as create_minio_user.sh made them: each user reads and writes its platform's bucket.

    Returns {"policies": [...], "users": [...], "groups": [...]}: one read-write policy
    <policy_prefix><bucket> per bucket that a present user works in, the users with that
    policy, and the groups as given.
    """
    if not isinstance(users, list):
        raise AnsibleFilterError("s3share_internal_users must be a list")
    out_users, buckets = [], []
    for index, user in enumerate(users):
        if not isinstance(user, dict) or not user.get("name"):
            raise AnsibleFilterError("s3share_internal_users[%d]: needs a name" % index)
        unknown = sorted(set(user) - _USER_KEYS)
        if unknown:
            raise AnsibleFilterError("s3share_internal_users[%d] (%s): unknown keys %s"
                                     % (index, user["name"], ", ".join(unknown)))
        item = {key: user[key] for key in ("name", "secret_key", "state", "enabled", "update_password")
                if user.get(key) is not None}
        if user.get("state", "present") == "present":
            if not user.get("bucket"):
                raise AnsibleFilterError("s3share_internal_users[%d] (%s): needs a bucket" % (index, user["name"]))
            item["policies"] = [policy_prefix + user["bucket"]]
            if user["bucket"] not in buckets:
                buckets.append(user["bucket"])
        out_users.append(item)
    policies = [{"name": policy_prefix + bucket, "template": "read-write", "bucket": bucket} for bucket in buckets]
    return {"policies": policies, "users": out_users, "groups": list(groups or [])}


class FilterModule:
    def filters(self):
        return {"internal_iam": internal_iam}
