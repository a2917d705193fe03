/**
 * The router's tables from real `conntrack -L -o xml` output (captured from the namespace test's gateway): NAT
 * kind, the session table's zones, the port-mapping table's priorities; leases into the device table (real
 * SQLite); the free-port ranges of the low-priority mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeviceTable,
  natTable,
  parseConntrackXml,
  parseGatewayConfig,
  parseLeases,
  portMappings,
  portRanges,
  sessionTable,
} from '../../src/gateway/index.js';
import { openSqlite } from '../../src/store/index.js';

const { plan } = parseGatewayConfig(
  `zones:
  wan: { interface: wan0, address: 10.0.0.2/24 }
  lan: { interface: lan0, address: 192.168.1.1/24 }
  dmz: { interface: dmz0, address: 192.168.3.1/24, honeypot: 192.168.3.10 }
backup: { port: 8443 }
portForwards: [{ port: 8080, to: 192.168.1.20, toPort: 80 }]
`,
  'g.yaml',
);

const flow = (o: string, r: string, ind: string, proto = 'tcp', num = 6) => {
  const tuple = (t: string) => {
    const [src, dst, sport, dport] = t.split(' ');
    return `<layer3 protonum="2" protoname="ipv4"><src>${src}</src><dst>${dst}</dst></layer3><layer4 protonum="${num}" protoname="${proto}"><sport>${sport}</sport><dport>${dport}</dport></layer4>`;
  };
  return `<flow><meta direction="original">${tuple(o)}</meta><meta direction="reply">${tuple(r)}</meta><meta direction="independent">${ind}</meta></flow>`;
};

const XML = `<?xml version="1.0" encoding="utf-8"?>
<conntrack>
${flow('192.168.1.50 10.0.0.1 40000 80', '10.0.0.1 10.0.0.2 80 40000', '<state>ESTABLISHED</state><timeout>431999</timeout><mark>0</mark><use>1</use><id>1021756761</id><assured/>')}
${flow('10.0.0.1 10.0.0.2 45348 2323', '192.168.3.10 10.0.0.1 2323 45348', '<state>TIME_WAIT</state><timeout>118</timeout><mark>0</mark><use>1</use><id>2618938094</id><assured/>')}
${flow('10.0.0.1 10.0.0.2 45350 8080', '192.168.1.20 10.0.0.1 80 45350', '<state>SYN_RECV</state><timeout>59</timeout><mark>0</mark><use>1</use>')}
${flow('192.168.1.50 192.168.1.1 49953 53', '192.168.1.1 192.168.1.50 53 49953', '<timeout>23</timeout><mark>0</mark><use>1</use><unreplied/>', 'udp', 17)}
</conntrack>`;

test('conntrack XML: tuples, state, timeout and flags', () => {
  const e = parseConntrackXml(XML);
  assert.equal(e.length, 4);
  assert.deepEqual(e[0].original, { src: '192.168.1.50', dst: '10.0.0.1', sport: 40000, dport: 80 });
  assert.deepEqual(e[0].reply, { src: '10.0.0.1', dst: '10.0.0.2', sport: 80, dport: 40000 });
  assert.equal(e[0].state, 'ESTABLISHED');
  assert.equal(e[0].timeout, 431999);
  assert.equal(e[0].assured, true);
  assert.equal(e[0].id, 1021756761);
  assert.equal(e[3].proto, 'udp');
  assert.equal(e[3].state, undefined);
  assert.equal(e[3].unreplied, true);
  assert.deepEqual(parseConntrackXml('<conntrack></conntrack>'), []);
});

test('the NAT table: masquerade out, DNAT in to the honeypot or a port-forward', () => {
  const rows = natTable(plan, parseConntrackXml(XML));
  assert.deepEqual(
    rows.map((r) => [r.kind, r.internal, r.external, r.remote, r.target]),
    [
      ['snat', '192.168.1.50:40000', '10.0.0.2:40000', '10.0.0.1:80', undefined],
      ['dnat', '192.168.3.10:2323', '10.0.0.2:2323', '10.0.0.1:45348', 'honeypot'],
      ['dnat', '192.168.1.20:80', '10.0.0.2:8080', '10.0.0.1:45350', 'port-forward'],
    ],
  );
});

test('the session table names the zones at both ends', () => {
  const rows = sessionTable(plan, parseConntrackXml(XML));
  assert.deepEqual(
    rows.map((r) => [r.from.zone, r.to.zone, r.scope, r.nat ?? '']),
    [
      ['lan', 'wan', 'external', 'snat'],
      ['wan', 'dmz', 'external', 'dnat'],
      ['wan', 'lan', 'external', 'dnat'],
      ['lan', 'gateway', 'gateway', ''],
    ],
  );
});

test('the port-mapping table: user > normal > low, low covering every other port', () => {
  const rows = portMappings(plan, parseConntrackXml(XML));
  assert.deepEqual(
    rows.map((r) => [r.priority, r.protocol, r.ports, r.to, r.remote ?? '', r.expiresIn]),
    [
      ['user', 'tcp', '8080', '192.168.1.20:80', '', null],
      ['normal', 'tcp', '40000', '192.168.1.50:40000', '10.0.0.1:80', 431999],
      ['low', 'tcp', '1-8079,8081-8442,8444-65535', '192.168.3.10', '', null],
      ['low', 'udp', '1-65535', '192.168.3.10', '', null],
    ],
  );
  assert.equal(rows[2].sessions, 1);
});

test('port ranges are the complement of the taken ports', () => {
  assert.equal(portRanges([]), '1-65535');
  assert.equal(portRanges([1, 65535]), '2-65534');
  assert.equal(portRanges([80, 81, 443, 80]), '1-79,82-442,444-65535');
  assert.equal(portRanges([2, 4]), '1,3,5-65535');
});

test('leases into the device table: one row per MAC, updated on renewal, kept after the lease ends', () => {
  const leases = parseLeases(
    [
      '1796563460 AA:07:52:a9:6e:50 192.168.1.138 laptop1 01:aa:07:52:a9:6e:50',
      '0 aa:07:52:a9:6e:51 192.168.1.139 * *',
      'duid 00:01:00:01:2c:1f',
      'garbage line',
      '12 not-a-mac 192.168.1.5 x *',
    ].join('\n'),
  );
  assert.deepEqual(leases, [
    {
      mac: 'aa:07:52:a9:6e:50',
      ip: '192.168.1.138',
      hostname: 'laptop1',
      clientId: '01:aa:07:52:a9:6e:50',
      expires: 1796563460000,
    },
    {
      mac: 'aa:07:52:a9:6e:51',
      ip: '192.168.1.139',
      hostname: undefined,
      clientId: undefined,
      expires: undefined,
    },
  ]);
  const store = openSqlite(':memory:');
  const table = new DeviceTable(store);
  const zoneOf = () => 'lan';
  assert.equal(table.record(leases, zoneOf, new Date('2026-01-01T00:00:00Z')), 2);
  assert.equal(
    table.record(leases, zoneOf, new Date('2026-01-01T00:01:00Z')),
    0,
    'unchanged leases touch nothing',
  );
  const renewed = [{ ...leases[0], expires: 1796567060000 }];
  assert.equal(table.record(renewed, zoneOf, new Date('2026-01-01T00:02:00Z')), 1);
  const rows = table.list(1796563460000 + 1000);
  assert.equal(rows.length, 2);
  const laptop = rows.find((r) => r.mac === 'aa:07:52:a9:6e:50')!;
  assert.equal(laptop.firstSeen, '2026-01-01T00:00:00.000Z');
  assert.equal(laptop.lastSeen, '2026-01-01T00:02:00.000Z');
  assert.equal(laptop.active, true);
  assert.equal(rows.find((r) => r.mac === 'aa:07:52:a9:6e:51')!.active, true, 'expiry 0 = infinite');
  assert.equal(table.list(1796567060000 + 1).find((r) => r.mac === laptop.mac)!.active, false);
  store.close();
});
