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

import base64
import json
import os
import ssl
import sys
import urllib.parse
import urllib.request

# Prometheus asks for a password over HTTPS (its certificate pinned): from the environment.
_CONTEXT = ssl.create_default_context(cafile=os.environ["PROMETHEUS_CA"]) if os.environ.get("PROMETHEUS_CA") else None
_AUTH = ("Basic " + base64.b64encode(("%s:%s" % (os.environ["PROMETHEUS_USER"], os.environ["PROMETHEUS_PASSWORD"]))
                                     .encode()).decode()) if os.environ.get("PROMETHEUS_USER") else None


def query(base, expr):
    url = "%s/api/v1/query?%s" % (base, urllib.parse.urlencode({"query": expr}))
    request = urllib.request.Request(url, headers={"Authorization": _AUTH} if _AUTH else {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=_CONTEXT) as response:
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
