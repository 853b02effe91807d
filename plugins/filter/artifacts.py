# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the minio_artifacts role: which patches a build applies, how a component is built, and how the
result is named."""

import hashlib
import json
import posixpath
import re

from ansible.errors import AnsibleFilterError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# One dot at most: RELEASE.<time>Z.<level> must stay a tag that MinIO parses (2 to 4 dot-separated fields).
_LEVEL = re.compile(r"^[a-z][a-z0-9]*\.[0-9]+$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.patch$")
# A Go module path (lower or upper case; the proxy URL escapes upper case) and a module version.
_MODULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*(/[A-Za-z0-9._~-]+)+$")
_VERSION = re.compile(r"^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+incompatible)?$")
# The package to build, relative to the module root: "." or "./a/b".
_PACKAGE = re.compile(r"^\.(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
_COMMIT = re.compile(r"^[0-9a-f]{12,40}$")
_RELEASE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]*)\}")


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


def _go_escape(text):
    """The Go proxy's case encoding of a module path or version: an upper-case letter becomes '!' + lower case."""
    return re.sub(r"[A-Z]", lambda match: "!" + match.group(0).lower(), text)


def _fill(items, values, what):
    """Each item with its {placeholders} filled; an item naming {patch_summary} is left out when it is empty."""
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise AnsibleFilterError("artifact_build_plan: %s must be a list of strings, got %r" % (what, items))
    filled = []
    for item in items:
        names = _PLACEHOLDER.findall(item)
        unknown = sorted(set(names) - set(values))
        if unknown:
            raise AnsibleFilterError("artifact_build_plan: %s item %r names unknown placeholders %s (known: %s)"
                                     % (what, item, ", ".join("{%s}" % n for n in unknown),
                                        ", ".join("{%s}" % n for n in sorted(values))))
        if "patch_summary" in names and not values["patch_summary"]:
            continue
        filled.append(_PLACEHOLDER.sub(lambda match: values[match.group(1)], item))
    return filled


def artifact_build_plan(spec, patch_set):
    """How one component is built from its pinned module, and the name of the cached binary.

    spec has what the component declares: "module" (Go module path), "version" (its module version, a
    pseudo-version for MinIO), "source_sha256" (of the proxy's zip), "release" (the upstream release label),
    "commit" (12 to 40 hex digits), "package" (built from the module root: "." or "./weed"), "ldflags" and
    "version_expect" (lists of strings with placeholders), "version_argv" (the arguments that make the binary
    print its version), optionally "commit_in_name" (when the release label alone does not name one commit) and
    "go_min_version". patch_set is the result of artifact_patch_set for that release.

    Placeholders: {module}, {release}, {release_tag} (with the patch level), {commit}, {short_commit} (12 digits),
    {patch_summary} (the Patches line); an item naming {patch_summary} is left out of an unpatched build.
    Returns {"module", "version", "source_sha256", "package", "go_min_version", "zip_url_path" (module/@v/version.zip,
    escaped), "source_dir" (module@version, as the zip holds it), "ldflags" (one string), "version_argv",
    "version_expect", "key" (the cache name's part between the component name and the platform)}.
    """
    if not isinstance(spec, dict):
        raise AnsibleFilterError("artifact_build_plan: expects a dict, got %r" % (spec,))
    if not isinstance(patch_set, dict) or "release_tag" not in patch_set:
        raise AnsibleFilterError("artifact_build_plan: the argument is the result of artifact_patch_set, got %r"
                                 % (patch_set,))
    checks = (("module", _MODULE, "a Go module path"), ("version", _VERSION, "a Go module version"),
              ("source_sha256", _SHA256, "64 lower-case hex digits"), ("release", _RELEASE, "a release label"),
              ("commit", _COMMIT, "12 to 40 lower-case hex digits"), ("package", _PACKAGE, '"." or "./dir"'))
    for field, pattern, meaning in checks:
        value = spec.get(field)
        if not isinstance(value, str) or not pattern.match(value):
            raise AnsibleFilterError("artifact_build_plan: %s must be %s, got %r" % (field, meaning, value))
    if ".." in spec["package"].split("/"):
        raise AnsibleFilterError("artifact_build_plan: package must stay inside the module, got %r" % spec["package"])
    argv = spec.get("version_argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(arg, str) and arg for arg in argv):
        raise AnsibleFilterError("artifact_build_plan: version_argv must be a non-empty list of arguments, got %r"
                                 % (argv,))
    commit_in_name = spec.get("commit_in_name", False)
    if not isinstance(commit_in_name, bool):
        raise AnsibleFilterError("artifact_build_plan: commit_in_name must be a boolean, got %r" % (commit_in_name,))
    go_min = str(spec.get("go_min_version") or "")
    if not re.match(r"^[0-9]+(\.[0-9]+){1,2}$", go_min):
        raise AnsibleFilterError("artifact_build_plan: go_min_version must look like 1.24 or 1.26.6, got %r"
                                 % (spec.get("go_min_version"),))
    values = {"module": spec["module"], "release": spec["release"], "release_tag": patch_set["release_tag"],
              "commit": spec["commit"], "short_commit": spec["commit"][:12],
              "patch_summary": patch_set.get("summary") or ""}
    ldflags = _fill(spec.get("ldflags"), values, "ldflags")
    expect = _fill(spec.get("version_expect"), values, "version_expect")
    if not expect:
        raise AnsibleFilterError("artifact_build_plan: version_expect must name at least one string that the "
                                 "built binary prints")
    # A release label that SeaweedFS shares between the commits of a release cycle is not a name; the commit is.
    key = spec["release"] + ("-" + values["short_commit"] if commit_in_name else "")
    if patch_set.get("key"):
        key += "-" + patch_set["key"]
    return {"module": spec["module"], "version": spec["version"], "source_sha256": spec["source_sha256"],
            "package": spec["package"], "go_min_version": go_min,
            "zip_url_path": "%s/@v/%s.zip" % (_go_escape(spec["module"]), _go_escape(spec["version"])),
            "source_dir": "%s@%s" % (spec["module"], spec["version"]),
            "ldflags": " ".join(ldflags), "version_argv": list(argv), "version_expect": expect, "key": key}


class FilterModule:
    def filters(self):
        return {"artifact_patch_set": artifact_patch_set, "artifact_patch_problems": artifact_patch_problems,
                "artifact_build_plan": artifact_build_plan}
