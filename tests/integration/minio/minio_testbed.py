# -*- coding: utf-8 -*-
"""Test bed: real MinIO servers on loopback, with TLS verified through a CA made here.

The binaries come from MINIO_BIN / MC_BIN, or from scripts/artifacts.sh, which
builds the pinned releases from source on a fresh machine. Modules are driven
through real ansible-playbook runs on localhost; results are read with the
ansible.builtin.json callback.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from testbed_common import free_ports, make_pki, wait_https_ok

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent


# --------------------------------------------------------------------------- binaries
@pytest.fixture(scope="session")
def binaries():
    minio_bin, mc_bin = os.environ.get("MINIO_BIN"), os.environ.get("MC_BIN")
    if not (minio_bin and mc_bin):
        out = subprocess.run([str(REPO / "scripts" / "artifacts.sh")], check=True, capture_output=True,
                             text=True).stdout
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        minio_bin, mc_bin = values["MINIO_BIN"], values["MC_BIN"]
    for path in (minio_bin, mc_bin):
        assert os.access(path, os.X_OK), "%s is not an executable" % path
    return {"minio": minio_bin, "mc": mc_bin}


# --------------------------------------------------------------------------- PKI
@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost."""
    return make_pki(tmp_path_factory.mktemp("pki"))


# --------------------------------------------------------------------------- servers
class MinioServer:
    def __init__(self, binary, pki, workdir, kms):
        self.binary = binary
        self.ca_path = pki["ca_path"]
        self.certs_dir = pki["certs_dir"]
        self.workdir = Path(workdir)
        self.kms = kms
        self.access_key = "root" + secrets.token_hex(4)
        # Letters and digits only: a secret that starts with '-' (1 in 64 of token_urlsafe's) is taken for a
        # flag by `mc alias set`, and failed the test_push fixtures once in CI.
        self.secret_key = secrets.token_hex(20)
        self.proc = None
        self.port = None
        self.console_port = None

    @property
    def endpoint(self):
        return "https://127.0.0.1:%d" % self.port

    @property
    def console_endpoint(self):
        return "https://127.0.0.1:%d" % self.console_port

    def start(self):
        # The web console is on (test_console.py drives it with Chromium), with the STS lifetime that
        # roles/minio_server writes (minio_server_sts_duration).
        env = dict(os.environ, MINIO_ROOT_USER=self.access_key, MINIO_ROOT_PASSWORD=self.secret_key,
                   MINIO_BROWSER="on", MINIO_STS_DURATION="1h", MINIO_UPDATE="off", MINIO_CI_CD="1")
        if self.kms:
            env["MINIO_KMS_SECRET_KEY"] = "s3share-test:" + __import__("base64").b64encode(
                secrets.token_bytes(32)).decode()
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            self.port, self.console_port = free_ports(2)
            console = self.console_port
            self.log = open(self.workdir / "server.log", "ab")
            self.proc = subprocess.Popen(
                [self.binary, "server", "--quiet", "--address", "127.0.0.1:%d" % self.port,
                 "--console-address", "127.0.0.1:%d" % console, "--certs-dir", self.certs_dir,
                 str(self.workdir / "data")],
                env=env, stdout=self.log, stderr=subprocess.STDOUT)
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError("MinIO did not start; see %s" % (self.workdir / "server.log"))

    def _wait_ready(self, timeout=60):
        return wait_https_ok(self.endpoint + "/minio/health/ready", self.ca_path, self.proc, timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def module_defaults(self, audit_log):
        return {"endpoint": self.endpoint, "access_key": self.access_key, "secret_key": self.secret_key,
                "ca_path": self.ca_path, "audit_log": str(audit_log)}

    def clients(self):
        """Root SDK clients that verify TLS with the test CA."""
        import urllib3
        from minio import Minio, MinioAdmin
        from minio.credentials import StaticProvider
        http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=self.ca_path)
        netloc = "127.0.0.1:%d" % self.port
        s3 = Minio(netloc, self.access_key, self.secret_key, secure=True, http_client=http, region="us-east-1")
        admin = MinioAdmin(endpoint=netloc, credentials=StaticProvider(self.access_key, self.secret_key),
                           secure=True, http_client=http)
        return s3, admin

    def s3_as(self, access_key, secret_key):
        import urllib3
        from minio import Minio
        # A pooled connection that the server closed after an error answer is retried once; answers
        # (an AccessDenied included) are never retried, so what the tests assert is the server's first word.
        http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=self.ca_path,
                                   retries=urllib3.Retry(total=2, connect=2, read=2, status=0, redirect=0, other=0))
        return Minio("127.0.0.1:%d" % self.port, access_key, secret_key, secure=True, http_client=http,
                     region="us-east-1")


