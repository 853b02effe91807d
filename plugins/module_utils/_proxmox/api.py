# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared Proxmox VE plumbing for the egid.s3share proxmox_* modules.

Private to this collection (the leading underscore): connection options and
client, error wording and task waiting. The parsing and printing of PVE
property strings and sizes is in values.py, the planner in plan.py.
"""

import time
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.egid.s3share.plugins.module_utils._proxmox.errors import ProxmoxError

PROXMOXER_IMPORT_ERROR = None
try:
    from proxmoxer import ProxmoxAPI
    from proxmoxer.core import AuthenticationError, ResourceException
    HAS_PROXMOXER = True
except ImportError:
    ProxmoxAPI = None
    AuthenticationError = ResourceException = Exception
    HAS_PROXMOXER = False
    PROXMOXER_IMPORT_ERROR = traceback.format_exc()

try:
    from requests.exceptions import RequestException
except ImportError:
    RequestException = Exception


def proxmox_argument_spec():
    """Connection options shared by every proxmox_* module (see the doc fragment)."""
    return dict(
        api_host=dict(type="str", required=True, fallback=(env_fallback, ["PROXMOX_HOST"])),
        api_port=dict(type="int", default=8006, fallback=(env_fallback, ["PROXMOX_PORT"])),
        api_user=dict(type="str", required=True, fallback=(env_fallback, ["PROXMOX_USER"])),
        api_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PROXMOX_PASSWORD"])),
        api_token_id=dict(type="str", no_log=False, fallback=(env_fallback, ["PROXMOX_TOKEN_ID"])),
        api_token_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["PROXMOX_TOKEN_SECRET"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["PROXMOX_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["PROXMOX_CA_PATH"])),
        api_timeout=dict(type="int", default=30),
    )


PROXMOX_REQUIRED_ONE_OF = [("api_password", "api_token_id")]
PROXMOX_REQUIRED_TOGETHER = [("api_token_id", "api_token_secret")]


def error_reason(exc):
    """The server's reason from a proxmoxer/requests exception, without noise."""
    if HAS_PROXMOXER and isinstance(exc, ResourceException):
        reason = (exc.content or exc.status_message or "").strip()
        errors = exc.errors
        if isinstance(errors, dict) and errors:
            details = "; ".join("%s: %s" % (key, str(value).strip().replace("\n", " "))
                                for key, value in sorted(errors.items()))
            reason = "%s (%s)" % (reason, details)
        return "HTTP %s %s" % (exc.status_code, reason)
    return str(exc).strip() or exc.__class__.__name__


class ProxmoxClient:
    """A proxmoxer session with the collection's error wording and task waiting."""

    def __init__(self, module):
        self.module = module
        if not HAS_PROXMOXER:
            module.fail_json(msg=missing_required_lib("proxmoxer"), exception=PROXMOXER_IMPORT_ERROR)
        params = module.params
        verify = params["validate_certs"]
        if verify and params.get("ca_path"):
            verify = params["ca_path"]
        kwargs = dict(port=params["api_port"], user=params["api_user"], verify_ssl=verify,
                      timeout=params["api_timeout"])
        if params.get("api_token_id"):
            if not params.get("api_token_secret"):
                module.fail_json(msg="Failed to connect to Proxmox VE API: api_token_id is set but api_token_secret is empty")
            token = params["api_token_id"]
            if "!" in token:
                # Accept the full "user@realm!name" form that PVE displays.
                user, token = token.split("!", 1)
                kwargs["user"] = user
            kwargs.update(token_name=token, token_value=params["api_token_secret"])
        elif params.get("api_password"):
            kwargs["password"] = params["api_password"]
        else:
            module.fail_json(msg="Failed to connect to Proxmox VE API: set api_token_id and api_token_secret, "
                                 "or api_password")
        try:
            self.api = ProxmoxAPI(params["api_host"], **kwargs)
            # proxmoxer only authenticates eagerly with passwords; touch the API
            # so that a bad token or certificate fails here with a clear message.
            self.version = self.api.version.get()
        except (AuthenticationError, ResourceException, RequestException, OSError, ValueError) as exc:
            module.fail_json(msg="Failed to connect to Proxmox VE API at %s:%s: %s"
                             % (params["api_host"], params["api_port"], error_reason(exc)))

    def call(self, action, obj, func, *args, **kwargs):
        """Run one API call and return its result; a failure raises ProxmoxError("Failed to <action> <obj>: <reason>").

        The same contract as call() in _minio/errors.py.
        """
        try:
            return func(*args, **kwargs)
        except (ResourceException, RequestException, OSError, ValueError) as exc:
            raise ProxmoxError("Failed to %s %s: %s" % (action, obj, error_reason(exc)))

    def wait_task(self, node, upid, action, obj, timeout=600, interval=0.5):
        """Wait for a worker task; raise ProxmoxError if it fails or outlasts timeout."""
        if not upid:
            return
        deadline = time.time() + timeout
        while True:
            status = self.call("read the task status of", obj,
                               self.api.nodes(node).tasks(upid).status.get)
            if status.get("status") == "stopped":
                if status.get("exitstatus") != "OK":
                    raise ProxmoxError("Failed to %s %s: task %s ended with: %s"
                                       % (action, obj, upid, status.get("exitstatus")))
                return
            if time.time() > deadline:
                raise ProxmoxError("Failed to %s %s: task %s still running after %ss"
                                   % (action, obj, upid, timeout))
            time.sleep(interval)

    def find_vms(self):
        return self.call("list", "the cluster VMs", self.api.cluster.resources.get, type="vm")
