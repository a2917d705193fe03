/**
 * IPv6 neighbours into the registry: `ip -j neigh` rows (as the kernel prints them) of the internal zones give a
 * device its IPv6 addresses by MAC; STALE/FAILED entries, WAN neighbours and IPv4 rows do not; the IPv4 address
 * stays first (the kernel sets and the IoT component use it), at most four IPv6 addresses are kept, and a device is
 * found by any of them, after a restart too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceCatalog, DeviceRegistry, neighbourObservations } from '../../src/devices/index.js';
import { parseGatewayConfig, parseNeighbours } from '../../src/gateway/index.js';
import { openSqlite } from '../../src/store/index.js';

const PLAN = parseGatewayConfig(
  `zones:
  wan: { interface: wan0, address: 10.90.0.2/24 }
  lan: { interface: lan0, address: 192.168.61.1/24 }
  iot: { interface: iot0, address: 192.168.62.1/24 }
`,
  'gateway.yaml',
).plan;
const CAM = '44:47:cc:40:00:01';

const neigh = (rows: Array<[string, string, string | undefined, string]>) =>
  JSON.stringify(
    rows.map(([dst, dev, lladdr, state]) => ({ dst, dev, ...(lladdr ? { lladdr } : {}), state: [state] })),
  );

test('ND neighbours give registered devices their IPv6 addresses; IPv4 stays first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-dev-nd-'));
  const db = join(dir, 'moat.db');
  const store = openSqlite(db);
  try {
    const reg = new DeviceRegistry(store, { catalog: new DeviceCatalog() });
    reg.observe({ mac: CAM, ip: '192.168.62.40', zone: 'iot', services: ['_rtsp._tcp'] });
    const internal = new Set(['lan', 'iot']);
    const rows = parseNeighbours(
      PLAN,
      neigh([
        ['fe80::4647:ccff:fe40:1', 'iot0', CAM, 'REACHABLE'],
        ['2001:db8:62::40', 'iot0', CAM.toUpperCase(), 'DELAY'],
        ['2001:db8:62::99', 'iot0', CAM, 'STALE'],
        ['2001:db8:62::98', 'iot0', undefined, 'INCOMPLETE'],
        ['fe80::1', 'wan0', '02:00:5e:40:00:09', 'REACHABLE'],
        ['192.168.62.41', 'iot0', '02:00:5e:40:00:02', 'REACHABLE'],
        ['fe80::5', 'lan0', '02:00:5e:40:00:05', 'PROBE'],
      ]),
    );
    const obs = neighbourObservations(rows, internal);
    assert.deepEqual(
      obs.map((o) => [o.mac.toLowerCase(), o.ip, o.zone]),
      [
        ['02:00:5e:40:00:05', 'fe80::5', 'lan'],
        [CAM, '2001:db8:62::40', 'iot'],
        [CAM, 'fe80::4647:ccff:fe40:1', 'iot'],
      ],
    );
    for (const o of obs) reg.observe(o);
    const cam = reg.get(CAM)!;
    assert.equal(cam.ips[0], '192.168.62.40', 'IPv4 first');
    assert.deepEqual(cam.ips.slice(1).sort(), ['2001:db8:62::40', 'fe80::4647:ccff:fe40:1']);
    assert.equal(cam.type, 'ip-camera', 'the classification is unchanged');
    assert.equal(reg.get('2001:db8:62::40')?.mac, CAM);
    // A new lease address goes first; seen again, an IPv6 address does not reorder (no churn per poll).
    reg.observe({ mac: CAM, ip: '192.168.62.42', zone: 'iot' });
    reg.observe({ mac: CAM, ip: 'fe80::4647:ccff:fe40:1', zone: 'iot' });
    assert.equal(reg.get(CAM)!.ips[0], '192.168.62.42');
    assert.equal(reg.get(CAM)!.ips[1], '192.168.62.40');
    // Privacy addresses come and go: four IPv6 addresses at most, the newest kept.
    for (let i = 1; i <= 6; i++) reg.observe({ mac: CAM, ip: `2001:db8:62::1:${i}`, zone: 'iot' });
    const ips = reg.get(CAM)!.ips;
    assert.deepEqual(ips.slice(0, 2), ['192.168.62.42', '192.168.62.40']);
    assert.deepEqual(ips.slice(2), [
      '2001:db8:62::1:6',
      '2001:db8:62::1:5',
      '2001:db8:62::1:4',
      '2001:db8:62::1:3',
    ]);
    // The device without a registration from a lease is registered by its ND entry alone (a LAN device: no group).
    assert.equal(reg.get('02:00:5e:40:00:05')?.ips[0], 'fe80::5');
    reg.flush();
    // After a restart the IPv6 addresses still find the device.
    const again = new DeviceRegistry(openSqlite(db), { catalog: new DeviceCatalog() });
    assert.equal(again.get('2001:db8:62::1:6')?.mac, CAM);
    assert.equal(again.get('192.168.62.42')?.mac, CAM);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
