# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup's decisions (_backup/): what an export holds, the manifest checks, the snapshot choice, the
metrics, and restic's command lines. The backup and the restore themselves run against real servers and the
real restic in tests/integration/minio/test_backup.py and molecule/restore."""

import io
import json
import shutil
import zipfile

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._backup import bundle, job, restic, restore


def _zip(members):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return data.getvalue()


def _zip_at(members, date_time):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name, date_time), content)
    return data.getvalue()


def test_two_exports_of_an_unchanged_server_stage_the_same_bytes():
    # What MinIO does: a new time stamp on every export, and a policy's actions in Go's map order.
    users = json.dumps({"col-a": {"secretKey": "s" * 40, "status": "enabled"}})

    def policies(actions, resources):
        return json.dumps({"diagnostics": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resources,
             "Condition": {"StringLike": {"s3:prefix": ["z/*", "a/*"]}}}]}})

    first = _zip_at([("iam-assets/users.json", users),
                     ("iam-assets/policies.json", policies(["admin:Profiling", "admin:ServerInfo"],
                                                           ["arn:aws:s3:::b", "arn:aws:s3:::a"]))],
                    (2026, 12, 7, 1, 30, 0))
    second = _zip_at([("iam-assets/policies.json", policies(["admin:ServerInfo", "admin:Profiling"],
                                                            ["arn:aws:s3:::a", "arn:aws:s3:::b"])),
                      ("iam-assets/users.json", users)],
                     (2026, 12, 8, 1, 41, 7))
    assert first != second
    assert bundle.canonical_zip(first) == bundle.canonical_zip(second)
    with zipfile.ZipFile(io.BytesIO(bundle.canonical_zip(first))) as archive:
        assert archive.namelist() == ["iam-assets/policies.json", "iam-assets/users.json"]
        assert archive.read("iam-assets/users.json") == users.encode()  # other members: their bytes
        statement = json.loads(archive.read("iam-assets/policies.json"))["diagnostics"]["Statement"][0]
    assert statement["Action"] == ["admin:Profiling", "admin:ServerInfo"]
    assert statement["Resource"] == ["arn:aws:s3:::a", "arn:aws:s3:::b"]
    assert statement["Condition"] == {"StringLike": {"s3:prefix": ["z/*", "a/*"]}}  # not a set MinIO sorts
    # A change is still a change.
    when = (2026, 12, 7, 1, 30, 0)
    changed = _zip_at([("iam-assets/users.json", users.replace("enabled", "disabled"))], when)
    assert bundle.canonical_zip(changed) != bundle.canonical_zip(_zip_at([("iam-assets/users.json", users)], when))
    with pytest.raises(bundle.BundleError, match="not a readable zip"):
        bundle.canonical_zip(b"PK no")


def test_iam_counts_reads_each_part_of_minio_s_export():
    export = _zip({"iam-assets/users.json": json.dumps({"a": {}, "b": {}}),
                   "iam-assets/svcaccts.json": json.dumps({"s": {"parent": "a", "expiration": "2027-01-01T00:00:00Z",
                                                                 "secretKey": "x" * 40}}),
                   "iam-assets/policies.json": json.dumps({"p1": {}, "p2": {}, "p3": {}}),
                   "iam-assets/groups.json": "{}", "iam-assets/user_mappings.json": "{}"})
    assert bundle.iam_counts(export) == {"users": 2, "service_accounts": 1, "policies": 3, "groups": 0}
    assert bundle.iam_service_accounts(export) == {"s": {"parent": "a", "expiration": "2027-01-01T00:00:00Z"}}


def test_a_damaged_export_is_refused():
    with pytest.raises(bundle.BundleError, match="not a readable zip"):
        bundle.iam_counts(b"PK not a zip")
    with pytest.raises(bundle.BundleError, match="not a readable zip"):
        bundle.bucket_names(b"nothing")


def test_bucket_names_are_the_first_part_of_each_member():
    export = _zip({"ligan/.metadata.bin": "x", "ligan/quota.json": "{}", "impact-pm/versioning.xml": "<x/>"})
    assert bundle.bucket_names(export) == ["impact-pm", "ligan"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/", "a/../../b", ""])
def test_an_object_name_never_leaves_the_stage(name):
    with pytest.raises(bundle.BundleError, match="leave the stage"):
        bundle._safe_name(name)  # pylint: disable=protected-access


def test_an_ordinary_object_name_stays_inside():
    assert bundle._safe_name("collaborators//chu-liege.json") == "collaborators/chu-liege.json"  # noqa  pylint: disable=protected-access


def test_a_file_read_back_must_be_the_one_staged():
    manifest = {"format": 1, "files": {"iam.zip": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}}
    assert bundle.verify_staged(manifest, "iam.zip", b"abc") == b"abc"
    with pytest.raises(bundle.BundleError, match="differs"):
        bundle.verify_staged(manifest, "iam.zip", b"abd")
    with pytest.raises(bundle.BundleError, match="not in the backup's manifest"):
        bundle.verify_staged(manifest, "buckets.zip", b"abc")


def test_read_manifest_refuses_other_formats():
    assert bundle.read_manifest(json.dumps({"format": 1, "files": {}}))["format"] == 1
    for data in ("[]", json.dumps({"format": 2}), "not json"):
        with pytest.raises(bundle.BundleError):
            bundle.read_manifest(data)


def test_the_stage_is_emptied_and_root_only(tmp_path):
    stage = tmp_path / "stage"
    bundle.write_staged(str(tmp_path / "stage"), "records/a.json", b"{}")
    bundle.reset_stage(str(stage))
    assert list(stage.iterdir()) == [] and (stage.stat().st_mode & 0o777) == 0o700
    path = bundle.write_staged(str(stage), "iam.zip", b"secret")
    assert (tmp_path / "stage" / "iam.zip").stat().st_mode & 0o777 == 0o600 and path.endswith("iam.zip")


SNAPSHOTS = [{"id": "aa11" + "0" * 60, "short_id": "aa110000", "time": "2026-12-04T01:30:00Z"},
             {"id": "bb22" + "0" * 60, "short_id": "bb220000", "time": "2026-12-05T01:30:00Z"},
             {"id": "cc33" + "0" * 60, "short_id": "cc330000", "time": "2026-12-03T01:30:00Z"}]


def test_pick_snapshot_takes_the_newest_or_the_one_named():
    assert restore.pick_snapshot(SNAPSHOTS)["short_id"] == "bb220000"
    assert restore.pick_snapshot(SNAPSHOTS, "cc330000")["id"].startswith("cc33")
    assert restore.pick_snapshot(SNAPSHOTS, "aa11")["id"].startswith("aa11")
    with pytest.raises(restore.RestoreError, match="no snapshot dd"):
        restore.pick_snapshot(SNAPSHOTS, "dd")
    with pytest.raises(restore.RestoreError, match="holds no s3share snapshot"):
        restore.pick_snapshot([])


def test_the_newest_snapshot_is_the_latest_in_time_whatever_the_offset_restic_wrote():
    # restic writes the backup host's offset: 02:00+01:00 is 01:00Z, before 01:30Z.
    snaps = [{"id": "aa" + "0" * 62, "time": "2026-10-25T02:00:00.123456789+01:00"},
             {"id": "bb" + "0" * 62, "time": "2026-10-25T01:30:00Z"},
             {"id": "cc" + "0" * 62, "time": "2026-10-25T02:45:10.5+02:00"}]
    assert restore.pick_snapshot(snaps)["id"].startswith("bb")
    with pytest.raises(restore.RestoreError, match="names 3 snapshots"):
        restore.pick_snapshot([dict(snap, id="d" + snap["id"]) for snap in snaps], "d")
    with pytest.raises(restore.RestoreError, match="a time restic does not write"):
        restore.pick_snapshot([{"id": "ee", "time": "yesterday"}])


def test_a_password_in_a_repository_url_is_never_shown():
    assert restore.redact_repository("rest:https://backup:s3cr3t@vault.lab:8000/nectar") == \
        "rest:https://***@vault.lab:8000/nectar"
    assert restore.redact_repository("s3:https://vault.lab/backups/nectar") == "s3:https://vault.lab/backups/nectar"
    assert restore.redact_repository("/mnt/lab-nfs/s3share-backup/nectar") == "/mnt/lab-nfs/s3share-backup/nectar"


def test_metrics_say_the_last_run_and_the_last_success():
    text = job.render_metrics({"last_run": 200.0, "last_run_ok": False, "last_success": 100.0,
                               "restore_check_ok": False, "added_bytes": 5, "duration": 1.5})
    assert "s3share_backup_last_run_success 0\n" in text
    assert "s3share_backup_last_success_timestamp_seconds 100.0\n" in text
    assert "s3share_backup_restore_check_success 0\n" in text
    assert "# TYPE s3share_backup_last_added_bytes gauge" in text
    # Never run: every figure is there, at 0 (BackupStale fires on a host that never backed up).
    assert "s3share_backup_last_success_timestamp_seconds 0\n" in job.render_metrics({})


def test_read_settings_names_what_is_missing(tmp_path):
    path = tmp_path / "backup.json"
    path.write_text(json.dumps({"repository": "/mnt/nfs/r", "password_file": "/p", "stage_dir": "/s"}))
    with pytest.raises(ValueError, match="has no paths"):
        job.read_settings(str(path))
    with pytest.raises(ValueError, match="cannot read"):
        job.read_settings(str(tmp_path / "missing.json"))


class Runner:
    """Records restic's command lines and environments (what a local account could see in /proc)."""

    def __init__(self):
        self.calls = []

    def __call__(self, argv, env=None, **_kwargs):
        self.calls.append((argv, env))

        class Done:
            returncode = 0
            stdout = b'{"message_type":"summary","snapshot_id":"ab"}\n'
            stderr = b""
        return Done()


