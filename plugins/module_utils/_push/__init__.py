# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3share-push: publish a results folder to S3 with the user's own account, proved intact.

Pure Python (the standard library only; tqdm, when installed, draws the bar on a
terminal). No Ansible import: the package is installed on the bioinformaticians'
machines by roles/mc_client and runs there as /usr/local/bin/s3share-push. The
modules import each other relatively, so the package works both inside the
collection and copied on its own. One concern per file:

- sigv4.py        AWS Signature V4 for one request
- credentials.py  the endpoint and keys: an mc alias or the AWS_* variables
- s3.py           the S3 calls over keep-alive HTTPS connections, with retries
- walk.py         the source tree, streamed with os.scandir
- plan.py         the part size of a file and the checksums S3 compares
- state.py        what earlier runs did (sqlite under ~/.cache), for skipping and resuming
- upload.py       one file: skip, verify, send in one read pass, resume, complete
- progress.py     the bar on a terminal, JSON lines otherwise, the summary
- cli.py          arguments, the run, the manifest and the exit codes
"""
