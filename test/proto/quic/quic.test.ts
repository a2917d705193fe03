/**
 * QUIC Initial inspection: the key derivation against RFC 9001 Appendix A.1, robustness on mutated real
 * Initials, and end to end the JA4 ('q') of every QUIC stream in ../shared/corpus/tls/ja4 against the Rust
 * reference snapshots (streams matched by addresses and ports).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { initialKeys, quicProtocol } from '../../../src/proto/quic/index.js';
import { datagramProtocols } from '../../../src/proto/registry.js';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import { PROBE_NO } from '../../../src/flow/index.js';

test('Initial keys from the RFC 9001 A.1 connection id', () => {
  const dcid = Buffer.from('8394c8f03e515708', 'hex');
  const c = initialKeys(dcid, false);
  assert.equal(c.key.toString('hex'), '1f369613dd76d5467730efcbe3b1a22d');
  assert.equal(c.iv.toString('hex'), 'fa044b2f42a3fd3b46fb255c');
  assert.equal(c.hp.toString('hex'), '9f50449e04a0e810283a1e9933adedd2');
  const s = initialKeys(dcid, true);
  assert.equal(s.key.toString('hex'), 'cf3a5331653c364c88f0f379b6067e37');
  assert.equal(s.iv.toString('hex'), '0ac1493ca1905853b0bba03e');
  assert.equal(s.hp.toString('hex'), 'c206b8d9b9f0f37644430b490eeaa314');
});

test('the QUIC parser survives random and damaged datagrams', () => {
  let x = 12345;
  const rand = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  for (let iter = 0; iter < 500; iter++) {
    const d = Buffer.alloc(1200 + Math.floor(rand() * 200));
    for (let i = 0; i < d.length; i++) d[i] = Math.floor(rand() * 256);
    d[0] = 0xc0 | (d[0] & 0x0f);
    d.writeUInt32BE(1, 1);
    d[5] = Math.floor(rand() * 21);
    const p = quicProtocol.create({ emit: () => {} });
    p.onDatagram(0, d, 0, d.length, 0);
    p.onDatagram(1, d, 0, Math.floor(rand() * d.length), 1);
    p.onEnd(2);
  }
  assert.equal(quicProtocol.probe(0, Buffer.alloc(1300), 0, 1300, 1, 443), PROBE_NO);
});

const DIR = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'ja4');

test(
  'JA4 of every QUIC stream in the JA4 corpus equals the Rust reference',
  { timeout: 120_000 },
  async (t) => {
    if (!existsSync(join(DIR, 'expected-rust'))) {
      t.skip('../shared/corpus/tls/ja4 is absent');
      return;
    }
    // The registry lists QUIC once the lead registers it; until then the test adds it for this process.
    if (!datagramProtocols.some((p) => p.proto === 'quic')) datagramProtocols.unshift(quicProtocol);
    let agree = 0;
    let total = 0;
    const failures: string[] = [];
    for (const f of readdirSync(join(DIR, 'expected-rust')).sort()) {
      const pcap = join(DIR, 'pcap', f.replace(/^ja4__insta@/, '').replace(/\.snap$/, ''));
      const docs = parseAllDocuments(readFileSync(join(DIR, 'expected-rust', f), 'utf8'));
      const rows = (docs[docs.length - 1].toJS() ?? []) as Record<string, unknown>[];
      const want = rows.filter((r) => r.transport === 'udp' && typeof r.ja4 === 'string');
      if (want.length === 0 || !existsSync(pcap)) continue;
      const { events } = await analyzeToEvents(pcap);
      const got = new Map<string, string>();
      for (const e of events as unknown as Record<string, unknown>[]) {
        if (e.event_type !== 'tls' || e.proto !== 'UDP') continue;
        const ja4 = (e.tls as { ja4?: string }).ja4;
        if (ja4) got.set(`${e.src_ip}|${e.src_port}|${e.dest_ip}|${e.dest_port}`, ja4);
      }
      for (const r of want) {
        total++;
        const key = `${r.src}|${r.src_port}|${r.dst}|${r.dst_port}`;
        if (got.get(key) === r.ja4) agree++;
        else failures.push(`${f} ${key}: expected ${r.ja4}, got ${got.get(key) ?? 'nothing'}`);
      }
    }
    console.log(`JA4 QUIC vs the rust reference: ${agree}/${total} streams equal`);
    for (const x of failures) console.log(`  ${x}`);
    assert.ok(total > 0);
    assert.deepEqual(failures, []);
  },
);
