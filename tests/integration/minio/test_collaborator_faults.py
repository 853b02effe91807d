# -*- coding: utf-8 -*-
"""Collaborators under faults, against a real MinIO (no mock of the server).

* a sweep that meets a corrupt record and forged records among valid expired
  collaborators: it fails, but removes the valid ones and touches nothing the
  bad records name; orphans are reported, then removed;
* four ansible-playbook processes creating the same collaborator at once:
  one wins, the others say another run is at it, one account exists;
* a failure injected by a TLS proxy in front of MinIO (HTTP 500 on the policy
  attachment, then on the record's final write): the run rolls back, the
  server is as before, and the next run succeeds;
* bad input to minio_collaborator and minio_share: refused, audited once,
  nothing changed.

The tests run on a MinIO of their own (same binary, same PKI as the shared
``server`` fixture), so that the sweep sees only the collaborators made here
and never removes those of another test file of the same session.
"""

from __future__ import annotations

import datetime
import http.server
import io
import json
import os
import ssl
import subprocess
import sys
import threading
import time

import pytest
import yaml

from minio_testbed import REPO, VENV_BIN, Ansible, MinioServer

RECORDS = "s3share-admin"
COLLAB = "egid.s3share.minio_collaborator"
SWEEP = "egid.s3share.minio_collaborator_sweep"
REJECTED_CREDENTIALS = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "XMinioAccessKeyDisabled")


