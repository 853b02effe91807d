# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo's mail relay: an SMTP server on the socket systemd passes, delivering every
message into one Maildir (the demo's mailbox).

  python3 -I demo_mailbox.py MAILDIR

Installed by playbooks/demo_mailbox.yml on the demo host only (a lab has its own
relay). systemd holds 127.0.0.1:25 (demo-mailbox.socket), so no local account
can take the port and read the alerts. Debian's python3-aiosmtpd.
"""

import asyncio
import os
import socket
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: demo_mailbox.py MAILDIR\n")
        return 2
    if os.environ.get("LISTEN_PID") != str(os.getpid()) or os.environ.get("LISTEN_FDS") != "1":
        sys.stderr.write("demo_mailbox.py: run me from demo-mailbox.socket (no socket passed)\n")
        return 2
    listening = socket.socket(fileno=3)
    handler = Mailbox(argv[0])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(loop.create_server(lambda: SMTP(handler, hostname="nectar"), sock=listening))
    loop.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
