# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3share-textfile-collector SETTINGS.json: the textfile metrics node-exporter serves.

Run by the monitoring role's timer through a launcher of a few lines. What the
metrics say is decided in _minio/metrics.py (collect); this file reads the
collaborator records for it and writes the file. No Ansible import.
"""

import sys

from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.store import CollaboratorStore
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import RecordError, validate_record
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import create_clients, settings_from_admin_config
from ansible_collections.egid.s3share.plugins.module_utils._minio.metrics import collect, read_json, write_atomically
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import DEFAULT_RECORDS_BUCKET


def records_from_store(admin_config_path):
    """The valid collaborator records, read from the records bucket with the admin settings (root-only admin.json)."""
    settings, config = settings_from_admin_config(admin_config_path)
    store = CollaboratorStore(create_clients(settings).s3, config.get("records_bucket") or DEFAULT_RECORDS_BUCKET)
    records = []
    for name in store.names():
        try:
            record = store.get(name)
            if record is None:
                continue
            expires = validate_record(name, record)
        except RecordError:
            continue  # a damaged or forged record is the sweep's business (it reports it)
        records.append({"name": name, "bucket": record["bucket"], "expires_at": expires.timestamp()})
    return records


def main(argv=None):
    """s3share-textfile-collector SETTINGS.json: write the textfile node-exporter reads."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write("usage: s3share-textfile-collector SETTINGS.json\n")
        return 2
    settings = read_json(argv[0])
    if settings is None:
        sys.stderr.write("s3share-textfile-collector: cannot read %s\n" % argv[0])
        return 2
    text = collect(settings, lambda: records_from_store(settings["admin_config"]))
    # Readable by node-exporter's group only: the file says how many collaborators there are
    # and when the next one expires, which is the admins' business.
    write_atomically(settings["output"], text, int(settings.get("output_mode", "0640"), 8), settings.get("output_group"))
    return 0
