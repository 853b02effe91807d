# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS front end of the simulator: /api2/json, authentication, envelope, errors.

Authentication works as on PVE:

* ``POST /access/ticket`` with username and password returns a ticket and a
  ``CSRFPreventionToken``; later requests send the ticket in the
  ``PVEAuthCookie`` cookie and, for every method but GET, the token in the
  ``CSRFPreventionToken`` header;
* or ``Authorization: PVEAPIToken=<user>@<realm>!<tokenid>=<secret>``.

Every request is validated against the schema before it reaches a handler;
invalid ones get HTTP 400 "Parameter verification failed." with the
per-parameter messages in ``errors``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import ssl
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from . import certs
from .cluster import ApiError, Cluster
from .schema import SchemaIndex, validate_parameters

PREFIX = '/api2/json'


class Handler(BaseHTTPRequestHandler):
    server_version = 'pve-api-daemon/3.0'
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self.server.simulator.log.append('%s %s' % (self.command, self.path))

    def _send(self, status, reason, body):
        payload = json.dumps(body).encode()
        self.send_response(status, reason)
        self.send_header('Content-Type', 'application/json;charset=UTF-8')
        self.send_header('Content-Length', str(len(payload)))
        self.send_header('Cache-Control', 'max-age=0')
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status, message, errors=None):
        body = {'data': None, 'message': message + '\n'}
        if errors:
            body['errors'] = {key: value if value.endswith('\n') else value + '\n' for key, value in errors.items()}
        self._send(status, message, body)

    def _params(self):
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            raw = self.rfile.read(length).decode('utf-8')
            if (self.headers.get('Content-Type') or '').startswith('application/json'):
                body = json.loads(raw or '{}')
                params.update({key: value if isinstance(value, (str, list)) else
                               (int(value) if isinstance(value, bool) else value)
                               for key, value in body.items()})
            else:
                params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        return url.path, {key: str(value) if not isinstance(value, list) else value for key, value in params.items()}

    def _handle(self):
        sim = self.server.simulator
        path, params = self._params()
        if not path.startswith(PREFIX + '/'):
            self._error(501, 'Unsupported API path (expected %s/...)' % PREFIX)
            return
        api_path = unquote(path[len(PREFIX):]).rstrip('/') or '/'
        template, path_params = sim.schema.match(api_path)
        if template is None:
            self._error(501, "Method '%s %s' not implemented" % (self.command, api_path))
            return
        info = sim.schema.method(template, self.command)
        if info is None:
            self._error(501, "Method '%s %s' not implemented" % (self.command, api_path))
            return
        user = None
        if template == '/access/ticket' and self.command == 'POST':
            pass
        else:
            user, failure = sim.authenticate(self.headers, self.command)
            if failure:
                self._error(401, failure)
                return
        all_params = dict(params)
        for key, value in path_params.items():
            if key in all_params and all_params[key] != value:
                self._error(400, 'Parameter verification failed.', {key: 'duplicate parameter (path and body)'})
                return
            all_params[key] = value
        errors = validate_parameters(info, all_params)
        if errors:
            sim.rejected.append((self.command, template, all_params, errors))
            self._error(400, 'Parameter verification failed.', errors)
            return
        sim.requests.append((self.command, template, all_params))
        try:
            with sim.cluster.lock:
                sim.cluster.tick()
                data = sim.dispatch(self.command, template, all_params, user)
        except ApiError as exc:
            self._error(exc.status, exc.message, exc.errors)
            return
        self._send(200, 'OK', {'data': data})

    def do_GET(self):  # pylint: disable=invalid-name
        self._handle()

    def do_POST(self):  # pylint: disable=invalid-name
        self._handle()

    def do_PUT(self):  # pylint: disable=invalid-name
        self._handle()

    def do_DELETE(self):  # pylint: disable=invalid-name
        self._handle()


