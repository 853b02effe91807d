# -*- coding: utf-8 -*-
"""egid.s3share.minio_iam against a real MinIO: the bulk set of policies, users and groups.

Each test runs the real module through ansible-playbook (check, real, check,
real in diff mode, as community.postgresql's targets do), then looks at the
server with the root SDK and logs in as the users with mc, an independent client.
"""

import json

import pytest


def _set(prefix, users=3, **extra):
    spec = {
        "name_prefix": prefix,
        "policies": [{"name": prefix + "-rw", "template": "read-write", "bucket": prefix + "-b"},
                     {"name": prefix + "-ro", "template": "read-only", "bucket": prefix + "-b",
                      "prefix": "results"}],
        "users": [{"name": "%s-u%d" % (prefix, i), "secret_key": "S3cret-%s-%02d" % (prefix, i),
                   "policies": [prefix + ("-rw" if i % 2 else "-ro")]} for i in range(users)],
        "groups": [{"name": prefix + "-g", "members": ["%s-u%d" % (prefix, i) for i in range(users)],
                    "policies": [prefix + "-ro"]}],
    }
    spec.update(extra)
    return spec


def _run4(ansible, server, args):
    tasks = [{"name": "check" if check else "real", "egid.s3share.minio_iam": args, "check_mode": check,
              "diff": True, "ignore_errors": True} for check in (True, False, True, False)]
    return ansible.run(server, tasks)


def _changes(result):
    return [(c["kind"], c["name"], c["action"]) for c in result["changes"]]


def _users(admin):
    return json.loads(admin.user_list() or "{}")


def test_set_check_real_check_real_then_users_work(server, ansible, prefix, mc):
    s3, admin = server.clients()
    s3.make_bucket(prefix + "-b")
    audit_before = len(ansible.audit_lines())
    args = _set(prefix)
    check, real, check2, real2 = _run4(ansible, server, args)
    for result in (check, real, check2, real2):
        assert not result.get("failed"), result.get("msg")
    assert [r["changed"] for r in (check, real, check2, real2)] == [True, True, False, False]
    # Check mode predicted exactly what the real run did, item by item, with one diff per item.
    assert _changes(check) == _changes(real)
    assert len(_changes(real)) == 2 + 3 + 1
    assert check["diff"] == real["diff"]
    assert [d["before_header"] for d in real["diff"]] == ["policy %s-rw" % prefix, "policy %s-ro" % prefix] + [
        "user %s-u%d" % (prefix, i) for i in range(3)] + ["group %s-g" % prefix]
    assert real2["changes"] == [] and real2["diff"] == []
    # The result names the changed items as they are now; the item lists are echoed as counts.
    assert sorted(real["items"]["users"]) == ["%s-u%d" % (prefix, i) for i in range(3)]
    assert real2["items"] == {"users": {}, "policies": {}, "groups": {}}
    assert real["invocation"]["module_args"]["users"] == "3 items"

    # The server holds exactly that.
    users = _users(admin)
    for i in range(3):
        assert users["%s-u%d" % (prefix, i)]["policyName"] == prefix + ("-rw" if i % 2 else "-ro")
    assert sorted(json.loads(admin.group_info(prefix + "-g"))["members"]) == ["%s-u%d" % (prefix, i) for i in range(3)]

    # One audit line per changed item, none for the no-change runs, and no secret anywhere.
    lines = ansible.audit_lines()[audit_before:]
    real_lines = [line for line in lines if not line.get("check_mode")]
    assert sorted((line["action"], line["target"]) for line in real_lines) == sorted(
        [("set_policy", "policy:%s-rw" % prefix), ("set_policy", "policy:%s-ro" % prefix),
         ("set_group", "group:%s-g" % prefix)] + [("set_user", "user:%s-u%d" % (prefix, i)) for i in range(3)])
    dumped = json.dumps([check, real, check2, real2]) + json.dumps(lines)
    for i in range(3):
        assert "S3cret-%s-%02d" % (prefix, i) not in dumped

    # The secrets work with mc: the read-write user writes, the read-only user reads only results/.
    mc.alias("rw", server, "%s-u1" % prefix, "S3cret-%s-01" % prefix)
    mc.alias("ro", server, "%s-u0" % prefix, "S3cret-%s-00" % prefix)
    put = mc("pipe", "rw/%s-b/results/a.txt" % prefix, input_text="hello")
    assert put.returncode == 0, put.stdout + put.stderr
    got = mc("cat", "ro/%s-b/results/a.txt" % prefix)
    assert got.returncode == 0 and "hello" in got.stdout
    denied = mc("pipe", "ro/%s-b/results/b.txt" % prefix, input_text="no")
    assert denied.returncode != 0 and "Insufficient permissions" in denied.stdout, denied.stdout

    # Ten users changed: ten changes, ten audit lines, the rest untouched.
    bigger = _set(prefix, users=13)
    first = ansible.run(server, [{"egid.s3share.minio_iam": bigger}])[0]
    assert not first.get("failed"), first.get("msg")
    before = len(ansible.audit_lines())
    for user in bigger["users"][3:]:
        user["enabled"] = False
    ten = ansible.run(server, [{"egid.s3share.minio_iam": bigger, "diff": True}])[0]
    assert _changes(ten) == [("user", "%s-u%d" % (prefix, i), "set_user") for i in range(3, 13)]
    assert len(ansible.audit_lines()) - before == 10
    assert all(d["before"]["status"] == "enabled" and d["after"]["status"] == "disabled" for d in ten["diff"])


