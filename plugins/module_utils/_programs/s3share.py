# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3share: share results without the MinIO root key, run through the delegated sudo rule (s3share --help).

The entry of the program: it installs the signal handling (a signal between a
new secret's creation and its delivery rolls the account back), then runs the
command line with _s3share/cli.py, where the verbs, the delegation checks and
the audit lines are. No Ansible import.
"""

import sys

from ansible_collections.egid.s3share.plugins.module_utils._s3share.cli import DEFAULT_CONFIG, DEFAULT_DELEGATIONS, Signals, run


def main(argv=None, config_path=DEFAULT_CONFIG, delegations_path=DEFAULT_DELEGATIONS, out=None, err=None):
    signals = Signals()
    try:
        signals.install()
    except ValueError:
        pass  # not the main thread (an embedding program): its own signal handling applies
    try:
        return run(list(sys.argv[1:] if argv is None else argv), config_path, delegations_path,
                   out or sys.stdout, err or sys.stderr, signals)
    finally:
        signals.restore()
