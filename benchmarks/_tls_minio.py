# -*- coding: utf-8 -*-
"""A throw-away MinIO server over TLS for the collaborator benchmarks.

The server and its PKI are the integration tests' own (tests/integration/minio/
minio_testbed.py: make_pki and MinioServer); this adds root clients built by the
collection's own _minio.connection code and the real mc binary configured to
trust the CA. Everything lives in one temporary directory removed on exit.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".collections"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests" / "integration" / "minio"))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from minio_testbed import MinioServer  # noqa: E402
from testbed_common import make_pki  # noqa: E402
from users_server import _free_port, binaries  # noqa: E402,F401  (re-exported)

from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (  # noqa: E402
    ConnectionSettings, create_clients,
)


class TlsMinio:
    """with TlsMinio(minio_bin, mc_bin) as server: ... (server.clients(), server.mc(...))."""

    def __init__(self, minio_bin, mc_bin=None):
        self.mc_bin = mc_bin
        self.workdir = Path(tempfile.mkdtemp(prefix="s3share-bench-tls-"))
        pki = make_pki(self.workdir / "pki")
        self.certs_dir, self.ca_path = pki["certs_dir"], pki["ca_path"]
        self.server = MinioServer(minio_bin, pki, self.workdir / "server", kms=False)
        self.access_key, self.secret_key = self.server.access_key, self.server.secret_key

    @property
    def port(self):
        return self.server.port

    @property
    def endpoint(self):
        return self.server.endpoint

    def settings(self, access_key=None, secret_key=None):
        return ConnectionSettings(self.endpoint, access_key or self.access_key, secret_key or self.secret_key,
                                  ca_path=self.ca_path)

    def clients(self):
        """Root clients as the modules build them (TLS verified against the benchmark CA)."""
        return create_clients(self.settings())

    def __enter__(self):
        try:
            self.server.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ mc
    def mc(self, *args, timeout=60):
        """Run the real mc binary with a config directory that trusts the benchmark CA."""
        config = self.workdir / "mc"
        cas = config / "certs" / "CAs"
        if not cas.exists():
            cas.mkdir(parents=True)
            shutil.copy(self.ca_path, cas / "ca.crt")
        return subprocess.run([self.mc_bin, "--config-dir", str(config), "--no-color", "--quiet"] + list(args),
                              capture_output=True, text=True, timeout=timeout, check=False)

    def mc_alias(self, alias, access_key, secret_key):
        proc = self.mc("alias", "set", alias, self.endpoint, access_key, secret_key, "--api", "S3v4")
        if proc.returncode != 0:
            raise RuntimeError("mc alias set failed: %s%s" % (proc.stdout, proc.stderr))
