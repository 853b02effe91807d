# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The part size of a file and the checksums S3 keeps for it.

A file up to one part is sent with one PUT; its S3 checksum is the SHA-256 of
the file. A larger file is sent in parts of at least MIN_PART, grown so that
the file needs at most TARGET_PARTS parts (a 112 GiB tar: 1792 parts of
64 MiB, far under the 10,000 S3 allows); the object's S3 checksum is then the
SHA-256 of the parts' SHA-256 digests, followed by -<count>.
"""

import base64
import hashlib

MiB = 1024 * 1024
MIN_PART = 16 * MiB
MAX_PART = 5 * 1024 * MiB
TARGET_PARTS = 2000
MAX_PARTS = 10000


class PlanError(Exception):
    pass


def part_size(size, min_part=MIN_PART):
    """The part size for a file of size bytes (a multiple of 1 MiB); size <= the result means one PUT."""
    if size <= min_part:
        return min_part
    wanted = -(-size // TARGET_PARTS)
    chosen = min_part
    if wanted > min_part:
        # A power of two of MiB: the same file size always gets the same, readable, part size.
        chosen = MiB
        while chosen < wanted:
            chosen *= 2
    if chosen > MAX_PART or -(-size // chosen) > MAX_PARTS:
        raise PlanError("a file of %d bytes does not fit in %d parts of at most 5 GiB" % (size, MAX_PARTS))
    return chosen


def part_count(size, psize):
    return max(1, -(-size // psize))


def is_multipart(size, psize):
    return size > psize


def composite(part_digests):
    """The S3 checksum of a multipart object from the raw SHA-256 digests of its parts."""
    return "%s-%d" % (base64.b64encode(hashlib.sha256(b"".join(part_digests)).digest()).decode("ascii"),
                      len(part_digests))


def single(digest):
    return base64.b64encode(digest).decode("ascii")
