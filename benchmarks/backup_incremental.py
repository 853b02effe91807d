# -*- coding: utf-8 -*-
"""How big and how long a backup is: the first one, then one with nothing changed, then one after a change.

  python benchmarks/backup_incremental.py [--collaborators N] [--audit-lines 2000,40000]

A real MinIO over TLS (the integration tests' server and PKI) with N collaborators (users, and their
records), and the real restic from Debian writing to a local repository (what the lab's NFS share is to
nectar). Each backup is the s3share-backup job's own run (plugins/module_utils/_backup/job.py: export,
stage, snapshot, forget, restore check). It runs once per audit log size (a small log, under restic's
smallest chunk of 512 KiB, and one of a busy month), each time: a first backup, one with nothing changed,
one after a new collaborator. The figures are how much the repository grew on disk (what the share gains)
and the wall time, with the later runs as a ratio of the first, measured in the same run; and the files
restic found changed in the run with nothing changed.
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

from ansible_collections.egid.s3share.plugins.module_utils._backup.job import repository_of, run_backup  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import AuditLog  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collaborators", type=int, default=200)
    parser.add_argument("--audit-lines", default="2000,40000",
                        help="audit log sizes to try, in lines (comma-separated)")
    args = parser.parse_args()
    if not shutil.which("restic"):
        sys.exit("restic is needed (apt-get install restic; scripts/test.sh installs it)")
    sizes = [int(n) for n in args.audit_lines.split(",")]
    minio_bin, _mc_bin = binaries()
    results = []
    with TlsMinio(minio_bin) as server:
        clients = server.clients()
        clients.s3.make_bucket("ligan")
        clients.s3.make_bucket("s3share-records")
        for number in range(args.collaborators):
            name = "collab-%05d" % number
            clients.admin.user_add(name, secrets.token_urlsafe(30))
            record = json.dumps({"name": name, "bucket": "ligan", "prefix": "results/p%d" % number}).encode()
            clients.s3.put_object("s3share-records", "collaborators/%s.json" % name, io.BytesIO(record), len(record))
        for index, lines in enumerate(sizes):
            results.append(_runs(clients, lines, "collab-new-%d" % index))
    version = os.popen("restic version").read().split()[1]
    print("backup of %d collaborators (IAM export, records, audit log), restic %s, local repository"
          % (args.collaborators, version))
    print("'grew' is what the repository gained on disk (compressed, deduplicated); restic's data_added counts "
          "new blobs before compression")
    for lines, log_size, figures, changed, total in results:
        print()
        print("audit log of %d lines (%d bytes)" % (lines, log_size))
        print("%-24s %12s %12s %9s %14s %13s" % ("run", "grew bytes", "data_added", "time s", "grew vs first",
                                                 "time vs first"))
        for label, added, grew, elapsed in figures:
            print("%-24s %12d %12d %9.2f %14.3f %13.2f" % (label, grew, added, elapsed, grew / float(figures[0][2]),
                                                         elapsed / figures[0][3]))
        print("changed in the run with nothing changed: %s" % ", ".join(changed))
        print("repository after three runs: %d bytes" % total)


def _runs(clients, lines, new_name):
    """Three backups to a new repository with an audit log of that many lines: the figures of each run."""
    work = Path(tempfile.mkdtemp(prefix="s3share-bench-backup-"))
    try:
        audit_log = work / "logs" / "actions.log"
        audit = AuditLog(str(audit_log), "benchmark", actor="benchmark")
        audit.ensure_writable()
        for number in range(lines):
            audit.write("create_collaborator", "collab-%05d" % (number // 10), "changed")
        (work / "password").write_text(secrets.token_urlsafe(24))
        settings = {"repository": str(work / "repo"), "password_file": str(work / "password"),
                    "restic": shutil.which("restic"), "cache_dir": str(work / "cache"),
                    "stage_dir": str(work / "stage"), "paths": [str(work / "logs")],
                    "audit_log": str(audit_log), "records_bucket": "s3share-records",
                    # No prune between the runs, so that each run's growth of the repository shows.
                    "keep": {"last": 10}}
        figures, snapshots = [], []
        for label in ("first backup", "nothing changed", "one collaborator more"):
            if label == "one collaborator more":
                clients.admin.user_add(new_name, secrets.token_urlsafe(30))
                audit.write("create_collaborator", new_name, "changed")
            before = _size(work / "repo")
            started = time.monotonic()
            ok, details = run_backup(settings, clients, audit, host="bench")
            elapsed = time.monotonic() - started
            if not ok:
                sys.exit("backup failed: %s" % details.get("reason"))
            figures.append((label, details["added_bytes"], _size(work / "repo") - before, elapsed))
            snapshots.append(details["snapshot"])
        diff = repository_of(settings).run("diff", snapshots[0], snapshots[1])
        changed = sorted(os.path.relpath(line.split(None, 1)[1], str(work)) for line in diff.splitlines()
                         if line[:1] in "M+" and len(line.split(None, 1)) == 2 and line.split(None, 1)[1].startswith("/")
                         and not line.endswith("/"))
        return lines, audit_log.stat().st_size, figures, changed, _size(work / "repo")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _size(path):
    """Bytes of the files under path (0 when it does not exist yet)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


if __name__ == "__main__":
    main()
