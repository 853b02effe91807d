# -*- coding: utf-8 -*-
"""Collaborators against the real MinIO: least privilege proved with the SDK and with mc."""

from __future__ import annotations

import datetime
import io
import json

import pytest

from minio_testbed import assert_sequence


def _put(s3, bucket, key, data=b"data"):
    s3.put_object(bucket, key, io.BytesIO(data), len(data))


REJECTED_CREDENTIALS = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "XMinioAccessKeyDisabled")


def _rejected(func, *args, **kwargs):
    """True when the server rejects the credentials themselves."""
    return _denied(func, *args, codes=REJECTED_CREDENTIALS, **kwargs)


def _denied(func, *args, codes=("AccessDenied",), **kwargs):
    """True when the server answers the call with an authorisation error."""
    from minio.error import S3Error
    try:
        result = func(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, (bytes, str, dict)):
            list(result)
        elif hasattr(result, "read"):
            result.read()
    except S3Error as exc:
        return exc.code in codes
    return False


def _server_snapshot(server, records_bucket="s3share-admin"):
    s3, admin = server.clients()
    users = json.loads(admin.user_list())
    policies = sorted(json.loads(admin.policy_list()))
    records = sorted(o.object_name for o in s3.list_objects(records_bucket, recursive=True)) \
        if s3.bucket_exists(records_bucket) else []
    return users, policies, records


@pytest.fixture()
def shared_data(server, prefix):
    s3 = server.clients()[0]
    bucket, other_bucket = prefix + "-ligan", prefix + "-impact"
    s3.make_bucket(bucket)
    s3.make_bucket(other_bucket)
    _put(s3, bucket, "results/chu-liege/genome.vcf", b"ACGT")
    _put(s3, bucket, "results/chu-liege/run1/reads.bam", b"BAM")
    _put(s3, bucket, "results/chu-liege-2/secret.vcf", b"NOPE")
    _put(s3, bucket, "results/other/patient.vcf", b"NOPE")
    _put(s3, other_bucket, "results/chu-liege/x.vcf", b"NOPE")
    return bucket, other_bucket


