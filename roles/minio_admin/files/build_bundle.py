# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pack the module_utils that the server-side sweep needs into one zip.

Usage: build_bundle.py MODULE_UTILS_DIR DEST_ZIP NAME...

The zip holds ansible_collections/egid/s3share/plugins/module_utils/NAME, with
an empty __init__.py at every level so that zipimport loads it as regular
packages. It is deterministic (sorted entries, fixed timestamps), so an
unchanged collection gives a byte-identical file and the copy to the server
reports no change. Prints "changed" when DEST_ZIP was (re)written, else
"unchanged".
"""

import io
import os
import sys
import zipfile

PACKAGE = ("ansible_collections", "egid", "s3share", "plugins", "module_utils")


def build(source_dir, names):
    entries = {}
    for depth in range(1, len(PACKAGE) + 1):
        entries["/".join(PACKAGE[:depth]) + "/__init__.py"] = b""
    for name in names:
        with open(os.path.join(source_dir, name), "rb") as handle:
            entries["/".join(PACKAGE) + "/" + name] = handle.read()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(entries):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, entries[path])
    return buffer.getvalue()


def main():
    source_dir, dest = sys.argv[1], sys.argv[2]
    data = build(source_dir, sys.argv[3:])
    try:
        with open(dest, "rb") as handle:
            if handle.read() == data:
                print("unchanged")
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    with open(dest + ".tmp", "wb") as handle:
        handle.write(data)
    os.replace(dest + ".tmp", dest)
    print("changed")


if __name__ == "__main__":
    main()
