# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one size parser: bare letters and KiB... are binary, KB... decimal, no unit is bytes."""

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._size import parse_size

KIB, KB = 1024, 1000


@pytest.mark.parametrize("text, size", [
    # bytes
    (42, 42), ("42", 42), ("42B", 42), (" 4096 ", 4096), ("0", 0),
    # bare unit letters: binary, as Proxmox VE and lsblk mean them
    ("1K", KIB), ("670M", 670 * KIB ** 2), ("50G", 50 * KIB ** 3), ("5T", 5 * KIB ** 4), ("2P", 2 * KIB ** 5),
    # IEC units: binary
    ("1KiB", KIB), ("3MiB", 3 * KIB ** 2), ("500GiB", 500 * KIB ** 3), ("5TiB", 5 * KIB ** 4), ("1PiB", KIB ** 5),
    # SI units: decimal, as MinIO's mc means them
    ("1KB", KB), ("3MB", 3 * KB ** 2), ("10GB", 10 * KB ** 3), ("2TB", 2 * KB ** 4), ("1PB", KB ** 5),
    # case does not matter; spaces around the unit are allowed
    ("5tib", 5 * KIB ** 4), ("10gb", 10 * KB ** 3), ("50g", 50 * KIB ** 3), ("5 TiB", 5 * KIB ** 4),
    # fractions, rounded down to whole bytes
    ("1.5G", 1536 * KIB ** 2), ("0.5GiB", 512 * KIB ** 2), ("1.5KB", 1500), ("0.3K", 307),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


def test_the_same_number_differs_between_binary_and_decimal_units():
    assert parse_size("1G") == parse_size("1GiB") == 1073741824
    assert parse_size("1GB") == 1000000000


@pytest.mark.parametrize("text", ["", "G", "5 X", "5GiBB", "-5G", "5,5G", "five", "5E", "5Gi", None, True, -1, "1e3"])
def test_invalid_sizes_are_refused_with_the_rule(text):
    with pytest.raises(ValueError) as exc:
        parse_size(text)
    assert "invalid size" in str(exc.value)


def test_the_message_names_the_rule():
    with pytest.raises(ValueError) as exc:
        parse_size("5 bananas")
    message = str(exc.value)
    assert "'5 bananas'" in message and "1024" in message and "1000" in message