def test_collaborator_least_privilege_and_sweep(server, ansible, prefix, shared_data, mc):
    bucket, other_bucket = shared_data
    name = prefix + "-chu"
    args = {"name": name, "bucket": bucket, "prefix": "results/chu-liege", "days": 30}
    audit_before = len(ansible.audit_lines())
    results = ansible.check_real_check_real(server, "egid.s3share.minio_collaborator", args)
    assert_sequence(results)
    assert "credentials" not in results[0], "check mode must not generate credentials"
    creds = results[1]["credentials"]
    assert "credentials" not in results[2] and "credentials" not in results[3], "re-runs must not rotate"
    access_key, secret_key = creds["access_key"], creds["secret_key"]
    assert len(access_key) == 20 and len(secret_key) == 40
    expires_at = results[1]["expires_at"]
    assert results[3]["expires_at"] == expires_at, "re-runs must not extend the expiry"
    expiry = datetime.datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    assert datetime.timedelta(days=29, hours=23) < expiry - datetime.datetime.now(datetime.timezone.utc) \
        <= datetime.timedelta(days=30)

    # ---- least privilege with the Python SDK
    collab = server.s3_as(access_key, secret_key)
    names = sorted(o.object_name for o in collab.list_objects(bucket, prefix="results/chu-liege/", recursive=True))
    assert names == ["results/chu-liege/genome.vcf", "results/chu-liege/run1/reads.bam"]
    assert collab.get_object(bucket, "results/chu-liege/genome.vcf").read() == b"ACGT"
    assert _denied(collab.get_object, bucket, "results/other/patient.vcf")
    assert _denied(collab.get_object, bucket, "results/chu-liege-2/secret.vcf")
    assert _denied(collab.list_objects, bucket, prefix="results/other/", recursive=True)
    assert _denied(collab.list_objects, bucket, prefix="results/", recursive=False)
    assert _denied(collab.list_objects, bucket, prefix="results/chu-liege", recursive=False)
    assert _denied(collab.list_objects, bucket, recursive=True)
    assert _denied(collab.get_object, other_bucket, "results/chu-liege/x.vcf")
    assert _denied(collab.list_objects, other_bucket, prefix="results/chu-liege/", recursive=True)
    assert _denied(collab.list_buckets)
    assert _denied(collab.put_object, bucket, "results/chu-liege/new.txt", io.BytesIO(b"x"), 1)
    assert _denied(collab.put_object, bucket, "results/other/new.txt", io.BytesIO(b"x"), 1)
    assert _denied(collab.remove_object, bucket, "results/chu-liege/genome.vcf")
    assert _denied(collab.put_object, other_bucket, "new.txt", io.BytesIO(b"x"), 1)
    s3 = server.clients()[0]
    s3.stat_object(bucket, "results/chu-liege/genome.vcf")  # still there

    # ---- the same with the real mc, an independent client
    mc.alias("collab", server, access_key, secret_key)
    ok = mc("ls", "--recursive", "collab/%s/results/chu-liege/" % bucket)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "genome.vcf" in ok.stdout and "run1/reads.bam" in ok.stdout and "chu-liege-2" not in ok.stdout
    cat = mc("cat", "collab/%s/results/chu-liege/genome.vcf" % bucket)
    assert cat.returncode == 0 and "ACGT" in cat.stdout
    for args_ in (("cat", "collab/%s/results/other/patient.vcf" % bucket),
                  ("cat", "collab/%s/results/chu-liege-2/secret.vcf" % bucket),
                  ("ls", "collab/%s/results/other/" % bucket),
                  ("ls", "collab/%s/results/" % bucket),
                  ("ls", "collab/%s" % bucket),
                  ("ls", "collab/%s/results/chu-liege/" % other_bucket),
                  ("cat", "collab/%s/results/chu-liege/x.vcf" % other_bucket),
                  ("ls", "collab"),
                  ("pipe", "collab/%s/results/chu-liege/new.txt" % bucket),
                  ("pipe", "collab/%s/new.txt" % other_bucket),
                  ("rm", "collab/%s/results/chu-liege/genome.vcf" % bucket)):
        proc = mc(*args_, input_text="x")
        assert proc.returncode != 0 or '"status":"error"' in proc.stdout.replace(" ", ""), \
            "mc %s succeeded: %s" % (" ".join(args_), proc.stdout)
    s3.stat_object(bucket, "results/chu-liege/genome.vcf")

    # ---- refusals leave the server unchanged, and are audited once each
    snapshot = _server_snapshot(server)
    bad_cases = [
        (dict(args, prefix="results/../other"), "'..'"),
        (dict(args, prefix="/results/chu-liege"), "must not start with '/'"),
        (dict(args, prefix="results/*"), "wildcards"),
        (dict(args, name=prefix + "-x", bucket=prefix + "-missing"), "does not exist"),
        (dict(args, name=prefix + "-y", days=31), "maximum of 30 days"),
        (dict(args, name=prefix + "-z", bucket="s3share-admin"), "holds the collaborator records"),
    ]
    # A name that collides with an internal user.
    internal = prefix + "-int"
    ansible.run(server, [{"egid.s3share.minio_user": {"name": internal, "user_secret_key": "Int3rnal-" + prefix}}])
    snapshot = _server_snapshot(server)
    bad_cases.append((dict(args, name=internal), "collides with the internal user"))
    audit_mark = len(ansible.audit_lines())
    tasks = [{"egid.s3share.minio_collaborator": case, "ignore_errors": True} for case, dummy in bad_cases]
    refused = ansible.run(server, tasks)
    for result, (case, expected) in zip(refused, bad_cases):
        assert result.get("failed"), case
        assert expected in result["msg"], (expected, result["msg"])
        assert result.get("refused") is True
    assert _server_snapshot(server) == snapshot, "a refusal changed the server"
    new_lines = ansible.audit_lines()[audit_mark:]
    assert [l["result"] for l in new_lines] == ["refused"] * len(bad_cases)

    # ---- rotation returns a new secret once; the old one stops working
    rotated = ansible.run(server, [{"egid.s3share.minio_collaborator": dict(args, rotate=True), "diff": True}])[0]
    assert rotated["changed"] and rotated["credentials"]["access_key"] == access_key
    new_secret = rotated["credentials"]["secret_key"]
    assert new_secret != secret_key and rotated["expires_at"] == expires_at
    assert _rejected(server.s3_as(access_key, secret_key).get_object, bucket, "results/chu-liege/genome.vcf")
    collab = server.s3_as(access_key, new_secret)
    assert collab.get_object(bucket, "results/chu-liege/genome.vcf").read() == b"ACGT"

    # ---- minio_info shows the collaborator and its expiry
    info = ansible.run(server, [{"egid.s3share.minio_info": {"gather_subset": ["collaborators"]}}])[0]
    mine = [c for c in info["collaborators"] if c["name"] == name]
    assert mine and mine[0]["expires_at"] == expires_at and mine[0]["user_exists"] and not mine[0]["expired"]
    assert "secret_key" not in json.dumps(mine)

    # ---- the sweep: nothing now; everything once the expiry has passed
    later = (expiry + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sweeps = ansible.run(server, [
        {"egid.s3share.minio_collaborator_sweep": {}, "diff": True},
        {"egid.s3share.minio_collaborator_sweep": {"as_of": later}, "check_mode": True, "diff": True},
        {"egid.s3share.minio_collaborator_sweep": {"as_of": later}, "diff": True},
        {"egid.s3share.minio_collaborator_sweep": {"as_of": later}, "check_mode": True, "diff": True},
        {"egid.s3share.minio_collaborator_sweep": {"as_of": later}, "diff": True},
    ])
    assert len(sweeps) == 5 and not any(s.get("failed") for s in sweeps), sweeps[-1].get("msg")
    assert all(name not in [r["name"] for r in s["removed"]] for s in sweeps[:1])
    assert [name in [r["name"] for r in s["removed"]] for s in sweeps[1:]] == [True, True, False, False]
    assert sweeps[1]["removed"] == sweeps[2]["removed"]
    assert [s["changed"] for s in sweeps[3:]] == [False, False]
    assert _rejected(server.s3_as(access_key, new_secret).get_object, bucket, "results/chu-liege/genome.vcf")
    assert _rejected(server.s3_as(access_key, new_secret).list_objects, bucket, prefix="results/chu-liege/")
    mc_after = mc("ls", "collab/%s/results/chu-liege/" % bucket)
    assert mc_after.returncode != 0
    users, policies, records = _server_snapshot(server)
    assert access_key not in users and "collab-" + name not in policies
    assert "collaborators/%s.json" % name not in records

    # ---- audit log: one line per change and per refusal, no secret anywhere
    lines = ansible.audit_lines()[audit_before:]
    mine = [l for l in lines if l["target"] == "collaborator:" + name]
    assert [(l["action"], l["result"]) for l in mine] == [
        ("create_collaborator", "changed"),
        ("set_collaborator", "refused"), ("set_collaborator", "refused"), ("set_collaborator", "refused"),
        ("set_collaborator", "changed"),            # rotation
        ("expire_collaborator", "changed"),         # sweep
    ]
    assert mine[0]["expires_at"] == expires_at and mine[0]["actor"]
    raw = ansible.audit_log.read_text()
    for secret in (secret_key, new_secret, server.secret_key):
        assert secret not in raw, "a secret leaked into the audit log"


def test_collaborator_absent_and_expires_at(server, ansible, prefix, shared_data):
    bucket = shared_data[0]
    name = prefix + "-rw"
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)).replace(microsecond=0)
    args = {"name": name, "bucket": bucket, "prefix": "results/chu-liege", "access": "read-write",
            "expires_at": until.strftime("%Y-%m-%dT%H:%M:%SZ")}
    results = ansible.check_real_check_real(server, "egid.s3share.minio_collaborator", args)
    assert_sequence(results)
    creds = results[1]["credentials"]
    collab = server.s3_as(creds["access_key"], creds["secret_key"])
    collab.put_object(bucket, "results/chu-liege/upload.txt", io.BytesIO(b"up"), 2)
    assert _denied(collab.put_object, bucket, "results/other/upload.txt", io.BytesIO(b"up"), 2)
    # A new expires_at moves the expiry, without a new secret.
    moved = dict(args, expires_at=(until + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    results = ansible.check_real_check_real(server, "egid.s3share.minio_collaborator", moved)
    assert_sequence(results)
    assert "credentials" not in results[1] and results[1]["expires_at"] == moved["expires_at"]
    results = ansible.check_real_check_real(server, "egid.s3share.minio_collaborator",
                                            {"name": name, "state": "absent"})
    assert_sequence(results)
    assert _rejected(collab.get_object, bucket, "results/chu-liege/genome.vcf")
    users, policies, records = _server_snapshot(server)
    assert creds["access_key"] not in users and "collab-" + name not in policies
    assert creds["secret_key"] not in ansible.audit_log.read_text()
