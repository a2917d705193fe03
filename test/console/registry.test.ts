/**
 * The devices page reads the device registry (src/devices): standalone from its table in the store, inside the
 * daemon from the running registry, whose restrictions and group moves the console then makes. The IoT and block
 * routes say plainly when the component they need does not run with this console.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteStore } from '../../src/store/index.js';
import { DeviceCatalog, DeviceRegistry } from '../../src/devices/index.js';
import { DeviceTable } from '../../src/gateway/index.js';
import { startConsole, type DeviceDirectory } from '../../src/console/index.js';
import { ConsoleClient } from './https-client.js';

const PASSWORD = 'correct horse battery';
const CAMERA = '02:00:00:00:01:01';
const LAPTOP = '02:00:00:00:01:02';

function registryIn(store: SqliteStore): { registry: DeviceRegistry; catalog: DeviceCatalog } {
  const catalog = new DeviceCatalog();
  const registry = new DeviceRegistry(store, { catalog });
  registry.observe({
    mac: CAMERA,
    ip: '192.168.62.20',
    zone: 'iot',
    hostname: 'ipcam-hall',
    protocol: 'rtsp',
  });
  registry.observe({ mac: LAPTOP, ip: '192.168.61.30', zone: 'lan', hostname: 'laptop' });
  registry.flush();
  // Only the laptop holds a running lease: the camera has a fixed address.
  new DeviceTable(store).record(
    [{ mac: LAPTOP, ip: '192.168.61.30', hostname: 'laptop', expires: Date.now() + 600_000 }],
    () => 'lan',
  );
  return { registry, catalog };
}

async function session(
  t: { after: (fn: () => unknown) => void },
  store: SqliteStore,
  dir: string,
  directory?: DeviceDirectory,
) {
  const c = await startConsole({
    store,
    stateDir: join(dir, 'state'),
    host: '127.0.0.1',
    port: 0,
    webDir: '',
    directory,
  });
  t.after(() => c.close());
  const client = new ConsoleClient(c.url, c.certificate.cert);
  await client.call('POST', '/api/setup/admin', { user: 'admin', password: PASSWORD });
  assert.equal((await client.login('admin', PASSWORD)).status, 200);
  return client;
}

type Row = {
  mac: string;
  active: boolean;
  restricted: boolean;
  registry?: { type: string; group: string | null; restriction: { level: string; by: string } | null };
};

test('console devices: the registry table standalone, the running registry in the daemon', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-console-reg-'));
  const store = openSqlite(join(dir, 'moat.db'));
  t.after(() => {
    store.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { registry, catalog } = registryIn(store);

  // Standalone: read from device_registry as the daemon wrote it, leases from the gateway's table.
  const standalone = await session(t, store, dir);
  const listed = (await standalone.call('GET', '/api/devices')).body as {
    registry: boolean;
    devices: Row[];
  };
  assert.equal(listed.registry, false);
  const cam = listed.devices.find((d) => d.mac === CAMERA)!;
  const laptop = listed.devices.find((d) => d.mac === LAPTOP)!;
  assert.equal(cam.registry?.type, registry.get(CAMERA)!.type);
  assert.equal(cam.registry?.group, registry.get(CAMERA)!.group);
  assert.equal(laptop.registry?.group, null, 'a user device is not grouped (A-43)');
  assert.equal(laptop.active, true);
  // Without a registry to move devices in, a device-group move is refused, as are the IoT and block routes.
  assert.equal(
    (await standalone.call('PUT', `/api/devices/${CAMERA}`, { deviceGroup: 'others' })).status,
    409,
  );
  assert.equal((await standalone.call('POST', `/api/devices/${CAMERA}/power`, { power: 'on' })).status, 503);
  assert.equal(
    (await standalone.call('POST', '/api/addresses/203.0.113.7/block', { blocked: true })).status,
    503,
  );

  // In the daemon: the running registry; restrictions and moves are made in it.
  const directory: DeviceDirectory = {
    list: () => registry.list(),
    get: (m) => registry.get(m),
    groups: () => [...catalog.groups.keys()],
    setGroup: (m, g) => registry.setGroup(m, g),
    restrict: (m, level, reason, by) => registry.restrict(m, level, reason, by),
    unrestrict: (m) => registry.unrestrict(m),
  };
  const daemon = await session(t, store, join(dir, 'd'), directory);
  const r = await daemon.call('POST', `/api/devices/${CAMERA}/restriction`, {
    restricted: true,
    level: 'internet-only',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(registry.get(CAMERA)!.restriction?.level, 'internet-only');
  assert.equal(registry.get(CAMERA)!.restriction?.by, 'user');
  const after = (await daemon.call('GET', '/api/devices')).body as { registry: boolean; devices: Row[] };
  assert.equal(after.registry, true);
  assert.equal(after.devices.find((d) => d.mac === CAMERA)!.restricted, true);
  assert.equal(
    (await daemon.call('PUT', `/api/devices/${CAMERA}`, { deviceGroup: 'no-such-group' })).status,
    400,
  );
  assert.equal(
    (await daemon.call('PUT', `/api/devices/${LAPTOP}`, { deviceGroup: 'remote-control' })).status,
    200,
  );
  assert.equal(registry.get(LAPTOP)!.group, 'remote-control');
  assert.equal(registry.get(LAPTOP)!.groupSource, 'user');
  await daemon.call('POST', `/api/devices/${CAMERA}/restriction`, { restricted: false });
  assert.equal(registry.get(CAMERA)!.restriction, null);
});
