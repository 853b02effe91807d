# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM reconcile decisions against an in-memory fake of the SDK (the client factory seam).

FakeAdmin and FakeS3 are also used by tests/unit/plugins/modules/test_minio_modules.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import sys

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, os.path.join(_REPO, '.collections'))  # scripts/bootstrap.sh links the collection there

from minio.error import MinioAdminException, S3Error  # noqa: E402

from ansible_collections.egid.s3share.plugins.module_utils._minio.diff import (  # noqa: E402
    DifferenceTracker, reconcile_set,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (  # noqa: E402
    IamState, ensure_group_absent, ensure_group_present, ensure_policy, ensure_policy_absent,
    ensure_user_absent, ensure_user_present,
)

READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                                "Resource": ["arn:aws:s3:::b/*"]}]}

WRITE_CALLS = {"delete_service_account", "revoke-tokens/builtin", "user_add", "user_remove", "user_enable", "user_disable", "policy_add", "policy_remove",
               "policy_set", "group_add", "group_remove", "group_enable", "group_disable", "bucket_quota_set",
               "make_bucket", "put_object", "remove_object", "set_bucket_versioning", "set_bucket_encryption",
               "set_bucket_tags", "delete_bucket_tags", "delete_bucket_encryption", "remove_bucket"}


def admin_error(status, code):
    return MinioAdminException(str(status), json.dumps({"Code": code, "Message": code}))


class FakeAdmin(object):
    """Behaves like the MinIO admin API for what the modules use, and records calls."""

    def __init__(self, kms=True):
        self.users, self.policies, self.groups, self.calls = {}, {}, {}, []
        self.svcaccts, self.sts_keys = {}, {}
        self.kms = kms

    def _call(self, name, *args):
        self.calls.append((name,) + args)

    @property
    def writes(self):
        return [c for c in self.calls if c[0] in WRITE_CALLS]

    def user_list(self):
        self._call("user_list")
        return json.dumps(dict((k, {"status": v["status"], "policyName": ",".join(v["policies"])})
                               for k, v in self.users.items()))

    def user_add(self, access_key, secret_key):
        self._call("user_add", access_key)
        user = self.users.setdefault(access_key, {"policies": []})
        user.update(status="enabled", secret=secret_key)
        return ""

    def user_enable(self, access_key):
        self._call("user_enable", access_key)
        self.users[access_key]["status"] = "enabled"

    def user_disable(self, access_key):
        self._call("user_disable", access_key)
        if access_key not in self.users:
            raise admin_error(404, "XMinioAdminNoSuchUser")
        self.users[access_key]["status"] = "disabled"

    def user_remove(self, access_key):
        self._call("user_remove", access_key)
        if self.users.pop(access_key, None) is None:
            raise admin_error(404, "XMinioAdminNoSuchUser")
        # As MinIO does: the user's service accounts and STS keys go with it.
        self.svcaccts.pop(access_key, None)
        self.sts_keys.pop(access_key, None)

    def policy_list(self):
        self._call("policy_list")
        return json.dumps(self.policies)

    def policy_add(self, name, policy=None):
        self._call("policy_add", name)
        self.policies[name] = policy

    def policy_remove(self, name):
        self._call("policy_remove", name)
        if any(name in u["policies"] for u in self.users.values()):
            raise admin_error(400, "XMinioIAMPolicyInUse")
        self.policies.pop(name)

    def policy_set(self, policy_name, user=None, group=None):
        self._call("policy_set", policy_name, user, group)
        names = [p for p in policy_name.split(",") if p]
        if user is not None:
            if user not in self.users or self.users[user]["status"] == "disabled":
                raise admin_error(404, "XMinioAdminNoSuchUser")  # as the real server does
            self.users[user]["policies"] = names
        else:
            self.groups[group]["policies"] = names
        return ""

    def get_policy_entities(self, users, groups, policies):
        self._call("get_policy_entities")
        mappings = [{"policy": p, "users": [u for u, v in self.users.items() if p in v["policies"]],
                     "groups": [g for g, v in self.groups.items() if p in v["policies"]]} for p in policies]
        return json.dumps({"policyMappings": mappings})

    def group_list(self):
        self._call("group_list")
        return json.dumps(sorted(self.groups))

    def group_info(self, name):
        self._call("group_info", name)
        group = self.groups[name]
        return json.dumps({"name": name, "status": group["status"], "members": group["members"],
                           "policy": ",".join(group["policies"])})

    def group_add(self, name, members):
        self._call("group_add", name, tuple(members))
        group = self.groups.setdefault(name, {"status": "enabled", "members": [], "policies": []})
        group["members"] = sorted(set(group["members"]) | set(members))

    def group_remove(self, name, members=None):
        self._call("group_remove", name, tuple(members or ()))
        if members is None:
            if self.groups[name]["members"]:
                raise admin_error(400, "XMinioAdminGroupNotEmpty")
            del self.groups[name]
        else:
            self.groups[name]["members"] = sorted(set(self.groups[name]["members"]) - set(members))

    def group_enable(self, name):
        self._call("group_enable", name)
        self.groups[name]["status"] = "enabled"

    def group_disable(self, name):
        self._call("group_disable", name)
        self.groups[name]["status"] = "disabled"

    # Access keys derived from users (service accounts, STS keys), answered as MinIO does: the bulk
    # listing's body is encrypted with the caller's secret.
    _creds = type("Creds", (), {"secret_key": "RootSecret-123"})
    _provider = type("Provider", (), {"retrieve": staticmethod(_creds)})()

    def _url_open(self, method, command, query_params=None, body=None, preload_content=True):
        from minio.crypto import encrypt
        query = query_params or {}
        self._call(command.value, method)
        if command.value == "list-access-keys-bulk":
            users = query["users"] if isinstance(query["users"], list) else [query["users"]]
            data = dict((u, {"serviceAccounts": [{"accessKey": k} for k in self.svcaccts.get(u, [])],
                             "stsKeys": [{"accessKey": k} for k in self.sts_keys.get(u, [])]})
                        for u in users if u in self.users)
            return _Response(encrypt(json.dumps(data).encode(), "RootSecret-123"))
        if command.value == "revoke-tokens/builtin":
            self.sts_keys.pop(query["user"], None)
            return _Response(b"")
        raise AssertionError("unexpected admin call %s" % command.value)

    def delete_service_account(self, access_key):
        self._call("delete_service_account", access_key)
        for keys in self.svcaccts.values():
            if access_key in keys:
                keys.remove(access_key)

    def kms_key_status(self):
        self._call("kms_key_status")
        if not self.kms:
            raise admin_error(501, "NotImplemented")
        return "{}"

    def bucket_quota_get(self, bucket):
        return json.dumps({"quota": 0})


