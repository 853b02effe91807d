# -*- coding: utf-8 -*-
"""Every module against the real MinIO: check, real, check, real, with diff."""

from __future__ import annotations

import io
import re
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from minio_testbed import assert_sequence


def _put(s3, bucket, key, data=b"hello"):
    s3.put_object(bucket, key, io.BytesIO(data), len(data))


def test_bucket_lifecycle(server, ansible, prefix):
    s3, admin = server.clients()
    name = prefix + "-bucket"
    args = {"name": name, "versioning": "enabled", "encryption": "sse-s3", "quota": "1GiB",
            "tags": {"platform": "ligan", "gdpr": "true"}}
    results = ansible.check_real_check_real(server, "egid.s3share.minio_bucket", args)
    assert_sequence(results)
    assert results[0]["diff"]["before"] == {"bucket": {"state": "absent"}}
    assert results[1]["bucket"] == {"state": "present", "versioning": "enabled", "versioning_excluded_prefixes": [],
                                    "encryption": "sse-s3", "quota": 2 ** 30,
                                    "tags": {"platform": "ligan", "gdpr": "true"}, "object_lock": False}
    # Real state, read with the SDK (not with our code).
    assert s3.get_bucket_versioning(name).status == "Enabled"
    assert s3.get_bucket_encryption(name).rule.sse_algorithm == "AES256"
    assert dict(s3.get_bucket_tags(name)) == {"platform": "ligan", "gdpr": "true"}
    assert '"quota":1073741824' in admin.bucket_quota_get(name)

    # Change some settings: suspended, no quota, tags merged without purge.
    change = {"name": name, "versioning": "suspended", "quota": "0", "tags": {"owner": "it"}, "purge_tags": False}
    results = ansible.check_real_check_real(server, "egid.s3share.minio_bucket", change)
    assert_sequence(results)
    assert results[1]["diff"]["after"]["bucket"]["tags"] == {"platform": "ligan", "gdpr": "true", "owner": "it"}
    assert s3.get_bucket_versioning(name).status == "Suspended"

    # Object lock cannot be changed afterwards: refused, nothing changes.
    refused = ansible.run(server, [{"egid.s3share.minio_bucket": {"name": name, "object_lock": True},
                                    "ignore_errors": True}])[0]
    assert refused["failed"] and "only be chosen when the bucket is created" in refused["msg"]

    # A non-empty bucket is not deleted without force.
    _put(s3, name, "results/a.txt")
    refused = ansible.run(server, [{"egid.s3share.minio_bucket": {"name": name, "state": "absent"},
                                    "ignore_errors": True}])[0]
    assert refused["failed"] and "not empty" in refused["msg"]
    assert s3.bucket_exists(name)
    results = ansible.check_real_check_real(server, "egid.s3share.minio_bucket",
                                            {"name": name, "state": "absent", "force": True})
    assert_sequence(results)
    assert not s3.bucket_exists(name)
    lines = [l for l in ansible.audit_lines() if l["target"] == "bucket:" + name]
    assert [l["result"] for l in lines] == ["changed", "changed", "refused", "refused", "changed"]


def test_bucket_object_lock_at_creation(server, ansible, prefix):
    s3 = server.clients()[0]
    name = prefix + "-worm"
    results = ansible.check_real_check_real(server, "egid.s3share.minio_bucket", {"name": name, "object_lock": True})
    assert_sequence(results)
    assert results[1]["bucket"]["versioning"] == "enabled"
    assert s3.get_object_lock_config(name) is not None
    ansible.run(server, [{"egid.s3share.minio_bucket": {"name": name, "state": "absent"}}])


def test_bucket_sse_without_kms_is_refused_before_any_change(server_nokms, ansible, prefix):
    s3 = server_nokms.clients()[0]
    name = prefix + "-nokms"
    before = ansible.audit_lines()
    for check in (True, False):
        result = ansible.run(server_nokms, [{"egid.s3share.minio_bucket": {"name": name, "encryption": "sse-s3"},
                                             "check_mode": check, "ignore_errors": True}])[0]
        assert result["failed"]
        assert "no KMS configured" in result["msg"] and "MINIO_KMS_SECRET_KEY" in result["msg"]
    assert not s3.bucket_exists(name), "the refusal created the bucket"
    new = ansible.audit_lines()[len(before):]
    assert [(l["target"], l["result"]) for l in new] == [("bucket:" + name, "refused")]


