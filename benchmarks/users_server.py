# -*- coding: utf-8 -*-
"""A throw-away MinIO server for the users benchmark (loopback, random root credentials).

Plain HTTP on 127.0.0.1: the benchmark measures API call counts and the cost of
our reconcile code, and TLS would only add a constant per connection (the pool
keeps connections open). Binaries come from MINIO_BIN / MC_BIN or from
scripts/artifacts.sh (which builds the pinned releases from source).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def binaries():
    minio_bin, mc_bin = os.environ.get("MINIO_BIN"), os.environ.get("MC_BIN")
    if minio_bin and mc_bin:
        return minio_bin, mc_bin
    out = subprocess.run([str(REPO / "scripts" / "artifacts.sh")], check=True, capture_output=True, text=True).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return values["MINIO_BIN"], values["MC_BIN"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchServer:
    def __init__(self, minio_bin):
        self.minio_bin = minio_bin
        self.workdir = Path(tempfile.mkdtemp(prefix="s3share-bench-"))
        self.access_key = "bench" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        self.port = _free_port()
        self.proc = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def __enter__(self):
        env = dict(os.environ, MINIO_ROOT_USER=self.access_key, MINIO_ROOT_PASSWORD=self.secret_key,
                   MINIO_BROWSER="off", MINIO_UPDATE="off")
        self.log = open(self.workdir / "server.log", "wb")
        self.proc = subprocess.Popen([self.minio_bin, "server", "--quiet", "--address", "127.0.0.1:%d" % self.port,
                                      "--console-address", "127.0.0.1:%d" % _free_port(), str(self.workdir / "data")],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.endpoint + "/minio/health/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("MinIO did not start, see %s" % (self.workdir / "server.log"))

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
