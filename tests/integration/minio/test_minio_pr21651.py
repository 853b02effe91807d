# -*- coding: utf-8 -*-
"""Upstream #21651 (after our tag): one response per request.

A conditional PUT whose If-Match fails was answered twice: the precondition
check wrote its 412, then the handler wrote the PreConditionFailed error
again on the same connection. The bytes of the second answer follow the
first, so a client that keeps the connection alive (every SDK does) reads
them as the answer to its next request, or drops the connection.

Both requests go on one raw TLS connection, byte for byte, with
``Accept-Encoding: gzip`` as Go and Java clients send. What the server sends
after the first answer is read with a short timeout: it must be nothing, and
the next request on the connection must get its own answer. Fails on the
unpatched build.
"""

from __future__ import annotations

import re
import secrets
import socket
import ssl

import pytest

from advisory_http import new_bucket, signed_headers


@pytest.fixture(scope="module")
def cond_object(server):
    import io
    s3, dummy = server.clients()
    bucket = new_bucket(server, "once")
    key = "cond-%s.txt" % secrets.token_hex(4)
    s3.put_object(bucket, key, io.BytesIO(b"first version"), 13)
    return bucket, key


def _raw(server, method, path, body=b"", extra=None):
    headers = signed_headers(server, method, path, server.access_key, server.secret_key, body, extra)
    headers.update({"Host": "127.0.0.1:%d" % server.port, "Accept-Encoding": "gzip", "Connection": "keep-alive",
                    "Content-Length": str(len(body))})
    head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    return head.encode() + body


def _read_response(sock, buf):
    """Read one HTTP/1.1 response (Content-Length or chunked) from sock; return (status, body, rest)."""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        assert data, "connection closed before a response"
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)}
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        while len(rest) < length:
            data = sock.recv(65536)
            assert data, "connection closed inside a body"
            rest += data
        body, rest = rest[:length], rest[length:]
    elif headers.get(b"transfer-encoding") == b"chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                rest += sock.recv(65536)
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += sock.recv(65536)
            body, rest = body + rest[:size], rest[size + 2:]
            if size == 0:
                break
    else:
        body = b""
    if headers.get(b"content-encoding") == b"gzip" and body:
        import gzip
        body = gzip.decompress(body)
    return status, body, rest


def test_failed_if_match_gets_one_answer(server, cond_object):
    bucket, key = cond_object
    context = ssl.create_default_context(cafile=server.ca_path)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as plain:
        with context.wrap_socket(plain, server_hostname="127.0.0.1") as sock:
            path = "/%s/%s" % (bucket, key)
            sock.sendall(_raw(server, "PUT", path, b"second version", {"If-Match": '"%s"' % ("0" * 32)}))
            status, body, rest = _read_response(sock, b"")
            assert status == 412, (status, body[:300])
            assert len(re.findall(rb"<Error>", body)) == 1, body
            assert b"<Code>PreconditionFailed</Code>" in body
            # Nothing more may come for this request.
            sock.settimeout(1.5)
            try:
                extra = sock.recv(65536)
            except (socket.timeout, TimeoutError):
                extra = b""
            assert rest + extra == b"", "a second answer followed the first: %r" % (rest + extra)[:300]
            # The connection still serves the next request with its own answer.
            sock.settimeout(30)
            sock.sendall(_raw(server, "GET", path))
            status, body, dummy = _read_response(sock, b"")
            assert (status, body) == (200, b"first version")
