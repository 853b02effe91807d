# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module decisions with the client factory (the SDK seam) replaced by in-memory fakes."""

import datetime
import json
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from minio_fakes import READ, FakeAdmin, FakeS3

from ansible_collections.egid.s3share.plugins.module_utils._minio import connection
from ansible_collections.egid.s3share.plugins.modules import (
    minio_bucket, minio_collaborator, minio_collaborator_sweep, minio_group, minio_policy, minio_share, minio_user,
)


class Exit(Exception):
    pass


class Fail(Exception):
    pass


class FakeClients:
    def __init__(self, settings, admin, s3):
        self.settings, self.admin, self.s3 = settings, admin, s3

    def s3_for(self, *args, **kwargs):
        return self.s3


@pytest.fixture()
def fakes():
    return FakeAdmin(), FakeS3()


def run(module, args, fakes, tmp_path, check=False, diff=True):
    admin, s3 = fakes
    args = dict(args, endpoint="https://nectar.test:9000", access_key="rootadmin", secret_key="RootSecret-123",
                audit_log=str(tmp_path / "actions.log"), _ansible_check_mode=check, _ansible_diff=diff)

    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    with patch_module_args(args), \
            mock.patch.object(connection, "create_clients", lambda settings: FakeClients(settings, admin, s3)), \
            mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", fail_json):
        try:
            module.main()
        except Exit as exc:
            return exc.args[0]
        except Fail as exc:
            return dict(exc.args[0], failed=True)
    raise AssertionError("the module neither exited nor failed")


def audit(tmp_path):
    path = tmp_path / "actions.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --------------------------------------------------------------------------- minio_user
def test_user_check_real_check_real(fakes, tmp_path):
    admin = fakes[0]
    admin.policies["ro"] = READ
    args = {"name": "sgressier", "user_secret_key": "MdP-secret-1", "policies": ["ro"]}
    results = [run(minio_user, args, fakes, tmp_path, check=c) for c in (True, False, True, False)]
    assert [r["changed"] for r in results] == [True, True, False, False]
    assert results[0]["diff"] == results[1]["diff"]
    assert admin.users["sgressier"]["policies"] == ["ro"]
    assert [l["result"] for l in audit(tmp_path)] == ["changed"]
    assert "MdP-secret-1" not in (tmp_path / "actions.log").read_text()


def test_user_unknown_policy_is_refused_before_change(fakes, tmp_path):
    admin = fakes[0]
    result = run(minio_user, {"name": "alice", "user_secret_key": "secret-123", "policies": ["nope"]}, fakes, tmp_path)
    assert result["failed"] and "unknown policy nope" in result["msg"] and admin.writes == []
    assert [l["result"] for l in audit(tmp_path)] == ["refused"]


def test_user_refusals_are_not_logged_in_check_mode(fakes, tmp_path):
    result = run(minio_user, {"name": "ab", "user_secret_key": "secret-123"}, fakes, tmp_path, check=True)
    assert result["failed"] and "3 to 20" in result["msg"] and audit(tmp_path) == []


def test_user_root_is_refused(fakes, tmp_path):
    result = run(minio_user, {"name": "rootadmin", "user_secret_key": "secret-123"}, fakes, tmp_path)
    assert result["failed"] and "root user" in result["msg"]


# --------------------------------------------------------------------------- minio_policy
def test_policy_template_and_builtin_refusal(fakes, tmp_path):
    admin = fakes[0]
    result = run(minio_policy, {"name": "ligan-ro", "template": "read-only", "bucket": "ligan",
                                "prefix": "results/x"}, fakes, tmp_path)
    assert result["changed"] and "ligan-ro" in admin.policies
    result = run(minio_policy, {"name": "readwrite", "policy": json.dumps(READ)}, fakes, tmp_path)
    assert result["failed"] and "built-in" in result["msg"]
    result = run(minio_policy, {"name": "x", "template": "read-only"}, fakes, tmp_path)
    assert result["failed"] and "bucket is required" in result["msg"]


# --------------------------------------------------------------------------- minio_bucket
def test_bucket_sse_without_kms_refused(tmp_path):
    admin, s3 = FakeAdmin(kms=False), FakeS3()
    result = run(minio_bucket, {"name": "ligan", "encryption": "sse-s3"}, (admin, s3), tmp_path)
    assert result["failed"] and "no KMS configured" in result["msg"]
    assert s3.writes == [] and "ligan" not in s3.buckets
    assert [l["result"] for l in audit(tmp_path)] == ["refused"]


