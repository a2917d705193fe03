/**
 * The registry's HTTP API (fastify, requests injected): Bearer key required, list and read, move with an unknown
 * group refused (400) and an unknown device 404, restrict and unrestrict reaching the registry's change listeners
 * (the daemon's kernel-set updates hang there), bodies checked by field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDevicesApi } from '../../src/api/index.js';
import { DeviceCatalog, DeviceRegistry } from '../../src/devices/index.js';
import { openSqlite } from '../../src/store/index.js';

test('devices API: auth, list, move, restrict, unrestrict, errors by field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-devapi-'));
  const store = openSqlite(join(dir, 'moat.db'));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const registry = new DeviceRegistry(store, { catalog: new DeviceCatalog() });
  registry.observe({ mac: '02:10:00:00:00:01', ip: '192.168.62.11', zone: 'iot', services: ['_hap._tcp'] });
  const changes: string[] = [];
  registry.onChange((c, d) => changes.push(`${c}:${d.group}:${d.restriction?.level ?? '-'}`));
  const key = 'k'.repeat(32);
  const app = buildDevicesApi({ registry, map: () => [], status: () => ({ ok: true }) }, { apiKey: key });
  t.after(() => app.close());
  const call = (method: 'GET' | 'POST', url: string, payload?: object, auth = true) =>
    app.inject({ method, url, payload, headers: auth ? { authorization: `Bearer ${key}` } : {} });

  assert.equal((await call('GET', '/v1/devices', undefined, false)).statusCode, 401);
  const list = (await call('GET', '/v1/devices')).json() as Array<{
    mac: string;
    type: string;
    group: string;
  }>;
  assert.deepEqual(
    list.map((d) => [d.mac, d.type, d.group]),
    [['02:10:00:00:00:01', 'smart-plug', 'remote-control']],
  );
  assert.equal((await call('GET', '/v1/devices/192.168.62.11')).json().mac, '02:10:00:00:00:01');
  assert.equal((await call('GET', '/v1/devices/02:99:00:00:00:00')).statusCode, 404);

  const bad = await call('POST', '/v1/devices/02:10:00:00:00:01/group', { group: 'nope' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /no group 'nope'/);
  const typo = await call('POST', '/v1/devices/02:10:00:00:00:01/restrict', { level: 'jail' });
  assert.equal(typo.statusCode, 400);
  assert.match(typo.json().message, /^level: /);

  const moved = await call('POST', '/v1/devices/02:10:00:00:00:01/group', { group: 'others' });
  assert.deepEqual([moved.statusCode, moved.json().group, moved.json().confirmed], [200, 'others', true]);
  const r = await call('POST', '/v1/devices/02:10:00:00:00:01/restrict', {
    level: 'rate-limited',
    reason: 'test',
  });
  assert.equal(r.json().restriction.level, 'rate-limited');
  assert.equal(r.json().restriction.by, 'api');
  assert.equal((await call('POST', '/v1/devices/02:10:00:00:00:01/unrestrict')).json().restriction, null);
  assert.deepEqual(changes, [
    'membership:others:-',
    'restriction:others:rate-limited',
    'restriction:others:-',
  ]);
  assert.deepEqual((await call('GET', '/v1/devices-status')).json(), { ok: true });
});
