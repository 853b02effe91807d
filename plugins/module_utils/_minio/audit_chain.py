# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hash chain of the audit log: every line names the line before it.

Each line AuditLog writes carries two fields, given under the log's lock:

  "seq":  1 for the first chained line ever, then 2, 3, ...
  "prev": the hex sha256 of the exact bytes of the previous chained line
          (without its newline); GENESIS for the first one.

The head of the chain, {"seq": N, "hash": sha256 of line N}, is kept next to
the log in ``<log>.head`` (JSON, 0640, replaced atomically), so that the
first line of a new file after logrotate's rename links to the last line of
the rotated one. ``<log>.lock`` is the lock every writer takes (flock): the
log itself cannot be the lock, since logrotate moves it away while a writer
may hold it, and the head file cannot either, since it is replaced.

A line that was changed, removed, inserted or moved breaks the chain where it
was, and verify_chain() says which line. A line removed or changed at the end
of the log is only seen against a head (the head file, which root can
rewrite too, or one kept off the host by the backup: see docs/audit.md).

Lines written before the chain existed (an adopted host, an older version of
this collection) carry no chain field: those before the first chained line
are counted (unchained_before) and are no problem; an unchained line after
it is one (it was inserted).

No Ansible import: the s3share command, the sweep and the backup use it.
"""

import collections
import contextlib
import fcntl
import gzip
import hashlib
import json
import os
import re
import zlib

GENESIS = "0" * 64
HEAD_SUFFIX = ".head"
LOCK_SUFFIX = ".lock"
# verify_chain() lists at most this many problems (problem_count has them all).
MAX_PROBLEMS = 200
# How many of the last lines' hashes verify_chain() keeps to check the link of a line out of its place.
_WINDOW = 4096
_HASH_RE = re.compile(r"[0-9a-f]{64}")
# The order logrotate leaves: dateext names (the role's: actions.log-YYYYMMDD-EPOCH[.gz]) or numbered ones.
_DATEEXT = r"-(\d{8})(?:-(\d+))?(\.gz)?"
_NUMBERED = r"\.(\d+)(\.gz)?"


class ChainError(RuntimeError):
    """The head or the log cannot be read or written."""


def line_hash(line):
    """The hex sha256 of one line's bytes (bytes or str; a trailing newline is not part of the line)."""
    if isinstance(line, str):
        line = line.encode("utf-8")
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def head_path(path):
    return path + HEAD_SUFFIX


def lock_path(path):
    return path + LOCK_SUFFIX


def _link(data):
    """(seq, prev) of a line's bytes when it is a chained JSON line, else None."""
    try:
        record = json.loads(data)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    seq, prev = record.get("seq"), record.get("prev")
    if isinstance(seq, int) and not isinstance(seq, bool) and seq > 0 and isinstance(prev, str) \
            and _HASH_RE.fullmatch(prev):
        return seq, prev
    return None


def _valid_head(value):
    return isinstance(value, dict) and isinstance(value.get("seq"), int) and not isinstance(value["seq"], bool) \
        and value["seq"] >= 0 and isinstance(value.get("hash"), str) and bool(_HASH_RE.fullmatch(value["hash"]))