def test_purge_removes_only_unlisted_names_under_the_prefix(server, ansible, prefix):
    s3, admin = server.clients()
    s3.make_bucket(prefix + "-b")
    args = _set(prefix, users=2)
    assert not ansible.run(server, [{"egid.s3share.minio_iam": args}])[0].get("failed")
    # Unmanaged items: one under the prefix (to purge), one outside it, and collaborator identities.
    admin.user_add(prefix + "-stray", "Stray-secret-1")
    admin.user_add("x" + prefix + "-out", "Outside-secret-1")
    admin.policy_add("collab-" + prefix, policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s-b/x/*" % prefix]}]})
    admin.policy_add(prefix + "-oldpol", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s-b/old/*" % prefix]}]})
    purge = dict(args, purge=True)
    check, real, check2, real2 = _run4(ansible, server, purge)
    assert [r["changed"] for r in (check, real, check2, real2)] == [True, True, False, False], real.get("msg")
    assert check["purged"] == real["purged"] == {"users": [prefix + "-stray"], "groups": [],
                                                 "policies": [prefix + "-oldpol"]}
    users = _users(admin)
    assert prefix + "-stray" not in users
    assert "x" + prefix + "-out" in users
    assert "collab-" + prefix in json.loads(admin.policy_list())
    assert prefix + "-oldpol" not in json.loads(admin.policy_list())
    admin.user_remove("x" + prefix + "-out")
    admin.policy_remove("collab-" + prefix)


@pytest.mark.parametrize("case", ["bad-secret", "unknown-policy", "outside-prefix", "collab", "root",
                                  "purge-without-prefix", "policy-still-used", "collab-holder"])
def test_one_bad_item_refuses_the_whole_set(server, ansible, prefix, case):
    s3, admin = server.clients()
    s3.make_bucket(prefix + "-b")
    args = _set(prefix, users=4)
    if case == "bad-secret":
        args["users"][2]["secret_key"] = "short"
        expected = "users[2] (%s-u2): MinIO secret keys have 8 to 40 characters" % prefix
    elif case == "unknown-policy":
        args["users"][3]["policies"] = ["nope-" + prefix]
        expected = "users[3] (%s-u3): unknown or removed policy nope-%s" % (prefix, prefix)
    elif case == "outside-prefix":
        args["groups"][0]["name"] = "other-" + prefix
        expected = "groups[0] (other-%s): outside the name prefix" % prefix
    elif case == "collab":
        args["name_prefix"] = ""
        args["policies"].append({"name": "collab-" + prefix, "template": "read-only", "bucket": prefix + "-b"})
        expected = "policies[2] (collab-%s): refused" % prefix
    elif case == "root":
        args["name_prefix"] = ""
        args["users"].append({"name": server.access_key, "secret_key": "whatever-secret"})
        expected = "users[4] (%s): refused, this is the root user" % server.access_key
    elif case == "purge-without-prefix":
        args.update(name_prefix="", purge=True)
        expected = "purge needs a name_prefix"
    elif case == "policy-still-used":
        admin.policy_add(prefix + "-used", policy={"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s-b/u/*" % prefix]}]})
        admin.user_add("y" + prefix, "Outside-secret-2")
        admin.policy_set(prefix + "-used", user="y" + prefix)
        args["policies"].append({"name": prefix + "-used", "state": "absent"})
        expected = "policy %s-used: cannot be removed, it is still attached to user y%s" % (prefix, prefix)
    else:  # an account that holds a collaborator policy is never touched
        admin.policy_add("collab-" + prefix, policy={"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s-b/c/*" % prefix]}]})
        admin.user_add(prefix + "-u3", "Collab-secret-3")
        admin.policy_set("collab-" + prefix, user=prefix + "-u3")
        expected = "users[3] (%s-u3): refused, this account holds a collaborator policy" % prefix
    # (MinIO lists a policy's actions in no fixed order: the names are compared.)
    users_before, policies_before = _users(admin), set(json.loads(admin.policy_list()))
    audit_before = len(ansible.audit_lines())
    for check in (True, False):
        result = ansible.run(server, [{"egid.s3share.minio_iam": args, "check_mode": check,
                                       "ignore_errors": True}])[0]
        assert result["failed"] and expected in result["msg"], result.get("msg")
        assert "nothing was changed" in result["msg"]
    # Nothing was written: the other (valid) items were not created either.
    assert _users(admin) == users_before
    assert set(json.loads(admin.policy_list())) == policies_before
    refusals = ansible.audit_lines()[audit_before:]
    assert [line["result"] for line in refusals] == ["refused"]  # check mode writes no audit line
    assert "short" not in json.dumps(refusals)
    # The server is shared with the sweep tests: leave no collaborator-looking identity behind.
    if case == "collab-holder":
        admin.user_remove(prefix + "-u3")
        admin.policy_remove("collab-" + prefix)
    elif case == "policy-still-used":
        admin.user_remove("y" + prefix)
        admin.policy_remove(prefix + "-used")


def test_internal_read_write_keys_cannot_destroy_versions_nor_mint_keys(server, ansible, prefix):
    """An internal key of the read-write template, through boto3 (an independent client), on a versioned bucket.

    Deleting a named version, in one request or in a multi-object delete, suspending versioning, and minting a
    service account are all refused; a plain delete only adds a delete marker, so every version stays.
    """
    import boto3
    import botocore.config
    import urllib3
    from botocore.exceptions import ClientError
    from minio import MinioAdmin
    from minio.commonconfig import ENABLED
    from minio.credentials import StaticProvider
    from minio.versioningconfig import VersioningConfig

    s3, admin = server.clients()
    bucket = prefix + "-v"
    s3.make_bucket(bucket)
    s3.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    user, secret = prefix + "-rw", "S3cret-%s-rw" % prefix
    args = {"name_prefix": prefix, "policies": [{"name": prefix + "-p", "template": "read-write", "bucket": bucket}],
            "users": [{"name": user, "secret_key": secret, "policies": [prefix + "-p"]}]}
    [result] = ansible.run(server, [{"egid.s3share.minio_iam": args}])
    assert not result.get("failed"), result.get("msg")
    client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=user, aws_secret_access_key=secret,
                          region_name="us-east-1", verify=server.ca_path,
                          config=botocore.config.Config(s3={"addressing_style": "path"}))

    def versions():
        return sorted((o.object_name, o.version_id, bool(o.is_delete_marker))
                      for o in s3.list_objects(bucket, recursive=True, include_version=True))

    def denied(call, **kwargs):
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        assert exc.value.response["Error"]["Code"] == "AccessDenied", exc.value.response
        return exc.value

    first = client.put_object(Bucket=bucket, Key="data/run.txt", Body=b"first")["VersionId"]
    second = client.put_object(Bucket=bucket, Key="data/run.txt", Body=b"second")["VersionId"]
    assert first and second and first != second
    before = versions()
    assert len(before) == 2

    denied(client.delete_object, Bucket=bucket, Key="data/run.txt", VersionId=first)
    many = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "data/run.txt", "VersionId": first},
                                                                    {"Key": "data/run.txt", "VersionId": second}]})
    assert not many.get("Deleted") and sorted(e["Code"] for e in many["Errors"]) == ["AccessDenied"] * 2, many
    denied(client.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert versions() == before
    # Its own work goes on: it reads, writes and deletes (a delete marker), and every version stays.
    assert client.get_object(Bucket=bucket, Key="data/run.txt")["Body"].read() == b"second"
    client.delete_object(Bucket=bucket, Key="data/run.txt")
    after = versions()
    assert [v for v in after if not v[2]] == before and len(after) == 3

    # No key of its own: MinIO lets a user mint service accounts for itself unless a Deny says otherwise.
    own = MinioAdmin(endpoint="127.0.0.1:%d" % server.port, credentials=StaticProvider(user, secret), secure=True,
                     http_client=urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=server.ca_path))
    with pytest.raises(Exception) as exc:
        own.add_service_account(access_key=prefix + "-sa", secret_key="S3cret-%s-sa" % prefix)
    assert "denied" in str(exc.value).lower(), exc.value
    assert json.loads(admin.list_service_account(user)).get("accounts") in (None, [])


def test_internal_keys_cannot_force_delete_every_version_of_a_folder(server, ansible, prefix):
    """x-minio-force-delete on a DeleteObject removed every version under the name with s3:DeleteObject alone
    (no policy key names that header). Patch 0013 (EGID-2026-003) asks for s3:DeleteObjectVersion and
    s3:ForceDeleteBucket too: the internal read-write key is refused, and both versions stay. Root still may."""
    import boto3
    import botocore.config
    import botocore.exceptions
    from minio.commonconfig import ENABLED
    from minio.versioningconfig import VersioningConfig

    s3, admin = server.clients()
    bucket = prefix + "-f"
    s3.make_bucket(bucket)
    s3.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    user, secret = prefix + "-rw", "S3cret-%s-rw" % prefix
    args = {"name_prefix": prefix, "policies": [{"name": prefix + "-p", "template": "read-write", "bucket": bucket}],
            "users": [{"name": user, "secret_key": secret, "policies": [prefix + "-p"]}]}
    [result] = ansible.run(server, [{"egid.s3share.minio_iam": args}])
    assert not result.get("failed"), result.get("msg")
    client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=user, aws_secret_access_key=secret,
                          region_name="us-east-1", verify=server.ca_path,
                          config=botocore.config.Config(s3={"addressing_style": "path"}))
    for body in (b"first", b"second"):
        client.put_object(Bucket=bucket, Key="data/run.txt", Body=body)

    def force(request, **kwargs):
        request.headers["x-minio-force-delete"] = "true"
    client.meta.events.register("before-sign.s3.DeleteObject", force)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client.delete_object(Bucket=bucket, Key="data/")
    assert refused.value.response["Error"]["Code"] == "AccessDenied", refused.value.response
    assert len(list(s3.list_objects(bucket, recursive=True, include_version=True))) == 2
    # The plain delete of the same key still works (a delete marker; the versions stay).
    client.meta.events.unregister("before-sign.s3.DeleteObject", force)
    client.delete_object(Bucket=bucket, Key="data/run.txt")
    assert len(list(s3.list_objects(bucket, recursive=True, include_version=True))) == 3
    # Root keeps the feature: the whole history under data/ goes.
    root = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
                        aws_secret_access_key=server.secret_key, region_name="us-east-1", verify=server.ca_path,
                        config=botocore.config.Config(s3={"addressing_style": "path"}))
    root.meta.events.register("before-sign.s3.DeleteObject", force)
    root.delete_object(Bucket=bucket, Key="data/")
    assert not list(s3.list_objects(bucket, recursive=True, include_version=True))