@pytest.mark.parametrize("args,message", [
    ({"name": "Bad_Name"}, "invalid bucket name"),
    ({"name": "ligan", "quota": "12 parsecs"}, "invalid size"),
    ({"name": "ligan", "object_lock": True, "versioning": "suspended"}, "object lock needs versioning"),
])
def test_bucket_bad_input(fakes, tmp_path, args, message):
    result = run(minio_bucket, args, fakes, tmp_path)
    assert result["failed"] and message in result["msg"]
    assert fakes[1].writes == []


def test_parse_size():
    from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import parse_size
    assert parse_size("5TiB") == 5 * 2 ** 40 and parse_size("10GB") == 10 ** 10 and parse_size(42) == 42


# --------------------------------------------------------------------------- minio_collaborator
COLLAB = {"name": "chu-liege", "bucket": "ligan", "prefix": "results/chu-liege", "days": 30}


def test_collaborator_first_run_then_idempotent(fakes, tmp_path):
    admin, s3 = fakes
    s3.buckets["ligan"] = {}
    check = run(minio_collaborator, COLLAB, fakes, tmp_path, check=True)
    assert check["changed"] and "credentials" not in check and admin.writes == [] and s3.writes == []
    real = run(minio_collaborator, COLLAB, fakes, tmp_path)
    creds = real["credentials"]
    assert len(creds["access_key"]) == 20 and len(creds["secret_key"]) == 40
    assert admin.users[creds["access_key"]]["policies"] == ["collab-chu-liege"]
    record = json.loads(s3.buckets["s3share-admin"]["collaborators/chu-liege.json"])
    assert record["access_key"] == creds["access_key"] and "secret" not in json.dumps(record).lower()
    # Record first, so a failure later still leaves something the sweep can clean.
    assert s3.writes[-1][0] == "put_object" and admin.calls.index(("user_add", creds["access_key"])) >= 0
    again = run(minio_collaborator, dict(COLLAB, days=10), fakes, tmp_path)
    assert again["changed"] is False and "credentials" not in again
    assert again["expires_at"] == real["expires_at"], "a re-run must not move the expiry"
    log = audit(tmp_path)
    assert [l["action"] for l in log] == ["create_collaborator"] and log[0]["expires_at"] == real["expires_at"]
    assert creds["secret_key"] not in (tmp_path / "actions.log").read_text()


def test_collaborator_rotate_and_new_expiry(fakes, tmp_path):
    admin, s3 = fakes
    s3.buckets["ligan"] = {}
    first = run(minio_collaborator, COLLAB, fakes, tmp_path)
    rotated = run(minio_collaborator, dict(COLLAB, rotate=True), fakes, tmp_path)
    assert rotated["changed"] and rotated["credentials"]["secret_key"] != first["credentials"]["secret_key"]
    assert rotated["credentials"]["access_key"] == first["credentials"]["access_key"]
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    moved = run(minio_collaborator, dict(COLLAB, expires_at=later), fakes, tmp_path)
    assert moved["changed"] and moved["expires_at"] == later and "credentials" not in moved


@pytest.mark.parametrize("change,message", [
    ({"prefix": "results/../x"}, "'..'"),
    ({"prefix": "/results/x"}, "must not start with '/'"),
    ({"prefix": "results/*"}, "wildcards"),
    ({"prefix": ""}, "a prefix is required"),
    ({"days": 31}, "maximum of 30 days"),
    ({"days": 45, "max_days": 40}, "maximum of 40 days"),
    ({"expires_at": "2001-01-01T00:00:00Z"}, "in the past"),
    ({"bucket": "nope"}, "does not exist"),
    ({"bucket": "s3share-admin"}, "holds the collaborator records"),
    ({"name": "Bad Name"}, "invalid collaborator name"),
    ({"name": "rootadmin"}, "reserved"),
    ({"name": "alice"}, "collides with the internal user"),
])
def test_collaborator_refusals_change_nothing(fakes, tmp_path, change, message):
    admin, s3 = fakes
    s3.buckets["ligan"] = {}
    admin.users["alice"] = {"status": "enabled", "policies": [], "secret": "s"}
    result = run(minio_collaborator, dict(COLLAB, **change), fakes, tmp_path)
    assert result["failed"] and result["refused"] and message in result["msg"]
    assert admin.writes == [] and s3.writes == []
    assert [l["result"] for l in audit(tmp_path)] == ["refused"]


