# -*- coding: utf-8 -*-
"""Test bed: one real SeaweedFS server (`weed server` with the S3 gateway and its IAM API) on loopback.

The binary is WEED_BIN, built from the pinned source by the minio_artifacts role:
    eval "$(scripts/artifacts.sh weed)"; export WEED_BIN
Without it the tests are skipped. The S3 port speaks TLS with a certificate from a
throw-away CA made here; every client verifies it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.config import Config
from botocore.exceptions import ClientError
from testbed_common import free_ports, make_pki

REGION = "us-east-1"
BUILD_HINT = 'eval "$(scripts/artifacts.sh weed)"; export WEED_BIN'


# --------------------------------------------------------------------------- helpers
def readable(client, bucket, key, want, timeout=15.0):
    """Whether client can read key, waiting up to timeout for the answer to become want.

    IAM changes reach the S3 gateway through the filer, a moment later.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.get_object(Bucket=bucket, Key=key)["Body"].read()
            now = True
        except ClientError:
            now = False
        if now == want or time.monotonic() > deadline:
            return now
        time.sleep(0.3)


# --------------------------------------------------------------------------- server
class WeedServer:
    """`weed server` with master, volume, filer and the S3 gateway (TLS, IAM API writable) in one process."""

    def __init__(self, binary, workdir, pki, self_service_grant=True):
        self.binary = binary
        # -s3.iam.selfServiceRequiresGrant: without it every identity may make access keys for itself
        # (docs/seaweedfs.md); the role will always set it, and so does the session's server.
        self.self_service_grant = self_service_grant
        self.workdir = Path(workdir)
        self.pki = pki
        self.ca_path = pki["ca_path"]
        self.admin_key = "ADMIN" + secrets.token_hex(8).upper()
        self.admin_secret = secrets.token_urlsafe(30)
        self.proc = None
        self.ports = {}
        self.log_path = self.workdir / "weed.log"

    @property
    def endpoint(self):
        return "https://127.0.0.1:%d" % self.ports["s3"]

    def _write_s3_config(self):
        # The -s3.config file: one admin identity. Users made through the IAM API live in the filer.
        config = {"identities": [{"name": "s3share-admin",
                                  "credentials": [{"accessKey": self.admin_key, "secretKey": self.admin_secret}],
                                  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
        path = self.workdir / "s3.json"
        path.write_text(json.dumps(config, indent=2))
        path.chmod(0o600)
        return path

    def command(self):
        ports = self.ports
        return [self.binary, "-logtostderr=true", "server",
                "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir=%s" % (self.workdir / "data"),
                "-master.port=%d" % ports["master"], "-master.port.grpc=%d" % ports["master_grpc"],
                # Each bucket is a collection with volumes of its own (several are grown at its first
                # write): 16 ran out ("No writable volumes and no free volumes left") once the
                # minio-py suite had made its buckets after the other tests'. Volumes grow on demand.
                "-master.volumeSizeLimitMB=64", "-volume.max=256",
                "-volume.port=%d" % ports["volume"], "-volume.port.grpc=%d" % ports["volume_grpc"],
                # Its default 10 s pause before stopping only helps a cluster's clients move on.
                "-volume.preStopSeconds=1",
                "-filer.port=%d" % ports["filer"], "-filer.port.grpc=%d" % ports["filer_grpc"],
                "-s3", "-s3.port=%d" % ports["s3"], "-s3.port.grpc=%d" % ports["s3_grpc"],
                "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-s3.cert.file=%s" % self.pki["cert"], "-s3.key.file=%s" % self.pki["key"],
                "-s3.config=%s" % self._write_s3_config(), "-s3.iam.readOnly=false",
                "-s3.iam.selfServiceRequiresGrant=%s" % str(self.self_service_grant).lower()]

    def start(self, timeout=120):
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        self.ports = dict(zip(names, free_ports(len(names))))
        with open(self.log_path, "ab") as log:
            # pylint: disable-next=consider-using-with
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        s3 = self.client("s3", self.admin_key, self.admin_secret)
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("weed server exited with %s:\n%s" % (self.proc.returncode, self.log_tail()))
            try:
                # Ready when the gateway authenticates the admin and the filer answers.
                s3.list_buckets()
                return self
            except Exception as exc:  # pylint: disable=broad-exception-caught
                last = exc
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("weed server not ready in %d s (last error: %r):\n%s" % (timeout, last, self.log_tail()))

    def kill(self):
        """Stop at once (SIGKILL), for a server whose data nobody reads again."""
        self.stop(signal.SIGKILL)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        # The Unix sockets it made for its own gRPC and S3 traffic, named by our ports.
        for port in self.ports.values():
            for sock in Path("/tmp").glob("seaweedfs-*-%d.sock" % port):
                sock.unlink(missing_ok=True)

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def client(self, service, access_key, secret_key, **config):
        """A boto3 client of the gateway (S3, or the IAM API on the same port), verifying the test CA."""
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, verify=self.ca_path,
                            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}, **config))

    def iam_action(self, access_key, secret_key, action, **params):
        """One SigV4-signed IAM API call by hand, for what boto3 cannot send (SeaweedFS's CreateServiceAccount,
        CreateAccessKey with a caller-supplied key, SetUserStatus). Returns (status, parsed XML root).
        """
        body = urllib.parse.urlencode(dict(params, Action=action, Version="2010-05-08"))
        request = AWSRequest(method="POST", url=self.endpoint + "/", data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials(access_key, secret_key), "iam", REGION).add_auth(request)
        response = requests.post(request.url, data=body, headers=dict(request.headers.items()), verify=self.ca_path,
                                 timeout=30)
        return response.status_code, ET.fromstring(response.content)

    def admin(self, service="s3"):
        return self.client(service, self.admin_key, self.admin_secret)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def weed_bin():
    path = os.environ.get("WEED_BIN")
    if not path:
        pytest.skip("WEED_BIN is not set: build the pinned SeaweedFS first with: " + BUILD_HINT)
    assert os.access(path, os.X_OK), "WEED_BIN=%s is not an executable" % path
    return path


@pytest.fixture(scope="session")
def weed(weed_bin, tmp_path_factory):
    """The one SeaweedFS server of the test session."""
    workdir = tmp_path_factory.mktemp("weed")
    server = WeedServer(weed_bin, workdir, make_pki(workdir / "tls")).start()
    yield server
    server.stop()
