# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one size parser of the collection.

The rule, the same for bucket quotas, Proxmox disks and the storage role:

- a number without unit (or with ``B``) is bytes;
- a bare unit letter ``K``, ``M``, ``G``, ``T``, ``P`` and the IEC units
  ``KiB``, ``MiB``, ``GiB``, ``TiB``, ``PiB`` are binary (powers of 1024), as
  Proxmox VE and lsblk mean them;
- ``KB``, ``MB``, ``GB``, ``TB``, ``PB`` are decimal (powers of 1000), as
  MinIO's ``mc`` means them.

Units are case-insensitive (``5tib`` is ``5TiB``), a fraction is allowed
(``0.5G``) and the result is rounded down to whole bytes.

No Ansible import: filters and the server-side code use this file too.
"""

import decimal
import re

_BINARY = {"K": 1, "M": 2, "G": 3, "T": 4, "P": 5}

UNITS = {"": 1, "B": 1}
for _letter, _power in _BINARY.items():
    UNITS[_letter] = 1024 ** _power
    UNITS[_letter + "IB"] = 1024 ** _power
    UNITS[_letter + "B"] = 1000 ** _power

_SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


def parse_size(value):
    """Return the size in bytes of ``value`` (an int, or a string such as ``500GiB``, ``50G``, ``10GB``).

    Raises ValueError with the rule when the value cannot be read.
    """
    if isinstance(value, bool):
        raise ValueError("invalid size %r: use bytes or a number with a unit" % (value,))
    if isinstance(value, int):
        if value < 0:
            raise ValueError("invalid size %r: a size cannot be negative" % (value,))
        return value
    found = _SIZE_RE.fullmatch(str(value))
    unit = found.group(2).upper() if found else None
    if unit not in UNITS:
        raise ValueError("invalid size %r: use bytes, or a number with a unit: K, M, G, T, P or KiB ... PiB "
                         "(powers of 1024), KB, MB, GB, TB, PB (powers of 1000), for example 500GiB, 50G, 10GB"
                         % (value,))
    return int(decimal.Decimal(found.group(1)) * UNITS[unit])
