# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory model of a small PVE cluster and the API semantics the role uses.

Handlers receive parameters that have already passed schema validation
(see schema.py) and raise ApiError for the semantic errors PVE reports
(HTTP 500 with PVE's message, 403, 404...).  Write operations that PVE runs
as worker tasks return a UPID; their effect is applied when the task ends,
after ``task_delay`` seconds, and VMs are locked meanwhile, as on PVE.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import threading
import time
import uuid

from .schema import parse_bool, parse_property_string

KIB = 1024
UNITS = {'': 1, 'K': KIB, 'M': KIB ** 2, 'G': KIB ** 3, 'T': KIB ** 4}
DISK_BUSES = ('ide', 'sata', 'scsi', 'virtio')


class ApiError(Exception):
    """An error PVE would answer with: status code, message, optional per-parameter errors."""

    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def parse_size(text):
    found = re.fullmatch(r'(\d+(?:\.\d+)?)([KMGT]?)', str(text))
    if not found:
        raise ApiError(400, 'Parameter verification failed.', {'size': "unable to parse size '%s'" % text})
    return int(float(found.group(1)) * UNITS[found.group(2)])


def format_size(size):
    """PVE::JSONSchema::format_size: the largest unit that divides exactly."""
    for unit in ('T', 'G', 'M', 'K'):
        if size % UNITS[unit] == 0:
            return '%d%s' % (size // UNITS[unit], unit)
    return str(size)


def print_property_string(values, default_key=None):
    """Default key first (without its name), then the other keys sorted, as PVE prints them."""
    parts = []
    if default_key and default_key in values:
        parts.append(str(values[default_key]))
    for key in sorted(values):
        if key != default_key:
            parts.append('%s=%s' % (key, values[key]))
    return ','.join(parts)


def is_disk_key(key):
    return re.fullmatch(r'(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0', key) is not None


class Task:
    def __init__(self, upid, node, kind, ident, user, delay, action):
        self.upid = upid
        self.node = node
        self.kind = kind
        self.ident = ident
        self.user = user
        self.starttime = int(time.time())
        self.finish_at = time.monotonic() + delay
        self.action = action
        self.exitstatus = None

    def status(self):
        data = {
            'upid': self.upid, 'node': self.node, 'pid': int(self.upid.split(':')[2], 16),
            'pstart': int(self.upid.split(':')[3], 16), 'starttime': self.starttime,
            'type': self.kind, 'id': self.ident, 'user': self.user,
            'status': 'stopped' if self.exitstatus is not None else 'running',
        }
        if self.exitstatus is not None:
            data['exitstatus'] = self.exitstatus
        return data


class Cluster:
    """State of the simulated cluster; all access goes through ``lock``."""

    def __init__(self, schema, task_delay=0.3, agent_boot_delay=0.5, seed=None):
        self.schema = schema
        self.task_delay = task_delay
        self.agent_boot_delay = agent_boot_delay
        self.lock = threading.RLock()
        self.random = random.Random(seed)
        self.nodes = {}
        self.bridges = {}
        self.storages = {}
        self.volumes = {}
        self.vms = {}
        self.tasks = {}
        self.writes = []
        self._pid = 0x1000
        config_post = schema.method('/nodes/{node}/qemu/{vmid}/config', 'POST')
        self._config_props = config_post['parameters']['properties']
        self._config_returns = schema.method('/nodes/{node}/qemu/{vmid}/config', 'GET')['returns']['properties']

    # ----------------------------------------------------------------- fixtures
    def add_node(self, name, bridges=('vmbr0', 'vmbr1'), online=True):
        self.nodes[name] = {'online': online}
        self.bridges[name] = list(bridges)

    def add_storage(self, storage, content, kind='nfs', shared=True, nodes=None, total=64 * UNITS['T']):
        self.storages[storage] = {'type': kind, 'content': set(content), 'shared': shared,
                                  'nodes': set(nodes) if nodes else None, 'total': total, 'enabled': True}

    def add_volume(self, volid, size, content, fmt, vmid=None):
        self.volumes[volid] = {'size': size, 'content': content, 'format': fmt, 'vmid': vmid, 'ctime': int(time.time())}

    def add_vm(self, vmid, node, config, status='stopped'):
        self.vms[int(vmid)] = {'node': node, 'config': dict(config), 'status': status, 'started': None}

    @classmethod
    def lab(cls, schema, **kwargs):
        """The EGID DMZ cluster as seen in the seed's screenshot, plus a cloud-init template."""
        cluster = cls(schema, **kwargs)
        cluster.add_node('dmz-hyp07')
        cluster.add_node('dmz-hyp08')
        cluster.add_storage('Dmzprox', ('images', 'iso', 'import', 'snippets'), kind='nfs')
        cluster.add_storage('local', ('iso', 'vztmpl', 'backup'), kind='dir', shared=False)
        cluster.add_volume('Dmzprox:iso/debian-12.11.0-amd64-netinst.iso', 670 * UNITS['M'], 'iso', 'iso')
        cluster.add_volume('Dmzprox:import/debian-12-genericcloud-amd64.qcow2', 2 * UNITS['G'], 'import', 'qcow2')
        cluster.add_volume('Dmzprox:9000/base-9000-disk-0.qcow2', 3 * UNITS['G'], 'images', 'qcow2', 9000)
        cluster.add_volume('Dmzprox:9000/vm-9000-cloudinit.qcow2', 4 * UNITS['M'], 'images', 'qcow2', 9000)
        cluster.add_vm(9000, 'dmz-hyp07', {
            'name': 'debian-12-cloudinit', 'template': '1', 'memory': '2048', 'cores': '2', 'sockets': '1',
            'cpu': 'x86-64-v2-AES', 'scsihw': 'virtio-scsi-single', 'ostype': 'l26', 'agent': '1',
            'scsi0': 'Dmzprox:9000/base-9000-disk-0.qcow2,iothread=1,size=3G',
            'ide2': 'Dmzprox:9000/vm-9000-cloudinit.qcow2,media=cdrom',
            'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0', 'boot': 'order=scsi0',
            'serial0': 'socket', 'vga': 'serial0',
            'smbios1': 'uuid=4f8b2b5e-4c43-4d5e-9f1a-2f7c1d9e9000', 'vmgenid': '8d7e6f5a-1b2c-4d3e-8f9a-0b1c2d3e9000',
        })
        return cluster

    # ------------------------------------------------------------------ helpers
    def tick(self):
        """Finish the tasks whose delay has passed, in start order."""
        now = time.monotonic()
        for task in list(self.tasks.values()):
            if task.exitstatus is None and task.finish_at <= now:
                try:
                    task.action()
                    task.exitstatus = 'OK'
                except ApiError as exc:
                    task.exitstatus = exc.message

    def start_task(self, node, kind, ident, user, action):
        self._pid += 1
        upid = 'UPID:%s:%08X:%08X:%08X:%s:%s:%s:' % (node, self._pid, self._pid * 7, int(time.time()), kind, ident, user)
        self.tasks[upid] = Task(upid, node, kind, ident, user, self.task_delay, action)
        return upid

    def check_node(self, node):
        if node not in self.nodes:
            raise ApiError(500, "hostname lookup '%s' failed - failed to get address info for: %s: "
                                "Name or service not known" % (node, node))
        if not self.nodes[node]['online']:
            raise ApiError(595, 'Connection timed out')

    def vm(self, node, vmid):
        self.check_node(node)
        vm = self.vms.get(int(vmid))
        if vm is None or vm['node'] != node:
            raise ApiError(500, "Configuration file 'nodes/%s/qemu-server/%s.conf' does not exist" % (node, vmid))
        return vm

    def check_unlocked(self, vm, vmid):
        lock = vm['config'].get('lock')
        if lock:
            raise ApiError(500, "VM %s is locked (%s)" % (vmid, lock))

    def storage_on(self, storage, node, content=None):
        definition = self.storages.get(storage)
        if definition is None:
            raise ApiError(500, "storage '%s' does not exist" % storage)
        if definition['nodes'] and node not in definition['nodes']:
            raise ApiError(500, "storage '%s' is not available on node '%s'" % (storage, node))
        if content and content not in definition['content']:
            raise ApiError(500, "storage '%s' does not support content-type '%s'" % (storage, content))
        return definition

    def digest(self, config):
        text = ''.join('%s: %s\n' % (key, config[key]) for key in sorted(config))
        return hashlib.sha1(text.encode()).hexdigest()

    def typed_config(self, config):
        """Config as the GET endpoint returns it: integers and booleans as JSON numbers."""
        result = {}
        for key, value in config.items():
            definition = self._config_returns.get(key) or self._config_props.get(re.sub(r'\d+$', '[n]', key)) or {}
            kind = definition.get('type')
            if kind == 'integer':
                result[key] = int(value)
            elif kind == 'boolean':
                result[key] = 1 if parse_bool(value) else 0
            elif kind == 'number':
                result[key] = float(value)
            else:
                result[key] = value
        result['digest'] = self.digest(config)
        return result

    def new_mac(self):
        return 'BC:24:11:%02X:%02X:%02X' % tuple(self.random.randrange(256) for dummy in range(3))

    def _drive_format(self, key):
        return self._config_props[re.sub(r'\d+$', '[n]', key)]['format']

    def _next_disk_name(self, storage, vmid, fmt):
        used = set(self.volumes)
        index = 0
        while True:
            volid = '%s:%d/vm-%d-disk-%d.%s' % (storage, vmid, vmid, index, fmt)
            if volid not in used:
                return volid
            index += 1

    def allocate_drive(self, vmid, node, key, value, default_format='raw'):
        """Turn a drive spec from a request into the stored one, allocating volumes like PVE.

        ``Dmzprox:200`` allocates a 200 GiB volume, ``Dmzprox:0,import-from=...``
        imports one, ``Dmzprox:cloudinit`` creates the cloud-init drive; an
        existing volume keeps its size.  Returns (stored value, allocations).
        """
        fmt_def = self._drive_format(key)
        parsed, _errors = parse_property_string(fmt_def, value)
        volume = parsed.pop('file')
        target_format = parsed.pop('format', None)
        import_from = parsed.pop('import-from', None)
        allocated = []
        if volume in ('none', 'cdrom') or volume.startswith('/dev/'):
            return print_property_string(dict(parsed, file=volume), 'file'), allocated
        found = re.fullmatch(r'([^:]+):(\d+(?:\.\d+)?)', volume)
        if found or re.fullmatch(r'[^:]+:cloudinit', volume):
            storage = volume.split(':', 1)[0]
            definition = self.storage_on(storage, node, 'images')
            fmt = target_format or ('qcow2' if definition['type'] in ('nfs', 'dir') and 'cloudinit' in volume
                                    else 'raw')
            if volume.endswith(':cloudinit'):
                volid = '%s:%d/vm-%d-cloudinit.%s' % (storage, vmid, vmid, fmt)
                size = 4 * UNITS['M']
                parsed['media'] = 'cdrom'
            else:
                if import_from:
                    source = self.volumes.get(import_from)
                    if source is None:
                        raise ApiError(500, "unable to parse volume ID '%s'" % import_from
                                       if ':' not in import_from else
                                       "volume '%s' does not exist" % import_from)
                    size = source['size']
                else:
                    size = int(float(found.group(2)) * UNITS['G'])
                    if size == 0:
                        raise ApiError(500, "%s: size must be greater than zero without 'import-from'" % key)
                volid = self._next_disk_name(storage, vmid, fmt)
                parsed['size'] = format_size(size)
            allocated.append((volid, size, fmt))
            return print_property_string(dict(parsed, file=volid), 'file'), allocated
        # An existing volume: keep its recorded size.
        known = self.volumes.get(volume)
        if known is None:
            raise ApiError(500, "volume '%s' does not exist" % volume)
        if known['content'] == 'iso':
            parsed['size'] = format_size(known['size'])
        elif known['content'] == 'images' and 'cloudinit' not in volume:
            parsed['size'] = format_size(known['size'])
        return print_property_string(dict(parsed, file=volume), 'file'), allocated

    # --------------------------------------------------------------- endpoints
    def version(self):
        return {'version': '9.1.1', 'release': '9.1', 'repoid': '42fbb3a3', 'console': 'xtermjs'}

    def list_nodes(self):
        return [{'node': name, 'status': 'online' if node['online'] else 'offline', 'type': 'node',
                 'id': 'node/%s' % name, 'maxcpu': 32, 'maxmem': 256 * UNITS['G'], 'level': ''}
                for name, node in sorted(self.nodes.items())]

    def next_id(self, vmid=None):
        if vmid is not None:
            if int(vmid) in self.vms:
                raise ApiError(400, 'Parameter verification failed.', {'vmid': 'VM %s already exists' % vmid})
            return int(vmid)
        candidate = 100
        while candidate in self.vms:
            candidate += 1
        return candidate

    def resources(self, kind=None):
        items = []
        if kind in (None, 'vm'):
            for vmid, vm in sorted(self.vms.items()):
                config = vm['config']
                items.append({
                    'id': 'qemu/%d' % vmid, 'type': 'qemu', 'vmid': vmid, 'node': vm['node'],
                    'name': config.get('name', 'VM %d' % vmid), 'status': vm['status'],
                    'template': 1 if config.get('template') == '1' else 0,
                    'maxmem': int(config.get('memory', '512').split(',')[0].replace('current=', '')) * UNITS['M'],
                    'maxcpu': int(config.get('cores', '1')) * int(config.get('sockets', '1')),
                })
        if kind in (None, 'node'):
            for node in self.list_nodes():
                items.append(dict(node))
        if kind in (None, 'storage'):
            for name in sorted(self.storages):
                for node in sorted(self.nodes):
                    item = self._storage_item(name, node)
                    if item:
                        item.update({'id': 'storage/%s/%s' % (node, name), 'type': 'storage', 'node': node,
                                     'status': 'available', 'plugintype': item.pop('type'),
                                     'disk': item.pop('used'), 'maxdisk': item.pop('total')})
                        items.append(item)
        return items

    def _storage_item(self, name, node):
        definition = self.storages[name]
        if definition['nodes'] and node not in definition['nodes']:
            return None
        used = sum(vol['size'] for volid, vol in self.volumes.items() if volid.startswith(name + ':'))
        return {'storage': name, 'type': definition['type'], 'content': ','.join(sorted(definition['content'])),
                'active': 1, 'enabled': 1, 'shared': 1 if definition['shared'] else 0,
                'total': definition['total'], 'used': used, 'avail': definition['total'] - used}

    def node_storage(self, node, content=None, storage=None):
        self.check_node(node)
        items = []
        for name in sorted(self.storages):
            item = self._storage_item(name, node)
            if not item or (storage and storage != name):
                continue
            if content and not set(content.split(',')) <= self.storages[name]['content']:
                continue
            items.append(item)
        return items

    def storage_content(self, node, storage, content=None, vmid=None):
        self.storage_on(storage, node)
        items = []
        for volid, vol in sorted(self.volumes.items()):
            if not volid.startswith(storage + ':'):
                continue
            if content and vol['content'] != content:
                continue
            if vmid is not None and vol['vmid'] != int(vmid):
                continue
            item = {'volid': volid, 'content': vol['content'], 'format': vol['format'], 'size': vol['size'],
                    'ctime': vol['ctime']}
            if vol['vmid'] is not None:
                item['vmid'] = vol['vmid']
            items.append(item)
        return items

    def network(self, node, kind=None):
        self.check_node(node)
        items = [{'iface': 'eno1', 'type': 'eth', 'active': 1, 'autostart': 1, 'families': ['inet'],
                  'method': 'manual', 'method6': 'manual', 'priority': 1}]
        for index, bridge in enumerate(self.bridges[node]):
            items.append({'iface': bridge, 'type': 'bridge', 'active': 1, 'autostart': 1,
                          'bridge_ports': 'eno%d' % (index + 1), 'bridge_stp': 'off', 'bridge_fd': '0',
                          'families': ['inet'], 'method': 'manual', 'method6': 'manual', 'priority': 2 + index})
        if kind in ('bridge', 'any_bridge', 'any_local_bridge'):
            items = [item for item in items if item['type'] == 'bridge']
        elif kind:
            items = [item for item in items if item['type'] == kind]
        return items

    def qemu_list(self, node):
        self.check_node(node)
        return [{'vmid': vmid, 'name': vm['config'].get('name'), 'status': vm['status'],
                 'template': 1 if vm['config'].get('template') == '1' else 0}
                for vmid, vm in sorted(self.vms.items()) if vm['node'] == node]

    def _apply_config(self, vmid, node, config, params):
        """Apply config keys from a request onto config (in place), PVE style."""
        for key in re.split(r'[,;\s]+', params.get('delete', '') or ''):
            if not key:
                continue
            old = config.pop(key, None)
            if old and is_disk_key(key) and 'media=cdrom' not in old:
                # PVE keeps the volume as an unused disk; it never deletes data here.
                index = 0
                while 'unused%d' % index in config:
                    index += 1
                config['unused%d' % index] = old.split(',')[0]
        for key, value in params.items():
            if key in ('node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'force', 'background_delay',
                       'start', 'storage', 'pool', 'unique', 'archive', 'bwlimit', 'live-restore',
                       'ha-managed', 'import-working-storage'):
                continue
            if is_disk_key(key):
                stored, allocated = self.allocate_drive(vmid, node, key, value)
                for volid, size, fmt in allocated:
                    self.add_volume(volid, size, 'images', fmt, vmid)
                old = config.get(key)
                if old and old.split(',', 1)[0] != stored.split(',', 1)[0] and 'media=cdrom' not in old:
                    index = 0
                    while 'unused%d' % index in config:
                        index += 1
                    config['unused%d' % index] = old.split(',')[0]
                config[key] = stored
            elif re.fullmatch(r'net\d+', key):
                parsed, _errors = parse_property_string(self._config_props['net[n]']['format'], value)
                parsed.setdefault('macaddr', self.new_mac())
                model = parsed.pop('model')
                mac = parsed.pop('macaddr')
                rest = print_property_string(parsed)
                config[key] = '%s=%s%s' % (model, mac, (',' + rest) if rest else '')
            elif key == 'sshkeys':
                config[key] = value
            else:
                config[key] = str(value)

    def create_vm(self, node, params, user):
        self.check_node(node)
        vmid = int(params['vmid'])
        if vmid in self.vms:
            raise ApiError(500, 'unable to create VM %d - VM %d already exists on node \'%s\''
                           % (vmid, vmid, self.vms[vmid]['node']))
        # PVE checks storages and sources before forking the worker.
        for key, value in params.items():
            if is_disk_key(key):
                volume = value.split(',')[0]
                if volume.startswith('file='):
                    volume = volume[5:]
                if ':' in volume and not volume.startswith('/'):
                    storage = volume.split(':', 1)[0]
                    if re.fullmatch(r'[^:]+:(?:\d+(?:\.\d+)?|cloudinit)', volume):
                        self.storage_on(storage, node, 'images')
                    elif volume not in self.volumes:
                        raise ApiError(500, "volume '%s' does not exist" % volume)
                source = re.search(r'import-from=([^,]+)', value)
                if source and source.group(1) not in self.volumes:
                    raise ApiError(500, "volume '%s' does not exist" % source.group(1))
        config = {'lock': 'create'}
        self.vms[vmid] = {'node': node, 'config': config, 'status': 'stopped', 'started': None}

        def finish():
            final = {'smbios1': 'uuid=%s' % uuid.UUID(int=self.random.getrandbits(128), version=4),
                     'vmgenid': str(uuid.UUID(int=self.random.getrandbits(128), version=4)),
                     'meta': 'creation-qemu=9.2.0,ctime=%d' % int(time.time())}
            self._apply_config(vmid, node, final, params)
            if 'boot' not in final:
                # PVE's default: the first disk, then CD-ROM drives, then the first NIC.
                disks = [key for key in sorted(final) if is_disk_key(key) and 'media=cdrom' not in final[key]]
                cdroms = [key for key in sorted(final) if is_disk_key(key) and 'media=cdrom' in final[key]]
                nets = [key for key in sorted(final) if re.fullmatch(r'net\d+', key)]
                final['boot'] = 'order=' + ';'.join(disks[:1] + cdroms + nets[:1])
            self.vms[vmid]['config'] = final
            if parse_bool(params.get('start', '0')):
                self._power_on(vmid)

        self.writes.append(('create', vmid))
        return self.start_task(node, 'qmcreate', vmid, user, finish)

    def clone_vm(self, node, vmid, params, user):
        source = self.vm(node, vmid)
        newid = int(params['newid'])
        target = params.get('target', node)
        self.check_node(target)
        if newid in self.vms:
            raise ApiError(500, "unable to create VM %d: config file already exists" % newid)
        full = parse_bool(params.get('full', '0' if source['config'].get('template') == '1' else '1'))
        storage = params.get('storage')
        if storage:
            self.storage_on(storage, target, 'images')
        if params.get('format') and not full:
            raise ApiError(400, 'Parameter verification failed.',
                           {'format': "option is only valid for full clone"})
        self.vms[newid] = {'node': target, 'config': {'lock': 'clone'}, 'status': 'stopped', 'started': None}

        def finish():
            original = source['config']
            config = {}
            for key, value in original.items():
                if key in ('template', 'lock', 'digest', 'name', 'description', 'vmgenid', 'smbios1', 'meta'):
                    continue
                if key.startswith('unused'):
                    continue
                if is_disk_key(key) and 'media=cdrom' in value and 'cloudinit' not in value:
                    config[key] = value
                    continue
                if is_disk_key(key):
                    parsed, _errors = parse_property_string(self._drive_format(key), value)
                    volume = parsed.pop('file')
                    vol = self.volumes[volume]
                    target_storage = storage or volume.split(':', 1)[0]
                    fmt = params.get('format') or vol['format']
                    if 'cloudinit' in volume:
                        newvol = '%s:%d/vm-%d-cloudinit.%s' % (target_storage, newid, newid, fmt)
                    else:
                        newvol = self._next_disk_name(target_storage, newid, fmt)
                    self.add_volume(newvol, vol['size'], 'images', fmt, newid)
                    config[key] = print_property_string(dict(parsed, file=newvol), 'file')
                    continue
                if re.fullmatch(r'net\d+', key):
                    model, rest = value.split('=', 1)
                    rest = rest.split(',', 1)
                    config[key] = '%s=%s%s' % (model, self.new_mac(), (',' + rest[1]) if len(rest) > 1 else '')
                    continue
                config[key] = value
            config['name'] = params.get('name', 'Copy-of-VM-%s' % original.get('name', vmid))
            config['smbios1'] = 'uuid=%s' % uuid.UUID(int=self.random.getrandbits(128), version=4)
            config['vmgenid'] = str(uuid.UUID(int=self.random.getrandbits(128), version=4))
            if params.get('description'):
                config['description'] = params['description']
            self.vms[newid]['config'] = config

        self.writes.append(('clone', newid))
        return self.start_task(node, 'qmclone', vmid, user, finish)

    def get_config(self, node, vmid):
        vm = self.vm(node, vmid)
        return self.typed_config(vm['config'])

    def update_config(self, node, vmid, params, user, sync):
        vm = self.vm(node, vmid)
        self.check_unlocked(vm, vmid)
        if params.get('digest') and params['digest'] != self.digest(vm['config']):
            raise ApiError(500, 'detected modified configuration - file changed by other user? Try again.')
        if vm['config'].get('template') == '1':
            raise ApiError(500, 'you can\'t change the configuration of a template')
        for key, value in params.items():
            if is_disk_key(key):
                volume = value.split(',')[0]
                if re.fullmatch(r'[^:]+:(?:\d+(?:\.\d+)?|cloudinit)', volume):
                    self.storage_on(volume.split(':', 1)[0], node, 'images')
        self.writes.append(('config', int(vmid)))
        if sync:
            self._apply_config(int(vmid), node, vm['config'], params)
            return None
        return self.start_task(node, 'qmconfig', vmid, user,
                               lambda: self._apply_config(int(vmid), node, vm['config'], params))

    def resize(self, node, vmid, params, user):
        vm = self.vm(node, vmid)
        self.check_unlocked(vm, vmid)
        if params.get('digest') and params['digest'] != self.digest(vm['config']):
            raise ApiError(500, 'detected modified configuration - file changed by other user? Try again.')
        disk = params['disk']
        value = vm['config'].get(disk)
        if value is None:
            raise ApiError(500, "disk '%s' does not exist" % disk)
        parsed, _errors = parse_property_string(self._drive_format(disk), value)
        if parsed.get('media') == 'cdrom':
            raise ApiError(500, "you can't resize a cdrom")
        volume = parsed['file']
        current = self.volumes[volume]['size']
        text = params['size']
        if text.startswith('+'):
            new_size = current + parse_size(text[1:])
        else:
            new_size = parse_size(text)
        if new_size < current:
            raise ApiError(500, "shrinking disks is not supported")
        self.writes.append(('resize', int(vmid), disk))

        def finish():
            self.volumes[volume]['size'] = new_size
            parsed['size'] = format_size(new_size)
            vm['config'][disk] = print_property_string(parsed, 'file')

        return self.start_task(node, 'resize', vmid, user, finish)

    def status_current(self, node, vmid):
        vm = self.vm(node, vmid)
        config = vm['config']
        data = {'vmid': int(vmid), 'name': config.get('name'), 'status': vm['status'],
                'qmpstatus': vm['status'], 'cpus': int(config.get('cores', '1')) * int(config.get('sockets', '1')),
                'maxmem': int(config.get('memory', '512').split(',')[0]) * UNITS['M'],
                'uptime': int(time.monotonic() - vm['started']) if vm['started'] else 0,
                'agent': 1 if config.get('agent', '0').split(',')[0] in ('1', 'enabled=1') else 0}
        if config.get('lock'):
            data['lock'] = config['lock']
        if config.get('template') == '1':
            data['template'] = 1
        return data

    def _power_on(self, vmid):
        vm = self.vms[vmid]
        for key, value in vm['config'].items():
            if re.fullmatch(r'net\d+', key):
                bridge = re.search(r'bridge=([^,]+)', value)
                if bridge and bridge.group(1) not in self.bridges[vm['node']]:
                    raise ApiError(500, "bridge '%s' does not exist" % bridge.group(1))
        vm['status'] = 'running'
        vm['started'] = time.monotonic()

    def power(self, node, vmid, action, user):
        vm = self.vm(node, vmid)
        self.check_unlocked(vm, vmid)
        if vm['config'].get('template') == '1':
            raise ApiError(500, 'you can\'t start a VM if it\'s a template')
        if action == 'start' and vm['status'] == 'running':
            raise ApiError(500, 'VM %s already running' % vmid)
        if action in ('shutdown', 'reboot') and vm['status'] != 'running':
            raise ApiError(500, 'VM %s not running' % vmid)
        self.writes.append((action, int(vmid)))

        def finish():
            if action == 'start':
                self._power_on(int(vmid))
            elif action == 'reboot':
                vm['started'] = time.monotonic()
            else:
                vm['status'] = 'stopped'
                vm['started'] = None

        return self.start_task(node, 'qm' + action, vmid, user, finish)

    def agent_interfaces(self, node, vmid):
        vm = self.vm(node, vmid)
        config = vm['config']
        if config.get('agent', '0').split(',')[0] not in ('1', 'enabled=1'):
            raise ApiError(500, 'No QEMU guest agent configured')
        if vm['status'] != 'running':
            raise ApiError(500, 'VM %s is not running' % vmid)
        if time.monotonic() - vm['started'] < self.agent_boot_delay:
            raise ApiError(500, 'QEMU guest agent is not running')
        result = [{'name': 'lo', 'hardware-address': '00:00:00:00:00:00',
                   'ip-addresses': [{'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', 'prefix': 8}]}]
        index = 0
        while 'net%d' % index in config:
            mac = config['net%d' % index].split(',')[0].split('=')[1].lower()
            addresses = []
            ipconfig = config.get('ipconfig%d' % index, '')
            found = re.search(r'ip=([0-9.]+)/(\d+)', ipconfig)
            if found:
                addresses.append({'ip-address': found.group(1), 'ip-address-type': 'ipv4',
                                  'prefix': int(found.group(2))})
            result.append({'name': 'ens%d' % (18 + index), 'hardware-address': mac, 'ip-addresses': addresses})
            index += 1
        return {'result': result}

    def task_status(self, node, upid):
        self.check_node(node)
        task = self.tasks.get(upid)
        if task is None or task.node != node:
            raise ApiError(500, "no such task")
        return task.status()

    def snapshot(self):
        """A deep copy of the VMs and volumes, for tests that assert nothing changed."""
        return copy.deepcopy({'vms': {vmid: vm['config'] for vmid, vm in self.vms.items()},
                              'volumes': self.volumes})
