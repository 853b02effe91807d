# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the minio_admin role: its file list is plain role variables, built with these."""

import posixpath

from ansible.errors import AnsibleFilterError

_ATTRIBUTES = ("state", "owner", "group", "mode")


def path_entries(paths, contents=None, **attributes):
    """One egid.s3share.file_set entry per path, each with the same attributes, the paths once and in order.

    contents: a list as long as paths, the content of each file (for a set of files written at once)."""
    unknown = sorted(set(attributes) - set(_ATTRIBUTES))
    if unknown:
        raise AnsibleFilterError("path_entries: unknown attribute(s) %s; known: %s"
                                 % (", ".join(unknown), ", ".join(_ATTRIBUTES)))
    if isinstance(paths, str) or not isinstance(paths, (list, tuple)):
        raise AnsibleFilterError("path_entries: expects a list of paths, got %r" % (paths,))
    if contents is not None and (isinstance(contents, str) or not isinstance(contents, (list, tuple))
                                 or len(contents) != len(paths)):
        raise AnsibleFilterError("path_entries: contents must be a list of %d texts, one per path" % len(paths))
    seen, entries = set(), []
    for index, path in enumerate(paths):
        if not isinstance(path, str) or not path.startswith("/"):
            raise AnsibleFilterError("path_entries: %r is not an absolute path" % (path,))
        path = posixpath.normpath(path)
        if path not in seen:
            seen.add(path)
            entry = {"path": path}
            entry.update((key, value) for key, value in attributes.items() if value is not None)
            if contents is not None:
                entry["content"] = contents[index]
            entries.append(entry)
    return entries


class FilterModule:
    def filters(self):
        return {"path_entries": path_entries}
