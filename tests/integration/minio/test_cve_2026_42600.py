# -*- coding: utf-8 -*-
"""CVE-2026-42600 (GHSA-xh8f-g2qw-gcm7): storage-REST ReadMultiple path traversal (the cluster).

The internode endpoint ``/minio/storage/<drive>/v63/rmpl`` joins the Bucket,
Prefix and Files of its msgpack body to the drive path with no check, so a
caller with the cluster's root JWT could read any file the server process can
open, outside every drive. Only distributed deployments register the route,
so this test starts its own two-node cluster on loopback (two processes,
two drives each, the test CA): the shared single-node ``server`` cannot show it.

The request is the one a peer sends (HS512 JWT of the root credentials,
X-Minio-Time), built here byte for byte. The control reads the drive's own
``.minio.sys/format.json``, so a refusal means something. Fails on the
unpatched build: the secret file outside the drives comes back in the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time

import pytest

from advisory_http import send
from testbed_common import free_port, free_ports


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def root_jwt(access_key, secret_key):
    """The token storage-REST peers present: HS512 over the root credentials."""
    header = _b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"accessKey": access_key, "sub": access_key,
                                 "exp": int(time.time()) + 600}).encode())
    signature = _b64url(hmac.new(secret_key.encode(), header + b"." + claims, hashlib.sha512).digest())
    return (header + b"." + claims + b"." + signature).decode()


def _mp_str(value):
    data = value.encode()
    return (bytes([0xA0 | len(data)]) if len(data) < 32 else bytes([0xD9, len(data)])) + data


def read_multiple_body(bucket, prefix, files):
    """msgpack of cmd.ReadMultipleReq (keys bk, pr, fl, ms, mo, ab, mr)."""
    assert len(files) < 16
    out = bytes([0x87])
    out += _mp_str("bk") + _mp_str(bucket)
    out += _mp_str("pr") + _mp_str(prefix)
    out += _mp_str("fl") + bytes([0x90 | len(files)]) + b"".join(_mp_str(f) for f in files)
    out += _mp_str("ms") + bytes([0x00])
    out += _mp_str("mo") + bytes([0xC2])
    out += _mp_str("ab") + bytes([0xC2])
    out += _mp_str("mr") + bytes([0x00])
    return out


class Cluster:
    """Two MinIO processes on 127.0.0.1, two drives each, one erasure set."""

    def __init__(self, binary, pki, workdir):
        self.binary, self.certs_dir, self.ca_path = binary, pki["certs_dir"], pki["ca_path"]
        self.workdir = workdir
        self.access_key = "root" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        self.ports = free_ports(2)
        self.port = self.ports[0]
        self.procs = []

    def drive(self, node, n):
        return str(self.workdir / ("n%d" % node) / ("d%d" % n))

    def start(self):
        endpoints = ["https://127.0.0.1:%d%s" % (port, self.drive(i + 1, n))
                     for i, port in enumerate(self.ports) for n in (1, 2)]
        for node in (1, 2):
            for n in (1, 2):
                os.makedirs(self.drive(node, n), exist_ok=True)
        env = dict(os.environ, MINIO_ROOT_USER=self.access_key, MINIO_ROOT_PASSWORD=self.secret_key,
                   MINIO_BROWSER="off", MINIO_UPDATE="off", MINIO_CI_CD="1")
        for i, port in enumerate(self.ports):
            log = open(self.workdir / ("node%d.log" % (i + 1)), "ab")
            # In a container MinIO waits for loopback endpoints to resolve to another IP;
            # _MINIO_SERVER_LOCAL names the node's own endpoint host (ignored elsewhere).
            env["_MINIO_SERVER_LOCAL"] = "127.0.0.1:%d" % port
            self.procs.append(subprocess.Popen(
                [self.binary, "server", "--quiet", "--address", "127.0.0.1:%d" % port,
                 "--console-address", "127.0.0.1:%d" % free_port(), "--certs-dir", self.certs_dir] + endpoints,
                env=dict(env), stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if all(send(self, "GET", "/minio/health/cluster", port=p).status == 200 for p in self.ports):
                    return self
            except OSError:
                pass
            assert all(p.poll() is None for p in self.procs), "a cluster node exited; see %s" % self.workdir
            time.sleep(0.5)
        raise RuntimeError("the cluster did not come up; see %s" % self.workdir)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def read_multiple(self, bucket, prefix, files):
        path = "/minio/storage%s/v63/rmpl?did=" % self.drive(1, 1)
        headers = {"Authorization": "Bearer " + root_jwt(self.access_key, self.secret_key),
                   "X-Minio-Time": str(time.time_ns()), "Content-Type": "application/octet-stream"}
        return send(self, "POST", path, read_multiple_body(bucket, prefix, files), headers)


@pytest.fixture(scope="module")
def cluster(binaries, pki, tmp_path_factory):
    nodes = Cluster(binaries["minio"], pki, tmp_path_factory.mktemp("cluster")).start()
    yield nodes
    nodes.stop()


@pytest.fixture(scope="module")
def secret_outside(cluster):
    """A file next to the nodes' directories, outside every drive."""
    marker = "OUTSIDE-THE-DRIVES-" + secrets.token_hex(8)
    (cluster.workdir / "secret.txt").write_text(marker + "\n")
    return marker


def test_control_reads_a_file_of_the_drive(cluster):
    reply = cluster.read_multiple(".minio.sys", "", ["format.json"])
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert b'"format":"xl"' in reply.body, reply.body[:300]


@pytest.mark.parametrize("bucket,prefix,files", [
    # drive = <workdir>/n1/d1, so <drive>/.minio.sys/../../../secret.txt = <workdir>/secret.txt
    (".minio.sys", "", ["../../../secret.txt"]),
    ("../..", "", ["secret.txt"]),
    (".minio.sys", "../../..", ["secret.txt"]),
    ("", "", ["../../secret.txt"]),
], ids=["files", "bucket", "prefix", "empty-bucket"])
def test_read_outside_the_drive_is_refused(cluster, secret_outside, bucket, prefix, files):
    reply = cluster.read_multiple(bucket, prefix, files)
    assert secret_outside.encode() not in reply.body, "ReadMultiple returned a file outside the drive"
    assert b"access denied" in reply.body.lower() or reply.status != 200, (reply.status, reply.body[:300])