def test_policy(server, ansible, prefix):
    admin = server.clients()[1]
    name = prefix + "-ro"
    results = ansible.check_real_check_real(server, "egid.s3share.minio_policy",
                                            {"name": name, "template": "read-only", "bucket": "ligan",
                                             "prefix": "results/chu-liege"})
    assert_sequence(results)
    # The same grant written differently (string instead of list, other order) is no change; the template's
    # denials (what an internal account must never do, docs/security-local.md) are part of it.
    custom = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:ForceDeleteBucket", "s3:PutLifecycleConfiguration",
                                      "s3:PutBucketVersioning", "s3:PutObjectRetention", "s3:BypassGovernanceRetention",
                                      "s3:PutObjectVersionTagging", "s3:DeleteObjectVersionTagging",
                                      "s3:DeleteObjectVersion"], "Resource": "arn:aws:s3:::*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::ligan",
         "Condition": {"StringLike": {"s3:prefix": ["results/chu-liege/*", "results/chu-liege/"]}}},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::*",
         "Condition": {"StringLike": {"s3:versionid": "?*"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ligan/results/chu-liege/*"},
        {"Effect": "Deny", "Action": "admin:*"}]}
    same = ansible.run(server, [{"egid.s3share.minio_policy": {"name": name, "policy": custom}, "diff": True}])[0]
    assert same["changed"] is False
    results = ansible.check_real_check_real(server, "egid.s3share.minio_policy",
                                            {"name": name, "template": "read-write", "bucket": "ligan"})
    assert_sequence(results)
    assert "s3:PutObject" in admin.policy_info(name)
    # Refusals: invalid prefix; in-use policy without detach.
    bad_args = {"name": name, "template": "read-only", "bucket": "ligan", "prefix": "../x"}
    bad = ansible.run(server, [{"egid.s3share.minio_policy": bad_args, "ignore_errors": True}])[0]
    assert bad["failed"] and "'..'" in bad["msg"]
    results = ansible.check_real_check_real(server, "egid.s3share.minio_policy", {"name": name, "state": "absent"})
    assert_sequence(results)


def test_user_and_group(server, ansible, prefix):
    admin = server.clients()[1]
    policy, user, group = prefix + "-rw", prefix + "u", prefix + "-g"
    ansible.run(server, [{"egid.s3share.minio_policy": {"name": policy, "template": "read-write", "bucket": "ligan"}}])
    args = {"name": user, "user_secret_key": "S3cret-" + prefix, "policies": [policy]}
    results = ansible.check_real_check_real(server, "egid.s3share.minio_user", args)
    assert_sequence(results)
    assert '"policyName":"%s"' % policy in admin.user_info(user)

    # update_password=always with the same secret: verified, no change.
    same = ansible.run(server, [{"egid.s3share.minio_user": dict(args, update_password="always"), "diff": True}])[0]
    assert same["changed"] is False
    # Disable; then change the password while keeping it disabled (user_add re-enables: handled).
    results = ansible.check_real_check_real(server, "egid.s3share.minio_user", dict(args, enabled=False))
    assert_sequence(results)
    new_password = dict(args, enabled=False, update_password="always", user_secret_key="N3w-secret-" + prefix)
    ansible.run(server, [{"egid.s3share.minio_user": new_password}])
    assert '"status":"disabled"' in admin.user_info(user)

    # Unknown policy: refused before any change.
    bad = ansible.run(server, [{"egid.s3share.minio_user": dict(args, policies=["nope-" + prefix]),
                                "ignore_errors": True}])[0]
    assert bad["failed"] and "unknown policy" in bad["msg"]
    assert '"policyName":"%s"' % policy in admin.user_info(user)

    results = ansible.check_real_check_real(server, "egid.s3share.minio_group",
                                            {"name": group, "members": [user], "policies": [policy]})
    assert_sequence(results)
    assert user in admin.group_info(group)
    results = ansible.check_real_check_real(server, "egid.s3share.minio_group",
                                            {"name": group, "members": [user], "members_mode": "absent"})
    assert_sequence(results)
    results = ansible.check_real_check_real(server, "egid.s3share.minio_group", {"name": group, "state": "absent"})
    assert_sequence(results)
    results = ansible.check_real_check_real(server, "egid.s3share.minio_user", {"name": user, "state": "absent"})
    assert_sequence(results)
    ansible.run(server, [{"egid.s3share.minio_policy": {"name": policy, "state": "absent"}}])


def test_share_links(server, ansible, prefix, pki):
    s3 = server.clients()[0]
    bucket = prefix + "-share"
    s3.make_bucket(bucket)
    _put(s3, bucket, "results/p1/a.txt", b"alpha")
    _put(s3, bucket, "results/p1/sub/b.txt", b"beta")
    _put(s3, bucket, "results/p2/c.txt", b"gamma")
    results = ansible.run(server, [
        {"egid.s3share.minio_share": {"bucket": bucket, "prefix": "results/p1", "expires": "2h"}, "check_mode": True},
        {"egid.s3share.minio_share": {"bucket": bucket, "prefix": "results/p1", "expires": "2h"}},
        {"egid.s3share.minio_share": {"bucket": bucket, "object": "results/p2/c.txt", "expires": "7d"}},
        {"egid.s3share.minio_share": {"bucket": bucket, "object": "results/p2/c.txt", "expires": "8d"},
         "ignore_errors": True},
    ])
    assert [r["changed"] for r in results[:3]] == [False, False, False]
    assert [l["object"] for l in results[0]["links"]] == ["results/p1/a.txt", "results/p1/sub/b.txt"]
    assert all("url" not in l for l in results[0]["links"])
    context = ssl.create_default_context(cafile=pki["ca_path"])
    bodies = [urllib.request.urlopen(l["url"], context=context).read() for l in results[1]["links"]]
    assert bodies == [b"alpha", b"beta"]
    assert urllib.request.urlopen(results[2]["links"][0]["url"], context=context).read() == b"gamma"
    assert results[3]["failed"] and "minio_collaborator" in results[3]["msg"] and "7 days" in results[3]["msg"]
    # A tampered link is rejected by the server.
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(results[2]["links"][0]["url"].replace("c.txt", "a.txt"), context=context)
    log = ansible.audit_lines()
    shares = [l for l in log if l["module"] == "minio_share" and l["target"].startswith("bucket:" + bucket)]
    assert [l["result"] for l in shares] == ["shared", "shared", "refused"]
    for line in shares:
        assert "X-Amz-Signature" not in str(line)


def test_info(server, ansible, prefix):
    s3 = server.clients()[0]
    s3.make_bucket(prefix + "-info")
    result = ansible.run(server, [{"egid.s3share.minio_info": {}, "check_mode": True},
                                  {"egid.s3share.minio_info": {"gather_subset": ["buckets"]}}])
    assert result[0]["changed"] is False and result[0]["server"]["kms"] is True
    assert result[0]["server"]["mode"] == "online"
    assert prefix + "-info" in result[1]["buckets"] and "users" not in result[1]
    assert set(result[0]) >= {"server", "buckets", "users", "groups", "policies", "collaborators"}


def test_info_reports_the_patch_level(server, ansible, binaries):
    """The running server's patch level, over the admin API, is the one its binary prints (patch 0014)."""
    printed = subprocess.run([binaries["minio"], "--version"], check=True, capture_output=True, text=True).stdout
    level = re.search(r"^Patches: (egid\.[0-9.]+) \((.*)\)$", printed, re.M)
    assert level, printed
    [result] = ansible.run(server, [{"egid.s3share.minio_info": {"gather_subset": ["server"]}}])
    assert result["server"]["patch_levels"] == [level.group(1)], result["server"]
    assert result["server"]["advisories"] == sorted(a.strip() for a in level.group(2).split(",")), result["server"]
    assert "CVE-2026-41145" in result["server"]["advisories"]


def test_tls_is_verified(server, ansible, tmp_path):
    """With another CA the connection is refused; validate_certs=false is the explicit opt-out."""
    import certifi
    other_ca = tmp_path / "other.crt"
    other_ca.write_text(open(certifi.where()).read())
    result = ansible.run(server, [{"egid.s3share.minio_info": {"gather_subset": ["users"]}, "ignore_errors": True}],
                         defaults={"ca_path": str(other_ca)})[0]
    assert result["failed"] and ("CERTIFICATE_VERIFY_FAILED" in result["msg"] or "certificate" in result["msg"])
    result = ansible.run(server, [{"egid.s3share.minio_info": {"gather_subset": ["users"]}}],
                         defaults={"ca_path": str(other_ca), "validate_certs": False})[0]
    assert not result.get("failed")
