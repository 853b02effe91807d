# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every PromQL expression of a Grafana dashboard against a real Prometheus.

  python3 promql_check.py http://127.0.0.1:9090 dashboard.json

Prints one JSON object: for each panel title, its expressions with the API's
status, error (if any) and the number of series returned; the queries that
failed, and the panels none of whose queries returned a series. Standard library only
(it runs with the test host's system Python).
"""

import json
import sys
import urllib.parse
import urllib.request


def query(base, expr):
    url = "%s/api/v1/query?%s" % (base, urllib.parse.urlencode({"query": expr}))
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        body = json.load(exc)
    return {"expr": expr, "status": body.get("status"), "error": body.get("error"),
            "series": len((body.get("data") or {}).get("result") or [])}


def main(base, path):
    with open(path, encoding="utf-8") as handle:
        dashboard = json.load(handle)
    report = {}
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            report.setdefault(panel["title"], []).append(query(base, target["expr"]))
    failed = sorted("%s: %s (%s)" % (title, q["expr"], q["error"]) for title, queries in report.items()
                    for q in queries if q["status"] != "success")
    empty = sorted(title for title, queries in report.items() if sum(q["series"] for q in queries) == 0)
    print(json.dumps({"panels": report, "failed": failed, "empty": empty}, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