def read_head_file(path):
    """The head stored next to the log: {"seq", "hash"}, None when there is none; ChainError when unreadable."""
    try:
        with open(head_path(path), encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ChainError("cannot read %s: %s" % (head_path(path), exc))
    try:
        head = json.loads(text)
    except ValueError:
        raise ChainError("%s is not JSON" % head_path(path))
    if not _valid_head(head):
        raise ChainError("%s is not a chain head {\"seq\": N, \"hash\": HEX}" % head_path(path))
    return {"seq": head["seq"], "hash": head["hash"]}


def _last_line(path, chunk=65536):
    """The bytes of the last non-empty line of path (no newline), None when the file is empty or missing."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return None
    with handle:
        end = handle.seek(0, os.SEEK_END)
        data = b""
        position = end
        while position > 0:
            step = min(chunk, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped:
                return stripped.rsplit(b"\n", 1)[1]
        stripped = data.rstrip(b"\n")
        return stripped or None


def _writer_head(path):
    """The head the next line links to (call it under the lock).

    The head file, except when the log's last line is the one right after it (a writer stopped between its
    line and the head: the line counts). Without a head file: the log's last line when it is chained, else
    the genesis (a new chain: on a fresh host, the first line ever; anywhere else verify_chain reports it).
    A log cut after the head, or edited at its end, is not followed: the next line links to the head, and
    verify_chain reports the break.
    """
    try:
        stored = read_head_file(path)
    except ChainError:
        stored = None
    tail = _last_line(path)
    link = _link(tail) if tail is not None else None
    if stored is None:
        if link is not None:
            return {"seq": link[0], "hash": line_hash(tail)}
        return {"seq": 0, "hash": GENESIS}
    if link is not None and link == (stored["seq"] + 1, stored["hash"]):
        return {"seq": link[0], "hash": line_hash(tail)}
    return stored


@contextlib.contextmanager
def _locked(path, exclusive):
    """flock on <path>.lock. Shared (a reader): without the lock when it cannot be opened (not root)."""
    name = lock_path(path)
    if exclusive:
        fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o640)
    else:
        try:
            fd = os.open(name, os.O_RDONLY)
        except OSError:
            yield False
            return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def _write_head(path, head):
    """Replace <path>.head atomically (a temporary file, fsync, rename), mode 0640."""
    name = head_path(path)
    tmp = name + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        data = (json.dumps(head, sort_keys=True) + "\n").encode("ascii")
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, name)


def ensure_chain_writable(path):
    """Create the lock file (a writer fails before any change when it cannot)."""
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o640)
    os.close(fd)


def append_chained(path, record):
    """Append record (a dict without seq/prev) as one chained JSON line; returns the line written (str).

    Under the exclusive lock: read the head, add seq and prev, append with one write() on O_APPEND, then
    replace the head file. Concurrent writers (modules, s3share, the sweep) keep one chain.
    """
    with _locked(path, exclusive=True):
        head = _writer_head(path)
        chained = dict(record, seq=head["seq"] + 1, prev=head["hash"])
        line = json.dumps(chained, sort_keys=True)
        data = (line + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
        finally:
            os.close(fd)
        _write_head(path, {"seq": chained["seq"], "hash": line_hash(data)})
    return line


def chain_head(path):
    """The head of the chain of the log at path, as the next writer will link to it.

    Returns {"seq": N, "hash": "<64 hex>"}: N is the seq of the last chained line and hash the sha256 of
    its bytes; {"seq": 0, "hash": GENESIS} when no line is chained yet. Read under the log's lock. Keep it
    off the host (the backup does), and give it to verify_chain(expect_head=...) later: a log rewritten or
    cut after that moment is then detected.
    """
    with _locked(path, exclusive=False):
        return _writer_head(path)


def parse_head(text):
    """'SEQ:HASH' (as s3share audit --verify --head takes it) -> {"seq", "hash"}; ValueError when malformed."""
    seq, sep, digest = (text or "").partition(":")
    if not sep or not seq.isdigit() or len(seq) > 15 or not _HASH_RE.fullmatch(digest):
        raise ValueError("a chain head is SEQ:HASH (a number, ':', 64 lowercase hex digits), got %r" % (text,))
    return {"seq": int(seq), "hash": digest}


def log_files(path):
    """The log's files, oldest first: the rotated ones (plain or .gz), then path itself when it exists.

    When logrotate is compressing one, both X and X.gz may exist for a moment: X is read.
    """
    directory, base = os.path.split(path)
    try:
        names = os.listdir(directory or ".")
    except FileNotFoundError:
        names = []
    found = {}
    for name in names:
        dated = re.fullmatch(re.escape(base) + _DATEEXT, name)
        numbered = re.fullmatch(re.escape(base) + _NUMBERED, name)
        if dated:
            key, gz = (1, int(dated.group(1)), int(dated.group(2) or 0)), bool(dated.group(3))
        elif numbered:
            key, gz = (0, -int(numbered.group(1)), 0), bool(numbered.group(2))
        else:
            continue
        if key not in found or not gz:
            found[key] = os.path.join(directory, name)
    files = [found[key] for key in sorted(found)]
    if os.path.exists(path):
        files.append(path)
    return files


def _lines(name):
    opener = gzip.open if name.endswith(".gz") else open
    with opener(name, "rb") as handle:
        for number, data in enumerate(handle, 1):
            yield number, data.rstrip(b"\n")


class _Verifier:
    """One pass over the lines, oldest first (see verify_chain)."""

    def __init__(self, watched):
        self.problems = []
        self.problem_count = 0
        self.chained = 0
        self.unchained_before = 0
        self.first = None
        self.last = None  # {"seq", "hash", "file", "line"} of the chained line furthest along the chain
        self.window = collections.OrderedDict()  # seq -> (hash, file, line) of recent lines
        self.gaps = []  # [low, high, file, line]: seqs missing where a line jumped ahead
        self.seen_at = {}  # seq -> (hash, file, line) for the seqs of the heads to check
        self.watched = set(watched)

    def problem(self, kind, name, line, message, seq=None):
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            entry = {"kind": kind, "file": name, "line": line, "message": message}
            if seq is not None:
                entry["seq"] = seq
            self.problems.append(entry)

    def _remember(self, seq, digest, name, number):
        self.window[seq] = (digest, name, number)
        while len(self.window) > _WINDOW:
            self.window.popitem(last=False)
        if seq in self.watched:  # the latest line of that seq (after a restart, the new chain)
            self.seen_at[seq] = (digest, name, number)

    def _in_gap(self, seq):
        for gap in self.gaps:
            if gap[0] <= seq <= gap[1]:
                return gap
        return None

    def _fill(self, gap, seq):
        self.gaps.remove(gap)
        if gap[0] < seq:
            self.gaps.append([gap[0], seq - 1, gap[2], gap[3]])
        if seq < gap[1]:
            self.gaps.append([seq + 1, gap[1], gap[2], gap[3]])

    def line(self, name, number, data):
        if not data.strip():
            if self.first is not None:
                self.problem("not_json", name, number, "an empty line inside the chain")
            return
        link = _link(data)
        if link is None:
            if self.first is None:
                self.unchained_before += 1
                return
            try:
                json.loads(data)
                self.problem("unchained", name, number, "a line without seq/prev inside the chain (inserted)")
            except ValueError:
                self.problem("not_json", name, number, "a line that is not JSON inside the chain")
            return
        seq, prev = link
        digest = line_hash(data)
        self.chained += 1
        here = {"seq": seq, "hash": digest, "file": name, "line": number}
        if self.first is None:
            if seq == 1 and prev != GENESIS:
                self.problem("changed", name, number, "seq 1 links to %s, not to the genesis" % prev, seq=seq)
            self.first = here
            self.last = here
            self._remember(seq, digest, name, number)
            return
        last = self.last
        if seq == last["seq"] + 1:
            if prev != last["hash"]:
                self.problem("changed", last["file"], last["line"],
                             "line %d of %s (seq %d) was changed: line %d of %s, the next, records another hash "
                             "for it" % (last["line"], last["file"], last["seq"], number, name), seq=last["seq"])
            self.last = here
        elif seq == 1 and prev == GENESIS:
            self.problem("restart", name, number, "the chain starts again here (seq 1 after seq %d): the head file "
                         "was lost or removed" % last["seq"], seq=seq)
            self.last = here
        elif seq > last["seq"] + 1:
            self.gaps.append([last["seq"] + 1, seq - 1, name, number])
            self.last = here
        else:
            gap = self._in_gap(seq)
            if gap is not None:
                self._fill(gap, seq)
                self.problem("reordered", name, number, "line %d of %s (seq %d) comes after seq %d: lines were "
                             "moved" % (number, name, seq, last["seq"]), seq=seq)
                before = self.window.get(seq - 1)
                if before is not None and prev != before[0]:
                    self.problem("changed", before[1], before[2], "line %d of %s (seq %d) was changed: seq %d "
                                 "records another hash for it" % (before[2], before[1], seq - 1, seq), seq=seq - 1)
            else:
                self.problem("duplicate", name, number, "seq %d again, after seq %d (a copied or forged line)"
                             % (seq, last["seq"]), seq=seq)
        self._remember(seq, digest, name, number)

    def finish(self):
        for low, high, name, number in sorted(self.gaps):
            count = high - low + 1
            self.problem("removed", name, number, "%d line%s (seq %s) missing before line %d of %s"
                         % (count, "s" if count > 1 else "", low if low == high else "%d-%d" % (low, high),
                            number, name), seq=low)

    def check_head(self, head, origin, name):
        """Compare a head (the head file, or the expected one) with the lines read."""
        last_seq = self.last["seq"] if self.last else 0
        if head["seq"] == 0:
            if head["hash"] != GENESIS:
                self.problem("head_mismatch", name, None, "%s is seq 0 with a hash other than the genesis" % origin)
            return
        if head["seq"] > last_seq:
            self.problem("truncated", name, None, "%s is seq %d, but the log ends at seq %d: %d line(s) at the end "
                         "were removed" % (origin, head["seq"], last_seq, head["seq"] - last_seq), seq=head["seq"])
            return
        seen = self.seen_at.get(head["seq"])
        if seen is None:
            first_seq = self.first["seq"] if self.first else 0
            kind = "head_not_found" if head["seq"] < first_seq else "removed"
            self.problem(kind, name, None, "%s is seq %d, which is not in the files read (they hold seq %d-%d)"
                         % (origin, head["seq"], first_seq, last_seq), seq=head["seq"])
        elif seen[0] != head["hash"]:
            self.problem("head_mismatch", seen[1], seen[2], "line %d of %s (seq %d) is not the line %s names: it "
                         "was changed, or the chain rewritten after that head" % (seen[2], seen[1], head["seq"],
                                                                                  origin), seq=head["seq"])


def verify_chain(path, expect_head=None):
    """Check the chain of the log at path over its rotated files (oldest first, plain or .gz) and itself.

    expect_head: a head kept elsewhere ({"seq", "hash"}, or "SEQ:HASH"), e.g. by the backup: the line of
    that seq must still be there with that hash.

    Returns a dict:
      ok                 True when there is no problem
      path               the log
      files              [{"path", "lines"}], oldest first
      lines              lines read in all files
      chained            lines with seq/prev
      unchained_before   lines without chain fields before the first chained one (older logs: no problem)
      first              {"seq", "hash", "file", "line"} of the first chained line, or None
      from_genesis       the first chained line is seq 1 (else older files were deleted by logrotate's
                         rotate N, or the oldest file was cut: see docs/audit.md)
      head               {"seq", "hash"} of the last chained line read ({"seq": 0, "hash": GENESIS} if none)
      head_file          the head file's content, or None
      expected_head      expect_head, or None
      problems           at most MAX_PROBLEMS of [{"kind", "file", "line", "message"[, "seq"]}], in the
                         order found; line is 1-based in file, None for a head problem with no line. kind:
                         changed (the line no longer hashes to what the next line or a head records),
                         removed (seq missing: a gap), reordered, duplicate, restart (a new chain began:
                         the head file was lost), unchained (a line without chain fields after the first
                         chained line), not_json, truncated (a head is beyond the last line),
                         head_mismatch, head_not_found (a head older than the oldest file read),
                         head_missing (chained lines but no head file), unreadable (a file or the head
                         file could not be read)
      problem_count      how many problems in all
      notes              what is worth knowing but no problem
    """
    if isinstance(expect_head, str):
        expect_head = parse_head(expect_head)
    if expect_head is not None and not _valid_head(expect_head):
        raise ValueError("expect_head must be {\"seq\": N, \"hash\": HEX}, got %r" % (expect_head,))
    notes = []
    with _locked(path, exclusive=False) as locked:
        if not locked:
            notes.append("read without the lock (%s cannot be opened): a line written meanwhile may show as a "
                         "head problem" % lock_path(path))
        head_problem = None
        try:
            stored = read_head_file(path)
        except ChainError as exc:
            stored, head_problem = None, str(exc)
        watched = [h["seq"] for h in (stored, expect_head) if h]
        verifier = _Verifier(watched)
        if head_problem:
            verifier.problem("unreadable", head_path(path), None, head_problem)
        files = []
        for name in log_files(path):
            count = 0
            try:
                for number, data in _lines(name):
                    count = number
                    verifier.line(name, number, data)
            except (OSError, EOFError, zlib.error) as exc:
                verifier.problem("unreadable", name, count + 1, "cannot read %s after line %d: %s" % (name, count, exc))
            files.append({"path": name, "lines": count})
        verifier.finish()
        if stored is not None:
            last = verifier.last
            if last is not None and stored["seq"] == last["seq"] - 1 \
                    and verifier.window.get(stored["seq"], (None,))[0] == stored["hash"]:
                notes.append("the head file is one line behind (a writer stopped between its line and the head); "
                             "the next line repairs it")
            else:
                verifier.check_head(stored, "the head file %s" % head_path(path), head_path(path))
        elif verifier.last is not None and not head_problem:
            verifier.problem("head_missing", head_path(path), None, "chained lines but no head file: it was "
                             "removed, and lines at the end may have been removed with it")
    if expect_head is not None:
        verifier.check_head(expect_head, "the expected head %d:%s" % (expect_head["seq"], expect_head["hash"]),
                            path)
    first = verifier.first
    if first is not None and first["seq"] != 1:
        notes.append("the chain read starts at seq %d: older lines are in files no longer here (logrotate's "
                     "rotate N) or in the backups" % first["seq"])
    last = verifier.last
    return {
        "ok": verifier.problem_count == 0,
        "path": path,
        "files": files,
        "lines": sum(f["lines"] for f in files),
        "chained": verifier.chained,
        "unchained_before": verifier.unchained_before,
        "first": first,
        "from_genesis": bool(first) and first["seq"] == 1,
        "head": {"seq": last["seq"], "hash": last["hash"]} if last else {"seq": 0, "hash": GENESIS},
        "head_file": stored,
        "expected_head": expect_head,
        "problems": verifier.problems,
        "problem_count": verifier.problem_count,
        "notes": notes,
    }