class _Obj(object):
    def __init__(self, name, data, version_id=None, is_latest="true", is_delete_marker=False):
        self.object_name, self.size, self.is_dir, self.version_id = name, len(data), False, version_id
        self.is_latest, self.is_delete_marker = is_latest, is_delete_marker


class _Response(io.BytesIO):
    def release_conn(self):
        pass


class FakeS3(object):
    """Enough of the S3 client for the collaborator store and the share/bucket decisions."""

    def __init__(self):
        self.buckets, self.calls = {}, []
        self.versioning = {}    # bucket -> VersioningConfig
        self.old_versions = {}  # bucket -> [keys with a noncurrent version]

    @property
    def writes(self):
        return [c for c in self.calls if c[0] in WRITE_CALLS]

    def bucket_exists(self, bucket):
        return bucket in self.buckets

    def make_bucket(self, bucket, object_lock=False):
        self.calls.append(("make_bucket", bucket))
        self.buckets[bucket] = {}

    def put_object(self, bucket, key, data, length, content_type=None):
        self.calls.append(("put_object", bucket, key))
        self.buckets[bucket][key] = data.read()

    def get_object(self, bucket, key):
        if key not in self.buckets.get(bucket, {}):
            raise S3Error(None, "NoSuchKey", "The specified key does not exist.", key, "r", "h")
        return _Response(self.buckets[bucket][key])

    def stat_object(self, bucket, key):
        if key not in self.buckets.get(bucket, {}):
            raise S3Error(None, "NoSuchKey", "The specified key does not exist.", key, "r", "h")
        return _Obj(key, self.buckets[bucket][key])

    def remove_object(self, bucket, key):
        self.calls.append(("remove_object", bucket, key))
        self.buckets[bucket].pop(key, None)

    def list_objects(self, bucket, prefix=None, recursive=False, include_version=False):
        found = [_Obj(k, v) for k, v in sorted(self.buckets[bucket].items()) if k.startswith(prefix or "")]
        if include_version:
            found += [_Obj(k, b"", "v1", is_latest="false") for k in self.old_versions.get(bucket, [])
                      if k.startswith(prefix or "")]
        return found

    def get_bucket_versioning(self, bucket):
        from minio.versioningconfig import VersioningConfig
        return self.versioning.get(bucket) or VersioningConfig()

    def _execute(self, method, bucket, key, body=None, headers=None):
        """The conditional write of a new record (If-None-Match: *)."""
        assert method == "PUT" and headers.get("If-None-Match") == "*"
        if key in self.buckets[bucket]:
            raise S3Error(None, "PreconditionFailed", "At least one of the pre-conditions you specified did not "
                          "hold", key, "r", "h")
        self.calls.append(("put_object", bucket, key))
        self.buckets[bucket][key] = body

    def presigned_get_object(self, bucket, key, expires=None):
        return "https://example.invalid/%s/%s?X-Amz-Signature=fake" % (bucket, key)


