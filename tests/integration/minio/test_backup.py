# -*- coding: utf-8 -*-
"""The backup and its restore against real servers, with the real restic (issue 23).

Three real MinIO servers on loopback: the "nectar" that is backed up, the S3 target that holds the encrypted
restic repository ("another S3 target"), and a new, empty server that the backup is restored onto. The
backup is made by the s3share-backup program (the code the systemd timer runs on nectar), the restore by
the minio_restore module through ansible-playbook. The collaborators' own keys are used on the restored
server with the SDK and with mc. molecule/restore runs the whole drill on Debian 12 systemd containers.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import urllib3
from minio import MinioAdmin
from minio.credentials import StaticProvider

from minio_testbed import REPO, MinioServer

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by scripts/test.sh")

JOB = ("import sys\n"
       "from ansible_collections.egid.s3share.plugins.module_utils._programs.backup import main\n"
       "sys.exit(main(sys.argv[1:]))\n")


def _put(s3, bucket, key, data):
    s3.put_object(bucket, key, io.BytesIO(data), len(data))


def _denied(call, *args):
    from minio.error import S3Error
    try:
        result = call(*args)
        if hasattr(result, "read"):
            result.read()
        elif hasattr(result, "__iter__"):
            list(result)
    except S3Error as exc:
        return exc.code
    return None


class Drill:
    """The three servers and the files of the host being backed up (settings, logs, configuration)."""

    def __init__(self, binaries, pki, base):
        self.base = base
        self.source = MinioServer(binaries["minio"], pki, base / "nectar", kms=False).start()
        self.vault = MinioServer(binaries["minio"], pki, base / "vault", kms=False).start()
        self.target = None
        self.binaries, self.pki = binaries, pki
        self.logs = base / "host" / "logs"
        self.etc = base / "host" / "etc"
        self.state = base / "host" / "state"
        for path in (self.logs, self.etc, self.state):
            path.mkdir(parents=True)
        self.audit_log = self.logs / "actions.log"
        self.password = secrets.token_urlsafe(24)
        (self.etc / "restic-password").write_text(self.password)
        # The repository's S3 account on the vault: read-write on its bucket only.
        vault_s3, vault_admin = self.vault.clients()
        vault_s3.make_bucket("backups")
        vault_admin.policy_add("rw-backups", policy_file=self._policy_file("backups"))
        self.vault_secret = secrets.token_urlsafe(24)
        vault_admin.user_add("nectar-backup", self.vault_secret)
        vault_admin.policy_set("rw-backups", user="nectar-backup")

    def _policy_file(self, bucket):
        path = self.base / ("policy-%s.json" % bucket)
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::%s" % bucket,
                                                                 "arn:aws:s3:::%s/*" % bucket]}]}))
        return str(path)

    def admin_json(self, server):
        path = self.etc / "admin.json"
        path.write_text(json.dumps({"endpoint": server.endpoint, "access_key": server.access_key,
                                    "secret_key": server.secret_key, "ca_path": server.ca_path,
                                    "records_bucket": "s3share-records", "audit_log": str(self.audit_log)}))
        path.chmod(0o600)
        return path

    def settings(self, server, repository=None, state=None):
        state = state or self.state
        path = self.etc / "backup.json"
        path.write_text(json.dumps({
            "repository": repository or "s3:%s/backups/nectar" % self.vault.endpoint,
            "repository_env": {"AWS_ACCESS_KEY_ID": "nectar-backup", "AWS_SECRET_ACCESS_KEY": self.vault_secret},
            "repository_cacert": self.pki["ca_path"],
            "password_file": str(self.etc / "restic-password"), "restic": shutil.which("restic"),
            "cache_dir": str(state / "cache"), "work_dir": str(state),
            "stage_dir": str(state / "stage"), "state_file": str(state / "state.json"),
            "restored_dir": str(self.base / "restored"),
            "admin_config": str(self.admin_json(server)), "audit_log": str(self.audit_log),
            "records_bucket": "s3share-records", "config_paths": [str(self.etc)], "log_paths": [],
            "paths": [str(self.etc), str(self.logs)], "keep": {"last": 3, "daily": 7},
            "textfile": str(state / "s3share_backup.prom"), "textfile_group": "root"}))
        path.chmod(0o600)
        return path

    def stop(self):
        for server in (self.source, self.vault, self.target):
            if server:
                server.stop()


def _run_job(drill, server, repository=None, state=None):
    # -I ignores PYTHONPATH: the launcher on nectar inserts the collection's path itself, as this does.
    code = ("import sys; sys.path.insert(0, %r)\n" % str(REPO / ".collections")) + JOB
    return subprocess.run([sys.executable, "-I", "-c", code, str(drill.settings(server, repository, state))],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def drill(binaries, pki, tmp_path_factory):
    d = Drill(binaries, pki, tmp_path_factory.mktemp("backup"))
    yield d
    d.stop()


def _defaults(drill, server):
    return dict(server.module_defaults(drill.audit_log), records_bucket="s3share-records")


def test_backup_then_restore_onto_a_new_server(drill, ansible, binaries, pki, mc):
    source_s3, source_admin = drill.source.clients()
    source_s3.make_bucket("ligan")
    source_admin.bucket_quota_set("ligan", 5 * 1024 ** 3)
    _put(source_s3, "ligan", "results/chu-liege/genome.vcf", b"ACGT" * 1000)
    # One collaborator for 30 days, one that expires a few seconds from now; an internal account.
    bioinfo_secret = "bioinfo-x-" + secrets.token_hex(12)
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=8)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    made = ansible.run(drill.source, [
        {"egid.s3share.minio_bucket": {"name": "ligan", "versioning": "enabled",
                                       "versioning_excluded_prefixes": ["results/"]}},
        {"egid.s3share.minio_collaborator": {"name": "chu-liege", "bucket": "ligan", "prefix": "results/chu-liege",
                                             "days": 30}},
        {"egid.s3share.minio_collaborator": {"name": "cro-paris", "bucket": "ligan", "prefix": "results/chu-liege",
                                             "expires_at": soon}},
        {"egid.s3share.minio_user": {"name": "bioinfo-x", "user_secret_key": bioinfo_secret,
                                     "policies": ["readwrite"]}},
    ], defaults=_defaults(drill, drill.source))
    for result in made:
        assert not result.get("failed"), result.get("msg")
    keep, gone = made[1]["credentials"], made[2]["credentials"]
    expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=20)).replace(microsecond=0)
    # An access key that bioinfo-x made for itself (as in the console), with an expiry.
    sa_key, sa_secret = "svc" + secrets.token_hex(6), secrets.token_urlsafe(24)
    MinioAdmin(endpoint="127.0.0.1:%d" % drill.source.port, secure=True,
               credentials=StaticProvider("bioinfo-x", bioinfo_secret),
               http_client=urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=drill.source.ca_path)
               ).add_service_account(access_key=sa_key, secret_key=sa_secret,
                                     expiration=expiry.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert drill.source.s3_as(sa_key, sa_secret).bucket_exists("ligan")
    records_before = sorted(o.object_name for o in source_s3.list_objects("s3share-records", recursive=True))
    assert records_before, "the collaborators left no record"

    # ---- two backups to the S3 target; the second, with nothing changed, adds little.
    first = _run_job(drill, drill.source)
    assert first.returncode == 0, first.stdout + first.stderr
    first_out = json.loads(first.stdout)
    assert first_out["ok"] and first_out["restore_check"] == "passed"
    second = _run_job(drill, drill.source)
    assert second.returncode == 0, second.stdout + second.stderr
    second_out = json.loads(second.stdout)
    assert second_out["snapshot"] != first_out["snapshot"]
    assert second_out["added_bytes"] < first_out["added_bytes"] and second_out["added_bytes"] < 256 * 1024, \
        (first_out, second_out)
    metrics = (drill.state / "s3share_backup.prom").read_text()
    assert "s3share_backup_last_run_success 1" in metrics
    assert "s3share_backup_restore_check_success 1" in metrics

    # The repository is encrypted: no secret of the server is readable in the vault's files, and the stage
    # (every secret key, in clear) does not outlive the run; the job's output and audit lines carry no secret.
    secrets_of_nectar = [keep["secret_key"], gone["secret_key"], sa_secret, drill.source.secret_key]
    for root, _dirs, names in os.walk(drill.vault.workdir / "data"):
        for name in names:
            data = (Path(root) / name).read_bytes()
            for secret in secrets_of_nectar:
                assert secret.encode() not in data, "a secret is readable in the backup target"
    assert not any((drill.state / "stage").iterdir())
    log_text = drill.audit_log.read_text()
    for secret in secrets_of_nectar + [drill.password, drill.vault_secret]:
        assert secret not in log_text and secret not in first.stdout + first.stderr + second.stdout + second.stderr
    backups = [json.loads(line) for line in log_text.splitlines() if '"s3share-backup"' in line]
    assert [(b["action"], b["result"]) for b in backups] == [("backup", "started"), ("backup", "changed")] * 2

    # ---- nectar is lost: its server and its logs. A new, empty server and host take its place.
    drill.source.stop()
    shutil.move(str(drill.logs), str(drill.base / "lost-logs"))
    drill.logs.mkdir()
    # The new server gets the root credentials of the inventory, as restore.yml gives it.
    drill.target = MinioServer(binaries["minio"], pki, drill.base / "new-nectar", kms=False)
    drill.target.access_key, drill.target.secret_key = drill.source.access_key, drill.source.secret_key
    drill.target.start()
    target_s3, target_admin = drill.target.clients()
    drill.settings(drill.target)

    restore = {"egid.s3share.minio_restore": {"settings": str(drill.etc / "backup.json")}}
    runs = ansible.run(drill.target, [dict(restore, check_mode=True), restore, restore],
                       defaults=_defaults(drill, drill.target))
    for result in runs:
        assert not result.get("failed"), result.get("msg")
    assert [r["changed"] for r in runs] == [True, True, False]
    plan = runs[0]["plan"]
    # restic's backup summary gives the short id.
    assert plan["snapshot"].startswith(second_out["snapshot"]) and plan["audit_verify"]["ok"], plan
    assert plan["iam"]["users"] >= 3 and plan["iam"]["service_accounts"] >= 1, plan["iam"]
    assert "ligan" in plan["buckets"] and plan["records"] == len(records_before)
    assert runs[2]["plan"]["already_restored"]

    # What S3 re-creates, the lab pushes again from NFS.
    _put(target_s3, "ligan", "results/chu-liege/genome.vcf", b"ACGT" * 1000)
    collab = drill.target.s3_as(keep["access_key"], keep["secret_key"])
    assert collab.get_object("ligan", "results/chu-liege/genome.vcf").read() == b"ACGT" * 1000
    assert _denied(_put, collab, "ligan", "results/chu-liege/mine.txt", b"x") == "AccessDenied"
    assert _denied(collab.list_objects, "ligan", "results/", False) == "AccessDenied"
    mc.alias("keep", drill.target, keep["access_key"], keep["secret_key"])
    assert mc("cat", "keep/ligan/results/chu-liege/genome.vcf").stdout == "ACGT" * 1000
    # cro-paris expired before the backup was restored: still refused.
    time.sleep(max(0.0, datetime.datetime.strptime(soon, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() - time.time() + 1))
    assert _denied(drill.target.s3_as(gone["access_key"], gone["secret_key"]).get_object, "ligan",
                   "results/chu-liege/genome.vcf") == "AccessDenied"
    # The internal account kept its policy, the service account its secret and expiry, the bucket its settings.
    assert json.loads(target_admin.user_info("bioinfo-x"))["policyName"] == "readwrite"
    info = json.loads(target_admin.get_service_account(sa_key))
    assert info["parentUser"] == "bioinfo-x", info
    assert info["expiration"].startswith(expiry.strftime("%Y-%m-%dT%H:%M:%S")), info
    assert drill.target.s3_as(sa_key, sa_secret).bucket_exists("ligan")
    versioning = target_s3.get_bucket_versioning("ligan")
    assert versioning.status == "Enabled" and versioning.excluded_prefixes == ["results/"], versioning.__dict__
    assert json.loads(target_admin.bucket_quota_get("ligan"))["quota"] == 5 * 1024 ** 3
    assert sorted(o.object_name for o in target_s3.list_objects("s3share-records", recursive=True)) == records_before

    # The audit log is back with its chain, the restore's line appended to it; the new host's own lines
    # (the restore's "started") are kept beside it.
    from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import verify_chain
    report = verify_chain(str(drill.audit_log))
    assert report["ok"], report
    lines = [json.loads(line) for line in drill.audit_log.read_text().splitlines()]
    # The backed-up log is the lost one up to the snapshot (the backup's own "changed" line comes after it).
    lost = (drill.base / "lost-logs" / "actions.log").read_text().splitlines()
    restored = drill.audit_log.read_text().splitlines()[:-1]
    assert restored == lost[:len(restored)] and len(restored) >= len(lost) - 1
    assert (drill.base / "restored" / lines[-1]["snapshot"][:8] / str(drill.etc).lstrip("/") / "admin.json").exists()
    assert (lines[-1]["action"], lines[-1]["result"]) == ("restore", "changed")
    assert lines[-1]["snapshot"].startswith(second_out["snapshot"]) and lines[-1]["audit_verify_ok"]
    assert os.path.exists(lines[-1]["pre_restore_log"])

    # ---- a live server is not overwritten: the first snapshot, without force, is refused (and audited).
    refused = ansible.run(drill.target, [{"egid.s3share.minio_restore": {
        "settings": str(drill.etc / "backup.json"), "snapshot": first_out["snapshot"]}, "ignore_errors": True}],
        defaults=_defaults(drill, drill.target))[0]
    assert refused.get("failed") and "live" in refused["msg"], refused
    last = json.loads(drill.audit_log.read_text().splitlines()[-1])
    assert (last["action"], last["result"]) == ("restore", "refused")


def test_an_unreachable_target_fails_loudly(drill):
    """A local repository whose parent is missing (the NFS share is not mounted) is not created on nectar."""
    server = drill.target or drill.source
    missing = drill.base / "nfs-not-mounted" / "nectar"
    done = _run_job(drill, server, repository=str(missing))
    assert done.returncode == 1, done.stdout + done.stderr
    assert not missing.parent.exists()
    out = json.loads(done.stdout)
    assert not out["ok"] and "not reachable" in out["reason"]
    last = json.loads(drill.audit_log.read_text().splitlines()[-1])
    assert (last["action"], last["result"]) == ("backup", "failed") and "not reachable" in last["reason"]
    metrics = (drill.state / "s3share_backup.prom").read_text()
    assert "s3share_backup_last_run_success 0" in metrics


def test_a_repository_changed_behind_the_host_s_back_is_not_backed_up_over(drill):
    """The share is writable by other hosts: a new host may not bury the backups under its empty server, a
    removed snapshot or repository is reported instead of silently replaced (each run fails with its audit line
    and the metric at 0, so BackupFailed fires)."""
    server = drill.target or drill.source
    s3, _admin = server.clients()
    if not s3.bucket_exists("s3share-records"):
        s3.make_bucket("s3share-records")  # what a first converge creates: the newcomer is not empty
    share = drill.base / "share"
    share.mkdir()
    repository = share / "nectar"
    nectar, newcomer = drill.base / "state-nectar", drill.base / "state-newcomer"

    def run(state, on=server):
        done = _run_job(drill, on, repository=str(repository), state=state)
        out = json.loads(done.stdout)
        metrics = (state / "s3share_backup.prom").read_text()
        return done.returncode, out, metrics

    code, out, _metrics = run(nectar)
    assert code == 0 and out["ok"], out
    snapshots = sorted(os.listdir(repository / "snapshots"))
    assert len(snapshots) == 1

    # Another host, with no state of its own and not restored from this repository.
    code, out, metrics = run(newcomer)
    assert code == 1 and "did not make and was not restored from" in out["reason"], out
    assert "s3share_backup_last_run_success 0" in metrics
    assert sorted(os.listdir(repository / "snapshots")) == snapshots
    last = json.loads(drill.audit_log.read_text().splitlines()[-1])
    assert (last["action"], last["result"]) == ("backup", "failed")

    # nectar's data disk is lost: its server starts empty, and the timer runs before the restore.
    empty = MinioServer(drill.binaries["minio"], drill.pki, drill.base / "empty-data-disk", kms=False).start()
    try:
        code, out, metrics = run(nectar, on=empty)
    finally:
        empty.stop()
    assert code == 1 and "holds no bucket" in out["reason"], out
    assert "s3share_backup_last_run_success 0" in metrics
    assert sorted(os.listdir(repository / "snapshots")) == snapshots

    # Someone without the password deletes the last snapshot's file.
    (repository / "snapshots" / snapshots[0]).unlink()
    code, out, metrics = run(nectar)
    assert code == 1 and "no longer in the repository" in out["reason"], out
    assert "s3share_backup_last_run_success 0" in metrics
    assert os.listdir(repository / "snapshots") == []

    # Someone removes the whole repository: no new one is started in its place.
    shutil.rmtree(repository)
    code, out, metrics = run(nectar)
    assert code == 1 and "gone or cannot be read" in out["reason"], out
    assert not repository.exists()
