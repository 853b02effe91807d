# -*- coding: utf-8 -*-
"""How big and how long a backup is: the first one, then one with nothing changed, then one after a change.

  python benchmarks/backup_incremental.py [--collaborators N]

A real MinIO over TLS (the integration tests' server and PKI) with N collaborators (users with a policy
each, and their records), an audit log of a few thousand lines, and the real restic from Debian writing to a
local repository (what the lab's NFS share is to nectar). Each backup is the s3share-backup job's own run
(plugins/module_utils/_backup/job.py: export, stage, snapshot, forget, restore check). The figures are the
bytes restic added to the repository and the wall time, with the second and third runs as a ratio of the
first, measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _tls_minio import TlsMinio, binaries  # noqa: E402

from ansible_collections.egid.s3share.plugins.module_utils._backup.job import run_backup  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import AuditLog  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collaborators", type=int, default=200)
    args = parser.parse_args()
    if not shutil.which("restic"):
        sys.exit("restic is needed (apt-get install restic; scripts/test.sh installs it)")
    minio_bin, _mc_bin = binaries()
    work = Path(tempfile.mkdtemp(prefix="s3share-bench-backup-"))
    try:
        with TlsMinio(minio_bin) as server:
            clients = server.clients()
            clients.s3.make_bucket("ligan")
            clients.s3.make_bucket("s3share-records")
            audit_log = work / "logs" / "actions.log"
            audit = AuditLog(str(audit_log), "benchmark", actor="benchmark")
            audit.ensure_writable()
            for number in range(args.collaborators):
                name = "collab-%05d" % number
                clients.admin.user_add(name, secrets.token_urlsafe(30))
                record = json.dumps({"name": name, "bucket": "ligan", "prefix": "results/p%d" % number}).encode()
                clients.s3.put_object("s3share-records", "collaborators/%s.json" % name, io.BytesIO(record),
                                      len(record))
                for _line in range(10):
                    audit.write("create_collaborator", name, "changed")
            (work / "password").write_text(secrets.token_urlsafe(24))
            settings = {"repository": str(work / "repo"), "password_file": str(work / "password"),
                        "restic": shutil.which("restic"), "cache_dir": str(work / "cache"),
                        "stage_dir": str(work / "stage"), "paths": [str(work / "logs")],
                        "audit_log": str(audit_log), "records_bucket": "s3share-records",
                        # No prune between the runs, so that each run's growth of the repository shows.
                        "keep": {"last": 10}}
            figures = []
            for label in ("first backup", "nothing changed", "one collaborator more"):
                if label == "one collaborator more":
                    clients.admin.user_add("collab-new", secrets.token_urlsafe(30))
                    audit.write("create_collaborator", "collab-new", "changed")
                before = _size(work / "repo")
                started = time.monotonic()
                ok, details = run_backup(settings, clients, audit, host="bench")
                elapsed = time.monotonic() - started
                if not ok:
                    sys.exit("backup failed: %s" % details.get("reason"))
                figures.append((label, details["added_bytes"], _size(work / "repo") - before, elapsed))
            repo_size = _size(work / "repo")
            log_size = audit_log.stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("backup of %d collaborators (IAM export, records, audit log of %d lines, %d bytes), restic %s, "
          "local repository" % (args.collaborators, args.collaborators * 10 + 1, log_size,
                                os.popen("restic version").read().split()[1]))
    print("restic's data_added counts new blobs before compression; 'repository grew' is what the share gained")
    print("%-24s %12s %16s %9s %16s %12s" % ("run", "data_added", "repository grew", "time s", "growth vs first",
                                             "time vs first"))
    for label, added, grew, elapsed in figures:
        print("%-24s %12d %16d %9.2f %16.3f %12.2f" % (label, added, grew, elapsed, grew / float(figures[0][2]),
                                                     elapsed / figures[0][3]))
    print("repository after three runs: %d bytes" % repo_size)


def _size(path):
    """Bytes of the files under path (0 when it does not exist yet)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


if __name__ == "__main__":
    main()
