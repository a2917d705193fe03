/**
 * DTLS 1.0 and 1.2 handshakes against tshark's dissection of the same captures (Zeek's DTLS traces, with
 * ClientHellos and a certificate fragmented over datagrams and a HelloVerifyRequest; and the JA4 project's DTLS
 * capture): the version, JA3 and JA3S, the leaf certificate's SHA-1, and the JA4 — moat's 'd' fingerprint against
 * one computed here from tshark's fields by FoxIO's definition. Then mutated real datagrams never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import { DtlsParser } from '../../../src/proto/dtls/index.js';
import { hasTshark } from '../../helpers/tshark.js';

const TLS = join(process.cwd(), '..', 'shared', 'corpus', 'tls');
const CAPTURES = [
  join(TLS, 'zeek', 'traces', 'tls', 'dtls1_0.pcap'),
  join(TLS, 'zeek', 'traces', 'tls', 'dtls1_2.pcap'),
  join(TLS, 'ja4', 'pcap', 'dtls-udp.notest.cap'),
];
const tsharkOk = hasTshark();
const skip = !existsSync(TLS) ? 'needs ../shared/corpus' : !tsharkOk ? 'tshark not installed' : false;

function fields(pcap: string, filter: string, names: string[]): string[][] {
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', '-E', 'aggregator=;', ...names.flatMap((f) => ['-e', f])],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const GREASE = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const h12 = (s: string): string =>
  s === '' ? '000000000000' : createHash('sha256').update(s).digest('hex').slice(0, 12);
const nums = (s: string | undefined): number[] =>
  s
    ? s
        .split(';')
        .filter((x) => x !== '')
        .map(Number)
    : [];

/** FoxIO JA4 (protocol 'd') from tshark's fields of the last ClientHello. */
function ja4FromTshark(pcap: string): string {
  const rows = fields(pcap, 'dtls.handshake.type == 1 && dtls.handshake.ciphersuite', [
    'dtls.handshake.version',
    'dtls.handshake.ciphersuite',
    'dtls.handshake.extension.type',
    'dtls.handshake.sig_hash_alg',
    'dtls.handshake.extensions_server_name',
    'dtls.handshake.extensions_alpn_str',
  ]);
  const [ver, ciphersS, extsS, sigS, sni, alpn] = rows[rows.length - 1];
  const VERS: Record<string, string> = { '0xfeff': 'd1', '0xfefd': 'd2', '0xfefc': 'd3' };
  const ciphers = nums(ciphersS).filter((c) => !GREASE(c));
  const exts = nums(extsS).filter((e) => !GREASE(e));
  const a = `d${VERS[ver]}${sni ? 'd' : 'i'}${String(Math.min(ciphers.length, 99)).padStart(2, '0')}${String(
    Math.min(exts.length, 99),
  ).padStart(2, '0')}${alpn ? alpn.split(';')[0][0] + alpn.split(';')[0].slice(-1) : '00'}`;
  const b = h12(ciphers.map(hex4).sort().join(','));
  const extList = exts
    .filter((e) => e !== 0 && e !== 16)
    .map(hex4)
    .sort()
    .join(',');
  const sigs = nums(sigS).map(hex4).join(',');
  const c = h12(sigs === '' ? extList : `${extList}_${sigs}`);
  return `${a}_${b}_${c}`;
}

interface TlsEve {
  version: string;
  fingerprint?: string;
  ja3?: { hash: string };
  ja3s?: { hash: string };
  ja4?: string;
}

for (const pcap of CAPTURES) {
  const name = pcap.split('/').pop() ?? pcap;
  test(`DTLS handshake equals tshark's dissection: ${name}`, { skip }, async () => {
    const { events } = await analyzeToEvents(pcap);
    const tls = events.filter((e) => e.event_type === 'tls');
    assert.equal(tls.length, 1, 'one handshake');
    const t = tls[0].tls as TlsEve;
    const flow = events.find((e) => e.event_type === 'flow' && e.flow_id === tls[0].flow_id);
    assert.equal(flow?.app_proto, 'dtls');
    const ch = fields(pcap, 'dtls.handshake.type == 1 && dtls.handshake.ja3', ['dtls.handshake.ja3']);
    const sh = fields(pcap, 'dtls.handshake.type == 2', ['dtls.handshake.ja3s', 'dtls.handshake.version']);
    const cert = fields(pcap, 'dtls.handshake.certificate', ['dtls.handshake.certificate']);
    assert.equal(t.ja3?.hash, ch[ch.length - 1][0]);
    assert.equal(t.ja3s?.hash, sh[0][0].split(';')[0]);
    assert.equal(t.version, { '0xfeff': 'DTLS 1.0', '0xfefd': 'DTLS 1.2' }[sh[0][1].split(';')[0]]);
    const leaf = Buffer.from(cert[0][0].split(';')[0].replace(/:/g, ''), 'hex');
    const sha1 = createHash('sha1').update(leaf).digest('hex').match(/../g)!.join(':');
    assert.equal(t.fingerprint, sha1);
    assert.equal(t.ja4, ja4FromTshark(pcap));
  });
}

test('mutated real DTLS datagrams never throw', { skip }, () => {
  const r = spawnSync(
    'tshark',
    ['-r', CAPTURES[1], '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.payload'],
    {
      encoding: 'utf8',
    },
  );
  const dgrams = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'))
    .map(([port, hex]) => ({
      dir: (port === '4400' ? 1 : 0) as 0 | 1,
      data: Buffer.from(hex.replace(/:/g, ''), 'hex'),
    }));
  assert.ok(dgrams.length >= 10);
  let x = 0x2545f491;
  const rand = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  let emitted = 0;
  for (let iter = 0; iter < 500; iter++) {
    const p = new DtlsParser({ emit: () => emitted++ });
    for (const g of dgrams) {
      const d = Buffer.from(g.data);
      for (let k = rand(5); k > 0; k--) d[rand(d.length)] = rand(256);
      p.onDatagram(g.dir, d, 0, rand(8) === 0 ? rand(d.length + 1) : d.length, iter);
    }
    p.onEnd(iter);
  }
  assert.ok(emitted > 0);
});
