# -*- coding: utf-8 -*-
"""The Go advisories compiled into the built MinIO are each fixed, or not applicable with a reason.

scripts/govulncheck.sh scans the binary the role built (govulncheck in binary
mode, on a pinned snapshot of the Go vulnerability database, so the answer
does not move with the day). docs/security-go.md has one row per advisory it
found on the egid.2 build; the ones marked "not applicable" are in code this
deployment does not run. Any other finding means an advisory the build still
carries: the test fails. It fails on egid.2 (the standard library of go1.26.8
and GO-2026-6865 in klauspost/compress); egid.3 is built by go1.26.10 with
patches 0015 and 0016.
"""

from __future__ import annotations

import re
import subprocess

from minio_testbed import REPO


def _ledger():
    """{GO id: status} from the tables of docs/security-go.md."""
    rows = {}
    for line in (REPO / "docs" / "security-go.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (GO-\d{4}-\d+) \|", line)
        if match:
            rows[match.group(1)] = line.rstrip(" |").rsplit("|", 1)[1].strip()
    return rows


def test_the_ledger_has_a_status_for_each_advisory():
    rows = _ledger()
    assert len(rows) >= 81, len(rows)  # 67 module advisories and 14 of the standard library, on egid.2
    assert not [advisory for advisory, status in rows.items()
                if not status.startswith(("patched (", "not applicable"))], rows


def test_every_go_advisory_of_the_built_binary_is_fixed_or_not_applicable(binaries):
    found = subprocess.run([str(REPO / "scripts" / "govulncheck.sh"), binaries["minio"]], check=True,
                           capture_output=True, text=True, timeout=900).stdout.split()
    assert found, "govulncheck found nothing at all: the scan did not run"  # egid.3 still links unreachable ones
    rows = _ledger()
    unknown = sorted(set(found) - set(rows))
    assert not unknown, "advisories with no row in docs/security-go.md: %s" % unknown
    carried = sorted(advisory for advisory in found if not rows[advisory].startswith("not applicable"))
    assert not carried, "the build still carries: %s" % ", ".join("%s (%s)" % (a, rows[a][:60]) for a in carried)
