# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an unprivileged local account (mallory) tries against the monitoring services.

  runuser -u mallory -- python3 local_attacker.py read-names NAME
  runuser -u mallory -- python3 local_attacker.py alertmanager
  runuser -u mallory -- python3 local_attacker.py bind PORT
  runuser -u mallory -- python3 local_attacker.py bind-loop PORT SECONDS
  runuser -u mallory -- python3 local_attacker.py impostor PORT SECONDS

Each command prints one JSON object saying what the attack got; the verify
playbook asserts it got nothing. Every request is tried over plain HTTP and over
HTTPS without checking the certificate, with no credentials (mallory has none):
whichever way the service answers, a success is a finding. Loopback only.
"""

import http.client
import json
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request

_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE


def request(url, data=None, method=None):
    """(status, body) of one request, status None when no HTTP answer came back."""
    headers = {"Content-Type": "application/json"} if data is not None else {}
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10, context=_INSECURE) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, exc.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return exc.code, ""
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # No HTTP answer (a TLS server spoken to in plain HTTP may just close).
        return None, str(exc)


def both_schemes(port, path, data=None, method=None):
    return dict((scheme, request("%s://127.0.0.1:%d%s" % (scheme, port, path), data, method))
                for scheme in ("http", "https"))


def read_names(name):
    """Where mallory finds collaborator NAME: the textfile, node-exporter, Prometheus."""
    found = {}
    try:
        with open("/var/lib/prometheus/node-exporter/s3share.prom", encoding="utf-8") as handle:
            found["textfile"] = name in handle.read()
    except OSError as exc:
        found["textfile"] = False
        found["textfile_error"] = exc.strerror
    for label, port, path in (
            ("node_exporter", 9100, "/metrics"),
            ("prometheus_query", 9090, "/api/v1/query?query=%7B__name__%3D~%22s3share_.%2A%22%7D"),
            ("prometheus_federate", 9090, "/federate?match%5B%5D=%7B__name__%3D~%22s3share_.%2A%22%7D")):
        for scheme, (status, body) in both_schemes(port, path).items():
            found["%s_%s" % (label, scheme)] = status == 200 and name in body
            found["%s_%s_status" % (label, scheme)] = status
    found["any"] = any(v is True for k, v in found.items())
    return found


def alertmanager():
    """Silence every alert, and post a fake critical one."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    silence = json.dumps({"matchers": [{"name": "alertname", "value": ".+", "isRegex": True}],
                          "startsAt": now, "endsAt": later, "createdBy": "mallory",
                          "comment": "maintenance"}).encode()
    alert = json.dumps([{"labels": {"alertname": "MalloryFakeAlert", "severity": "critical"},
                         "annotations": {"summary": "Send your password to mallory"}}]).encode()
    result = {}
    for kind, path, body in (("silence", "/api/v2/silences", silence), ("alert", "/api/v2/alerts", alert),
                             ("silence_v1", "/api/v1/silences", silence), ("alert_v1", "/api/v1/alerts", alert)):
        for scheme, (status, text) in both_schemes(9093, path, body, "POST").items():
            result["%s_%s" % (kind, scheme)] = status
    # Reading the alerts and silences tells what the admins are told, and when nobody looks.
    for scheme, (status, text) in both_schemes(9093, "/api/v2/silences").items():
        result["read_silences_%s" % scheme] = status
    result["any"] = any(status is not None and 200 <= status < 300 for status in result.values())
    return result


def try_bind(port):
    """Bind PORT on every loopback form MinIO or Prometheus could reach."""
    result = {}
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0")):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
            sock.listen(1)
            result[address] = "bound"
        except OSError as exc:
            result[address] = exc.strerror
        finally:
            sock.close()
    result["any"] = "bound" in result.values()
    return result


def bind_loop(port, seconds):
    """Try to bind PORT again and again for SECONDS (while root restarts the service)."""
    deadline = time.monotonic() + seconds
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen(1)
            sock.close()
            return {"any": True, "tries": tries}
        except OSError:
            sock.close()
        time.sleep(0.001)
    return {"any": False, "tries": tries}


def impostor(port, seconds):
    """Serve fake node-exporter metrics on PORT for SECONDS; report what the clients sent."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", port))
    except OSError as exc:
        return {"bound": False, "error": exc.strerror, "requests": 0, "authorization": False}
    server.listen(16)
    server.settimeout(0.5)
    body = b"# TYPE mallory_impostor gauge\nmallory_impostor 1\nnode_filesystem_avail_bytes{mountpoint=\"/srv/s3/data\"} 1e15\n"
    seen = {"bound": True, "requests": 0, "authorization": False, "connections": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn, dummy = server.accept()
        except socket.timeout:
            continue
        seen["connections"] += 1
        conn.settimeout(2)
        try:
            data = conn.recv(65536)
            if data[:4] in (b"GET ", b"POST"):
                seen["requests"] += 1
                seen["authorization"] = seen["authorization"] or b"\nauthorization:" in data.lower()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass
        finally:
            conn.close()
    server.close()
    return seen


def main(argv):
    command = argv[0]
    if command == "read-names":
        result = read_names(argv[1])
    elif command == "alertmanager":
        result = alertmanager()
    elif command == "bind":
        result = try_bind(int(argv[1]))
    elif command == "bind-loop":
        result = bind_loop(int(argv[1]), float(argv[2]))
    elif command == "impostor":
        result = impostor(int(argv[1]), float(argv[2]))
    else:
        raise SystemExit("unknown command %r" % command)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
