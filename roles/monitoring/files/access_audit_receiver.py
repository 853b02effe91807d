# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Receive MinIO's audit webhook on loopback and append one JSON line per S3 request.

  python3 -I access_audit_receiver.py --log /var/log/s3share/access.jsonl --token-file FILE [--listen 127.0.0.1:9099]

Installed by the egid.s3share.monitoring role and run by systemd as an
unprivileged account. systemd holds the listening socket (the role's
s3share-access-audit.socket) and passes it on (LISTEN_FDS): the port stays
bound while the receiver restarts, so no local account can take it and be sent
MinIO's token. --listen is only for a receiver started by hand. MinIO posts each audit entry (one JSON object, or several
when batching) with ``Authorization: Bearer <token>``; a request without the
token is refused with 403, so no local process can forge a line. Each entry
becomes one line with the fields that answer "who read or tried to read which
result, when, from where, and with what outcome"; request and response
headers, query strings and claims are left out, so no signature, session token
or presigned-URL signature is ever written. A write failure answers 500:
MinIO keeps the entry in its queue and retries, and counts the failure in its
metrics (minio_audit_failed_messages).

The file is reopened when logrotate has moved it away (checked before each
write), so rotation needs no signal. Any local account can connect, so a
connection gets IO_TIMEOUT seconds per read or write and CONNECTION_DEADLINE
seconds in all, and at most MAX_CONNECTIONS are served at once (more are closed
at once: MinIO keeps its entries queued on disk and sends them again). What the
journal gets of a request is escaped: no control character reaches it.
Standard library only.
"""

import argparse
import hmac
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 * 1024 * 1024
IO_TIMEOUT = 10
CONNECTION_DEADLINE = 30
MAX_CONNECTIONS = 32
# The first socket systemd passes (sd_listen_fds(3)).
SD_LISTEN_FDS_START = 3

_UNPRINTABLE = re.compile(r"[^\x20-\x5b\x5d-\x7e]")


def printable(text):
    """text with every character outside printable ASCII, and the backslash, escaped (\\xNN, \\uNNNN)."""
    def escape(match):
        code = ord(match.group())
        if code == 0x5C:
            return "\\\\"
        return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code if code < 0x10000 else "\\U%08x" % code
    return _UNPRINTABLE.sub(escape, str(text))


def journal(message):
    """One line on standard error (the journal), escaped."""
    sys.stderr.write("access-audit-receiver: %s\n" % printable(message))
    sys.stderr.flush()


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
        # Each read and write of the connection (StreamRequestHandler.setup).
        timeout = IO_TIMEOUT

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
                journal("cannot append to %s: %s" % (sink.path, exc))
                self._answer(500, "cannot write the access audit")
                return
            self._answer(200, "ok")

        def do_GET(self):  # noqa: N802
            self._answer(405, "POST audit entries here")

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            # Successful posts are the audit itself; only refusals and errors go to the journal.
            # The request line and the message are the client's: escaped.
            if len(args) > 1 and str(args[1])[:1] != "2":
                journal(format % args)

    return Handler


class AuditServer(ThreadingHTTPServer):
    """The HTTP server, with a bound on the connections served at once and on their lifetime."""

    daemon_threads = True

    def __init__(self, address, handler, listening_socket=None, max_connections=MAX_CONNECTIONS,
                 deadline=CONNECTION_DEADLINE):
        if listening_socket is None:
            ThreadingHTTPServer.__init__(self, address, handler)
        else:
            # TCPServer.__init__ opens a socket of its own, which is replaced at once: an
            # AF_UNIX one, the only family the unit allows (RestrictAddressFamilies=AF_UNIX).
            self.address_family = socket.AF_UNIX
            ThreadingHTTPServer.__init__(self, address, handler, bind_and_activate=False)
            self.socket.close()
            self.address_family = listening_socket.family
            self.socket = listening_socket
            self.server_address = listening_socket.getsockname()
            self.server_name, self.server_port = self.server_address[:2]
        self.slots = threading.BoundedSemaphore(max_connections)
        self.deadline = deadline
        self.open_connections = {}
        self.connections_lock = threading.Lock()
        self.refused = 0

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            self.refused += 1
            # Once per power of two: a flood does not flood the journal.
            if self.refused & (self.refused - 1) == 0:
                journal("%d connections refused so far: %d already open" % (self.refused, len(self.open_connections)))
            self.shutdown_request(request)
            return
        with self.connections_lock:
            self.open_connections[request] = time.monotonic()
        try:
            ThreadingHTTPServer.process_request(self, request, client_address)
        except Exception:
            self._forget(request)
            raise

    def process_request_thread(self, request, client_address):
        try:
            ThreadingHTTPServer.process_request_thread(self, request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request):
        with self.connections_lock:
            if self.open_connections.pop(request, None) is not None:
                self.slots.release()

    def service_actions(self):
        # Called by serve_forever() about twice a second: end the connections past their deadline.
        now = time.monotonic()
        with self.connections_lock:
            late = [sock for sock, started in self.open_connections.items() if now - started > self.deadline]
        for sock in late:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def systemd_socket(environ=None):
    """The listening socket systemd passed to this process, or None."""
    environ = os.environ if environ is None else environ
    if environ.get("LISTEN_PID") != str(os.getpid()) or environ.get("LISTEN_FDS") != "1":
        return None
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        environ.pop(name, None)
    return socket.socket(fileno=SD_LISTEN_FDS_START)


def read_token(path):
    with open(path, encoding="utf-8") as handle:
        token = handle.read().strip()
    if len(token) < 16:
        raise ValueError("the token in %s is shorter than 16 characters" % path)
    return token


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--listen", default="127.0.0.1:9099",
                        help="HOST:PORT (loopback), when systemd passes no socket")
    parser.add_argument("--log", required=True, help="the JSON-lines file")
    parser.add_argument("--token-file", required=True, help="file holding the token MinIO sends")
    parser.add_argument("--timeout", type=float, default=IO_TIMEOUT, help="seconds for each read or write")
    parser.add_argument("--deadline", type=float, default=CONNECTION_DEADLINE, help="seconds a connection may last")
    parser.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS, help="connections served at once")
    args = parser.parse_args(argv)
    host, dummy, port = args.listen.rpartition(":")
    try:
        token = read_token(args.token_file)
    except (OSError, ValueError) as exc:
        journal(str(exc))
        return 2
    sink = JsonLinesFile(args.log)
    handler = make_handler(token, sink)
    handler.timeout = args.timeout
    server = AuditServer((host or "127.0.0.1", int(port)), handler, systemd_socket(),
                         max_connections=args.max_connections, deadline=args.deadline)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