# --------------------------------------------------------------------------- tests
@pytest.mark.parametrize("mode,expected", [
    ("present", (["c"], [], ["a", "b", "c"])),
    ("absent", ([], ["b"], ["a"])),
    ("exact", (["c"], ["a"], ["b", "c"])),
])
def test_reconcile_set(mode, expected):
    assert reconcile_set(["a", "b"], ["b", "c"], mode) == expected


def test_reconcile_set_none_leaves_alone():
    assert reconcile_set(["a"], None, "exact") == ([], [], ["a"])


def test_difference_tracker():
    tracker = DifferenceTracker()
    tracker.add("user", {"status": "enabled"}, {"status": "enabled"})
    assert tracker.changed_names() == []
    tracker.add("policy", None, {"a": 1})
    assert tracker.changed_names() == ["policy"]
    assert tracker.diff() == {"before": {"user": {"status": "enabled"}, "policy": None},
                              "after": {"user": {"status": "enabled"}, "policy": {"a": 1}}}


def test_new_user_check_mode_predicts_and_writes_nothing():
    admin = FakeAdmin()
    admin.policies["ro"] = READ
    tracker = DifferenceTracker()
    assert ensure_user_present(IamState(admin), "alice", "secret123", policies=["ro"], check_mode=True,
                               tracker=tracker)
    assert admin.writes == []
    assert tracker.diff()["after"]["user"] == {"state": "present", "status": "enabled", "policies": ["ro"],
                                               "member_of": []}


def test_new_disabled_user_gets_policies_before_being_disabled():
    admin = FakeAdmin()
    admin.policies["ro"] = READ
    assert ensure_user_present(IamState(admin), "alice", "secret123", enabled=False, policies=["ro"])
    assert [c[0] for c in admin.writes] == ["user_add", "policy_set", "user_disable"]
    assert admin.users["alice"]["status"] == "disabled" and admin.users["alice"]["policies"] == ["ro"]


def test_password_reset_keeps_a_disabled_user_disabled():
    admin = FakeAdmin()
    admin.users["alice"] = {"status": "disabled", "policies": [], "secret": "old"}
    assert ensure_user_present(IamState(admin), "alice", "new-secret", update_password="always",
                               password_matches=lambda *a: None)
    assert [c[0] for c in admin.writes] == ["user_add", "user_disable"]
    assert admin.users["alice"]["status"] == "disabled"


def test_unchanged_password_is_not_reset():
    admin = FakeAdmin()
    admin.users["alice"] = {"status": "enabled", "policies": [], "secret": "s"}
    assert not ensure_user_present(IamState(admin), "alice", "s", update_password="always",
                                   password_matches=lambda name, secret: True)
    assert not ensure_user_present(IamState(admin), "alice", "other", update_password="on_create")
    assert admin.writes == []


