# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring role's shipped files: the access audit receiver (a real HTTP server on
loopback, real files and a real rename as logrotate does it), the Grafana dashboard's
structure, and the metrics token module run as Ansible runs it.

The PromQL of the rules and of the dashboard runs against the real Prometheus in
molecule/monitoring (promtool test rules, and every panel's query)."""

import http.client
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_ROLE = os.path.join(_REPO, "roles", "monitoring")
_COLLECTIONS = os.path.join(_REPO, ".collections")
TOKEN = "Tok3nForTheAuditWebhook"


def _load_receiver():
    path = os.path.join(_ROLE, "files", "access_audit_receiver.py")
    loader = importlib.machinery.SourceFileLoader("access_audit_receiver", path)
    spec = importlib.util.spec_from_loader("access_audit_receiver", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


receiver = _load_receiver()

# An entry as MinIO's audit webhook posts it (fields of madmin-go's audit.Entry).
ENTRY = {
    "version": "1", "deploymentid": "d1", "time": "2026-11-23T16:40:09.123456789Z", "event": "", "trigger": "incoming",
    "api": {"name": "GetObject", "bucket": "ligan", "object": "results/chu-liege/README.txt", "status": "OK",
            "statusCode": 200, "rx": 0, "tx": 21, "timeToResponse": "1000ns"},
    "remotehost": "192.0.2.7", "requestID": "17A", "userAgent": "MinIO (linux; amd64) minio-py/7.2.15",
    "requestPath": "/ligan/results/chu-liege/README.txt", "requestHost": "nectar:9000",
    "requestHeader": {"Authorization": "AWS4-HMAC-SHA256 Credential=CKEY/..., Signature=abcdef"},
    "requestQuery": {"X-Amz-Signature": "0123456789abcdef"},
    "requestClaims": {"accessKey": "CKEY"}, "accessKey": "CKEY", "parentUser": "",
}


def test_access_record_keeps_who_what_when_and_no_signature():
    record = receiver.access_record(ENTRY)
    assert record == {
        "time": "2026-11-23T16:40:09.123456789Z", "access_key": "CKEY", "api": "GetObject", "bucket": "ligan",
        "object": "results/chu-liege/README.txt", "status_code": 200, "status": "OK", "bytes_in": 0, "bytes_out": 21,
        "remote_host": "192.0.2.7", "user_agent": "MinIO (linux; amd64) minio-py/7.2.15", "request_id": "17A",
        "trigger": "incoming"}
    assert "Signature" not in json.dumps(record)
    assert receiver.access_record("not an entry") is None


def test_parse_entries_object_array_and_lines():
    one = json.dumps(ENTRY).encode()
    assert receiver.parse_entries(one) == [ENTRY]
    assert receiver.parse_entries(json.dumps([ENTRY, ENTRY]).encode()) == [ENTRY, ENTRY]
    assert receiver.parse_entries(one + b"\n" + one + b"\n") == [ENTRY, ENTRY]
    with pytest.raises(ValueError):
        receiver.parse_entries(b"{not json")


@pytest.fixture
def server(tmp_path):
    log = tmp_path / "access.jsonl"
    sink = receiver.JsonLinesFile(str(log))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), receiver.make_handler(TOKEN, sink))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], log
    httpd.shutdown()
    httpd.server_close()


