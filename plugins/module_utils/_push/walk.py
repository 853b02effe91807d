# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The source tree, streamed: one directory open at a time, never the whole listing in memory.

Regular files are pushed; symbolic links, sockets and the like are counted as
ignored (a link to a directory could loop, a link to a file would publish
something that is not in the folder). The manifest name at the top is
reserved: the push writes it.
"""

import os
import stat

MANIFEST = "SHA256SUMS"


class Entry:
    __slots__ = ("path", "relpath", "size", "mtime_ns", "ino")

    def __init__(self, path, relpath, st):
        self.path = path
        self.relpath = relpath
        self.size = st.st_size
        self.mtime_ns = st.st_mtime_ns
        self.ino = st.st_ino


def walk(root, on_ignored=None, on_error=None):
    """Yield an Entry per regular file under root, depth first; relpath uses '/'."""
    pending = [("", root)]
    while pending:
        rel_dir, directory = pending.pop()
        try:
            iterator = os.scandir(directory)
        except OSError as exc:
            if on_error:
                on_error(rel_dir or ".", exc)
            continue
        with iterator:
            for item in iterator:
                rel = rel_dir + item.name
                try:
                    if item.is_dir(follow_symlinks=False):
                        pending.append((rel + "/", item.path))
                        continue
                    if not item.is_file(follow_symlinks=False) or (rel == MANIFEST):
                        if on_ignored:
                            on_ignored(rel)
                        continue
                    st = item.stat(follow_symlinks=False)
                except OSError as exc:
                    if on_error:
                        on_error(rel, exc)
                    continue
                if stat.S_ISREG(st.st_mode):
                    yield Entry(item.path, rel, st)
