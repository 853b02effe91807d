# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the minio_artifacts role: which patches a build applies, and how the result is named."""

import hashlib
import json
import posixpath
import re

from ansible.errors import AnsibleFilterError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# One dot at most: RELEASE.<time>Z.<level> must stay a tag that MinIO parses (2 to 4 dot-separated fields).
_LEVEL = re.compile(r"^[a-z][a-z0-9]*\.[0-9]+$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.patch$")


def artifact_patch_set(patches_by_release, release, patch_dir):
    """The patch set that applies to one release, with the names derived from it.

    patches_by_release maps a release tag to {"level": "egid.1", "series": [{"file", "sha256", "advisory"}]};
    advisory is the id the patch fixes (empty for a patch that fixes none, such as the version line).
    A release without an entry (or with an empty series) is built as upstream tagged it.
    Returns {"level", "patches" (each with its "path"), "key" (part of the cache file name, empty when
    unpatched), "release_tag" (the tag the binary reports), "summary" (the Patches line of --version)}.
    """
    if not isinstance(patches_by_release, dict):
        raise AnsibleFilterError("artifact_patch_set: expects a dict of release -> patch set, got %r"
                                 % (patches_by_release,))
    entry = patches_by_release.get(release) or {}
    series = entry.get("series") or []
    if not series:
        return {"level": "", "patches": [], "key": "", "release_tag": release, "summary": ""}
    level = entry.get("level", "")
    if not isinstance(level, str) or not _LEVEL.match(level):
        raise AnsibleFilterError("artifact_patch_set: the level of %s must look like egid.1, got %r" % (release, level))
    patches, seen = [], set()
    for item in series:
        if not isinstance(item, dict):
            raise AnsibleFilterError("artifact_patch_set: each patch of %s is a dict, got %r" % (release, item))
        name, sha256, advisory = item.get("file", ""), str(item.get("sha256", "")).lower(), item.get("advisory", "")
        if not isinstance(name, str) or not _FILE.match(name):
            raise AnsibleFilterError("artifact_patch_set: %r is not a patch file name (NAME.patch)" % (name,))
        if name in seen:
            raise AnsibleFilterError("artifact_patch_set: %s is listed twice for %s" % (name, release))
        if not _SHA256.match(sha256):
            raise AnsibleFilterError("artifact_patch_set: the sha256 of %s must be 64 hex digits, got %r"
                                     % (name, item.get("sha256")))
        if not isinstance(advisory, str) or re.search(r"[\s,()']", advisory):
            raise AnsibleFilterError("artifact_patch_set: the advisory id of %s has spaces, commas, quotes or "
                                     "parentheses: %r" % (name, advisory))
        seen.add(name)
        patches.append({"file": name, "sha256": sha256, "advisory": advisory,
                        "path": posixpath.join(patch_dir, name)})
    # The key covers everything that ends up in the binary: the level, the order, the content, the ids.
    digest = hashlib.sha256(json.dumps([level, [[p["file"], p["sha256"], p["advisory"]] for p in patches]],
                                       separators=(",", ":")).encode()).hexdigest()
    advisories = []
    for patch in patches:
        if patch["advisory"] and patch["advisory"] not in advisories:
            advisories.append(patch["advisory"])
    summary = "%s (%s)" % (level, ", ".join(advisories)) if advisories else level
    return {"level": level, "patches": patches, "key": "%s-%s" % (level, digest[:12]),
            "release_tag": "%s.%s" % (release, level), "summary": summary}


def artifact_patch_problems(stat_results):
    """What is wrong with the patch files, from the results of a stat loop over artifact_patch_set's patches.

    One message per patch that is missing or whose sha256 is not the pinned one; empty when all are right.
    """
    problems = []
    for result in stat_results or []:
        item, stat = result.get("item") or {}, result.get("stat") or {}
        if not stat.get("exists"):
            problems.append("%s is missing" % item.get("path"))
        elif stat.get("checksum") != item.get("sha256"):
            problems.append("%s has sha256 %s, pinned %s" % (item.get("file"), stat.get("checksum"), item.get("sha256")))
    return problems


class FilterModule:
    def filters(self):
        return {"artifact_patch_set": artifact_patch_set, "artifact_patch_problems": artifact_patch_problems}