def test_collaborator_absent_and_sweep(fakes, tmp_path):
    admin, s3 = fakes
    s3.buckets["ligan"] = {}
    first = run(minio_collaborator, COLLAB, fakes, tmp_path)
    key = first["credentials"]["access_key"]
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    preview = run(minio_collaborator_sweep, {"as_of": later}, fakes, tmp_path, check=True)
    assert [r["name"] for r in preview["removed"]] == ["chu-liege"] and key in admin.users
    now = run(minio_collaborator_sweep, {}, fakes, tmp_path)
    assert now["changed"] is False and now["kept"] == ["chu-liege"]
    swept = run(minio_collaborator_sweep, {"as_of": later}, fakes, tmp_path)
    assert swept["changed"] and swept["removed"] == preview["removed"]
    assert key not in admin.users and "collab-chu-liege" not in admin.policies
    assert "collaborators/chu-liege.json" not in s3.buckets["s3share-admin"]
    # One listing of users and one of policies, whatever the number of collaborators; no per-collaborator
    # attachment lookup (each costs an Argon2 key derivation on both sides).
    names = [c[0] for c in admin.calls]
    assert names.count("get_policy_entities") == 0
    assert run(minio_collaborator_sweep, {"as_of": later}, fakes, tmp_path)["changed"] is False
    assert run(minio_collaborator, {"name": "chu-liege", "state": "absent"}, fakes, tmp_path)["changed"] is False


# --------------------------------------------------------------------------- minio_share
def test_share_limits(fakes, tmp_path):
    s3 = fakes[1]
    s3.buckets["ligan"] = {"results/a/x.vcf": b"1", "results/a/y/z.vcf": b"22", "results/b/w.vcf": b"3"}
    result = run(minio_share, {"bucket": "ligan", "prefix": "results/a", "expires": "8d"}, fakes, tmp_path)
    assert result["failed"] and "minio_collaborator" in result["msg"]
    result = run(minio_share, {"bucket": "ligan", "prefix": "results/a", "expires": "12h"}, fakes, tmp_path,
                 check=True)
    assert [l["object"] for l in result["links"]] == ["results/a/x.vcf", "results/a/y/z.vcf"]
    assert all("url" not in l for l in result["links"]) and result["changed"] is False
    result = run(minio_share, {"bucket": "ligan", "object": "results/b/w.vcf", "expires": "3600"}, fakes, tmp_path)
    assert result["links"][0]["url"].startswith("https://")
    log = audit(tmp_path)
    assert [l["result"] for l in log] == ["refused", "shared"] and "Signature" not in json.dumps(log)
    result = run(minio_share, {"bucket": "ligan", "object": "results/none"}, fakes, tmp_path)
    assert result["failed"] and "no such object" in result["msg"]


def test_collaborator_concurrent_first_runs_create_one_user(fakes, tmp_path):
    admin, s3 = fakes
    s3.buckets["ligan"] = {}
    real_execute = s3._execute

    def racing_execute(method, bucket, key, body=None, headers=None):
        # Another run creates its record between our read and our conditional write.
        other = dict(json.loads(body), access_key="COTHERRUNXXXXXXXXXXX")
        s3.buckets.setdefault(bucket, {})[key] = json.dumps(other).encode()
        return real_execute(method, bucket, key, body, headers)
    s3._execute = racing_execute
    result = run(minio_collaborator, COLLAB, fakes, tmp_path)
    assert result["failed"] and "another run created it" in result["msg"]
    assert not [c for c in admin.writes if c[0] in ("user_add", "policy_add")]
    assert json.loads(s3.buckets["s3share-admin"]["collaborators/chu-liege.json"])["access_key"] == \
        "COTHERRUNXXXXXXXXXXX"


def test_collaborator_credentials_point_to_the_public_endpoint(fakes, tmp_path):
    fakes[1].buckets["ligan"] = {}
    result = run(minio_collaborator, dict(COLLAB, public_endpoint="https://nectar.egid.fr:9000/"), fakes, tmp_path)
    assert result["credentials"]["endpoint"] == "https://nectar.egid.fr:9000"
    result = run(minio_collaborator, dict(COLLAB, name="other-lab"), fakes, tmp_path)
    assert result["credentials"]["endpoint"] == "https://nectar.test:9000"


def test_group_unknown_member_or_policy_is_refused(fakes, tmp_path):
    admin = fakes[0]
    admin.users["alice"] = {"status": "enabled", "policies": [], "secret": "s"}
    result = run(minio_group, {"name": "bioinfo", "members": ["alice", "bob"]}, fakes, tmp_path)
    assert result["failed"] and "unknown user bob" in result["msg"] and admin.writes == []
    result = run(minio_group, {"name": "bioinfo", "policies": ["nope"]}, fakes, tmp_path)
    assert result["failed"] and "unknown policy nope" in result["msg"] and admin.writes == []
    result = run(minio_group, {"name": "bioinfo", "members": ["alice"]}, fakes, tmp_path)
    assert result["changed"] and admin.groups["bioinfo"]["members"] == ["alice"]
    assert [l["result"] for l in audit(tmp_path)] == ["refused", "refused", "changed"]
