# -*- coding: utf-8 -*-
"""Ordinary S3 clients still work on the patched server: mc, boto3, awscli and rclone, on the one session server.

The patch of CVE-2026-41145 changes how an upload with an unsigned streaming trailer is authorised; boto3 and
awscli send exactly that (STREAMING-UNSIGNED-PAYLOAD-TRAILER over HTTPS) and mc mirror --checksum sends trailing
checksums, so each upload is read back and compared byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minio_testbed import REPO

# scripts/lib.sh's EGID_CACHE.
CACHE = Path(os.environ.get("EGID_S3SHARE_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "egid-s3share")

REGION = "us-east-1"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def account(server):
    """A bucket and an ordinary read-write account on it."""
    s3, admin = server.clients()
    tag = secrets.token_hex(4)
    bucket = "clients-" + tag
    s3.make_bucket(bucket)
    access, secret = "clients-" + tag, "Cl1ents-" + secrets.token_hex(8)
    admin.user_add(access, secret)
    admin.policy_add("clients-rw-" + tag, policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
         "Resource": ["arn:aws:s3:::" + bucket]},
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                                       "s3:ListMultipartUploadParts"],
         "Resource": ["arn:aws:s3:::%s/*" % bucket]}]})
    admin.attach_policy(["clients-rw-" + tag], user=access)
    return {"bucket": bucket, "access": access, "secret": secret, "root": s3}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small tree and one 11 MiB file (three parts for every multipart client)."""
    base = tmp_path_factory.mktemp("clients")
    tree = base / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_bytes(b"alpha\n" * 10)
    (tree / "sub" / "b.bin").write_bytes(secrets.token_bytes(300 * 1024))
    (tree / "empty").write_bytes(b"")
    big = base / "big.bin"
    big.write_bytes(secrets.token_bytes(11 * MiB))
    return {"tree": tree, "big": big, "base": base}


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _read(account, key):
    response = account["root"].get_object(account["bucket"], key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _assert_tree(account, prefix, tree):
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        key = prefix + path.relative_to(tree).as_posix()
        assert _digest(_read(account, key)) == _digest(path.read_bytes()), key


def _boto3(server, account, checksum="when_supported"):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=account["access"],
                        aws_secret_access_key=account["secret"], region_name=REGION, verify=server.ca_path,
                        config=Config(s3={"addressing_style": "path"}, request_checksum_calculation=checksum))


def test_mc_cp_mirror_and_mirror_checksum(server, account, files, mc):
    mc.alias("t", server, account["access"], account["secret"])
    target = "t/%s/" % account["bucket"]
    proc = mc("cp", str(files["big"]), target + "mc/cp/big.bin")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _digest(_read(account, "mc/cp/big.bin")) == _digest(files["big"].read_bytes())
    proc = mc("mirror", str(files["tree"]), target + "mc/mirror")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _assert_tree(account, "mc/mirror/", files["tree"])
    # Trailing checksums (the x-amz-trailer path that the patch touches).
    proc = mc("mirror", "--checksum", "CRC32C", str(files["tree"]), target + "mc/mirror-crc")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _assert_tree(account, "mc/mirror-crc/", files["tree"])
    stat = account["root"].stat_object(account["bucket"], "mc/mirror-crc/a.txt")
    assert stat.size == 60


def test_boto3_single_and_multipart_uploads_with_unsigned_trailers(server, account, files):
    from boto3.s3.transfer import TransferConfig
    client = _boto3(server, account)
    sent = []
    client.meta.events.register("before-send.s3.*", lambda request, **_: sent.append(
        (request.url.split("?")[0].rsplit("/", 1)[-1], request.headers.get("x-amz-content-sha256", b"").decode())))
    client.put_object(Bucket=account["bucket"], Key="boto3/single.txt", Body=b"single\n")
    assert _read(account, "boto3/single.txt") == b"single\n"
    client.upload_file(str(files["big"]), account["bucket"], "boto3/multi.bin",
                       Config=TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2))
    assert _digest(_read(account, "boto3/multi.bin")) == _digest(files["big"].read_bytes())
    parts = client.head_object(Bucket=account["bucket"], Key="boto3/multi.bin", PartNumber=1)
    assert parts["PartsCount"] == 3
    # The uploads really went through the unsigned-trailer code path (boto3's default over HTTPS).
    trailer = [name for name, value in sent if value == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"]
    assert "single.txt" in trailer and trailer.count("multi.bin") >= 3, sent
    # And without checksums (plain UNSIGNED-PAYLOAD), as older SDKs send.
    _boto3(server, account, "when_required").put_object(Bucket=account["bucket"], Key="boto3/plain.txt", Body=b"p\n")
    assert _read(account, "boto3/plain.txt") == b"p\n"


@pytest.fixture(scope="module")
def aws_cli():
    """awscli (v1, from PyPI) in its own cached venv: its botocore pin must not move the project's boto3."""
    venv = CACHE / "awscli-venv"
    aws = venv / "bin" / "aws"
    if not aws.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "awscli>=1.36,<2.0"], check=True)
    return str(aws)


def test_awscli_cp_single_and_multipart(server, account, files, aws_cli):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=account["access"], AWS_SECRET_ACCESS_KEY=account["secret"],
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    base = [aws_cli, "--endpoint-url", server.endpoint, "--ca-bundle", server.ca_path, "s3"]
    for source, key in ((files["tree"] / "a.txt", "awscli/a.txt"), (files["big"], "awscli/big.bin")):
        proc = subprocess.run(base + ["cp", str(source), "s3://%s/%s" % (account["bucket"], key)], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert _digest(_read(account, key)) == _digest(source.read_bytes()), key
    back = files["base"] / "awscli-back.bin"
    proc = subprocess.run(base + ["cp", "s3://%s/awscli/big.bin" % account["bucket"], str(back)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _digest(back.read_bytes()) == _digest(files["big"].read_bytes())


@pytest.fixture(scope="module")
def rclone():
    if not shutil.which("rclone"):
        subprocess.run(["bash", "-c", '. "$1/scripts/lib.sh" && apt_install rclone', "-", str(REPO)], check=True,
                       stdout=sys.stderr)
    return shutil.which("rclone")


def test_rclone_copy_and_check(server, account, files, rclone):
    env = dict(os.environ, RCLONE_CONFIG="/dev/null", RCLONE_CONFIG_T_TYPE="s3", RCLONE_CONFIG_T_PROVIDER="Minio",
               RCLONE_CONFIG_T_ACCESS_KEY_ID=account["access"], RCLONE_CONFIG_T_SECRET_ACCESS_KEY=account["secret"],
               RCLONE_CONFIG_T_ENDPOINT=server.endpoint, RCLONE_CONFIG_T_REGION=REGION)
    # The AWS SDK inside rclone would load AWS_CA_BUNDLE itself and refuse rclone's transport; --ca-cert says it.
    env.pop("AWS_CA_BUNDLE", None)
    common = ["--ca-cert", server.ca_path, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"]
    tree = files["base"] / "rclone-tree"
    shutil.copytree(files["tree"], tree)
    shutil.copy(files["big"], tree / "big.bin")  # multipart too
    for verb in ("copy", "check"):
        proc = subprocess.run([rclone, verb] + common + [str(tree), "t:%s/rclone" % account["bucket"]],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    _assert_tree(account, "rclone/", tree)
