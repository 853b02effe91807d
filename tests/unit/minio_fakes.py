# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory fakes of the MinIO SDK clients (the client factory seam), shared by
plugins/module_utils/test_minio_iam.py and plugins/modules/test_minio_modules.py.

Importable as ``minio_fakes`` because it sits next to tests/unit/conftest.py.
"""

import io
import json

from minio.error import MinioAdminException, S3Error

READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                                "Resource": ["arn:aws:s3:::b/*"]}]}

WRITE_CALLS = {"delete_service_account", "revoke-tokens/builtin", "user_add", "user_remove", "user_enable", "user_disable", "policy_add", "policy_remove",
               "policy_set", "group_add", "group_remove", "group_enable", "group_disable", "bucket_quota_set",
               "make_bucket", "put_object", "remove_object", "set_bucket_versioning", "set_bucket_encryption",
               "set_bucket_tags", "delete_bucket_tags", "delete_bucket_encryption", "remove_bucket"}


def admin_error(status, code):
    return MinioAdminException(str(status), json.dumps({"Code": code, "Message": code}))


class FakeAdmin:
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


class _Obj:
    def __init__(self, name, data, version_id=None, is_latest="true", is_delete_marker=False):
        self.object_name, self.size, self.is_dir, self.version_id = name, len(data), False, version_id
        self.is_latest, self.is_delete_marker = is_latest, is_delete_marker


class _Response(io.BytesIO):
    def release_conn(self):
        pass


class FakeS3:
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
