# -*- coding: utf-8 -*-
"""s3share-push against the session's real MinIO (TLS, the test CA), as a bioinformatician runs it.

The command runs through the launcher roles/mc_client installs (its template,
rendered here), as a user with an account of his own (readwrite, not root),
read from an mc alias written by the real mc. What it published is downloaded
with boto3, an independent client, and checked with the real sha256sum -c.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import jinja2
import pytest

from minio_testbed import REPO, Mc

from ansible_collections.egid.s3share.plugins.module_utils._push import cli, plan
from ansible_collections.egid.s3share.plugins.module_utils._push import state as push_state
from ansible_collections.egid.s3share.plugins.module_utils._push.credentials import Account
from ansible_collections.egid.s3share.plugins.module_utils._push.progress import Counters
from ansible_collections.egid.s3share.plugins.module_utils._push.s3 import Client, S3Error
from ansible_collections.egid.s3share.plugins.module_utils._push.upload import Pusher
from ansible_collections.egid.s3share.plugins.module_utils._push.walk import Entry

MiB = 1024 * 1024
PART = 5 * MiB


@pytest.fixture(scope="module")
def bed(server_nokms, binaries, pki, tmp_path_factory):
    """A bucket, a user with his own readwrite account and an mc alias 'nectar' for it; the launcher."""
    server = server_nokms  # the session's server without KMS: the restart test starts it again as it was
    work = tmp_path_factory.mktemp("push")
    s3, admin = server.clients()
    bucket = "push-" + secrets.token_hex(3)
    s3.make_bucket(bucket)
    user, secret = "bioinfo-" + secrets.token_hex(3), secrets.token_urlsafe(24)
    admin.user_add(user, secret)
    admin.attach_policy(["readwrite"], user=user)
    mc = Mc(binaries["mc"], work / "mc", pki["ca_path"])
    mc.alias("nectar", server, user, secret)
    # The launcher exactly as the role writes it, on a copy of the package named as installed.
    lib = work / "lib"
    lib.mkdir()
    (lib / "s3share_push").symlink_to(REPO / "plugins" / "module_utils" / "_push")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["to_json"] = json.dumps
    template = (REPO / "roles" / "mc_client" / "templates" / "usr" / "local" / "bin" / "s3share-push.j2").read_text()
    launcher = work / "s3share-push"
    launcher.write_text(env.from_string(template).render(_mc_client_push_python=sys.executable,
                                                         _mc_client_push_lib=str(lib)))
    launcher.chmod(0o755)
    import boto3
    from botocore.config import Config
    other = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=user, aws_secret_access_key=secret,
                         region_name="us-east-1", verify=server.ca_path,
                         config=Config(retries={"max_attempts": 2}))
    account = Account(server.endpoint, user, secret, ca_files=[server.ca_path])
    return {"work": work, "bucket": bucket, "mc_dir": str(mc.config_dir), "launcher": str(launcher),
            "boto": other, "account": account, "server": server}


def _tree(root, big=0, small=0, small_size=4096):
    root.mkdir(parents=True)
    if big:
        with open(root / "D1834.tar", "wb") as handle:
            for dummy in range(big // MiB):
                handle.write(os.urandom(MiB))
    for index in range(small):
        path = root / ("sample%03d" % (index % 7)) / ("reads%04d.txt" % index)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(small_size))
    (root / "logs").mkdir(exist_ok=True)
    (root / "logs" / "run.log").write_text("done\n")
    return root


def _argv(bed, source, prefix, *extra):
    return [bed["launcher"], str(source), "nectar/%s/%s" % (bed["bucket"], prefix), "--mc-config-dir", bed["mc_dir"],
            "--state-dir", str(bed["work"] / "state"), "--min-part-size", str(PART // MiB), "--json"] + list(extra)


def _push(bed, source, prefix, *extra, timeout=120):
    proc = subprocess.run(_argv(bed, source, prefix, *extra), capture_output=True, text=True, timeout=timeout,
                          check=False, env=dict(os.environ, HOME=str(bed["work"])))
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert lines and lines[-1]["event"] == "summary", proc.stdout + proc.stderr
    return proc.returncode, lines[-1], lines


def _download_and_check(bed, prefix, into):
    """Download every object of prefix with boto3 and run sha256sum -c on SHA256SUMS: the collaborator's check."""
    paginator = bed["boto"].get_paginator("list_objects_v2")
    keys = [o["Key"] for page in paginator.paginate(Bucket=bed["bucket"], Prefix=prefix + "/")
            for o in page.get("Contents", [])]
    for key in keys:
        path = into / key[len(prefix) + 1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        bed["boto"].download_file(bed["bucket"], key, str(path))
    check = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=str(into), capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = (into / "SHA256SUMS").read_text().splitlines()
    assert len(listed) == len(keys) - 1, (listed, keys)
    return keys


def _uploads(bed, key):
    return bed["boto"].list_multipart_uploads(Bucket=bed["bucket"], Prefix=key).get("Uploads", [])


def _in_process(bed, source, prefix, hook, *extra):
    """cli.run in this process with a part hook (the tests' seam into the bytes sent)."""
    out = __import__("io").StringIO()
    argv = [str(source), "%s/%s" % (bed["bucket"], prefix), "--state-dir", str(bed["work"] / "state"),
            "--min-part-size", str(PART // MiB), "--json"] + list(extra)
    old = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL",
                                          "AWS_CA_BUNDLE", "MC_CONFIG_DIR")}
    os.environ.update({"AWS_ACCESS_KEY_ID": bed["account"].access_key,
                       "AWS_SECRET_ACCESS_KEY": bed["account"].secret_key,
                       "AWS_ENDPOINT_URL": bed["account"].endpoint, "AWS_CA_BUNDLE": bed["server"].ca_path,
                       "MC_CONFIG_DIR": str(bed["work"] / "no-mc")})
    try:
        code = cli.run(argv, out=out, err=out, part_hook=hook)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return code, json.loads(out.getvalue().splitlines()[-1])


# =========================================================================== tests
def test_push_download_verify_then_nothing_to_send(bed, tmp_path):
    source = _tree(tmp_path / "results", big=24 * MiB, small=120)
    code, summary, lines = _push(bed, source, "results/p1")
    assert code == 0, summary
    assert summary["sent_files"] == 122 and summary["failed"] == 0 and summary["manifest"] == "results/p1/SHA256SUMS"
    assert summary["budget_peak_bytes"] <= 64 * MiB
    # The big file went in parts, each checked by the server: its checksum is the composite one.
    head = bed["boto"].head_object(Bucket=bed["bucket"], Key="results/p1/D1834.tar", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"].endswith("-%d" % plan.part_count(24 * MiB, PART)), head
    assert head["Metadata"]["s3share-part-size"] == str(PART)
    _download_and_check(bed, "results/p1", tmp_path / "download")

    # Nothing changed: the second run sends nothing and reads no file again (only the manifest it wrote,
    # to compare it with the one on the server).
    code, again, dummy = _push(bed, source, "results/p1")
    assert code == 0, again
    manifest_size = (tmp_path / "download" / "SHA256SUMS").stat().st_size
    assert (again["sent_bytes"], again["sent_files"], again["skipped_files"], again["reread_bytes"]) == \
        (0, 0, 122, manifest_size), again

    # Without the state (another machine): the files are read again and compared, still nothing is sent.
    code, other, dummy = _push(bed, source, "results/p1", "--state-dir", str(tmp_path / "elsewhere"))
    assert code == 0 and other["sent_bytes"] == 0 and other["verified_files"] == 122, other

    # A file whose content changed under the same size is sent again (the checksum, not the name and size).
    target = source / "sample001" / "reads0001.txt"
    target.write_bytes(os.urandom(4096))
    code, changed, dummy = _push(bed, source, "results/p1")
    assert code == 0 and changed["sent_files"] == 1 and changed["sent_bytes"] == 4096 + manifest_size, changed
    _download_and_check(bed, "results/p1", tmp_path / "download2")


def test_kill_midway_then_resume_sends_little(bed, tmp_path):
    size = 120 * MiB
    source = _tree(tmp_path / "results", big=size)
    proc = subprocess.Popen(_argv(bed, source, "results/p2", "--progress-interval", "0.1", "--concurrency", "2"),
                            stdout=subprocess.PIPE, text=True, env=dict(os.environ, HOME=str(bed["work"])))
    at_kill = 0
    try:
        for line in proc.stdout:
            doc = json.loads(line)
            if doc["event"] == "progress" and doc["bytes_sent"] >= size // 3:
                at_kill = doc["bytes_sent"]
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert at_kill, "the push ended before it could be killed"
    key = bed["bucket"], "results/p2/D1834.tar"
    assert len(_uploads(bed, key[1])) == 1
    code, summary, dummy = _push(bed, source, "results/p2")
    assert code == 0, summary
    # Parts the server had are not sent again: at most what was left, plus the parts in flight at the kill.
    assert summary["resumed_bytes"] >= at_kill - 2 * PART, summary
    assert summary["sent_bytes"] <= size - at_kill + 3 * PART + 4096, summary
    assert _uploads(bed, key[1]) == []
    _download_and_check(bed, "results/p2", tmp_path / "download")


def test_restart_of_minio_during_a_push_recovers(bed, tmp_path):
    server = bed["server"]
    size = 100 * MiB
    source = _tree(tmp_path / "results", big=size, small=30)
    proc = subprocess.Popen(_argv(bed, source, "results/p3", "--progress-interval", "0.1", "--concurrency", "2"),
                            stdout=subprocess.PIPE, text=True, env=dict(os.environ, HOME=str(bed["work"])))
    for line in proc.stdout:
        doc = json.loads(line)
        if doc["event"] == "progress" and doc["bytes_sent"] >= size // 4:
            break
    # The same server, stopped and started again on its port, with its data.
    args = server.proc.args
    server.proc.terminate()
    server.proc.wait(timeout=30)
    time.sleep(2)
    server.proc = subprocess.Popen(args, env=dict(os.environ, MINIO_ROOT_USER=server.access_key,
                                                  MINIO_ROOT_PASSWORD=server.secret_key, MINIO_BROWSER="off",
                                                  MINIO_UPDATE="off", MINIO_CI_CD="1"),
                                   stdout=server.log, stderr=subprocess.STDOUT)
    assert server._wait_ready(), "MinIO did not come back"
    rest = proc.stdout.read()
    proc.wait(timeout=120)
    summary = json.loads(rest.splitlines()[-1])
    assert summary["event"] == "summary"
    if proc.returncode == 0:
        assert any(n["note"].startswith("retry:") for n in summary["notes"]), summary
        _download_and_check(bed, "results/p3", tmp_path / "download")
    else:
        # Failing is allowed only clearly: a named exit code and the reason per file, and a re-run completes.
        assert proc.returncode == cli.FAILED and summary["errors"], summary
        code, again, dummy = _push(bed, source, "results/p3")
        assert code == 0, again
        _download_and_check(bed, "results/p3", tmp_path / "download")


def test_a_file_modified_while_read_is_sent_again_or_refused(bed, tmp_path):
    source = _tree(tmp_path / "results", big=30 * MiB)
    tar = source / "D1834.tar"

    def rewrite(key, number, checksum):
        if number == 2:
            with open(tar, "r+b") as handle:
                handle.seek(3)
                handle.write(os.urandom(16))
            os.utime(tar, ns=(time.time_ns(), time.time_ns()))
        return checksum

    # Changed at every read: refused, nothing published, no upload left, no manifest.
    code, summary = _in_process(bed, source, "results/p4", rewrite)
    assert code == cli.CHANGED and summary["changed"] == 1 and summary["retried_changed"] == 1, summary
    assert "changed while it was read" in summary["errors"][0]["reason"]
    assert "manifest" not in summary
    for key in ("results/p4/D1834.tar", "results/p4/SHA256SUMS"):
        with pytest.raises(Exception, match="404|Not Found"):
            bed["boto"].head_object(Bucket=bed["bucket"], Key=key)
    assert _uploads(bed, "results/p4/D1834.tar") == []

    # Changed once: read again and published as it is now, consistent with the manifest.
    calls = []

    def once(key, number, checksum):
        if not calls:
            calls.append(number)
            return rewrite(key, 2, checksum)
        return checksum

    code, summary = _in_process(bed, source, "results/p4", once)
    # (logs/run.log went in the first run: it is skipped now.)
    assert code == 0 and summary["retried_changed"] == 1, summary
    assert (summary["sent_files"], summary["skipped_files"]) == (1, 1), summary
    _download_and_check(bed, "results/p4", tmp_path / "download")


def test_a_corrupted_part_is_refused_by_the_server(bed, tmp_path):
    source = _tree(tmp_path / "results", big=20 * MiB)
    wrong = base64.b64encode(b"\0" * 32).decode()
    code, summary = _in_process(bed, source, "results/p5",
                                lambda key, number, checksum: wrong if number == 3 else checksum)
    assert code == cli.FAILED, summary
    [error] = [e for e in summary["errors"] if e["path"] == "D1834.tar"]
    assert "XAmzContentChecksumMismatch" in error["reason"] or "BadDigest" in error["reason"], error
    with pytest.raises(Exception, match="404|Not Found"):
        bed["boto"].head_object(Bucket=bed["bucket"], Key="results/p5/D1834.tar")
    # The same on a whole-object PUT (another folder: logs/run.log is already in results/p5).
    code, summary = _in_process(bed, source, "results/p5-single",
                                lambda key, number, checksum: wrong if number == 0 else checksum)
    assert code == cli.FAILED and any(e["path"] == "logs/run.log" and "Mismatch" in e["reason"]
                                      for e in summary["errors"]), summary
    # Then a clean run completes, resuming the parts the server accepted.
    code, summary = _in_process(bed, source, "results/p5", None)
    assert code == 0 and summary["resumed_bytes"] >= 2 * PART, summary
    _download_and_check(bed, "results/p5", tmp_path / "download")


def test_a_retried_complete_answering_no_such_upload_is_checked_with_head(bed, tmp_path):
    source = _tree(tmp_path / "results", big=12 * MiB)
    client = Client(bed["account"])
    state = push_state.State(str(tmp_path / "state.sqlite"))
    pusher = Pusher(client, bed["bucket"], "results/p6/", state, Counters(), min_part=PART)
    st = os.stat(source / "D1834.tar")
    entry = Entry(str(source / "D1834.tar"), "D1834.tar", st)
    try:
        assert pusher.push(entry) == "sent"
        # What a retried CompleteMultipartUpload meets after its first answer was lost: the upload is gone.
        data = (source / "D1834.tar").read_bytes()
        import hashlib
        digests = [hashlib.sha256(data[i:i + PART]).digest() for i in range(0, len(data), PART)]
        upload_id = client.create_upload(bed["bucket"], "results/p6/D1834.tar")
        parts = [(n + 1, client.upload_part(bed["bucket"], "results/p6/D1834.tar", upload_id, n + 1,
                                            data[n * PART:(n + 1) * PART], base64.b64encode(d).decode()),
                  base64.b64encode(d).decode()) for n, d in enumerate(digests)]
        client.complete_upload(bed["bucket"], "results/p6/D1834.tar", upload_id, parts)
        with pytest.raises(S3Error) as raised:
            client.complete_upload(bed["bucket"], "results/p6/D1834.tar", upload_id, parts)
        assert raised.value.code == "NoSuchUpload"
        pusher._complete(entry, "results/p6/D1834.tar", upload_id, parts, plan.composite(digests))
        assert pusher.counters.notes == [{"note": "complete_checked_by_head", "key": "results/p6/D1834.tar"}]
        # Not ours (another checksum): the NoSuchUpload stands.
        with pytest.raises(S3Error):
            pusher._complete(entry, "results/p6/D1834.tar", upload_id, parts, plan.composite(digests[:1]))
    finally:
        pusher.close()
        state.close()
        client.close()


SNAKEMAKE_REQUIREMENT = "snakemake>=9.0,<10.0"


def _snakemake():
    """Snakemake from PyPI in its own cached venv (keyed by its requirement), installed on first use: never skipped."""
    given = os.environ.get("SNAKEMAKE")
    if given:
        assert os.access(given, os.X_OK), "SNAKEMAKE=%s is not an executable" % given
        return given
    cache = Path(os.environ.get("EGID_S3SHARE_CACHE")
                 or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "egid-s3share")
    key = hashlib.sha256(SNAKEMAKE_REQUIREMENT.encode()).hexdigest()[:8]
    venv = cache / ("snakemake-venv-" + key)
    snakemake = venv / "bin" / "snakemake"
    if not snakemake.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", SNAKEMAKE_REQUIREMENT], check=True)
    return str(snakemake)


def test_a_snakemake_pipeline_publishes_its_results_in_its_last_rule(bed, tmp_path):
    snakemake = _snakemake()
    example = REPO / "docs" / "examples" / "snakemake"
    (tmp_path / "data").mkdir()
    for sample in ("S1", "S2"):
        (tmp_path / "data" / (sample + ".fastq")).write_text(
            "".join("@r%d\nACGTACGT%s\n+\nIIIIIIII\n" % (i, "A" * i) for i in range(5)))
    push = "%s --mc-config-dir %s --state-dir %s" % (bed["launcher"], bed["mc_dir"], bed["work"] / "state")
    argv = [snakemake, "--snakefile", str(example / "Snakefile"), "--configfile", str(example / "config.yaml"),
            "--directory", str(tmp_path), "--cores", "1",
            "--config", "target=nectar/%s/results/snake" % bed["bucket"], "push_command=%s" % push]
    env = dict(os.environ, HOME=str(bed["work"]))
    first = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    pushed = json.loads((tmp_path / "pushed.json").read_text())
    assert pushed["exit_code"] == 0 and pushed["sent_files"] == 3 and pushed["manifest"] == "results/snake/SHA256SUMS"
    keys = _download_and_check(bed, "results/snake", tmp_path / "download")
    assert sorted(keys) == ["results/snake/S1/counts.tsv", "results/snake/S2/counts.tsv", "results/snake/SHA256SUMS",
                            "results/snake/summary.tsv"]
    assert (tmp_path / "download" / "summary.tsv").read_text().startswith("S1\t5\t")
    # Up to date: Snakemake runs nothing, so nothing is pushed again.
    again = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr, again.stderr[-2000:]
