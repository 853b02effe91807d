# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the push has done so far: a bar on a terminal (tqdm), JSON lines otherwise, and the summary.

The totals grow while the folder is walked (the listing is streamed); the ETA
is given once the walk is over. JSON lines go to stdout, one object per line,
at a steady interval, so Ansible and pipelines can log them; the bar and the
human summary go to stderr.
"""

import json
import sys
import threading
import time

MAX_ERRORS_SHOWN = 50


class Counters:
    def __init__(self):
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self.files_seen = self.bytes_seen = 0
        self.files_done = self.bytes_done = 0
        self.sent_files = self.sent_bytes = 0
        self.skipped_files = self.skipped_bytes = 0
        self.verified_files = self.verified_bytes = 0
        self.resumed_bytes = self.read_bytes = 0
        self.failed = self.changed = self.ignored = self.retried = 0
        self.walk_done = False
        self.notes = []
        self.errors = []
        self._parts_sent = 0

    def seen(self, entry):
        with self._lock:
            self.files_seen += 1
            self.bytes_seen += entry.size

    def add_sent(self, size):
        with self._lock:
            self._parts_sent += size

    def add_resumed(self, size):
        with self._lock:
            self.resumed_bytes += size

    def add_read(self, size):
        with self._lock:
            self.read_bytes += size

    def retried_changed(self):
        with self._lock:
            self.retried += 1

    def note(self, what, key):
        with self._lock:
            if len(self.notes) < MAX_ERRORS_SHOWN:
                self.notes.append({"note": what, "key": key})

    def done(self, entry, status, error=None):
        with self._lock:
            self.files_done += 1
            self.bytes_done += entry.size
            if status == "sent":
                self.sent_files += 1
                self.sent_bytes += entry.size
            elif status == "skipped":
                self.skipped_files += 1
                self.skipped_bytes += entry.size
            elif status == "verified":
                self.verified_files += 1
                self.verified_bytes += entry.size
            else:
                if status == "changed":
                    self.changed += 1
                else:
                    self.failed += 1
                if len(self.errors) < MAX_ERRORS_SHOWN:
                    self.errors.append({"path": entry.relpath, "status": status, "reason": str(error)})

    def problem(self, path, reason):
        with self._lock:
            self.failed += 1
            if len(self.errors) < MAX_ERRORS_SHOWN:
                self.errors.append({"path": path, "status": "failed", "reason": str(reason)})

    def snapshot(self):
        with self._lock:
            elapsed = max(1e-6, time.monotonic() - self.started)
            moved = self._parts_sent
            doc = {"files_done": self.files_done, "files_seen": self.files_seen, "bytes_done": self.bytes_done,
                   "bytes_seen": self.bytes_seen, "bytes_sent": moved, "walk_done": self.walk_done,
                   "seconds": round(elapsed, 1), "rate_mb_s": round(moved / elapsed / 1e6, 1)}
            if self.walk_done and moved:
                left = max(0, self.bytes_seen - self.bytes_done)
                doc["eta_s"] = round(left / (moved / elapsed), 0)
            return doc

    def bytes_sent(self):
        with self._lock:
            return self._parts_sent

    def summary(self):
        doc = self.snapshot()
        with self._lock:
            doc.update({"event": "summary", "sent_files": self.sent_files, "sent_bytes": self._parts_sent,
                        "skipped_files": self.skipped_files, "verified_files": self.verified_files,
                        "resumed_bytes": self.resumed_bytes, "reread_bytes": self.read_bytes,
                        "failed": self.failed, "changed": self.changed, "ignored": self.ignored,
                        "retried_changed": self.retried, "errors": list(self.errors), "notes": list(self.notes)})
        return doc


class Reporter:
    """A thread that shows the counters: tqdm on a terminal, JSON lines otherwise."""

    def __init__(self, counters, json_lines=None, interval=10.0, out=None, err=None):
        self.counters = counters
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.json_lines = (not self.err.isatty()) if json_lines is None else json_lines
        self.interval = interval if self.json_lines else 0.5
        self._stop = threading.Event()
        self._bar = None
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)

    def emit(self, doc):
        self.out.write(json.dumps(doc, sort_keys=True) + "\n")
        self.out.flush()

    def start(self):
        if not self.json_lines:
            try:
                import tqdm  # pylint: disable=import-outside-toplevel
                self._bar = tqdm.tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, file=self.err,
                                      dynamic_ncols=True, desc="push")
            except ImportError:
                self._bar = None
        self._thread.start()
        return self

    def _show(self):
        doc = self.counters.snapshot()
        if self.json_lines:
            doc["event"] = "progress"
            self.emit(doc)
        elif self._bar is not None:
            self._bar.total = max(doc["bytes_seen"], 1)
            self._bar.n = doc["bytes_done"]
            self._bar.set_postfix_str("%d/%d files%s" % (doc["files_done"], doc["files_seen"],
                                                         "" if doc["walk_done"] else " (listing)"), refresh=False)
            self._bar.refresh()
        else:
            self.err.write("\r%(files_done)d/%(files_seen)d files, %(bytes_done)d/%(bytes_seen)d bytes, "
                           "%(rate_mb_s)s MB/s " % doc)
            self.err.flush()

    def _run(self):
        while not self._stop.wait(self.interval):
            self._show()

    def stop(self, summary):
        self._stop.set()
        self._thread.join()
        if not self.json_lines:
            self._show()
            if self._bar is not None:
                self._bar.close()
            else:
                self.err.write("\n")
            self.err.write(human(summary) + "\n")
            self.err.flush()
        self.emit(summary)


def _size(count):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return ("%d %s" % (count, unit)) if unit == "B" else ("%.1f %s" % (count, unit))
        count /= 1024.0
    return str(count)


def human(s):
    lines = ["%d files sent (%s), %d skipped (already there and intact), %d verified by reading them again"
             % (s["sent_files"], _size(s["sent_bytes"]), s["skipped_files"], s["verified_files"]),
             "%s in %.1f s, %.1f MB/s" % (_size(s["bytes_done"]), s["seconds"], s["rate_mb_s"])]
    if s["resumed_bytes"]:
        lines.append("%s of interrupted uploads resumed, not sent again" % _size(s["resumed_bytes"]))
    if s["failed"] or s["changed"]:
        lines.append("%d failed, %d changed while read (not published):" % (s["failed"], s["changed"]))
        lines.extend("  %(path)s: %(reason)s" % e for e in s["errors"])
    if s.get("manifest"):
        lines.append("manifest: %s" % s["manifest"])
    return "\n".join(lines)