class Simulator:
    """A PVE API on https://127.0.0.1:<port>/api2/json backed by a Cluster."""

    def __init__(self, users=None, tokens=None, cluster=None, schema=None, task_delay=0.3,
                 agent_boot_delay=0.5, port=0, workdir=None):
        self.schema = schema or SchemaIndex()
        self.cluster = cluster or Cluster.lab(self.schema, task_delay=task_delay,
                                              agent_boot_delay=agent_boot_delay)
        self.users = dict(users or {'root@pam': 'simulator-password'})
        # token id "user@realm!name" -> secret
        self.tokens = dict(tokens or {'automation@pve!ansible': '5f0c2c8e-0000-4000-8000-000000000107'})
        self._secret = secrets.token_bytes(32)
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix='pve-sim-')
            workdir = self._tmp.name
        self.cert_paths = certs.generate(workdir)
        self.requests = []
        self.rejected = []
        self.log = []
        self.httpd = ThreadingHTTPServer(('127.0.0.1', port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.simulator = self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_paths['server.pem'], self.cert_paths['server-key.pem'])
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self._thread = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def ca_path(self):
        return self.cert_paths['ca.pem']

    @property
    def base_url(self):
        return 'https://127.0.0.1:%d%s' % (self.port, PREFIX)

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, name='pve-simulator', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_idle(self, timeout=10):
        """Block until every task has finished (tests use it before asserting state)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.cluster.lock:
                self.cluster.tick()
                if all(task.exitstatus is not None for task in self.cluster.tasks.values()):
                    return
            time.sleep(0.05)
        raise TimeoutError('simulator tasks still running')

    # --------------------------------------------------------------- auth
    def _sign(self, text):
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:32]

    def issue_ticket(self, username, password):
        user = username if '@' in username else username + '@pam'
        expected = self.users.get(user)
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            return None
        stamp = '%08X' % int(time.time())
        plain = 'PVE:%s:%s' % (user, stamp)
        ticket = '%s::%s' % (plain, self._sign(plain))
        csrf = '%s:%s' % (stamp, self._sign('csrf:%s:%s' % (user, stamp)))
        return {'ticket': ticket, 'CSRFPreventionToken': csrf, 'username': user,
                'cap': {'vms': {'VM.Allocate': 1}, 'storage': {'Datastore.AllocateSpace': 1}}}

    def authenticate(self, headers, method):
        """Return (user, None) or (None, reason) like pve-http-server."""
        authorization = headers.get('Authorization')
        if authorization:
            if not authorization.startswith('PVEAPIToken='):
                return None, 'invalid authorization header'
            token = authorization[len('PVEAPIToken='):]
            if '=' not in token or '!' not in token:
                return None, 'invalid API token'
            token_id, secret = token.split('=', 1)
            expected = self.tokens.get(token_id)
            if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
                return None, 'invalid token value!'
            return token_id, None
        cookie = SimpleCookie(headers.get('Cookie') or '')
        if 'PVEAuthCookie' not in cookie:
            return None, 'No ticket'
        ticket = unquote(cookie['PVEAuthCookie'].value)
        plain, _sep, signature = ticket.partition('::')
        if not signature or not hmac.compare_digest(self._sign(plain), signature):
            return None, 'invalid ticket'
        _pve, user, stamp = plain.split(':', 2)
        if time.time() - int(stamp, 16) > 7200:
            return None, 'invalid ticket'
        if method != 'GET':
            token = headers.get('CSRFPreventionToken') or ''
            if token != '%s:%s' % (stamp, self._sign('csrf:%s:%s' % (user, stamp))):
                return None, 'Permission check failed (invalid csrf token)'
        return user, None

    # ------------------------------------------------------------- routes
    def dispatch(self, method, template, params, user):
        cluster = self.cluster
        node = params.get('node')
        vmid = params.get('vmid')
        route = (method, template)
        if route == ('POST', '/access/ticket'):
            result = self.issue_ticket(params['username'], params['password'])
            if result is None:
                raise ApiError(401, 'authentication failure')
            return result
        if route == ('GET', '/access/ticket'):
            return None
        simple = {
            ('GET', '/version'): cluster.version,
            ('GET', '/nodes'): cluster.list_nodes,
        }
        if route in simple:
            return simple[route]()
        if route == ('GET', '/cluster/nextid'):
            return cluster.next_id(params.get('vmid'))
        if route == ('GET', '/cluster/resources'):
            return cluster.resources(params.get('type'))
        if route == ('GET', '/nodes/{node}/storage'):
            return cluster.node_storage(node, params.get('content'), params.get('storage'))
        if route == ('GET', '/nodes/{node}/storage/{storage}/content'):
            return cluster.storage_content(node, params['storage'], params.get('content'), params.get('vmid'))
        if route == ('GET', '/nodes/{node}/network'):
            return cluster.network(node, params.get('type'))
        if route == ('GET', '/nodes/{node}/qemu'):
            return cluster.qemu_list(node)
        if route == ('POST', '/nodes/{node}/qemu'):
            return cluster.create_vm(node, params, user)
        if route == ('POST', '/nodes/{node}/qemu/{vmid}/clone'):
            return cluster.clone_vm(node, vmid, params, user)
        if route == ('GET', '/nodes/{node}/qemu/{vmid}/config'):
            return cluster.get_config(node, vmid)
        if route == ('POST', '/nodes/{node}/qemu/{vmid}/config'):
            return cluster.update_config(node, vmid, params, user, sync=False)
        if route == ('PUT', '/nodes/{node}/qemu/{vmid}/config'):
            return cluster.update_config(node, vmid, params, user, sync=True)
        if route == ('PUT', '/nodes/{node}/qemu/{vmid}/resize'):
            return cluster.resize(node, vmid, params, user)
        if route in (('GET', '/nodes/{node}/qemu/{vmid}/status/current'),):
            return cluster.status_current(node, vmid)
        for action in ('start', 'stop', 'shutdown', 'reboot'):
            if route == ('POST', '/nodes/{node}/qemu/{vmid}/status/' + action):
                return cluster.power(node, vmid, action, user)
        if route == ('GET', '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces'):
            return cluster.agent_interfaces(node, vmid)
        if route == ('GET', '/nodes/{node}/tasks/{upid}/status'):
            return cluster.task_status(node, params['upid'])
        raise ApiError(501, "Method '%s %s' not implemented by the simulator" % (method, template))