def test_policies_of_a_disabled_user_are_refused_clearly():
    admin = FakeAdmin()
    admin.policies["ro"] = READ
    admin.users["alice"] = {"status": "disabled", "policies": [], "secret": "s"}
    with pytest.raises(MinioActionError) as exc:
        ensure_user_present(IamState(admin), "alice", policies=["ro"])
    assert "disabled user" in str(exc.value) and admin.writes == []


def test_policy_purge_modes():
    admin = FakeAdmin()
    admin.policies.update(a=READ, b=READ, c=READ)
    admin.users["alice"] = {"status": "enabled", "policies": ["a", "b"], "secret": "s"}
    state = IamState(admin)
    assert ensure_user_present(state, "alice", policies=["c"], policies_mode="present")
    assert admin.users["alice"]["policies"] == ["a", "b", "c"]
    assert ensure_user_present(state, "alice", policies=["a"], policies_mode="absent")
    assert admin.users["alice"]["policies"] == ["b", "c"]
    assert ensure_user_present(state, "alice", policies=["b"], policies_mode="exact")
    assert admin.users["alice"]["policies"] == ["b"]
    assert not ensure_user_present(state, "alice", policies=["b"])


def test_user_absent():
    admin = FakeAdmin()
    admin.users["alice"] = {"status": "enabled", "policies": [], "secret": "s"}
    assert ensure_user_absent(IamState(admin), "alice", check_mode=True) and "alice" in admin.users
    assert ensure_user_absent(IamState(admin), "alice", check_mode=False) and "alice" not in admin.users
    assert not ensure_user_absent(IamState(admin), "alice", check_mode=False)


def test_no_change_reconcile_costs_constant_reads():
    admin = FakeAdmin()
    for i in range(200):
        admin.policies["p%d" % i] = READ
        admin.users["u%d" % i] = {"status": "enabled", "policies": ["p%d" % i], "secret": "s"}
    state = IamState(admin)
    for i in range(200):
        assert not ensure_policy(state, "p%d" % i, READ, check_mode=False)
        assert not ensure_user_present(state, "u%d" % i, "secret%d" % i, policies=["p%d" % i])
    assert sorted(c[0] for c in admin.calls) == ["policy_list", "user_list"]


def test_policy_normalised_comparison_and_update():
    admin = FakeAdmin()
    admin.policies["p"] = READ
    same = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}
    assert not ensure_policy(IamState(admin), "p", same, check_mode=False)
    other = {"Statement": {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}}
    assert ensure_policy(IamState(admin), "p", other, check_mode=True) and admin.writes == []
    assert ensure_policy(IamState(admin), "p", other, check_mode=False)
    assert admin.writes == [("policy_add", "p")]


def test_policy_absent_refuses_when_attached_unless_detach():
    admin = FakeAdmin()
    admin.policies["p"] = READ
    admin.users["alice"] = {"status": "enabled", "policies": ["p"], "secret": "s"}
    with pytest.raises(MinioActionError) as exc:
        ensure_policy_absent(IamState(admin), "p", check_mode=False)
    assert "still attached to user alice" in str(exc.value) and "p" in admin.policies
    assert ensure_policy_absent(IamState(admin), "p", check_mode=False, detach=True)
    assert "p" not in admin.policies and admin.users["alice"]["policies"] == []


def test_group_membership_and_removal():
    admin = FakeAdmin()
    admin.policies["p"] = READ
    for user in ("a", "b", "c"):
        admin.users[user] = {"status": "enabled", "policies": [], "secret": "s"}
    state = IamState(admin)
    assert ensure_group_present(state, "g", members=["a", "b"], policies=["p"])
    assert admin.groups["g"] == {"status": "enabled", "members": ["a", "b"], "policies": ["p"]}
    assert not ensure_group_present(IamState(admin), "g", members=["b", "a"], policies=["p"])
    assert ensure_group_present(IamState(admin), "g", members=["c"], members_mode="exact")
    assert admin.groups["g"]["members"] == ["c"]
    assert ensure_group_absent(IamState(admin), "g", check_mode=False)
    assert "g" not in admin.groups
