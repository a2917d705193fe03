/**
 * The registry on a real SQLite store with the shipped device types and Debian's IEEE registries: vendors by the
 * longest prefix, each device kind typed and grouped, user files extending the types, decisions taken up across
 * processes (two registries on one file), the lease table migrated in, and a flood of 10,000 fake MACs capped with
 * evictions counted and memory bounded. Discovery's frame handler gets fuzzed frames.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeviceCatalog,
  DeviceRegistry,
  Discovery,
  OuiTable,
  SHIPPED_TYPES,
  type Observation,
} from '../../src/devices/index.js';
import { DeviceTable } from '../../src/gateway/index.js';
import { openSqlite } from '../../src/store/index.js';
import { ConfigError, InputError } from '../../src/framework/errors.js';
import { dhcpRequest, mdnsAnnouncement, mutate, prng, ssdpNotify, udpFrame } from './packets.js';

const IEEE = '/usr/share/ieee-data/oui.csv';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'moat-devreg-'));
}

test(
  'vendor from the IEEE registries: MA-L, and a carved MA-M block by its longest prefix',
  { skip: !existsSync(IEEE) && 'ieee-data not installed' },
  () => {
    const oui = new OuiTable();
    assert.ok(oui.entries > 30_000, `${oui.entries} assignments`);
    const line = readFileSync(IEEE, 'utf8')
      .split('\n')
      .find((l) => /^MA-L,[0-9A-F]{6},[^"]/.test(l))!;
    const [, hex, org] = line.split(',');
    const mac = hex.match(/../g)!.join(':').toLowerCase() + ':01:02:03';
    assert.equal(oui.vendor(mac), org.trim());
    const mam = readFileSync('/usr/share/ieee-data/mam.csv', 'utf8')
      .split('\n')
      .find((l) => /^MA-M,[0-9A-F]{7},[A-Za-z][^",]+,/.test(l) && !/,Private,/.test(l))!;
    const [, block, holder] = mam.split(',');
    const inBlock = (block + '00000').match(/../g)!.join(':').toLowerCase();
    assert.equal(oui.vendor(inBlock), holder.trim(), 'the 28-bit holder, not the 24-bit registration');
    assert.equal(oui.vendor('02:00:00:00:00:01'), undefined, 'locally administered');
  },
);

/** One device of each kind as discovery reports it. */
const KINDS: Array<{ obs: Omit<Observation, 'mac'>; type: string; group: string | null }> = [
  { obs: { zone: 'iot', services: ['_rtsp._tcp'] }, type: 'ip-camera', group: 'private-data-capture' },
  {
    obs: { zone: 'iot', services: ['_googlecast._tcp'], hostname: 'nest-home' },
    type: 'smart-speaker',
    group: 'private-data-capture',
  },
  {
    obs: { zone: 'iot', dhcp: { vendorClass: 'Withings-BodyScale', paramList: '1,3,6' } },
    type: 'health-monitor',
    group: 'biometric-collectors',
  },
  { obs: { zone: 'iot', services: ['_hap._tcp'] }, type: 'smart-plug', group: 'remote-control' },
  { obs: { zone: 'iot', protocol: 'mqtt' }, type: 'smart-plug', group: 'remote-control' },
  { obs: { zone: 'iot', services: ['_ipp._tcp'] }, type: 'printer', group: 'basic-services' },
  {
    obs: {
      zone: 'iot',
      upnp: { deviceType: 'urn:schemas-upnp-org:device:MediaRenderer:1', serviceTypes: [] },
    },
    type: 'media-player',
    group: 'others',
  },
  { obs: { zone: 'lan', hostname: 'laptop' }, type: 'user-device', group: null },
  { obs: { zone: 'iot' }, type: 'unknown', group: 'others' },
];

