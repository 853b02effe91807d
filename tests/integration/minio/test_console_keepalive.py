# -*- coding: utf-8 -*-
"""The console keeps its connections open between requests (patch 0011).

Without the patch the console's HTTPS server runs with keep-alives off: every answer carries
``Connection: close`` over HTTP/1.1, and over HTTP/2 a GOAWAY, which makes Chromium's parallel loads of
the login page fail (test_console.py shows that with a real browser). This checks the server side with
the standard library: several requests on one TLS connection, each answered 200, none closing it, and
an idle connection closed by the server within its idle timeout (one minute), not kept for ever.
"""

from __future__ import annotations

import http.client
import ssl
import time
from urllib.parse import urlsplit

IDLE_TIMEOUT = 60  # seconds: CleanupTimeout set by patch 0011


def _connection(server):
    """A connected HTTPS connection to the console (which starts listening a moment after the S3 port)."""
    parts = urlsplit(server.console_endpoint)
    context = ssl.create_default_context(cafile=str(server.ca_path))
    deadline = time.monotonic() + 30
    while True:
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=IDLE_TIMEOUT + 30)
        try:
            conn.connect()
            return conn
        except ConnectionRefusedError:
            conn.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_console_answers_several_requests_on_one_connection(server):
    conn = _connection(server)
    try:
        answers = []
        for path in ("/login", "/styles/root-styles.css", "/favicon-32x32.png", "/login"):
            conn.request("GET", path)
            answer = conn.getresponse()
            answer.read()
            answers.append((path, answer.status, answer.getheader("Connection")))
            assert answer.status == 200, answers
            assert (answer.getheader("Connection") or "").lower() != "close", \
                "the console closes its connection after each answer: %s" % answers
        assert conn.sock is not None, "the connection was closed after %s" % answers
    finally:
        conn.close()


def test_console_closes_an_idle_connection(server):
    conn = _connection(server)
    try:
        conn.request("GET", "/login")
        conn.getresponse().read()
        sock = conn.sock
        start = time.monotonic()
        sock.settimeout(IDLE_TIMEOUT + 30)
        data = sock.recv(1)  # blocks until the server closes the idle connection (b"")
        waited = time.monotonic() - start
        assert data == b"", "the server sent %r on an idle connection" % data
        assert waited <= IDLE_TIMEOUT + 15, "an idle connection stayed open %.0f s" % waited
    finally:
        conn.close()
