# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the simulator by hand: ``python -m pve_simulator --port 8006`` from tests/."""

import argparse
import signal
import sys
import time

from .server import Simulator


def main():
    parser = argparse.ArgumentParser(description='Proxmox VE API simulator (test use only)')
    parser.add_argument('--port', type=int, default=8006)
    parser.add_argument('--workdir', help='where to write ca.pem and the server certificate')
    parser.add_argument('--task-delay', type=float, default=0.3)
    args = parser.parse_args()
    sim = Simulator(port=args.port, workdir=args.workdir, task_delay=args.task_delay).start()
    print('PVE simulator on %s (CA: %s)' % (sim.base_url, sim.ca_path), flush=True)
    print('users: %s; tokens: %s' % (', '.join(sim.users), ', '.join(sim.tokens)), flush=True)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()  # also removes the generated CA and key


if __name__ == '__main__':
    main()