def _post(port, body, token=TOKEN):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = "Bearer %s" % token
    conn.request("POST", "/minio/audit", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def test_receiver_appends_lines_and_refuses_forgeries(server):
    port, log = server
    assert _post(port, json.dumps(ENTRY)) == 200
    assert _post(port, json.dumps(dict(ENTRY, accessKey="FORGED")), token="wrong-token-1234567") == 403
    assert _post(port, json.dumps(dict(ENTRY, accessKey="FORGED")), token=None) == 403
    assert _post(port, "{broken") == 400
    lines = log.read_text().splitlines()
    assert [json.loads(line)["access_key"] for line in lines] == ["CKEY"]


def test_receiver_follows_logrotate(server):
    port, log = server
    assert _post(port, json.dumps(ENTRY)) == 200
    rotated = log.with_name("access.jsonl-20261123")
    os.rename(str(log), str(rotated))  # what logrotate does (nocreate): the receiver makes a new file
    assert _post(port, json.dumps([ENTRY, dict(ENTRY, requestID="17B")])) == 200
    assert len(rotated.read_text().splitlines()) == 1
    assert [json.loads(line)["request_id"] for line in log.read_text().splitlines()] == ["17A", "17B"]


def test_receiver_answers_500_when_it_cannot_write(server):
    port, log = server
    os.makedirs(str(log))  # the path is now a directory: the entry must not be acknowledged
    assert _post(port, json.dumps(ENTRY)) == 500


# --- the receiver as systemd runs it (issue 20: the port, idle connections, the journal) ---

def _listening_socket():
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def _start_receiver(tmp_path, sock, *extra):
    """The receiver program, given sock as systemd gives it (fd 3, LISTEN_PID, LISTEN_FDS)."""
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    script = os.path.join(_ROLE, "files", "access_audit_receiver.py")
    fd = sock.fileno()

    def as_fd_3():
        os.dup2(fd, 3)

    # The shell sets LISTEN_PID to its own pid, which exec keeps for Python.
    return subprocess.Popen(
        ["/bin/sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"', sys.executable, "-I", script,
         # A --listen port nothing connects to: a receiver ignoring the passed socket is not reached.
         "--listen", "127.0.0.1:1", "--log", str(tmp_path / "access.jsonl"), "--token-file", str(token)] + list(extra),
        # close_fds would close fd 3 after preexec_fn.
        preexec_fn=as_fd_3, close_fds=False, stderr=subprocess.PIPE, universal_newlines=True)


def test_receiver_takes_the_socket_systemd_holds_and_the_port_stays_taken_while_it_restarts(tmp_path):
    import socket
    sock = _listening_socket()
    port = sock.getsockname()[1]
    first = _start_receiver(tmp_path, sock)
    try:
        assert _post(port, json.dumps(ENTRY)) == 200
    finally:
        first.kill()
        first.wait()
    # The receiver is gone, as during a restart: the port is still held (by systemd, here the test).
    intruder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(OSError):
        intruder.bind(("127.0.0.1", port))
    intruder.close()
    second = _start_receiver(tmp_path, sock)
    try:
        assert _post(port, json.dumps(dict(ENTRY, requestID="17B"))) == 200
    finally:
        second.kill()
        second.wait()
        sock.close()
    lines = (tmp_path / "access.jsonl").read_text().splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == ["17A", "17B"]


def _threads(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as handle:
        return int([line.split()[1] for line in handle if line.startswith("Threads:")][0])


def test_receiver_closes_idle_connections_and_serves_a_bounded_number(tmp_path):
    import socket
    import time
    sock = _listening_socket()
    port = sock.getsockname()[1]
    proc = _start_receiver(tmp_path, sock, "--timeout", "1", "--deadline", "3", "--max-connections", "8")
    idle = []
    try:
        assert _post(port, json.dumps(ENTRY)) == 200
        # 300 connections that send nothing, as in the issue.
        for dummy in range(300):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        assert _threads(proc.pid) <= 8 + 2
        # Past the timeout every idle connection has been closed by the receiver (EOF on read).
        time.sleep(2)
        closed = 0
        for conn in idle:
            conn.settimeout(0.5)
            try:
                closed += conn.recv(1) == b""
            except socket.timeout:
                pass
            except OSError:
                closed += 1
        assert closed == len(idle)
        # A slow client that keeps sending is cut at the deadline.
        slow = socket.create_connection(("127.0.0.1", port), timeout=5)
        slow.sendall(b"POST /minio/audit HTTP/1.1\r\n")
        started = time.monotonic()
        slow.settimeout(0.5)
        ended = False
        while time.monotonic() - started < 6 and not ended:
            try:
                slow.sendall(b"X-Slow: 1\r\n")
                ended = slow.recv(1) == b""
            except socket.timeout:
                continue
            except OSError:
                ended = True
        slow.close()
        assert ended and time.monotonic() - started < 5
        assert _post(port, json.dumps(dict(ENTRY, requestID="17B"))) == 200
    finally:
        for conn in idle:
            conn.close()
        proc.kill()
        proc.wait()
        sock.close()


def test_receiver_writes_no_control_character_to_the_journal(tmp_path):
    import socket
    sock = _listening_socket()
    port = sock.getsockname()[1]
    proc = _start_receiver(tmp_path, sock)
    try:
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        # Clears the screen and retitles the terminal of whoever reads the journal.
        conn.sendall(b"GET /\x1b[2J\x1b]0;owned\x07\xc3\xa9 HTTP/1.0\r\n\r\n")
        conn.recv(4096)
        conn.close()
        assert _post(port, "{}", token="wrong-token-1234567\x1b[31m") == 403
    finally:
        proc.kill()
        dummy, err = proc.communicate()
        sock.close()
    assert "x1b[2J" in err
    assert not [c for c in err if (ord(c) < 0x20 and c != "\n") or ord(c) >= 0x7f]


def test_receiver_refuses_a_short_token(tmp_path):
    short = tmp_path / "token"
    short.write_text("short\n")
    with pytest.raises(ValueError):
        receiver.read_token(str(short))


# --- the dashboard ------------------------------------------------------------

def _dashboard():
    with open(os.path.join(_ROLE, "files", "grafana", "s3share-minio.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_dashboard_structure():
    dashboard = _dashboard()
    assert dashboard["uid"] == "egid-s3share-minio"
    assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    rows = [p["title"] for p in panels if p["type"] == "row"]
    assert rows == ["Capacity", "Requests and errors", "Drives and nodes", "Collaborators", "Alerts and audit"]
    occupied = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {(grid["y"] + dy, grid["x"] + dx) for dy in range(grid["h"]) for dx in range(grid["w"])}
        assert not cells & occupied, "panel %r overlaps another" % panel["title"]
        occupied |= cells
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and target["refId"]
            # Grafana-only variables would not run against Prometheus as they are.
            assert "$" not in target["expr"], target["expr"]
    titles = " ".join(p["title"] for p in panels)
    for topic in ("Data disk", "S3 errors", "Drives", "Nodes", "Soonest collaborator expiry"):
        assert topic in titles


# --- the metrics token module ----------------------------------------------------

def _run_module(tmp_path, args, check=False):
    spec = tmp_path / "args.json"
    spec.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=True)}))
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.egid.s3share.plugins.modules.minio_metrics_token", str(spec)],
        cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=_COLLECTIONS),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def test_token_module_check_real_check_real(tmp_path):
    path = tmp_path / "minio-metrics.token"
    args = dict(path=str(path), access_key="s3share-metrics", secret_key="Secret-Of-Metrics-42", mode="0640")
    first = _run_module(tmp_path, args, check=True)
    assert first["changed"] and not path.exists()
    second = _run_module(tmp_path, args)
    assert second["changed"] and second["reason"] == "there is no token yet"
    token = path.read_text().strip()
    assert oct(os.stat(str(path)).st_mode & 0o777) == "0o640"
    assert "Secret-Of-Metrics-42" not in json.dumps(second) and token not in json.dumps(second)
    assert second["diff"]["after"]["access_key"] == "s3share-metrics"
    assert _run_module(tmp_path, args, check=True)["changed"] is False
    assert _run_module(tmp_path, args)["changed"] is False
    assert path.read_text().strip() == token
    # A new secret: a new token, and check mode says so first.
    renewed = dict(args, secret_key="Another-Secret-Of-43")
    assert _run_module(tmp_path, renewed, check=True)["reason"] == "the current token is signed with another secret"
    assert path.read_text().strip() == token
    assert _run_module(tmp_path, renewed)["changed"] is True
    assert path.read_text().strip() != token
    # Only the mode drifts: changed, and the token is kept.
    os.chmod(str(path), 0o644)
    kept = path.read_text()
    assert _run_module(tmp_path, renewed)["changed"] is True
    assert path.read_text() == kept and oct(os.stat(str(path)).st_mode & 0o777) == "0o640"


def test_token_module_rejects_bad_lifetimes(tmp_path):
    result = _run_module(tmp_path, dict(path=str(tmp_path / "t"), access_key="m", secret_key="x" * 10,
                                        lifetime_days=10, renew_before_days=30))
    assert result["failed"] and "lifetime_days" in result["msg"]
