# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What earlier runs did, kept on disk (sqlite) so that memory stays bounded whatever the folder.

One database per (endpoint, account, bucket, prefix, source folder), under
~/.cache/egid-s3share/push/ (mode 0700):

- files: each file sent or checked, with the stat it had (size, mtime_ns,
  inode), its SHA-256 and the checksum S3 keeps for it. A later run skips a
  file whose stat and whose object on the server (size, checksum) still match,
  without reading it again; the manifest is written from this table.
- uploads: the multipart uploads under way, written as soon as started, so
  that a killed run is resumed part by part, or aborted when the file changed.

The server stays the judge: nothing is skipped on this table's word alone.
Rows of files are committed in batches (a lost batch costs a re-read, not a
re-send); rows of uploads at once.
"""

import hashlib
import os
import sqlite3
import threading
import time

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (key TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER,
                                  sha256 TEXT, checksum TEXT, part_size INTEGER, run INTEGER);
CREATE INDEX IF NOT EXISTS files_run ON files (run, key);
CREATE TABLE IF NOT EXISTS uploads (key TEXT PRIMARY KEY, upload_id TEXT, size INTEGER, mtime_ns INTEGER,
                                    ino INTEGER, part_size INTEGER);
"""


def default_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "egid-s3share", "push")


def db_path(state_dir, endpoint, access_key, bucket, prefix, source):
    ident = "\0".join([endpoint, access_key, bucket, prefix, os.path.realpath(source)])
    return os.path.join(state_dir, hashlib.sha256(ident.encode("utf-8")).hexdigest()[:24] + ".sqlite")


class State:
    def __init__(self, path, run=None, batch_seconds=1.0):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        self.path = path
        self.run = run or time.time_ns()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")
        self._last_commit = time.monotonic()
        self._batch_seconds = batch_seconds

    def _maybe_commit(self, force=False):
        if force or time.monotonic() - self._last_commit >= self._batch_seconds:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN")
            self._last_commit = time.monotonic()

    def file(self, key):
        """(size, mtime_ns, ino, sha256, checksum, part_size) recorded for key, or None."""
        with self._lock:
            return self._db.execute("SELECT size, mtime_ns, ino, sha256, checksum, part_size FROM files WHERE key=?",
                                    (key,)).fetchone()

    def record_file(self, key, entry, sha256, checksum, part_size):
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (key, entry.size, entry.mtime_ns, entry.ino, sha256, checksum, part_size, self.run))
            self._maybe_commit()

    def forget_file(self, key):
        with self._lock:
            self._db.execute("DELETE FROM files WHERE key=?", (key,))
            self._maybe_commit()

    def upload(self, key):
        """(upload_id, size, mtime_ns, ino, part_size) of the upload under way for key, or None."""
        with self._lock:
            return self._db.execute("SELECT upload_id, size, mtime_ns, ino, part_size FROM uploads WHERE key=?",
                                    (key,)).fetchone()

    def record_upload(self, key, upload_id, entry, part_size):
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
                             (key, upload_id, entry.size, entry.mtime_ns, entry.ino, part_size))
            self._maybe_commit(force=True)

    def forget_upload(self, key):
        with self._lock:
            self._db.execute("DELETE FROM uploads WHERE key=?", (key,))
            self._maybe_commit(force=True)

    def upload_ids(self):
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT upload_id FROM uploads")}

    def manifest(self, prefix_len):
        """Yield (relative path, sha256) of every file of this run, sorted by key (a cursor, not a list)."""
        with self._lock:
            self._maybe_commit(force=True)
        cursor = sqlite3.connect(self.path).execute(
            "SELECT key, sha256 FROM files WHERE run=? ORDER BY key", (self.run,))
        for key, sha256 in cursor:
            yield key[prefix_len:], sha256

    def close(self):
        with self._lock:
            self._db.execute("COMMIT")
            self._db.close()
