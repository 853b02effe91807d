# -*- coding: utf-8 -*-
"""EGID-2026-002 (issue 20, item 5): a client's forwarding headers chose its source address.

MinIO took the source address from X-Forwarded-For, X-Real-IP or Forwarded, whoever sent them. That
address is the ``remotehost`` of every audit entry, which the access-audit receiver records as
``remote_host``, and the value of the ``aws:SourceIp`` policy condition. No proxy of this collection adds
such headers (HAProxy runs in TLS passthrough), so each one is the client's claim. Patch 0012 believes
them only with MINIO_EGID_TRUST_FORWARDED=on.

Fails on the unpatched build (5 failed, 2026-12-05): the audit entries name the forged addresses, a
forged header passes an ``aws:SourceIp`` Allow (200), and turns a loopback Allow into a refusal.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from advisory_http import make_user, new_bucket, send, signed_headers
from minio_testbed import MinioServer

BODY = b"variants of the chu-liege project"
FORGED = "203.0.113.66"


@pytest.fixture(scope="module")
def folder(server):
    s3 = server.clients()[0]
    bucket = new_bucket(server, "fwd")
    key = "results/chu-liege/variants.vcf"
    s3.put_object(bucket, key, io.BytesIO(BODY), len(BODY))
    return bucket, key


def _reader(server, bucket, cidr, tag):
    return make_user(server, [{
        "Effect": "Allow", "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::%s/results/chu-liege/*" % bucket],
        "Condition": {"IpAddress": {"aws:SourceIp": cidr}}}], tag=tag)


@pytest.mark.parametrize("header,value", [("X-Forwarded-For", FORGED), ("X-Real-IP", FORGED),
                                          ("Forwarded", "for=%s" % FORGED)])
def test_a_forged_header_does_not_pass_a_source_ip_condition(server, folder, header, value):
    bucket, key = folder
    access_key, secret_key = _reader(server, bucket, "203.0.113.0/24", "fwdout")
    path = "/%s/%s" % (bucket, key)
    forged = signed_headers(server, "GET", path, access_key, secret_key, headers={header: value})
    reply = send(server, "GET", path, b"", forged)
    assert reply.status == 403 and BODY not in reply.body, \
        "%s: %s passed an aws:SourceIp condition from the loopback (%s)" % (header, value, reply.status)


def test_the_source_ip_condition_sees_the_real_peer(server, folder):
    """The control: the condition still works, on the TCP peer, with or without a forged header."""
    bucket, key = folder
    access_key, secret_key = _reader(server, bucket, "127.0.0.1/32", "fwdin")
    path = "/%s/%s" % (bucket, key)
    for headers in ({}, {"X-Forwarded-For": FORGED}):
        signed = signed_headers(server, "GET", path, access_key, secret_key, headers=headers)
        reply = send(server, "GET", path, b"", signed)
        assert reply.status == 200 and reply.body == BODY, (headers, reply.status, reply.body[:200])


# --------------------------------------------------------------------------- the audit entries
class _Collector(BaseHTTPRequestHandler):
    entries = []

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        for line in body.splitlines():
            if line.strip():
                self.entries.append(json.loads(line))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


@pytest.fixture(scope="module")
def audited(binaries, pki, tmp_path_factory):
    """A server of its own whose audit webhook posts to a collector here (as to the access-audit receiver)."""
    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    env = {"MINIO_AUDIT_WEBHOOK_ENABLE_fwd": "on",
           "MINIO_AUDIT_WEBHOOK_ENDPOINT_fwd": "http://127.0.0.1:%d/" % collector.server_port}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        srv = MinioServer(binaries["minio"], pki, tmp_path_factory.mktemp("minio-fwd"), kms=False).start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield srv, _Collector.entries
    srv.stop()
    collector.shutdown()


def test_the_audit_records_the_real_peer(audited):
    srv, entries = audited
    bucket = new_bucket(srv, "fwdaudit")
    access_key, secret_key = make_user(srv, [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                              "Resource": ["arn:aws:s3:::%s/*" % bucket]}], tag="fwdaud")
    forged = {"X-Forwarded-For": FORGED, "X-Real-IP": FORGED, "Forwarded": "for=%s" % FORGED}
    wanted = []
    for header, value in forged.items():
        path = "/%s/missing-%s" % (bucket, header.lower())
        send(srv, "GET", path, b"", signed_headers(srv, "GET", path, access_key, secret_key,
                                                   headers={header: value}))
        wanted.append("/%s/%s" % (bucket, path.rsplit("/", 1)[1]))
    deadline = time.monotonic() + 30
    seen = {}
    while time.monotonic() < deadline and len(seen) < len(wanted):
        for entry in list(entries):
            resource = "/%s/%s" % (entry.get("api", {}).get("bucket"), entry.get("api", {}).get("object"))
            if resource in wanted:
                seen[resource] = entry.get("remotehost")
        time.sleep(0.5)
    assert len(seen) == len(wanted), "audit entries missing: got %s of %s" % (sorted(seen), wanted)
    assert all(host == "127.0.0.1" for host in seen.values()), \
        "the audit recorded the client's claimed address: %s" % seen
