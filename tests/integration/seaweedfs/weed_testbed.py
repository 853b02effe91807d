# -*- coding: utf-8 -*-
"""Test bed: one real SeaweedFS server (`weed server` with the S3 gateway and its IAM API) on loopback.

The binary is WEED_BIN, built from the pinned source by the minio_artifacts role:
    eval "$(scripts/artifacts.sh weed)"; export WEED_BIN
Without it the tests are skipped. The S3 port speaks TLS with a certificate from a
throw-away CA made here; every client verifies it.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REGION = "us-east-1"
BUILD_HINT = 'eval "$(scripts/artifacts.sh weed)"; export WEED_BIN'


# --------------------------------------------------------------------------- PKI
def write_tls_files(base):
    """A CA valid for a day and a server certificate for 127.0.0.1 and localhost that it signed.

    Returns the paths {"ca", "cert", "key"} (PEM) under base.
    """
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "s3share weed test CA")])
    ca_cert = (x509.CertificateBuilder()
               .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=True, crl_sign=True, encipher_only=False,
                                            decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
                   .issuer_name(ca_name).public_key(server_key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.SubjectAlternativeName([
                       x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    paths = {"ca": base / "ca.crt", "cert": base / "server.crt", "key": base / "server.key"}
    paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return {name: str(path) for name, path in paths.items()}


# --------------------------------------------------------------------------- server
def _free_ports(count):
    """count distinct loopback ports that were free a moment ago (kept open together so none repeats)."""
    sockets = []
    try:
        for _index in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class WeedServer:
    """`weed server` with master, volume, filer and the S3 gateway (TLS, IAM API writable) in one process."""

    def __init__(self, binary, workdir, tls):
        self.binary = binary
        self.workdir = Path(workdir)
        self.tls = tls
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
                "-master.volumeSizeLimitMB=64", "-volume.max=16",
                "-volume.port=%d" % ports["volume"], "-volume.port.grpc=%d" % ports["volume_grpc"],
                # Its default 10 s pause before stopping only helps a cluster's clients move on.
                "-volume.preStopSeconds=1",
                "-filer.port=%d" % ports["filer"], "-filer.port.grpc=%d" % ports["filer_grpc"],
                "-s3", "-s3.port=%d" % ports["s3"], "-s3.port.grpc=%d" % ports["s3_grpc"],
                "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-s3.cert.file=%s" % self.tls["cert"], "-s3.key.file=%s" % self.tls["key"],
                "-s3.config=%s" % self._write_s3_config(), "-s3.iam.readOnly=false"]

    def start(self, timeout=120):
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        self.ports = dict(zip(names, _free_ports(len(names))))
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

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
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
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, verify=self.tls["ca"],
                            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}, **config))

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
    server = WeedServer(weed_bin, workdir, write_tls_files(workdir / "tls")).start()
    yield server
    server.stop()