@pytest.fixture(scope="session")
def server(binaries, pki, tmp_path_factory):
    srv = MinioServer(binaries["minio"], pki, tmp_path_factory.mktemp("minio-kms"), kms=True).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def server_nokms(binaries, pki, tmp_path_factory):
    srv = MinioServer(binaries["minio"], pki, tmp_path_factory.mktemp("minio-nokms"), kms=False).start()
    yield srv
    srv.stop()


# --------------------------------------------------------------------------- ansible
class Ansible:
    """Runs tasks through a real ansible-playbook on localhost."""

    def __init__(self, workdir, audit_log):
        self.workdir = Path(workdir)
        self.audit_log = Path(audit_log)
        self.count = 0

    def run(self, server, tasks, defaults=None):
        """Run tasks; return the list of per-task results (dicts) for localhost."""
        self.count += 1
        module_defaults = server.module_defaults(self.audit_log)
        module_defaults.update(defaults or {})
        play = [{"name": "s3share integration", "hosts": "localhost", "gather_facts": False,
                 "module_defaults": {"group/egid.s3share.minio": module_defaults}, "tasks": tasks}]
        path = self.workdir / ("play%03d.yml" % self.count)
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                   ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                   ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0",
                   PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")))
        proc = subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
             "-e", "ansible_python_interpreter=%s" % sys.executable, str(path)],
            cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError("ansible-playbook output is not JSON:\n%s\n%s" % (proc.stdout, proc.stderr))
        return [task["hosts"]["localhost"] for task in doc["plays"][0]["tasks"]]

    def check_real_check_real(self, server, module, args, defaults=None):
        """The community.postgresql sequence: check, real, check, real, all in diff mode."""
        tasks = []
        for check in (True, False, True, False):
            tasks.append({"name": "%s %s" % (module, "check" if check else "real"),
                          module: args, "check_mode": check, "diff": True, "ignore_errors": True})
        return self.run(server, tasks, defaults)

    def audit_lines(self):
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def ansible(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ansible")
    return Ansible(workdir, workdir / "logs" / "actions.log")


@pytest.fixture()
def prefix():
    """Random name prefix, so reruns and parallel sessions never collide."""
    return "t" + secrets.token_hex(3)


def _timeless(value):
    """Drop timestamps (created_at, expires_at, ...): a later run computes them a few seconds later."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if not k.endswith("_at")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def assert_sequence(results, changed=(True, True, False, False)):
    """Check-mode predicts exactly; reruns do not change; diff is given each time."""
    for result in results:
        assert not result.get("failed"), result.get("msg")
    assert [r["changed"] for r in results] == list(changed), [r.get("diff") for r in results]
    for result in results:
        assert "diff" in result, "diff mode returned no diff"
    assert _timeless(results[0]["diff"]) == _timeless(results[1]["diff"]), "check mode did not predict the real diff"
    assert results[0]["diff"]["before"] != results[0]["diff"]["after"]
    assert results[2]["diff"]["before"] == results[2]["diff"]["after"]
    assert results[3]["diff"]["before"] == results[3]["diff"]["after"]


class Mc:
    """The real mc binary, as an independent client."""

    def __init__(self, binary, config_dir, ca_path):
        self.binary = binary
        self.config_dir = Path(config_dir)
        (self.config_dir / "certs" / "CAs").mkdir(parents=True, exist_ok=True)
        shutil.copy(ca_path, self.config_dir / "certs" / "CAs" / "ca.crt")

    def __call__(self, *args, input_text=None):
        proc = subprocess.run([self.binary, "--config-dir", str(self.config_dir), "--no-color", "--json"]
                              + list(args), capture_output=True, text=True, input=input_text, timeout=60,
                              check=False)
        return proc

    def alias(self, name, server, access_key, secret_key):
        proc = self("alias", "set", name, server.endpoint, access_key, secret_key, "--api", "S3v4")
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture()
def mc(binaries, pki, tmp_path):
    return Mc(binaries["mc"], tmp_path / "mc", pki["ca_path"])


def new_tempdir():
    return tempfile.mkdtemp(prefix="s3share-")
