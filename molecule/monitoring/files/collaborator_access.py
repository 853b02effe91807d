# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A collaborator downloads a shared result, then tries a file outside its folder.

  /opt/minio-admin/venv/bin/python collaborator_access.py NAME

Run as root on the test host: puts two objects with the root credentials of
admin.json, creates collaborator NAME with the s3share command (1 day on
ligan/results/NAME/), then, with the collaborator's own keys, downloads the
shared object and tries the private one. Prints what the access audit must
show, as JSON (no secret).
"""

import json
import io
import subprocess
import sys

from minio import Minio
from minio.error import S3Error

name = sys.argv[1]
with open("/opt/minio-admin/etc/admin.json", encoding="utf-8") as handle:
    admin = json.load(handle)
endpoint = admin["endpoint"].split("://", 1)[1]
root = Minio(endpoint, admin["access_key"], admin["secret_key"], secure=True, region="us-east-1")
shared, private = "results/%s/README.txt" % name, "private/%s/secret.txt" % name
for key in (shared, private):
    data = ("content of %s\n" % key).encode()
    root.put_object("ligan", key, io.BytesIO(data), len(data))

added = subprocess.run(["/usr/local/sbin/s3share", "collab", "add", name, "ligan", "results/%s/" % name, "1",
                        "--json"], check=True, stdout=subprocess.PIPE, universal_newlines=True)
credentials = json.loads(added.stdout)["credentials"]
# The region is given: a collaborator may not ask for the bucket's location.
collab = Minio(endpoint, credentials["access_key"], credentials["secret_key"], secure=True, region="us-east-1")
response = collab.get_object("ligan", shared)
body = response.read()
response.close()
response.release_conn()
try:
    collab.get_object("ligan", private)
    denied = None
except S3Error as exc:
    denied = exc.code
print(json.dumps({"access_key": credentials["access_key"], "shared": shared, "private": private,
                  "downloaded": body.decode(), "denied": denied}, sort_keys=True))
