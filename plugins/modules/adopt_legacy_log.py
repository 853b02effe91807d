#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: adopt_legacy_log
short_description: Archive the lab's old text actions.log next to the new JSON-lines audit log
version_added: 0.1.0
description:
  - When O(path) holds lines that are not the collection's JSON audit records (the lab's scripts wrote
    timestamped text), renames it to O(path) + C(.pre-adoption) with its owner, mode and times, so that
    O(path) holds only JSON lines from then on. The archive is never modified afterwards.
  - Nothing to do when O(path) is absent or holds only JSON records. Refused when the archive exists already.
author:
  - EGID / UMR 8199 IT team (!UNKNOWN)
options:
  path:
    description: The audit log.
    type: path
    default: /opt/minio-admin/logs/actions.log
attributes:
  check_mode:
    support: full
    description: Reports the archive it would make and renames nothing.
  diff_mode:
    support: full
    description: The log's path before and after.
  idempotent:
    support: full
    description: Once archived, the log holds only JSON lines and a second run changes nothing.
"""

EXAMPLES = r"""
- name: Keep the lab's actions.log as an archive
  egid.s3share.adopt_legacy_log:
"""

RETURN = r"""
archive:
  description: The archive's path, when this run made it (or would, in check mode).
  returned: changed
  type: str
lines:
  description: The number of non-JSON lines found in O(path).
  returned: always
  type: int
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.egid.s3share.plugins.module_utils._host.adopt_plan import legacy_log_state


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type="path", default="/opt/minio-admin/logs/actions.log")),
                           supports_check_mode=True)
    path = module.params["path"]
    archive = path + ".pre-adoption"
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            state = legacy_log_state(handle.read())
    except FileNotFoundError:
        module.exit_json(changed=False, lines=0)
    if not state["other_lines"]:
        module.exit_json(changed=False, lines=0)
    if os.path.exists(archive):
        module.fail_json(msg="%s holds %d lines that are not JSON audit records and %s exists already: merge them "
                             "by hand" % (path, state["other_lines"], archive))
    diff = {"before": {"path": path}, "after": {"path": archive}}
    if not module.check_mode:
        # A rename keeps the owner, mode and times, and is atomic on one filesystem.
        os.rename(path, archive)
    module.exit_json(changed=True, archive=archive, lines=state["other_lines"], diff=diff)


if __name__ == "__main__":
    main()
