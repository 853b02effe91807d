#!/bin/bash
# Every object version of the lab's buckets: bucket, key, version id, sha256.
set -euo pipefail
for bucket in ligan impact-pm; do
  mc ls --versions --recursive --json "nectar/$bucket" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    print(o["key"], o.get("versionId", "null"), "delete-marker" if o.get("isDeleteMarker") else "")
' | while read -r key vid marker; do
    if [ -n "$marker" ]; then echo "$bucket $key $vid delete-marker"; continue; fi
    echo "$bucket $key $vid $(mc cat --version-id "$vid" "nectar/$bucket/$key" | sha256sum | cut -d' ' -f1)"
  done
done | sort
