# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Connection options shared by the egid.s3share proxmox_* modules
    # (plugins/module_utils/_proxmox/api.py: proxmox_argument_spec).
    DOCUMENTATION = r"""
options:
  api_host:
    description:
      - Host name or address of a Proxmox VE node of the cluster (the API listens on O(api_port)).
      - Uses the E(PROXMOX_HOST) environment variable if not set.
    type: str
    required: true
  api_port:
    description:
      - TCP port of the Proxmox VE API.
      - Uses the E(PROXMOX_PORT) environment variable if not set.
    type: int
    default: 8006
  api_user:
    description:
      - User to authenticate as, with its realm, for example V(automation@pve).
      - With an API token, this is the token's owner.
      - Uses the E(PROXMOX_USER) environment variable if not set.
    type: str
    required: true
  api_password:
    description:
      - Password of O(api_user). Prefer an API token.
      - The module gets a ticket from C(/access/ticket) and sends the C(CSRFPreventionToken) on writes.
      - Uses the E(PROXMOX_PASSWORD) environment variable if not set.
      - Exactly one of O(api_password) and O(api_token_id) is needed.
    type: str
  api_token_id:
    description:
      - Name of the API token (the part after C(!)), or the full C(user@realm!name) form.
      - Uses the E(PROXMOX_TOKEN_ID) environment variable if not set.
    type: str
  api_token_secret:
    description:
      - Secret (UUID) of the API token. Never logged nor returned.
      - Uses the E(PROXMOX_TOKEN_SECRET) environment variable if not set.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate of the API against O(ca_path), or the system trust store when O(ca_path) is not set.
      - Only set to V(false) for throw-away test setups.
      - Uses the E(PROXMOX_VALIDATE_CERTS) environment variable if not set.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA that signed the cluster's API certificate (on PVE, C(/etc/pve/pve-root-ca.pem)).
      - Uses the E(PROXMOX_CA_PATH) environment variable if not set.
    type: path
  api_timeout:
    description:
      - Timeout in seconds of each HTTP request.
    type: int
    default: 30
requirements:
  - proxmoxer >= 2.0
  - requests
notes:
  - The proxmox_* modules belong to the action group C(egid.s3share.proxmox), so the connection options can be
    set once with C(module_defaults) and C(group/egid.s3share.proxmox).
"""
