# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One file: skip it, verify it, or send it in one read pass; resume and complete its multipart upload.

The file is read once, in order: the whole-file SHA-256 is updated with each
buffer as it is read, and each buffer (the whole file, or one part) is sent
with its own SHA-256 as x-amz-checksum-sha256, which the server checks before
it keeps the bytes. The stat (size, mtime_ns, inode, ctime_ns) is taken
before and after the read, through the open file and through the path: a file
that changed is never published (its multipart upload is aborted before
completion); it is read again once, then refused.

Memory is bounded by a byte budget shared by every buffer in flight.
"""

import concurrent.futures
import hashlib
import os
import threading

from . import plan
from .s3 import S3Error, b64

READ_CHUNK = 8 * plan.MiB


class Changed(Exception):
    """The file changed while it was read: nothing of it was published."""


class Budget:
    """At most `limit` bytes of buffers at a time (one buffer is always allowed, whatever its size)."""

    def __init__(self, limit):
        self.limit = limit
        self.used = 0
        self.peak = 0
        self._cond = threading.Condition()

    def acquire(self, size):
        with self._cond:
            while self.used and self.used + size > self.limit:
                self._cond.wait()
            self.used += size
            self.peak = max(self.peak, self.used)

    def release(self, size):
        with self._cond:
            self.used -= size
            self._cond.notify_all()


def _fingerprint(st):
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _readinto(handle, view):
    got = 0
    while got < len(view):
        count = handle.readinto(view[got:])
        if not count:
            break
        got += count
    return got


class Pusher:
    def __init__(self, client, bucket, prefix, state, counters, concurrency=4, memory=64 * plan.MiB,
                 min_part=plan.MIN_PART, fresh=False, retry_changed=1, part_hook=None, started_iso=""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.state = state
        self.counters = counters
        self.budget = Budget(memory)
        self.min_part = min_part
        self.fresh = fresh
        self.retry_changed = retry_changed
        # Tests only: called as part_hook(key, number, checksum_b64) -> checksum_b64 to send.
        self.part_hook = part_hook
        self.parts = concurrent.futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="part")
        self.stopping = threading.Event()
        self.started_iso = started_iso

    def close(self):
        self.parts.shutdown(wait=True, cancel_futures=True)

    # ---------------------------------------------------------------- one file
    def push(self, entry):
        """Returns 'skipped', 'verified' or 'sent'; raises Changed, S3Error or OSError."""
        key = self.prefix + entry.relpath
        psize = plan.part_size(entry.size, self.min_part)
        remote = None if self.fresh else self.client.head(self.bucket, key)
        if remote is not None and int(remote.get("content-length", -1)) == entry.size:
            remote_checksum = remote.get("x-amz-checksum-sha256", "")
            row = self.state.file(key)
            if remote_checksum and row and tuple(row[:3]) == (entry.size, entry.mtime_ns, entry.ino) \
                    and row[4] == remote_checksum:
                self.state.record_file(key, entry, row[3], remote_checksum, row[5])
                self._abort_left(key, entry.size, psize)
                return "skipped"
            if remote_checksum:
                remote_part = int(remote.get("x-amz-meta-s3share-part-size") or psize)
                local = self._hash_only(entry, remote_part)
                if local is not None and local[1] == remote_checksum:
                    self.state.record_file(key, entry, local[0], local[1], remote_part)
                    self._abort_left(key, entry.size, psize)
                    return "verified"
        for attempt in range(self.retry_changed + 1):
            try:
                if plan.is_multipart(entry.size, psize):
                    self._send_multipart(entry, key, psize)
                    self._abort_left(key, entry.size, psize)
                else:
                    self._send_single(entry, key, psize)
                return "sent"
            except Changed:
                if attempt == self.retry_changed:
                    raise
                st = os.stat(entry.path, follow_symlinks=False)
                entry.size, entry.mtime_ns, entry.ino = st.st_size, st.st_mtime_ns, st.st_ino
                psize = plan.part_size(entry.size, self.min_part)
                self.counters.retried_changed()
        raise AssertionError("unreachable")

    def _abort_left(self, key, size, psize):
        """Abort the multipart uploads of key that an earlier, interrupted run left (started before this run)."""
        if not plan.is_multipart(size, psize):
            return
        for other, upload_id, initiated in list(self.client.list_uploads(self.bucket, key)):
            if other == key and initiated and initiated < self.started_iso:
                self.client.abort_upload(self.bucket, key, upload_id)
                self.counters.note("aborted an upload left by an earlier run", key)

    def _hash_only(self, entry, psize):
        """(sha256 hex, S3 checksum) of the file as it is, or None when it changed while read."""
        whole, digests = hashlib.sha256(), []
        buf = bytearray(min(READ_CHUNK, max(1, entry.size)))
        with open(entry.path, "rb") as handle:
            before = _fingerprint(os.fstat(handle.fileno()))
            remaining = entry.size
            while remaining > 0 or not digests:
                part = hashlib.sha256()
                left = min(psize, remaining)
                while left > 0:
                    view = memoryview(buf)[:min(len(buf), left)]
                    got = _readinto(handle, view)
                    if got == 0:
                        return None
                    whole.update(view[:got])
                    part.update(view[:got])
                    left -= got
                    remaining -= got
                digests.append(part.digest())
                if remaining <= 0:
                    break
            after = _fingerprint(os.fstat(handle.fileno()))
        if before != after or before[:3] != (entry.size, entry.mtime_ns, entry.ino):
            return None
        self.counters.add_read(entry.size)
        checksum = plan.single(digests[0]) if len(digests) == 1 and entry.size <= psize else plan.composite(digests)
        return whole.hexdigest(), checksum

    def _unchanged(self, entry, handle, before):
        after = _fingerprint(os.fstat(handle.fileno()))
        try:
            by_path = _fingerprint(os.stat(entry.path, follow_symlinks=False))
        except OSError:
            by_path = None
        return before == after == by_path and before[0] == entry.size

    def _metadata(self, entry, psize):
        return {"s3share-mtime-ns": str(entry.mtime_ns), "s3share-part-size": str(psize)}

    def _send_single(self, entry, key, psize):
        with open(entry.path, "rb") as handle:
            before = _fingerprint(os.fstat(handle.fileno()))
            entry.size, entry.mtime_ns, entry.ino = before[0], before[1], before[2]
            if entry.size > psize:
                raise Changed("%s grew to %d bytes since it was listed" % (entry.relpath, entry.size))
            self.budget.acquire(entry.size)
            try:
                buf = bytearray(entry.size)
                got = _readinto(handle, memoryview(buf))
                if got != entry.size or handle.read(1) or not self._unchanged(entry, handle, before):
                    raise Changed("%s changed while it was read" % entry.relpath)
                digest = hashlib.sha256(buf).digest()
                checksum = b64(digest)
                sent = self.part_hook(key, 0, checksum) if self.part_hook else checksum
                self.client.put(self.bucket, key, buf, sent, self._metadata(entry, psize))
            finally:
                self.budget.release(entry.size)
        self.counters.add_sent(entry.size)
        self.state.record_file(key, entry, digest.hex(), checksum, psize)

    def _send_multipart(self, entry, key, psize):
        with open(entry.path, "rb") as handle:
            before = _fingerprint(os.fstat(handle.fileno()))
            entry.size, entry.mtime_ns, entry.ino = before[0], before[1], before[2]
            psize = plan.part_size(entry.size, self.min_part)
            count = plan.part_count(entry.size, psize)
            upload_id, held = self._resume_or_start(entry, key, psize)
            digests, etags = [None] * count, [None] * count
            futures = []
            whole = hashlib.sha256()
            changed = False
            try:
                for number in range(1, count + 1):
                    if self.stopping.is_set():
                        raise KeyboardInterrupt
                    for future in futures:
                        if future.done() and future.exception():
                            raise future.exception()
                    length = min(psize, entry.size - (number - 1) * psize)
                    self.budget.acquire(length)
                    queued = False
                    try:
                        buf = bytearray(length)
                        view = memoryview(buf)
                        if _readinto(handle, view) != length:
                            changed = True
                            break
                        whole.update(view)
                        if number in held and held[number][0] == length:
                            digest = hashlib.sha256(view).digest()
                            if b64(digest) == held[number][2]:
                                digests[number - 1], etags[number - 1] = digest, held[number][1]
                                self.counters.add_resumed(length)
                                continue
                        futures.append(self.parts.submit(self._part, key, upload_id, number, buf, length,
                                                         digests, etags))
                        queued = True
                    finally:
                        if not queued:
                            self.budget.release(length)
                    if _fingerprint(os.fstat(handle.fileno())) != before:
                        changed = True
                        break
                for future in concurrent.futures.as_completed(futures):
                    future.result()
                changed = changed or handle.read(1) != b"" or not self._unchanged(entry, handle, before)
            except BaseException:
                for future in futures:
                    future.cancel()
                concurrent.futures.wait(futures)
                raise
        if changed:
            self.client.abort_upload(self.bucket, key, upload_id)
            self.state.forget_upload(key)
            raise Changed("%s changed while it was read" % entry.relpath)
        expected = plan.composite(digests)
        self._complete(entry, key, upload_id, list(zip(range(1, count + 1), etags, map(b64, digests))), expected)
        self.state.record_file(key, entry, whole.hexdigest(), expected, psize)
        self.state.forget_upload(key)

    def _part(self, key, upload_id, number, buf, length, digests, etags):
        try:
            digest = hashlib.sha256(buf).digest()
            checksum = b64(digest)
            sent = self.part_hook(key, number, checksum) if self.part_hook else checksum
            etags[number - 1] = self.client.upload_part(self.bucket, key, upload_id, number, buf, sent)
            digests[number - 1] = digest
            self.counters.add_sent(length)
        finally:
            del buf
            self.budget.release(length)

    def _resume_or_start(self, entry, key, psize):
        """(upload id, {number: (size, etag, checksum)} held by the server) for this file as it is now."""
        row = self.state.upload(key)
        if row:
            upload_id = row[0]
            if tuple(row[1:]) == (entry.size, entry.mtime_ns, entry.ino, psize):
                try:
                    return upload_id, self.client.list_parts(self.bucket, key, upload_id)
                except S3Error as exc:
                    if exc.code != "NoSuchUpload":
                        raise
            else:
                self.client.abort_upload(self.bucket, key, upload_id)
            self.state.forget_upload(key)
        upload_id = self.client.create_upload(self.bucket, key, self._metadata(entry, psize))
        self.state.record_upload(key, upload_id, entry, psize)
        return upload_id, {}

    def _complete(self, entry, key, upload_id, parts, expected):
        try:
            self.client.complete_upload(self.bucket, key, upload_id, parts)
        except S3Error as exc:
            # A retried CompleteMultipartUpload whose first answer was lost: the upload is gone because it
            # completed. The object says whether it is ours.
            if exc.code != "NoSuchUpload":
                raise
            head = self.client.head(self.bucket, key)
            if head is None or int(head.get("content-length", -1)) != entry.size \
                    or head.get("x-amz-checksum-sha256") != expected:
                raise
            self.counters.note("complete_checked_by_head", key)
        head = self.client.head(self.bucket, key)
        if head is None or head.get("x-amz-checksum-sha256") != expected \
                or int(head.get("content-length", -1)) != entry.size:
            raise S3Error("complete the upload of %s" % key, "ChecksumMismatch",
                          "the server keeps %s, %s bytes; sent %s, %d bytes" % (
                              head and head.get("x-amz-checksum-sha256"), head and head.get("content-length"),
                              expected, entry.size))
