/**
 * The device component on the A-1 bus: leases become store rows (real SQLite) and `device` messages (a real
 * in-process bus with moat's topic schemas) — online for a new or renewed lease, offline when a lease leaves the
 * file, nothing for an unchanged rewrite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComponentRegistry, InProcessBus, type DeviceMessage } from '../../src/framework/index.js';
import { DevicesComponent, DeviceTable, parseLeases } from '../../src/gateway/index.js';
import { openSqlite } from '../../src/store/index.js';

test('leases become device rows and device messages on the bus', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-devices-'));
  const database = join(dir, 'moat.db');
  const bus = new InProcessBus();
  const store = openSqlite(database);
  const devices = new DevicesComponent({
    store,
    zoneOf: (ip) => (ip.startsWith('192.168.1.') ? 'lan' : ip.startsWith('192.168.2.') ? 'iot' : undefined),
    bus,
  });
  const registry = new ComponentRegistry().add(devices).add(bus);
  assert.deepEqual(registry.order(), ['bus', 'devices'], 'the bus starts first');
  await registry.start();
  try {
    const seen: DeviceMessage[] = [];
    await bus.subscribe('device', 'test', (m) => {
      seen.push(m);
    });
    const laptop = '1796563460 aa:00:00:00:00:01 192.168.1.138 laptop1 *';
    const camera = '1796563460 aa:00:00:00:00:02 192.168.2.20 cam *';
    devices.onLeases(parseLeases([laptop, camera].join('\n')), new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(
      seen.map((m) => [m.mac, m.zone, m.name, m.state]),
      [
        ['aa:00:00:00:00:01', 'user', 'laptop1', 'online'],
        ['aa:00:00:00:00:02', 'iot', 'cam', 'online'],
      ],
    );
    devices.onLeases(parseLeases([laptop, camera].join('\n')));
    assert.equal(seen.length, 2, 'an unchanged lease file announces nothing');
    devices.onLeases(parseLeases(laptop.replace('1796563460', '1796567060')));
    assert.deepEqual(
      seen.slice(2).map((m) => [m.mac, m.state]),
      [
        ['aa:00:00:00:00:01', 'online'],
        ['aa:00:00:00:00:02', 'offline'],
      ],
    );
    assert.deepEqual(
      registry.health().components.map((c) => [c.name, c.ok]),
      [
        ['bus', true],
        ['devices', true],
      ],
    );
  } finally {
    await registry.stop();
    store.close();
  }
  // The rows outlive the component: the camera is still known, its lease no longer running.
  const again = openSqlite(database);
  const rows = new DeviceTable(again).list(Date.parse('2026-12-31T00:00:00Z'));
  assert.deepEqual(
    rows.map((r) => [r.mac, r.zone, r.hostname]), // ordered by zone, then address
    [
      ['aa:00:00:00:00:02', 'iot', 'cam'],
      ['aa:00:00:00:00:01', 'lan', 'laptop1'],
    ],
  );
  again.close();
  rmSync(dir, { recursive: true, force: true });
});
