# -*- coding: utf-8 -*-
"""MinIO's own minio-py functional suite (tests/functional/tests.py of the minio sdist), run against a server.

The suite is upstream's, unchanged: the sdist is fetched once from PyPI, pinned by
sha256, and kept in the cache ($EGID_CACHE, ~/.cache/egid-s3share by default) under
its version. It runs with the library of the same sdist, in MINT_MODE=full (the
cases MinIO's mint runs), over TLS verified against the test bed's CA.

Upstream's main() stops at the first failing case. The driver below replaces its
per-case wrapper with one that records the failure and goes on, so one run gives
the status of every case; the statuses themselves are upstream's JSON lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ansible_collections.egid.s3share.plugins.module_utils._host.host_state import sha256_of

VERSION = "7.2.20"
SDIST_SHA256 = "95898b7a023fbbfde375985aa77e2cd6a0762268db79cf886f002a9ea8e68598"
CACHE = Path(os.environ.get("EGID_CACHE") or Path.home() / ".cache" / "egid-s3share") / ("minio-py-%s" % VERSION)

DRIVER = """
import socket
import tests as suite

# minio-py waits without a limit by default: a server that stops answering fails its case instead.
socket.setdefaulttimeout(120)

upstream_call_test = suite._call_test


def call_test(func, *args, **kwargs):
    try:
        upstream_call_test(func, *args, **kwargs)
    except suite.TestFailed:
        pass  # upstream already printed the FAIL line; go on with the next case


suite._call_test = call_test
suite.main()
"""


def suite_root():
    """The extracted sdist (its minio/ package and tests/functional/tests.py), fetched and checked once."""
    root = CACHE / ("minio-%s" % VERSION)
    if (root / "tests" / "functional" / "tests.py").is_file():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "--dest", scratch, "minio==%s" % VERSION], check=True)
        sdist = Path(scratch) / ("minio-%s.tar.gz" % VERSION)
        got = sha256_of(sdist)
        if got != SDIST_SHA256:
            raise RuntimeError("minio-%s.tar.gz from PyPI has sha256 %s, pinned %s" % (VERSION, got, SDIST_SHA256))
        with tarfile.open(sdist) as archive:
            archive.extractall(scratch, filter="data")
        os.rename(Path(scratch) / ("minio-%s" % VERSION), root)
    return root


def run_suite(host_port, access_key, secret_key, ca_path, workdir, timeout=600):
    """Run the full suite against https://host_port; return [{"name", "status", "message"?}, ...] in run order.

    A case that runs twice (plain, then with SSE-C) gives two entries with the same name.
    """
    root = suite_root()
    env = dict(os.environ, SERVER_ENDPOINT=host_port, ACCESS_KEY=access_key, SECRET_KEY=secret_key,
               ENABLE_HTTPS="1", MINT_MODE="full", SSL_CERT_FILE=ca_path, DATA_DIR=str(Path(workdir) / "no-mint"),
               PYTHONPATH=os.pathsep.join([str(root / "tests" / "functional"), str(root)]))
    proc = subprocess.run([sys.executable, "-c", DRIVER], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    results = []
    for line in proc.stdout.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "status" in entry and str(entry.get("name", "")).startswith("minio-py:"):
            results.append({"name": entry["name"].split(":", 1)[1], "status": entry["status"],
                            "message": entry.get("message", "")})
    if proc.returncode != 0 or not results:
        raise RuntimeError("the minio-py suite did not run to its end (exit %s):\n%s\n%s"
                           % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return results


def failing(results):
    """{name: first failure message} of the cases that did not pass (NA, Not Implemented, counts as failing)."""
    out = {}
    for entry in results:
        if entry["status"] != "PASS":
            out.setdefault(entry["name"], "%s: %s" % (entry["status"], entry["message"]))
    return out