test('each device kind gets its type and group from the shipped YAML; user files come first', () => {
  const dir = tmp();
  try {
    const store = openSqlite(join(dir, 'moat.db'));
    const reg = new DeviceRegistry(store, { catalog: new DeviceCatalog() });
    KINDS.forEach((k, i) => {
      const d = reg.observe({
        mac: `02:00:00:00:00:${(i + 16).toString(16)}`,
        ip: `192.168.62.${i + 10}`,
        ...k.obs,
      })!;
      assert.deepEqual([d.type, d.group], [k.type, k.group], JSON.stringify(k.obs));
    });
    const mine = join(dir, 'my-types.yaml');
    writeFileSync(
      mine,
      'groups: [{ id: kitchen }]\ntypes:\n  - type: coffee-machine\n    group: kitchen\n    match: [{ hostname: "^barista" }]\n',
    );
    const cat = new DeviceCatalog([mine, SHIPPED_TYPES]);
    const reg2 = new DeviceRegistry(openSqlite(join(dir, 'b.db')), { catalog: cat });
    const d = reg2.observe({
      mac: '02:00:00:00:01:01',
      zone: 'iot',
      hostname: 'barista-2',
      protocol: 'mqtt',
    })!;
    assert.deepEqual(
      [d.type, d.group],
      ['coffee-machine', 'kitchen'],
      "the user's type wins over smart-plug",
    );
    writeFileSync(mine, 'types:\n  - type: x\n    group: nowhere\n    match: [{ vendor: "(" }]\n');
    assert.throws(
      () => new DeviceCatalog([mine, SHIPPED_TYPES]),
      (e: Error) =>
        e instanceof ConfigError &&
        /types\.0\.match\.0\.vendor: not a valid regular expression/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decisions: move, confirm, restrict in one process are taken up by another; leases migrate in', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'moat.db');
    // A store from before the registry: the gateway's lease table with one device.
    const old = openSqlite(file);
    new DeviceTable(old).record(
      [{ mac: '02:aa:00:00:00:01', ip: '192.168.61.101', hostname: 'laptop1' }],
      () => 'lan',
    );
    old.close();
    const daemon = new DeviceRegistry(openSqlite(file), { catalog: new DeviceCatalog() });
    const migrated = daemon.get('02:aa:00:00:00:01')!;
    assert.deepEqual(
      [migrated.ips, migrated.hostname, migrated.group],
      [['192.168.61.101'], 'laptop1', null],
    );
    daemon.observe({ mac: '02:aa:00:00:00:02', ip: '192.168.62.20', zone: 'iot', services: ['_rtsp._tcp'] });
    daemon.flush();
    const changes: string[] = [];
    daemon.onChange((c, d) => changes.push(`${c} ${d.mac} ${d.group} ${d.restriction?.level ?? '-'}`));

    const cli = new DeviceRegistry(openSqlite(file), { catalog: new DeviceCatalog() });
    cli.setGroup('192.168.62.20', 'others');
    cli.restrict('02:aa:00:00:00:02', 'internet-only', 'test');
    assert.throws(
      () => cli.setGroup('02:aa:00:00:00:02', 'nope'),
      (e: Error) => e instanceof InputError && /no group 'nope'/.test(e.message),
    );
    assert.throws(() => cli.confirm('02:99:00:00:00:00'), InputError);

    assert.equal(daemon.reloadDecisions(), 1);
    const d = daemon.get('02:aa:00:00:00:02')!;
    assert.deepEqual(
      [d.group, d.groupSource, d.confirmed, d.restriction?.level],
      ['others', 'user', true, 'internet-only'],
    );
    assert.deepEqual(changes, [
      'membership 02:aa:00:00:00:02 others internet-only',
      'restriction 02:aa:00:00:00:02 others internet-only',
    ]);
    // The daemon's next observation flush keeps the user's decision.
    daemon.observe({ mac: '02:aa:00:00:00:02', protocol: 'rtsp' });
    daemon.flush();
    const again = new DeviceRegistry(openSqlite(file), { catalog: new DeviceCatalog() }).get(
      '02:aa:00:00:00:02',
    )!;
    assert.deepEqual(
      [again.group, again.restriction?.level, again.protocols],
      ['others', 'internet-only', ['rtsp']],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a flood of 10,000 fake MACs is capped: evictions counted, kept devices survive, memory bounded', () => {
  const dir = tmp();
  try {
    const store = openSqlite(join(dir, 'moat.db'));
    const reg = new DeviceRegistry(store, { catalog: new DeviceCatalog(), maxDevices: 1000 });
    reg.observe({ mac: '02:bb:00:00:00:01', ip: '192.168.62.2', zone: 'iot' });
    reg.confirm('02:bb:00:00:00:01');
    reg.observe({ mac: '02:bb:00:00:00:02', ip: '192.168.62.3', zone: 'iot' });
    reg.restrict('02:bb:00:00:00:02', 'quarantined', 'test');
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) {
      const mac = `02:cc:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:01`;
      reg.observe({
        mac,
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        zone: 'iot',
        hostname: `fake-${i}`,
        services: ['_hap._tcp'],
      });
      if (i % 1000 === 999) reg.flush();
    }
    reg.flush();
    const c = reg.counts();
    assert.equal(c.devices, 1000);
    assert.equal(c.evicted, 10_000 + 2 - 1000);
    assert.ok(reg.get('02:bb:00:00:00:01'), 'a confirmed device is never evicted');
    assert.ok(reg.get('02:bb:00:00:00:02'), 'a restricted device is never evicted');
    const rows = (store.db.prepare('SELECT count(*) AS n FROM device_registry').get() as { n: number }).n;
    assert.equal(rows, 1000, 'the table holds what memory holds');
    global.gc?.();
    const grew = (process.memoryUsage().heapUsed - heap0) / 1e6;
    assert.ok(grew < 40, `heap grew ${grew.toFixed(1)} MB for 1,000 kept devices`);
    // Counts survive a restart.
    assert.equal(
      new DeviceRegistry(store, { catalog: new DeviceCatalog(), maxDevices: 1000 }).counts().evicted,
      c.evicted,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('discovery: frames register devices; fuzzed frames never throw; outside-zone LOCATION is never fetched', async () => {
  const dir = tmp();
  try {
    const reg = new DeviceRegistry(openSqlite(join(dir, 'moat.db')), {
      catalog: new DeviceCatalog(),
      maxDevices: 256,
    });
    const disc = new Discovery(reg, { zones: [], ssdp: { fetchTimeoutMs: 500, maxBytes: 65_536 } });
    const zone = {
      name: 'iot',
      interface: 'iot0',
      self: '192.168.62.1',
      contains: (ip: string) => ip.startsWith('192.168.62.'),
    };
    const cam = {
      mac: '02:dd:00:00:00:01',
      src: '192.168.62.30',
      dst: '224.0.0.251',
      sport: 5353,
      dport: 5353,
    };
    const frames = [
      udpFrame(cam, mdnsAnnouncement({ service: '_rtsp._tcp', instance: 'Cam', host: 'cam', ip: cam.src })),
      udpFrame(
        { ...cam, mac: '02:dd:00:00:00:02', src: '0.0.0.0', dst: '255.255.255.255', sport: 68, dport: 67 },
        dhcpRequest({ mac: '02:dd:00:00:00:02', vendorClass: 'Withings-BodyScale', params: [1, 3, 6] }),
      ),
      udpFrame(
        {
          ...cam,
          mac: '02:dd:00:00:00:03',
          src: '192.168.62.32',
          dst: '239.255.255.250',
          sport: 1900,
          dport: 1900,
        },
        ssdpNotify('http://203.0.113.9:80/desc.xml'),
      ),
    ];
    for (const f of frames) disc.onFrame(zone, f, f.length);
    await disc.settle();
    assert.equal(reg.get('02:dd:00:00:00:01')?.type, 'ip-camera');
    assert.equal(reg.get('02:dd:00:00:00:02')?.group, 'biometric-collectors');
    assert.equal(disc.counts.locationsRefused, 1);
    assert.equal(disc.counts.descriptionsFetched + disc.counts.descriptionsFailed, 0, 'nothing fetched');
    const rnd = prng(7);
    for (let i = 0; i < 30_000; i++) {
      const m = mutate(frames[i % 3], rnd);
      disc.onFrame(zone, m, m.length);
    }
    await disc.settle();
    assert.ok(reg.counts().devices <= 256);
    assert.ok(disc.counts.malformed > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the inter-component map ages entries out after the protocol timeout + t minutes', async () => {
  const { InterComponentMap } = await import('../../src/devices/index.js');
  const m = new InterComponentMap({ tcpS: 10, udpS: 5, tMinutes: 1 }, 3);
  const e = {
    fromGroup: 'user',
    toGroup: 'remote-control',
    from: '192.168.61.5',
    to: '192.168.62.7',
    port: 80,
  };
  m.record({ ...e, protocol: 'tcp' }, 0);
  m.record({ ...e, protocol: 'udp', port: 5683 }, 0);
  m.record({ ...e, protocol: 'tcp' }, 30_000);
  assert.deepEqual(
    m.list(64_000).map((x) => [x.protocol, x.count, x.expires]),
    [
      ['udp', 1, 65_000],
      ['tcp', 2, 100_000],
    ],
  );
  assert.deepEqual(
    m.list(65_000).map((x) => x.protocol),
    ['tcp'],
    'udp: 5 s + 60 s after it was seen',
  );
  assert.equal(m.list(100_000).length, 0);
  assert.equal(m.aged, 2);
  for (let i = 0; i < 5; i++) m.record({ ...e, protocol: 'tcp', port: 1000 + i }, 200_000);
  assert.equal(m.list(200_000).length, 3);
  assert.equal(m.evicted, 2);
});