def test_restic_gets_its_secrets_from_a_file_and_the_environment_never_the_command_line():
    runner = Runner()
    repo = restic.Restic("s3:https://vault:9000/backups/nectar", "/etc/s3share-backup/restic-password",
                         {"AWS_SECRET_ACCESS_KEY": "vault-secret-xyz"}, runner=runner)
    assert repo.backup(["/var/lib/s3share-backup/stage"], "nectar")["snapshot_id"] == "ab"
    argv, env = runner.calls[0]
    assert argv[:2] == ["/usr/bin/restic", "--json"] and argv[-2:] == ["--", "/var/lib/s3share-backup/stage"]
    assert not any("vault-secret-xyz" in arg for arg in argv)
    assert env["AWS_SECRET_ACCESS_KEY"] == "vault-secret-xyz"
    assert env["RESTIC_PASSWORD_FILE"] == "/etc/s3share-backup/restic-password" and "RESTIC_PASSWORD" not in env


def test_a_local_repository_on_a_missing_mount_is_not_created(tmp_path):
    repo = restic.Restic(str(tmp_path / "not-mounted" / "nectar"), "/p", runner=Runner())
    with pytest.raises(restic.ResticError, match="not reachable"):
        repo.init()
    assert not (tmp_path / "not-mounted").exists()
    assert restic.is_local("/mnt/nfs/x") and not restic.is_local("sftp:u@h:/x")


@pytest.mark.skipif(shutil.which("restic") is None, reason="the real restic (scripts/test.sh installs it)")
def test_restic_s_last_words_are_in_the_error(tmp_path):
    (tmp_path / "password").write_text("a password of the test")
    repo = restic.Restic(str(tmp_path / "no-repository"), str(tmp_path / "password"), binary=shutil.which("restic"),
                         cache_dir=str(tmp_path / "cache"))
    assert not repo.exists()
    with pytest.raises(restic.ResticError, match=r"restic --json failed \(exit 1\): .*config"):
        repo.snapshots()
    repo.init()
    assert repo.exists() and repo.snapshots() == []
