#!/usr/bin/env python3
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build a govulncheck v1 database directory from the OSV files of a golang.org/x/vulndb checkout.

scripts/govulncheck.sh runs it on the pinned golang.org/x/vulndb module (docs/security-go.md).

Usage: govulncheck_db.py <vulndb module dir> <output dir> [snapshot time RFC3339]

Layout written (what golang.org/x/vuln v1.9.0 internal/client reads for file:// sources):
  index/db.json       {"modified": <RFC3339>}
  index/modules.json  [{"path": ..., "vulns": [{"id", "modified", "fixed"?}]}], sorted by path then id
  ID/<GO-ID>.json     the OSV record, byte for byte as in data/osv/

"fixed" follows govulncheck's semver.NonSupersededFix: the highest SEMVER "fixed" event of an
affected entry, dropped when some "introduced" event is above it. It is only a prefilter in the
client (entries are filtered again by their ranges), so it has to be exact or too high, never low.
The vulndb module zip carries zero "modified" times (the real pipeline takes them from git); a
zero time is replaced in the index by the snapshot time (default: the vulndb pseudo-version time).
"""
import json
import os
import re
import shutil
import sys

ZERO = "0001-01-01T00:00:00Z"

_SEMVER = re.compile(
    r"^v(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?)?"
    r"(?:-((?:[0-9A-Za-z-]+)(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def _canon(v):
    # x/vuln internal/semver canonicalizeSemverPrefix: strip "v" then "go", add "v".
    if v.startswith("v"):
        v = v[1:]
    if v.startswith("go"):
        v = v[2:]
    return "v" + v


def _parse(v):
    m = _SEMVER.match(v)
    if not m:
        return None
    major, minor, patch, pre = m.group(1), m.group(2) or "0", m.group(3) or "0", m.group(4)
    # x/mod/semver rejects shorthand (v1, v1.2) with a prerelease or build suffix.
    if (m.group(2) is None or m.group(3) is None) and (pre is not None or "+" in v):
        return None
    if pre is not None:
        for ident in pre.split("."):
            if ident.isdigit() and len(ident) > 1 and ident[0] == "0":
                return None
    return (int(major), int(minor), int(patch), pre)


def _cmp_pre(a, b):
    if a == b:
        return 0
    if a is None:
        return 1
    if b is None:
        return -1
    xa, xb = a.split("."), b.split(".")
    for ia, ib in zip(xa, xb):
        if ia == ib:
            continue
        na, nb = ia.isdigit(), ib.isdigit()
        if na and nb:
            return -1 if int(ia) < int(ib) else 1
        if na != nb:
            return -1 if na else 1
        return -1 if ia < ib else 1
    return (len(xa) > len(xb)) - (len(xa) < len(xb))


def compare(v1, v2):
    """golang.org/x/mod/semver.Compare: an invalid version is below every valid one."""
    p1, p2 = _parse(v1), _parse(v2)
    if p1 is None and p2 is None:
        return 0
    if p1 is None:
        return -1
    if p2 is None:
        return 1
    for a, b in zip(p1[:3], p2[:3]):
        if a != b:
            return -1 if a < b else 1
    return _cmp_pre(p1[3], p2[3])


def less(v1, v2):
    return compare(_canon(v1), _canon(v2)) < 0


def non_superseded_fix(ranges):
    latest = ""
    for r in ranges or []:
        if r.get("type") != "SEMVER":
            continue
        for e in r.get("events", []):
            fixed = e.get("fixed", "")
            if fixed and less(latest, fixed):
                latest = fixed
        for e in r.get("events", []):
            intro = e.get("introduced", "")
            if intro and intro != "0" and less(latest, intro):
                latest = ""
                break
    return latest


def main():
    src, out = sys.argv[1], sys.argv[2]
    snapshot = sys.argv[3] if len(sys.argv) > 3 else None
    if snapshot is None:
        m = re.search(r"@v0\.0\.0-(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)-", os.path.abspath(src))
        snapshot = "%s-%s-%sT%s:%s:%sZ" % m.groups() if m else ZERO
    osv_dir = os.path.join(src, "data", "osv")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "index"))
    os.makedirs(os.path.join(out, "ID"))

    db_modified = ZERO
    modules = {}
    count = 0
    for name in sorted(os.listdir(osv_dir)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(osv_dir, name)
        with open(path, "rb") as f:
            raw = f.read()
        entry = json.loads(raw)
        if name != entry["id"] + ".json":
            sys.exit("bad file name %s for %s" % (name, entry["id"]))
        modified = entry.get("modified") or ZERO
        if modified.startswith("0001-01-01"):
            modified = snapshot
        db_modified = max(db_modified, modified)
        for aff in entry.get("affected", []):
            mod = aff["package"]["name"]
            vuln = {"id": entry["id"], "modified": modified}
            fixed = non_superseded_fix(aff.get("ranges"))
            if fixed:
                vuln["fixed"] = fixed
            modules.setdefault(mod, []).append(vuln)
        with open(os.path.join(out, "ID", name), "wb") as f:
            f.write(raw)
        count += 1

    index = [{"path": p, "vulns": sorted(v, key=lambda x: x["id"])} for p, v in sorted(modules.items())]
    with open(os.path.join(out, "index", "modules.json"), "w") as f:
        json.dump(index, f, separators=(",", ":"))
    with open(os.path.join(out, "index", "db.json"), "w") as f:
        json.dump({"modified": db_modified}, f)
    print("%d entries, %d modules, modified %s -> %s" % (count, len(index), db_modified, out))


if __name__ == "__main__":
    main()
