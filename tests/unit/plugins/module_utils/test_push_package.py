# -*- coding: utf-8 -*-
"""The decisions of s3share-push that need no server: signature, part sizes, manifest, walk, account, progress."""

from __future__ import annotations

import ast
import datetime
import io
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._push import cli, credentials, plan, progress, sigv4, walk

PACKAGE = Path(__file__).resolve().parents[4] / "plugins" / "module_utils" / "_push"


def test_the_package_imports_no_ansible_and_only_itself_relatively():
    # The role copies the package on its own (s3share_push): an absolute import of the collection would break it.
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] in ("ansible", "ansible_collections") for a in node.names), path
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module.split(".")[0] not in ("ansible", "ansible_collections"), (path, node.module)


def test_the_signature_is_the_one_botocore_computes():
    pytest.importorskip("botocore")
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    query = {"partNumber": "3", "uploadId": "a b+c/="}
    path = "/ligan/" + sigv4.quote("results/chu liège/D1834.tar", safe="-_.~/")
    headers = {"x-amz-checksum-sha256": "abc=", "x-amz-meta-s3share-part-size": "16777216"}
    request = AWSRequest(method="PUT", url="https://nectar:9000%s?%s" % (path, sigv4.canonical_query(query)),
                         headers=dict(headers, **{"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}))
    from botocore.config import Config
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})  # UNSIGNED-PAYLOAD, as ours
    S3SigV4Auth(Credentials("AKID", "secret/key+1"), "s3", "us-east-1").add_auth(request)
    theirs = request.headers["Authorization"]
    # Signed at botocore's own instant.
    now = datetime.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)
    ours = sigv4.Signer("AKID", "secret/key+1", "us-east-1").sign("PUT", "nectar:9000", path, query, headers, now=now)
    assert ours["authorization"].split("Signature=")[1] == theirs.split("Signature=")[1], (ours, theirs)


@pytest.mark.parametrize("size, parts", [(1, 1), (16 * plan.MiB, 1), (16 * plan.MiB + 1, 2), (2 << 30, 128),
                                         (112 << 30, 1792), (5 << 40, 1280)])
def test_a_part_size_keeps_every_file_far_under_10000_parts(size, parts):
    psize = plan.part_size(size)
    assert plan.part_count(size, psize) == parts
    assert psize % plan.MiB == 0 and plan.MIN_PART <= psize <= plan.MAX_PART


def test_a_file_too_large_for_s3_is_refused():
    with pytest.raises(plan.PlanError):
        plan.part_size(60 << 40)


def test_the_manifest_is_what_sha256sum_reads_even_for_odd_names(tmp_path):
    import hashlib
    names = ["plain.txt", "with space.vcf", "back\\slash", "new\nline", "accents é.bam"]
    lines = []
    for name in names:
        data = name.encode("utf-8") * 3
        (tmp_path / name).write_bytes(data)
        lines.append(cli.manifest_line(name, hashlib.sha256(data).hexdigest()))
    (tmp_path / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    check = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=str(tmp_path), capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    (tmp_path / "plain.txt").write_text("other")
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=str(tmp_path), capture_output=True,
                          check=False).returncode == 1


def test_the_walk_yields_regular_files_only_and_leaves_the_manifest_to_the_push(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text("x")
    (tmp_path / "top.txt").write_text("t")
    (tmp_path / "SHA256SUMS").write_text("old")
    (tmp_path / "a" / "SHA256SUMS").write_text("a file of the results")
    os.symlink("/etc/passwd", tmp_path / "link")
    os.symlink(str(tmp_path), tmp_path / "a" / "loop")
    ignored = []
    found = sorted(e.relpath for e in walk.walk(str(tmp_path), on_ignored=ignored.append))
    assert found == ["a/SHA256SUMS", "a/b/x.txt", "top.txt"]
    assert sorted(ignored) == ["SHA256SUMS", "a/loop", "link"]
    assert not isinstance(walk.walk(str(tmp_path)), list)


def test_the_account_comes_from_an_mc_alias_or_the_aws_variables(tmp_path):
    mc_dir = tmp_path / ".mc"
    (mc_dir / "certs" / "CAs").mkdir(parents=True)
    (mc_dir / "certs" / "CAs" / "lab.crt").write_text("x")
    (mc_dir / "config.json").write_text(json.dumps({"version": "10", "aliases": {
        "nectar": {"url": "https://nectar.example:9000", "accessKey": "sgressier-s3", "secretKey": "s3cr3t",
                   "api": "S3v4", "path": "auto"}}}))
    account, bucket, prefix = credentials.resolve("nectar/ligan/results/chu-liege", config_dir=str(mc_dir),
                                                  environ={})
    assert (account.endpoint, account.access_key, bucket, prefix) == \
        ("https://nectar.example:9000", "sgressier-s3", "ligan", "results/chu-liege/")
    assert account.ca_files == [str(mc_dir / "certs" / "CAs" / "lab.crt")]
    assert "s3cr3t" not in repr(account)
    env = {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": "https://s3.lab:9000"}
    account, bucket, prefix = credentials.resolve("ligan/results/x/", config_dir=str(mc_dir), environ=env)
    wanted = ("https://s3.lab:9000", "ligan", "results/x/", "AWS_* variables")
    assert (account.endpoint, bucket, prefix, account.source) == wanted
    with pytest.raises(credentials.CredentialsError, match="AWS_ENDPOINT_URL"):
        credentials.resolve("ligan/results", config_dir=str(mc_dir),
                            environ={"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"})
    with pytest.raises(credentials.CredentialsError, match="bucket"):
        credentials.resolve("nectar/Not_A_Bucket/x", config_dir=str(mc_dir), environ={})
    with pytest.raises(credentials.CredentialsError, match=r"\.\."):
        credentials.resolve("nectar/ligan/results/../other", config_dir=str(mc_dir), environ={})


def test_json_progress_lines_come_at_a_steady_interval_then_the_summary():
    counters = progress.Counters()
    out = io.StringIO()
    reporter = progress.Reporter(counters, json_lines=True, interval=0.05, out=out, err=io.StringIO()).start()
    entry = walk.Entry("/x", "x", os.stat(__file__))
    counters.seen(entry)
    counters.add_sent(entry.size)
    counters.done(entry, "sent")
    time.sleep(0.3)
    counters.walk_done = True
    reporter.stop(dict(counters.summary(), exit_code=0))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["event"] for line in lines[:-1]] == ["progress"] * (len(lines) - 1) and len(lines) >= 4
    assert lines[-1]["event"] == "summary" and lines[-1]["sent_files"] == 1 and lines[-1]["sent_bytes"] == entry.size
    assert "1 files sent" in progress.human(lines[-1])


def test_usage_errors_have_their_exit_code(tmp_path):
    err = io.StringIO()
    assert cli.run([str(tmp_path / "missing"), "ligan/results/x"], out=io.StringIO(), err=err) == cli.USAGE
    assert "is not a directory" in err.getvalue()
    env = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("AWS_")}
    try:
        assert cli.run([str(tmp_path), "ligan/results/x", "--mc-config-dir", str(tmp_path)], out=io.StringIO(),
                       err=io.StringIO()) == cli.NO_ACCOUNT
    finally:
        os.environ.update(env)
