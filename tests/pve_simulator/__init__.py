# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Proxmox VE API simulator for testing the collection without a hypervisor."""

from .cluster import ApiError, Cluster
from .schema import SchemaIndex, validate_parameters
from .server import Simulator

__all__ = ['ApiError', 'Cluster', 'SchemaIndex', 'Simulator', 'validate_parameters']