# =========================================================================== fixtures
@pytest.fixture(scope="module")
def fserver(binaries, pki, tmp_path_factory):
    srv = MinioServer(binaries["minio"], pki, tmp_path_factory.mktemp("minio-faults"), kms=False).start()
    s3 = srv.clients()[0]
    if not s3.bucket_exists(RECORDS):
        s3.make_bucket(RECORDS)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def fansible(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ansible-faults")
    return Ansible(workdir, workdir / "logs" / "actions.log")


@pytest.fixture()
def bucket(fserver, prefix):
    """An unversioned bucket with one file in each folder used below; everything of `prefix` removed after."""
    s3 = fserver.clients()[0]
    name = prefix + "-ligan"
    s3.make_bucket(name)
    yield name
    _purge(fserver, prefix)
    for obj in s3.list_objects(name, recursive=True):
        s3.remove_object(name, obj.object_name)
    s3.remove_bucket(name)


def _purge(server, prefix):
    """Remove every user, policy and record this test made (best effort, straight through the SDK)."""
    s3, admin = server.clients()
    for user, info in json.loads(admin.user_list() or "{}").items():
        if prefix in (info.get("policyName") or "") or prefix.upper() in user:
            admin.user_remove(user)
    for policy in json.loads(admin.policy_list() or "{}"):
        if prefix in policy:
            admin.policy_remove(policy)
    for obj in s3.list_objects(RECORDS, prefix="collaborators/" + prefix, recursive=True):
        s3.remove_object(RECORDS, obj.object_name)


# =========================================================================== helpers
def _put(s3, bucket, key, data=b"data"):
    s3.put_object(bucket, key, io.BytesIO(data), len(data))


def _code(func, *args, **kwargs):
    """None when the call succeeds, else the server's error code."""
    from minio.error import S3Error
    try:
        result = func(*args, **kwargs)
        if hasattr(result, "read"):
            result.read()
            result.close()
            result.release_conn()
    except S3Error as exc:
        return exc.code
    return None


def _works(server, creds, bucket, key):
    return _code(server.s3_as(creds["access_key"], creds["secret_key"]).get_object, bucket, key) is None


def _rejected(server, creds, bucket, key):
    return _code(server.s3_as(creds["access_key"], creds["secret_key"]).get_object, bucket, key) \
        in REJECTED_CREDENTIALS


def _canon(value):
    """A policy document in a comparable form: MinIO lists the actions of a statement in no fixed order."""
    if isinstance(value, dict):
        return dict((k, _canon(v)) for k, v in value.items())
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _state(server, bucket=None):
    """Everything a collaborator run may touch, read with the root clients."""
    s3, admin = server.clients()
    state = {
        "users": json.loads(admin.user_list() or "{}"),
        "policies": _canon(json.loads(admin.policy_list() or "{}")),
        "buckets": sorted(b.name for b in s3.list_buckets()),
        "records": dict((o.object_name, o.etag) for o in s3.list_objects(RECORDS, recursive=True)),
    }
    if bucket:
        state["objects"] = dict((o.object_name, o.etag) for o in s3.list_objects(bucket, recursive=True))
    return state


def _holders(state, policy):
    return sorted(u for u, info in state["users"].items()
                  if policy in (info.get("policyName") or "").split(","))


def _record(server, name):
    s3 = server.clients()[0]
    response = s3.get_object(RECORDS, "collaborators/%s.json" % name)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _put_record(server, name, data):
    _put(server.clients()[0], RECORDS, "collaborators/%s.json" % name, data)


def _new_audit(ansible, mark):
    return ansible.audit_lines()[mark:]


def _collab_task(name, bucket, folder, **extra):
    return {COLLAB: dict({"name": name, "bucket": bucket, "prefix": folder}, **extra)}


# =========================================================================== 1. corrupt and forged records
def test_sweep_survives_corrupt_and_forged_records(fserver, fansible, prefix, bucket):
    s3 = fserver.clients()[0]
    kinds = ("ok1", "json", "forged", "foreign", "ok2")
    names = dict((k, "%s-%s" % (prefix, k)) for k in kinds + ("orph1", "orph2"))
    for k in names:
        _put(s3, bucket, "results/%s/genome.vcf" % k, k.encode())
    internal = ("C" + prefix.upper() + "INTERNAL0000000000")[:20]   # looks like a collaborator key
    rw_policy = "rw-" + bucket
    # 15 s after each task starts (templated when the task runs): a slow or loaded machine cannot make
    # an expires_at already past when the module sees it.
    in_15s = "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(second=now().timestamp() + 15, utc=true) }}"

    tasks = [_collab_task(names[k], bucket, "results/" + k, access="read-write", expires_at=in_15s)
             for k in kinds]
    tasks += [_collab_task(names[k], bucket, "results/" + k, days=1) for k in ("orph1", "orph2")]
    tasks += [{"egid.s3share.minio_policy": {"name": rw_policy, "template": "read-write", "bucket": bucket}},
              {"egid.s3share.minio_user": {"name": internal, "user_secret_key": "Int3rnal-" + prefix,
                                           "policies": [rw_policy]}}]
    created = fansible.run(fserver, tasks)
    assert not any(r.get("failed") for r in created), [r.get("msg") for r in created if r.get("failed")]
    creds = dict((k, r["credentials"]) for k, r in zip(kinds + ("orph1", "orph2"), created))
    expiry = max(datetime.datetime.fromisoformat(r["expires_at"].replace("Z", "+00:00")) for r in created[:5])
    assert expiry - datetime.datetime.now(datetime.timezone.utc) < datetime.timedelta(seconds=16)
    for k in ("orph1", "orph2"):
        assert _works(fserver, creds[k], bucket, "results/%s/genome.vcf" % k), k
    inside = fserver.s3_as(internal, "Int3rnal-" + prefix)
    assert _code(inside.put_object, bucket, "results/internal-1.txt", io.BytesIO(b"x"), 1) is None

    # Two orphans: their records vanish (by hand) long before they expire.
    for k in ("orph1", "orph2"):
        s3.remove_object(RECORDS, "collaborators/%s.json" % names[k])

    # Once expired, the server itself refuses them, before any sweep: their keys still authenticate
    # (AccessDenied, not InvalidAccessKeyId), only the grant has ended.
    time.sleep(max(0.0, (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1.5)
    for k in kinds:
        assert _code(fserver.s3_as(creds[k]["access_key"], creds[k]["secret_key"]).get_object,
                     bucket, "results/%s/genome.vcf" % k) == "AccessDenied", k

    # Damage three records of expired collaborators.
    _put_record(fserver, names["json"], b'{"name": "%s", "access_key": ' % names["json"].encode())
    forged = json.loads(_record(fserver, names["forged"]))
    forged.update(access_key=internal, policy=rw_policy)                 # an internal user and its policy
    _put_record(fserver, names["forged"], json.dumps(forged).encode())
    foreign = json.loads(_record(fserver, names["foreign"]))
    foreign.update(access_key=internal)                                   # well-formed, but not its user
    _put_record(fserver, names["foreign"], json.dumps(foreign).encode())
    bad = ("json", "forged", "foreign")
    bad_records = dict((k, _record(fserver, names[k])) for k in bad)
    before = _state(fserver, bucket)

    mark = len(fansible.audit_lines())
    result = fansible.run(fserver, [{SWEEP: {}, "ignore_errors": True}])[0]
    assert result.get("failed") is True, result
    assert result["changed"] is True
    assert sorted(r["name"] for r in result["removed"]) == sorted([names["ok1"], names["ok2"]])
    assert sorted(e["name"] for e in result["errors"]) == sorted(names[k] for k in bad), result["errors"]
    reasons = dict((e["name"], e["reason"]) for e in result["errors"])
    assert "not valid JSON" in reasons[names["json"]]
    assert "policy %r is not collab-%s" % (rw_policy, names["forged"]) in reasons[names["forged"]]
    assert internal in reasons[names["foreign"]] and rw_policy in reasons[names["foreign"]]
    for k in bad:
        assert names[k] in result["msg"]
    assert sorted(result["kept"]) == sorted([names["orph1"], names["orph2"]])

    lines = _new_audit(fansible, mark)
    assert sorted((l["target"], l["action"], l["result"]) for l in lines) == sorted(
        [("collaborator:" + names[k], "expire_collaborator", "changed") for k in ("ok1", "ok2")]
        + [("collaborator:" + names[k], "expire_collaborator", "refused") for k in bad]), lines
    for line in lines:
        if line["result"] == "refused":
            assert line["reason"] == reasons[line["target"].split(":", 1)[1]]

    after = _state(fserver, bucket)
    for k in ("ok1", "ok2"):
        assert creds[k]["access_key"] not in after["users"]
        assert "collab-" + names[k] not in after["policies"]
        assert "collaborators/%s.json" % names[k] not in after["records"]
        assert _rejected(fserver, creds[k], bucket, "results/%s/genome.vcf" % k), k
    for k in bad:   # left exactly as they were, for a person to look at
        assert _record(fserver, names[k]) == bad_records[k]
        assert after["users"][creds[k]["access_key"]] == before["users"][creds[k]["access_key"]]
        assert after["policies"]["collab-" + names[k]] == before["policies"]["collab-" + names[k]]
    assert after["users"][internal] == before["users"][internal]
    assert after["users"][internal]["status"] == "enabled"
    assert after["users"][internal]["policyName"] == rw_policy
    assert after["policies"][rw_policy] == before["policies"][rw_policy]
    assert after["objects"] == before["objects"]
    assert _code(inside.put_object, bucket, "results/internal-2.txt", io.BytesIO(b"y"), 1) is None
    assert inside.get_object(bucket, "results/internal-2.txt").read() == b"y"

    # ---- orphans: reported (and nothing removed), still alongside the bad records' errors
    orphan_keys = dict((k, creds[k]["access_key"]) for k in ("orph1", "orph2"))
    mark = len(fansible.audit_lines())
    report = fansible.run(fserver, [{SWEEP: {"orphans": "report"}, "ignore_errors": True}])[0]
    assert report.get("failed") is True and report["changed"] is False and report["removed"] == []
    assert sorted(e["name"] for e in report["errors"]) == sorted(names[k] for k in bad)
    assert sorted((o["name"], o["problem"], tuple(o["users"]), o.get("removed")) for o in report["orphans"]) == \
        sorted((names[k], "no record", (orphan_keys[k],), None) for k in ("orph1", "orph2")), report["orphans"]
    reported = [l for l in _new_audit(fansible, mark) if l["result"] == "reported"]
    assert sorted((l["target"], l["action"], tuple(l["access_keys"])) for l in reported) == \
        sorted(("collaborator:" + names[k], "orphan_collaborator", (orphan_keys[k],)) for k in ("orph1", "orph2"))
    state = _state(fserver)
    for k in ("orph1", "orph2"):
        assert _holders(state, "collab-" + names[k]) == [orphan_keys[k]]
        assert _works(fserver, creds[k], bucket, "results/%s/genome.vcf" % k), k

    # ---- state: absent without a record still removes the user and the policy
    mark = len(fansible.audit_lines())
    absent = fansible.run(fserver, [{COLLAB: {"name": names["orph2"], "state": "absent"}}])[0]
    assert not absent.get("failed") and absent["changed"] is True, absent
    state = _state(fserver)
    assert orphan_keys["orph2"] not in state["users"] and "collab-" + names["orph2"] not in state["policies"]
    assert _rejected(fserver, creds["orph2"], bucket, "results/orph2/genome.vcf")
    lines = _new_audit(fansible, mark)
    assert [(l["action"], l["result"], l.get("record")) for l in lines] == \
        [("remove_collaborator", "changed", "missing")], lines

    # ---- orphans: removed
    mark = len(fansible.audit_lines())
    removal = fansible.run(fserver, [{SWEEP: {"orphans": "remove"}, "ignore_errors": True}])[0]
    assert removal.get("failed") is True and removal["changed"] is True   # still the bad records
    assert [(o["name"], o.get("removed")) for o in removal["orphans"]] == [(names["orph1"], True)]
    state = _state(fserver, bucket)
    assert orphan_keys["orph1"] not in state["users"] and "collab-" + names["orph1"] not in state["policies"]
    assert _rejected(fserver, creds["orph1"], bucket, "results/orph1/genome.vcf")
    lines = _new_audit(fansible, mark)
    assert [(l["target"], l["result"]) for l in lines if l["action"] == "remove_orphan"] == \
        [("collaborator:" + names["orph1"], "changed")]
    for k in bad:   # still untouched
        assert _record(fserver, names[k]) == bad_records[k]
        assert state["users"][creds[k]["access_key"]] == before["users"][creds[k]["access_key"]]
    assert state["users"][internal] == before["users"][internal]
    assert state["policies"][rw_policy] == before["policies"][rw_policy]


# =========================================================================== 2. concurrent first runs
def _start_play(server, ansible, tasks, tag, defaults=None):
    """ansible-playbook in the background, with the play Ansible.run would write."""
    module_defaults = server.module_defaults(ansible.audit_log)
    module_defaults.update(defaults or {})
    play = [{"name": "s3share integration", "hosts": "localhost", "gather_facts": False,
             "module_defaults": {"group/egid.s3share.minio": module_defaults}, "tasks": tasks}]
    path = ansible.workdir / ("race-%s.yml" % tag)
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0",
               PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")))
    return subprocess.Popen(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", "ansible_python_interpreter=%s" % sys.executable, str(path)],
        cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish_play(proc):
    out, err = proc.communicate(timeout=120)
    try:
        doc = json.loads(out)
    except ValueError:
        raise AssertionError("ansible-playbook output is not JSON:\n%s\n%s" % (out, err))
    return [task["hosts"]["localhost"] for task in doc["plays"][0]["tasks"]]


# Each process says it is ready, then waits for the start signal: the module
# tasks of the four processes then begin within milliseconds of each other.
BARRIER = ("import os, sys, time\n"
           "open(sys.argv[1], 'w').close()\n"
           "deadline = time.time() + 60\n"
           "while not os.path.exists(sys.argv[2]) and time.time() < deadline:\n"
           "    time.sleep(0.002)\n")


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_first_runs(fserver, fansible, prefix, bucket, tmp_path, round_):
    s3 = fserver.clients()[0]
    name = "%s-race%d" % (prefix, round_)
    _put(s3, bucket, "results/race/genome.vcf", b"ACGT")
    go = tmp_path / "go"
    procs = []
    mark = len(fansible.audit_lines())
    for i in range(4):
        barrier = {"argv": [sys.executable, "-c", BARRIER, str(tmp_path / ("ready%d" % i)), str(go)]}
        tasks = [{"name": "barrier", "ansible.builtin.command": barrier},
                 dict(_collab_task(name, bucket, "results/race"), ignore_errors=True)]
        procs.append(_start_play(fserver, fansible, tasks, "%s-%d" % (name, i)))
    deadline = time.time() + 90
    while not all((tmp_path / ("ready%d" % i)).exists() for i in range(4)):
        assert time.time() < deadline, "the plays never reached the barrier"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs if p.poll() is not None]
        time.sleep(0.01)
    go.write_text("go")
    results = [_finish_play(p)[-1] for p in procs]

    # One run creates the account. Each other run either lost the race (it failed, saying another run is
    # at it, having changed nothing) or started once the account was complete (a plain re-run: no change).
    winners = [r for r in results if not r.get("failed") and r.get("changed")]
    losers = [r for r in results if r.get("failed")]
    reruns = [r for r in results if not r.get("failed") and not r.get("changed")]
    summary = "\n".join("failed=%s changed=%s credentials=%s msg=%s" % (
        r.get("failed"), r.get("changed"), "credentials" in r, r.get("msg")) for r in results)
    assert len(winners) == 1 and "credentials" in winners[0], summary
    assert all("credentials" not in r for r in losers + reruns), summary
    creds = winners[0]["credentials"]

    # What the server holds: one account, named by the record, that works.
    state = _state(fserver)
    assert _holders(state, "collab-" + name) == [creds["access_key"]], summary
    record = json.loads(_record(fserver, name))
    assert record["access_key"] == creds["access_key"] and record["status"] == "active"
    assert _works(fserver, creds, bucket, "results/race/genome.vcf")
    lines = [l for l in _new_audit(fansible, mark) if l["target"] == "collaborator:" + name]
    # One audit line for the change, one per failed run; a re-run that changes nothing writes none.
    assert sorted(l["result"] for l in lines) == ["changed"] + ["failed"] * len(losers), lines

    # What the losers were told: that another run is at it (not a problem for a person to fix).
    for loser in losers:
        assert "another run" in loser["msg"], summary


# =========================================================================== 3. failures injected by a proxy
class FaultProxy:
    """A TLS proxy in front of the real MinIO that answers chosen requests with HTTP 500.

    Every other request is forwarded unchanged (method, path and query, body,
    all headers including Host, so SigV4 signatures still verify), and the
    server's answer is sent back unchanged.
    """

    HOP = ("connection", "keep-alive", "transfer-encoding", "content-length")

    def __init__(self, upstream_port, certs_dir, ca_path):
        import urllib3
        self.pool = urllib3.HTTPSConnectionPool("127.0.0.1", upstream_port, cert_reqs="CERT_REQUIRED",
                                                ca_certs=ca_path, maxsize=16, retries=False)
        self.log = []
        self.faults = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _any(self):
                proxy.handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(certs_dir, "public.crt"), os.path.join(certs_dir, "private.key"))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return "https://127.0.0.1:%d" % self.port

    def fail(self, method, path, nth=1, query=None):
        """Answer the nth request matching method, path (and a query fragment) with HTTP 500."""
        with self.lock:
            self.faults.append({"method": method, "path": path, "query": query, "nth": nth, "seen": 0})

    def _fault_for(self, method, path, query):
        with self.lock:
            for fault in self.faults:
                if (fault["method"], fault["path"]) == (method, path) and (not fault["query"]
                                                                           or fault["query"] in query):
                    fault["seen"] += 1
                    if fault["seen"] == fault["nth"]:
                        return fault
        return None

    def handle(self, req):
        path, dummy, query = req.path.partition("?")
        body = b""
        if "chunked" in req.headers.get("Transfer-Encoding", "").lower():
            raise AssertionError("chunked request to %s: not expected from the minio SDK" % path)
        length = int(req.headers.get("Content-Length") or 0)
        if length:
            body = req.rfile.read(length)
        headers = dict(req.headers.items())
        entry = {"method": req.command, "path": path, "query": query, "headers": headers}
        if self._fault_for(req.command, path, query):
            entry["status"] = 500
            with self.lock:
                self.log.append(entry)
            if path.startswith("/minio/admin/"):
                payload = json.dumps({"Code": "InternalError", "Message": "injected fault (test proxy)",
                                      "Resource": path, "RequestId": "FAULT", "HostId": "proxy"}).encode()
                kind = "application/json"
            else:
                payload = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
                           "<Message>We encountered an internal error, please try again. (injected fault)"
                           "</Message><Resource>%s</Resource><RequestId>FAULT</RequestId><HostId>proxy"
                           "</HostId></Error>" % path).encode()
                kind = "application/xml"
            req.send_response(500)
            req.send_header("Content-Type", kind)
            req.send_header("Content-Length", str(len(payload)))
            req.end_headers()
            req.wfile.write(payload)
            return
        response = self.pool.urlopen(req.command, req.path, body=body or None, headers=headers,
                                     retries=False, redirect=False, assert_same_host=False,
                                     preload_content=False, decode_content=False)
        try:
            data = response.read(decode_content=False)
        finally:
            response.release_conn()
        entry["status"] = response.status
        with self.lock:
            self.log.append(entry)
        req.send_response(response.status)
        for key, value in response.headers.items():
            if key.lower() not in self.HOP:
                req.send_header(key, value)
        if req.command == "HEAD":
            req.send_header("Content-Length", response.headers.get("Content-Length", "0"))
        else:
            req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(data)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.pool.close()


@pytest.fixture()
def proxy(fserver, pki):
    p = FaultProxy(fserver.port, pki["certs_dir"], pki["ca_path"])
    yield p
    p.close()


ATTACH = "/minio/admin/v3/set-user-or-group-policy"


@pytest.mark.parametrize("fault", ["attach-policy", "record-final-write"])
def test_failure_after_user_creation_rolls_back(fserver, fansible, prefix, bucket, proxy, fault):
    s3 = fserver.clients()[0]
    name = "%s-%s" % (prefix, "att" if fault == "attach-policy" else "rec")
    record_path = "/%s/collaborators/%s.json" % (RECORDS, name)
    _put(s3, bucket, "results/proxy/genome.vcf", b"ACGT")
    task = dict(_collab_task(name, bucket, "results/proxy"), ignore_errors=True)
    via_proxy = {"endpoint": proxy.endpoint}

    # The proxy is transparent: a whole run through it works (and shows the requests it makes).
    probe = "%s-probe" % name
    ok = fansible.run(fserver, [dict(_collab_task(probe, bucket, "results/proxy"))], via_proxy)[0]
    assert not ok.get("failed"), ok.get("msg")
    assert _works(fserver, ok["credentials"], bucket, "results/proxy/genome.vcf")
    probe_requests = [(e["method"], e["path"]) for e in proxy.log]
    assert ("PUT", ATTACH) in probe_requests
    assert probe_requests.count(("PUT", "/%s/collaborators/%s.json" % (RECORDS, probe))) == 2
    del proxy.log[:]

    before = _state(fserver, bucket)
    if fault == "attach-policy":
        proxy.fail("PUT", ATTACH, query="policyName=collab-" + name)
    else:
        proxy.fail("PUT", record_path, nth=2)
    mark = len(fansible.audit_lines())
    failed = fansible.run(fserver, [task], via_proxy)[0]
    assert failed.get("failed") is True and "credentials" not in failed, failed
    assert "rolled back: nothing of it is left" in failed["msg"], failed["msg"]
    assert "InternalError" in failed["msg"]

    # The fault hit the request meant, after the user was created, and the rollback followed it.
    calls = [(e["method"], e["path"], e["status"]) for e in proxy.log]
    hit = [i for i, e in enumerate(proxy.log) if e["status"] == 500]
    assert len(hit) == 1, calls
    faulted = proxy.log[hit[0]]
    record_puts = [e for e in proxy.log if (e["method"], e["path"]) == ("PUT", record_path)]
    assert record_puts[0]["headers"].get("If-None-Match") == "*", "the first write must be conditional"
    created_user = [e for e in proxy.log[:hit[0]] if e["path"] == "/minio/admin/v3/add-user"]
    assert len(created_user) == 1 and created_user[0]["status"] == 200, calls
    if fault == "attach-policy":
        assert (faulted["method"], faulted["path"]) == ("PUT", ATTACH) and len(record_puts) == 1, calls
    else:
        assert faulted is record_puts[1] and "If-None-Match" not in faulted["headers"], calls
        assert ("PUT", ATTACH, 200) in calls[:hit[0]]
    after_fault = [(e["method"], e["path"]) for e in proxy.log[hit[0] + 1:]]
    assert ("DELETE", "/minio/admin/v3/remove-user") in after_fault
    assert ("DELETE", "/minio/admin/v3/remove-canned-policy") in after_fault
    assert ("DELETE", record_path) in after_fault

    # Through the real server directly: nothing of it is left, everything else as before.
    after = _state(fserver, bucket)
    assert after == before, "the rollback left something behind"
    assert "collab-" + name not in after["policies"] and not _holders(after, "collab-" + name)
    assert "collaborators/%s.json" % name not in after["records"]
    lines = list(_new_audit(fansible, mark))
    assert [(l["target"], l["action"], l["result"]) for l in lines] == \
        [("collaborator:" + name, "set_collaborator", "failed")], lines

    # The next run, through the same proxy without a fault, starts clean and returns working credentials.
    again = fansible.run(fserver, [task], via_proxy)[0]
    assert not again.get("failed") and again["changed"] is True, again.get("msg")
    creds = again["credentials"]
    assert _works(fserver, creds, bucket, "results/proxy/genome.vcf")
    state = _state(fserver)
    assert _holders(state, "collab-" + name) == [creds["access_key"]]
    assert json.loads(_record(fserver, name))["status"] == "active"


# =========================================================================== 4. bad input
def test_bad_input_refused_audited_and_harmless(fserver, fansible, prefix, bucket):
    s3 = fserver.clients()[0]
    _put(s3, bucket, "results/chu-liege/genome.vcf", b"ACGT")
    newline_name = prefix + "-liege\n"
    cases = [
        ({COLLAB: {"name": newline_name, "bucket": bucket, "prefix": "results/chu-liege"}},
         "collaborator:" + newline_name, "invalid collaborator name"),
        ({"egid.s3share.minio_share": {"bucket": bucket, "prefix": ""}},
         "bucket:%s/" % bucket, "whole bucket"),
        ({"egid.s3share.minio_share": {"bucket": RECORDS, "prefix": "collaborators"}},
         "bucket:%s/collaborators" % RECORDS, "holds the collaborator records"),
    ]
    before = _state(fserver, bucket)
    mark = len(fansible.audit_lines())
    results = fansible.run(fserver, [dict(task, ignore_errors=True) for task, dummy, dummy2 in cases])
    assert len(results) == len(cases)
    for result, (task, target, expected) in zip(results, cases):
        assert result.get("failed") is True and result.get("refused") is True, (task, result)
        assert expected in result["msg"], (expected, result["msg"])
        assert not result.get("links") and "credentials" not in result
    assert repr(newline_name)[1:-1] in results[0]["msg"], "the newline did not reach the module"
    lines = _new_audit(fansible, mark)
    assert [(l["target"], l["result"]) for l in lines] == [(target, "refused") for dummy, target, dummy2 in cases]
    assert _state(fserver, bucket) == before
