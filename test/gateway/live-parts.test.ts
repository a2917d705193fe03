/**
 * The gateway's live parts on their own: the inter-component table's ageing (conntrack timeout + t) on conntrack
 * entries, the neighbour table from `ip -j neigh` output, the packet ring's pcap (read back by tcpdump when it is
 * there), the bundle's tar.gz (listed by tar), and the configuration's checks of the API and backup access.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GatewayConfigError,
  PacketRing,
  PeerTable,
  parseGatewayConfig,
  parseNeighbours,
  tarGz,
  type ConntrackEntry,
} from '../../src/gateway/index.js';

const BASE = `zones:
  wan: { interface: wan0, address: 10.0.0.2/24 }
  lan: { interface: lan0, address: 192.168.1.1/24 }
  iot: { interface: iot0, address: 192.168.2.1/24 }
backup: { port: 8443 }
`;
const { plan } = parseGatewayConfig(BASE, 'g.yaml');

const udp = (src: string, dst: string, dport: number, timeout: number, id: number): ConntrackEntry => ({
  family: 'ipv4',
  proto: 'udp',
  original: { src, dst, sport: 40000, dport },
  reply: { src: dst, dst: src, sport: dport, dport: 40000 },
  timeout,
  assured: false,
  unreplied: false,
  mark: 0,
  id,
});

test('inter-component table: internal pairs only; live, then ageing for t after conntrack forgets, then gone', () => {
  const t = new PeerTable(plan, 2);
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  t.update(
    [
      udp('192.168.1.10', '192.168.2.50', 5683, 30, 1),
      // LAN → WAN and LAN → the gateway itself are not inter-component traffic.
      udp('192.168.1.10', '8.8.8.8', 53, 30, 2),
      udp('192.168.1.10', '192.168.1.1', 53, 30, 3),
    ],
    t0,
  );
  let rows = t.rows();
  assert.equal(rows.length, 1);
  assert.deepEqual(
    [rows[0].from, rows[0].to, rows[0].state, rows[0].connections],
    [{ ip: '192.168.1.10', zone: 'lan' }, { ip: '192.168.2.50', zone: 'iot', port: 5683 }, 'live', 1],
  );
  // Expires at the last look + conntrack's 30 s + t (2 min).
  assert.equal(rows[0].expiresAt, new Date(t0 + 30_000 + 120_000).toISOString());
  // A second connection of the same pair 10 s later counts, and moves the expiry on.
  t.update([udp('192.168.1.10', '192.168.2.50', 5683, 30, 7)], t0 + 10_000);
  rows = t.rows();
  assert.equal(rows[0].connections, 2);
  assert.equal(rows[0].expiresAt, new Date(t0 + 10_000 + 150_000).toISOString());
  // conntrack forgot it: ageing until the expiry, then gone.
  t.update([], t0 + 60_000);
  assert.equal(t.rows()[0].state, 'ageing');
  t.update([], t0 + 10_000 + 150_000 - 1);
  assert.equal(t.rows().length, 1);
  t.update([], t0 + 10_000 + 150_000);
  assert.deepEqual(t.rows(), []);
});

test('neighbour table: `ip -j neigh` rows with the zone of their interface', () => {
  const rows = parseNeighbours(
    plan,
    JSON.stringify([
      { dst: '192.168.1.10', dev: 'lan0', lladdr: '02:00:00:00:00:0a', state: ['REACHABLE'] },
      { dst: '10.0.0.1', dev: 'wan0', lladdr: '02:00:00:00:00:01', router: null, state: ['STALE'] },
      { dst: 'fe80::1', dev: 'eth9', state: ['FAILED'] },
    ]),
  );
  assert.deepEqual(
    rows.map((r) => [r.zone, r.ip, r.mac, r.family, r.router, r.state.join()]),
    [
      ['wan', '10.0.0.1', '02:00:00:00:00:01', 'ipv4', true, 'STALE'],
      ['lan', '192.168.1.10', '02:00:00:00:00:0a', 'ipv4', false, 'REACHABLE'],
      [undefined, 'fe80::1', undefined, 'ipv6', false, 'FAILED'],
    ],
  );
});

test('packet ring: keeps the most recent packets within its size, as a pcap tcpdump reads', (t) => {
  const ring = new PacketRing(64 * 1024, 1, 2000);
  const frame = Buffer.alloc(1000);
  for (let i = 0; i < 200; i++) {
    frame.writeUInt32BE(i, 0);
    ring.push(frame, 0, 1000, 1000, 1_700_000_000_000_000 + i * 1000, 1);
  }
  ring.push(frame, 0, 1000, 1000, 0, 113); // another link type is not mixed into the pcap
  assert.equal(ring.skipped, 1);
  const pcap = ring.toPcap();
  assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4);
  // Records are 16 + 1000 bytes; between half and all of 64 KiB is held, the newest last.
  const n = (pcap.length - 24) / 1016;
  assert.ok(Number.isInteger(n) && n >= 31 && n <= 64, `${n} records`);
  assert.equal(pcap.readUInt32BE(24 + (n - 1) * 1016 + 16), 199);
  assert.equal(pcap.readUInt32BE(24 + 16), 200 - n);
  if (spawnSync('sh', ['-c', 'command -v tcpdump']).status !== 0) return t.skip('tcpdump not installed');
  const dir = mkdtempSync(join(tmpdir(), 'moat-ring-'));
  try {
    writeFileSync(join(dir, 'r.pcap'), pcap);
    const r = spawnSync('tcpdump', ['-nr', join(dir, 'r.pcap')], { encoding: 'utf8' });
    assert.equal(r.stdout.trim().split('\n').length, n, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bundle tar.gz: tar lists and extracts the files as written', (t) => {
  if (spawnSync('sh', ['-c', 'command -v tar']).status !== 0) return t.skip('tar not installed');
  const dir = mkdtempSync(join(tmpdir(), 'moat-tar-'));
  try {
    const big = Buffer.alloc(1500, 0x61);
    writeFileSync(
      join(dir, 'b.tar.gz'),
      tarGz([
        { name: 'eve.json', data: Buffer.from('{"a":1}\n') },
        { name: 'capture.pcap', data: big },
        { name: 'empty.txt', data: Buffer.alloc(0) },
      ]),
    );
    const list = spawnSync('tar', ['-tvzf', join(dir, 'b.tar.gz')], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /eve\.json/);
    assert.match(list.stdout, /\s1500\s.*capture\.pcap/);
    const x = spawnSync('tar', ['-xOzf', join(dir, 'b.tar.gz'), 'eve.json'], { encoding: 'utf8' });
    assert.equal(x.stdout, '{"a":1}\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration: the API port needs a key, backup access needs a password over tcp', () => {
  const issues = (extra: string) => {
    try {
      parseGatewayConfig(BASE.replace('backup: { port: 8443 }\n', '') + extra, 'g.yaml');
      return [];
    } catch (e) {
      assert.ok(e instanceof GatewayConfigError, String(e));
      return e.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  assert.deepEqual(issues('api: { port: 8080 }\n'), [
    'api.port: a TCP listener needs api.key or api.keyFile (Bearer authentication)',
  ]);
  assert.deepEqual(issues('backup: { port: 8443, protocol: udp, access: {} }\n'), [
    'backup.access: needs key or keyFile: the password the user logs in with',
    'backup.protocol: backup.access serves HTTPS: the backup port must be tcp',
  ]);
  assert.match(
    issues('backup: { port: 8443, access: { key: short } }\n').join(),
    /backup\.access\.key: .*12 characters/,
  );
  assert.deepEqual(
    issues('api: { port: 9000, key: 0123456789abcdef }\ninspection: { ringMB: 4, statsSeconds: 5 }\n'),
    [],
  );
  // Defaults: inspection on, t = 1 minute.
  const { config } = parseGatewayConfig(BASE, 'g.yaml');
  assert.equal(config.inspection.enabled, true);
  assert.equal(config.inspection.statsSeconds, 10);
  assert.equal(config.peers.ageMinutes, 1);
});
