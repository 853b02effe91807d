# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Receive MinIO's audit webhook on loopback and append one JSON line per S3 request.

  python3 -I access_audit_receiver.py --listen 127.0.0.1:9099 --log /var/log/s3share/access.jsonl --token-file FILE

Installed by the egid.s3share.monitoring role and run by systemd as an
unprivileged account. MinIO posts each audit entry (one JSON object, or several
when batching) with ``Authorization: Bearer <token>``; a request without the
token is refused with 403, so no local process can forge a line. Each entry
becomes one line with the fields that answer "who read or tried to read which
result, when, from where, and with what outcome"; request and response
headers, query strings and claims are left out, so no signature, session token
or presigned-URL signature is ever written. A write failure answers 500:
MinIO keeps the entry in its queue and retries, and counts the failure in its
metrics (minio_audit_failed_messages).

The file is reopened when logrotate has moved it away (checked before each
write), so rotation needs no signal. Standard library only.
"""

import argparse
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 * 1024 * 1024


def access_record(entry):
    """The line written for one MinIO audit entry (a dict), or None when it is not one."""
    if not isinstance(entry, dict):
        return None
    api = entry.get("api") if isinstance(entry.get("api"), dict) else {}
    record = {
        "time": entry.get("time"),
        "access_key": entry.get("accessKey") or None,
        "parent_user": entry.get("parentUser") or None,
        "api": api.get("name"),
        "bucket": api.get("bucket") or None,
        "object": api.get("object") or None,
        # The one query parameter kept: a delete naming a version is for good, one without is a marker.
        "version_id": (entry.get("requestQuery") or {}).get("versionId") or None
        if isinstance(entry.get("requestQuery"), dict) else None,
        "status_code": api.get("statusCode"),
        "status": api.get("status"),
        "error": entry.get("error") or None,
        "bytes_in": api.get("rx"),
        "bytes_out": api.get("tx"),
        "remote_host": entry.get("remotehost") or None,
        "user_agent": entry.get("userAgent") or None,
        "request_id": entry.get("requestID") or None,
        "trigger": entry.get("trigger") or None,
        "event": entry.get("event") or None,
    }
    objects = api.get("objects")
    if isinstance(objects, list) and objects:
        record["objects"] = [o.get("objectName") for o in objects if isinstance(o, dict)]
        versions = [{"object": o.get("objectName"), "version_id": o["versionId"]} for o in objects
                    if isinstance(o, dict) and o.get("versionId")]
        if versions:
            record["object_versions"] = versions
    return dict((k, v) for k, v in record.items() if v is not None)


def parse_entries(body):
    """The audit entries in a request body: one JSON object, a JSON array, or JSON lines."""
    text = body.decode("utf-8")
    try:
        value = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return value if isinstance(value, list) else [value]


class JsonLinesFile:
    """Appends lines to path, reopening it when it was moved or removed (logrotate)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.fd = None
        self.inode = None

    def _open(self):
        if self.fd is not None:
            try:
                current = os.stat(self.path)
                if (current.st_dev, current.st_ino) == self.inode:
                    return
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        stat = os.fstat(self.fd)
        self.inode = (stat.st_dev, stat.st_ino)

    def append(self, lines):
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        with self.lock:
            self._open()
            written = os.write(self.fd, data)
            if written != len(data):
                raise OSError("short write to %s (%d of %d bytes)" % (self.path, written, len(data)))


def make_handler(token, sink):
    expected = ("Bearer %s" % token).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        server_version = "s3share-access-audit"

        def _answer(self, code, message):
            body = (message + "\n").encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 (the name http.server calls)
            given = (self.headers.get("Authorization") or "").encode("utf-8")
            if not hmac.compare_digest(given, expected):
                self._answer(403, "forbidden")
                return
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self._answer(413 if length > 0 else 411, "a Content-Length up to %d bytes is required" % MAX_BODY)
                return
            try:
                entries = parse_entries(self.rfile.read(length))
            except ValueError as exc:
                self._answer(400, "not JSON: %s" % exc)
                return
            lines = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in map(access_record, entries) if r]
            try:
                if lines:
                    sink.append(lines)
            except OSError as exc:
                sys.stderr.write("access-audit-receiver: cannot append to %s: %s\n" % (sink.path, exc))
                self._answer(500, "cannot write the access audit")
                return
            self._answer(200, "ok")

        def do_GET(self):  # noqa: N802
            self._answer(405, "POST audit entries here")

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            # Successful posts are the audit itself; only refusals and errors go to the journal.
            if len(args) > 1 and str(args[1])[:1] != "2":
                sys.stderr.write("access-audit-receiver: %s\n" % (format % args))

    return Handler


def read_token(path):
    with open(path, encoding="utf-8") as handle:
        token = handle.read().strip()
    if len(token) < 16:
        raise ValueError("the token in %s is shorter than 16 characters" % path)
    return token


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--listen", default="127.0.0.1:9099", help="HOST:PORT (loopback)")
    parser.add_argument("--log", required=True, help="the JSON-lines file")
    parser.add_argument("--token-file", required=True, help="file holding the token MinIO sends")
    args = parser.parse_args(argv)
    host, dummy, port = args.listen.rpartition(":")
    try:
        token = read_token(args.token_file)
    except (OSError, ValueError) as exc:
        sys.stderr.write("access-audit-receiver: %s\n" % exc)
        return 2
    sink = JsonLinesFile(args.log)
    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), make_handler(token, sink))
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
