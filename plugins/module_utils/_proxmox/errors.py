# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error of the proxmox_* modules, shared by the client and the pure planner. No Ansible import."""


class ProxmoxError(Exception):
    """A failure already worded as "Failed to <action> <object>: <reason>"."""
