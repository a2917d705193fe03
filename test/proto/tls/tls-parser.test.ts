/**
 * The TLS stream parser on real handshakes: a Node TLS client and server on loopback, the bytes each side
 * sent replayed into the parser in tiny random pieces (records spanning segments, messages spanning records),
 * and the parser's facts compared with what the TLS stacks themselves report (cipher, version, ALPN,
 * resumption).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type tls from 'node:tls';
import type { AppRecord } from '../../../src/proto/app-layer.js';
import { tlsProtocol } from '../../../src/proto/tls/index.js';
import type { TlsHandshake } from '../../../src/proto/tls/types.js';
import { cipherName } from '../../../src/output/eve/tls-names.js';
import { PROBE_MATCH } from '../../../src/flow/index.js';
import {
  captureHandshake,
  echoServer,
  selfSigned,
  type Captured,
  type Credential,
} from './handshake-capture.js';

/** Deterministic xorshift so a failure replays identically. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Feeds the captured chunks in order, each cut into pieces of 1..maxPiece bytes. */
export function replay(
  c: Captured,
  seed: number,
  maxPiece = 7,
): { tls: TlsHandshake[]; anomalies: string[] } {
  const out: AppRecord[] = [];
  const parser = tlsProtocol.create({ emit: (r) => out.push(r) });
  const rand = rng(seed);
  let ts = 1;
  for (const { dir, data } of c.chunks) {
    // Copy into a larger buffer at an offset so off/len handling is exercised too.
    const host = Buffer.alloc(data.length + 16, 0xee);
    data.copy(host, 8);
    let p = 0;
    while (p < data.length) {
      const n = Math.min(data.length - p, 1 + Math.floor(rand() * maxPiece));
      parser.onData(dir, host, 8 + p, n, ts++);
      p += n;
    }
  }
  parser.onEnd(ts);
  return {
    tls: out.flatMap((r) => (r.type === 'tls' ? [r.tls] : [])),
    anomalies: out.flatMap((r) => (r.type === 'anomaly' ? [r.anomaly.event] : [])),
  };
}

let cred: Credential | undefined;
const servers: tls.Server[] = [];

before(() => {
  cred = selfSigned();
});

after(() => {
  for (const s of servers) s.close();
});

async function server(alpn?: string[]): Promise<tls.Server> {
  const s = await echoServer(cred as Credential, alpn);
  servers.push(s);
  return s;
}

function checkAgainstStack(c: Captured, h: TlsHandshake, label: string): void {
  assert.equal(h.client?.sni, 'moat.test', `${label}: SNI`);
  assert.equal(h.versionName, c.protocol === 'TLSv1.3' ? 'TLS 1.3' : 'TLS 1.2', `${label}: version`);
  assert.ok(h.server, `${label}: ServerHello parsed`);
  assert.equal(cipherName(h.server.cipher), c.cipher, `${label}: cipher`);
  // TLS 1.3 sends the chosen ALPN in EncryptedExtensions: only TLS 1.2's ServerHello shows it.
  assert.equal(
    h.server.alpn ?? false,
    c.protocol === 'TLSv1.3' ? false : c.alpn || false,
    `${label}: server ALPN`,
  );
  assert.equal(h.resumed, c.reused, `${label}: resumption`);
  assert.equal(h.complete, true, `${label}: complete`);
  assert.match(h.ja4 ?? '', /^t1[23]d\d{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/, `${label}: ja4 shape`);
  assert.match(h.ja3?.hash ?? '', /^[0-9a-f]{32}$/, `${label}: ja3`);
  assert.match(h.ja3s?.hash ?? '', /^[0-9a-f]{32}$/, `${label}: ja3s`);
}

for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
  test(`${version} handshake with ALPN, then resumed with the session it issued`, async (t) => {
    if (!cred) {
      t.skip('openssl is not installed: no certificate to serve');
      return;
    }
    const srv = await server(['h2', 'http/1.1']);
    const first = await captureHandshake(srv, { version, clientAlpn: ['h2', 'http/1.1'] });
    assert.equal(first.reused, false);
    for (const seed of [1, 2, 3]) {
      const { tls: hs, anomalies } = replay(first, seed);
      assert.deepEqual(anomalies, []);
      assert.equal(hs.length, 1, 'exactly one tls record per handshake');
      const h = hs[0];
      checkAgainstStack(first, h, `${version} full, seed ${seed}`);
      assert.deepEqual(h.client?.alpns, ['h2', 'http/1.1']);
      assert.equal(h.ja4?.slice(8, 10), 'h2');
      if (version === 'TLSv1.2') {
        // The certificate is visible in TLS 1.2 (encrypted in 1.3: no certificate to see).
        assert.equal(h.serverCertificates.length, 1);
        assert.equal(h.serverCertificates[0].subjectCN, 'moat.test');
      } else {
        assert.equal(h.serverCertificates.length, 0);
        assert.ok(h.client?.supportedVersions.includes(0x0304));
      }
    }
    assert.ok(first.session, 'the server issued a session ticket');
    const second = await captureHandshake(srv, { version, clientAlpn: ['h2'], session: first.session });
    assert.equal(second.reused, true, 'the stack resumed the session');
    const { tls: hs2 } = replay(second, 9);
    assert.equal(hs2.length, 1);
    checkAgainstStack(second, hs2[0], `${version} resumed`);
    assert.equal(hs2[0].client?.offersResumption, true);
    assert.equal(hs2[0].serverCertificates.length, 0, 'an abbreviated handshake shows no certificate');
  });

  test(`${version} handshake without ALPN`, async (t) => {
    if (!cred) {
      t.skip('openssl is not installed: no certificate to serve');
      return;
    }
    const srv = await server();
    const c = await captureHandshake(srv, { version });
    const { tls: hs } = replay(c, 5, 3);
    assert.equal(hs.length, 1);
    checkAgainstStack(c, hs[0], `${version} no ALPN`);
    assert.deepEqual(hs[0].client?.alpns, []);
    assert.equal(hs[0].ja4?.slice(8, 10), '00');
    // The probe recognises the first client bytes on a port that says nothing about TLS.
    const firstClient = c.chunks.find((x) => x.dir === 0) as Captured['chunks'][number];
    assert.equal(
      tlsProtocol.probe(0, firstClient.data, 0, firstClient.data.length, 40000, 8081),
      PROBE_MATCH,
    );
  });
}

test('a client hello alone is emitted at the end, incomplete and UNDETERMINED', async (t) => {
  if (!cred) {
    t.skip('openssl is not installed: no certificate to serve');
    return;
  }
  const srv = await server();
  const c = await captureHandshake(srv, { version: 'TLSv1.3' });
  const clientOnly: Captured = { ...c, chunks: c.chunks.filter((x) => x.dir === 0).slice(0, 1) };
  const { tls: hs } = replay(clientOnly, 4);
  assert.equal(hs.length, 1);
  assert.equal(hs[0].complete, false);
  assert.equal(hs[0].versionName, 'UNDETERMINED');
  assert.equal(hs[0].client?.sni, 'moat.test');
  assert.equal(hs[0].server, undefined);
});

/** A handshake record holding the given messages (type, body). */
function record(msgs: [number, Buffer][]): Buffer {
  const body = Buffer.concat(
    msgs.map(([t, b]) =>
      Buffer.concat([Buffer.from([t, b.length >> 16, (b.length >> 8) & 0xff, b.length & 0xff]), b]),
    ),
  );
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x03, body.length >> 8, body.length & 0xff]), body]);
}

const u16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);

function serverHello(random: Buffer, exts: [number, Buffer][]): Buffer {
  const e = Buffer.concat(exts.map(([t, b]) => Buffer.concat([u16(t), u16(b.length), b])));
  return Buffer.concat([
    u16(0x0303),
    random,
    Buffer.from([0]),
    u16(0x1301),
    Buffer.from([0]),
    u16(e.length),
    e,
  ]);
}

function minimalClientHello(): Buffer {
  const sv = Buffer.from([0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]);
  return Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    u16(2),
    u16(0x1301),
    Buffer.from([1, 0]),
    u16(sv.length),
    sv,
  ]);
}

function feed(chunks: [0 | 1, Buffer][]): AppRecord[] {
  const out: AppRecord[] = [];
  const p = tlsProtocol.create({ emit: (r) => out.push(r) });
  chunks.forEach(([dir, b], i) => p.onData(dir, b, 0, b.length, i));
  p.onEnd(99);
  return out;
}

test('HelloRetryRequest then the real ServerHello: TLS 1.3, retry noted', () => {
  const hrrRandom = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
  const sv = [0x002b, u16(0x0304)] as [number, Buffer];
  const out = feed([
    [0, record([[1, minimalClientHello()]])],
    [1, record([[2, serverHello(hrrRandom, [sv, [0x0033, u16(0x0017)]])]])],
    [0, record([[1, minimalClientHello()]])],
    [
      1,
      record([[2, serverHello(Buffer.alloc(32, 9), [sv, [0x0033, Buffer.concat([u16(0x0017), u16(0)])]])]]),
    ],
  ]);
  const tls = out.flatMap((r) => (r.type === 'tls' ? [r.tls] : []));
  assert.equal(tls.length, 1);
  assert.equal(tls[0].helloRetryRequest, true);
  assert.equal(tls[0].versionName, 'TLS 1.3');
  assert.equal(tls[0].server?.isHelloRetryRequest, false);
  assert.equal(tls[0].server?.selectedGroup, 0x0017);
  assert.equal(tls[0].complete, true);
});

test('several handshake messages in one record, and one split across records', () => {
  const ch = minimalClientHello();
  const whole = record([[1, ch]]);
  // Split the message's bytes over two records.
  const msg = whole.subarray(5);
  const r1 = Buffer.concat([Buffer.from([0x16, 3, 3, 0, 10]), msg.subarray(0, 10)]);
  const rest = msg.subarray(10);
  const r2 = Buffer.concat([Buffer.from([0x16, 3, 3, rest.length >> 8, rest.length & 0xff]), rest]);
  const sh = serverHello(Buffer.alloc(32, 1), []);
  const out = feed([
    [0, Buffer.concat([r1, r2])],
    [
      1,
      record([
        [2, sh],
        [14, Buffer.alloc(0)],
      ]),
    ],
  ]);
  const tls = out.flatMap((r) => (r.type === 'tls' ? [r.tls] : []));
  assert.equal(tls.length, 1);
  assert.equal(tls[0].complete, true, 'ServerHelloDone in the same record completes the flight');
  assert.equal(tls[0].versionName, 'TLS 1.2');
});

test('a handshake message over 512 KiB is an anomaly and stops that direction', () => {
  const head = Buffer.from([0x16, 3, 3, 0, 4, 11, 0x09, 0x00, 0x00]);
  const out = feed([
    [0, record([[1, minimalClientHello()]])],
    [1, head],
  ]);
  assert.ok(out.some((r) => r.type === 'anomaly' && r.anomaly.event === 'tls.handshake_message_too_long'));
  const tls = out.flatMap((r) => (r.type === 'tls' ? [r.tls] : []));
  assert.equal(tls.length, 1);
  assert.equal(tls[0].complete, false);
});

test('an SSLv2-compatible ClientHello is read', () => {
  const specs = Buffer.from([0x00, 0x00, 0x2f, 0x01, 0x00, 0x80, 0x00, 0x00, 0x35]);
  const challenge = Buffer.alloc(16, 3);
  const body = Buffer.concat([
    Buffer.from([1]),
    u16(0x0301),
    u16(specs.length),
    u16(0),
    u16(challenge.length),
    specs,
    challenge,
  ]);
  const msg = Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]);
  assert.equal(tlsProtocol.probe(0, msg, 0, msg.length, 1234, 5678), PROBE_MATCH);
  const tls = feed([[0, msg]]).flatMap((r) => (r.type === 'tls' ? [r.tls] : []));
  assert.equal(tls.length, 1);
  assert.equal(tls[0].client?.sslv2Compat, true);
  assert.deepEqual(tls[0].client?.ciphers, [0x002f, 0x0035]);
  assert.equal(tls[0].ja3?.string, '769,47-53,,,');
});

test('TLS 1.2 with a CertificateRequest: the client certificate is in the one record', async (t) => {
  if (!cred) {
    t.skip('openssl is not installed: no certificate to serve');
    return;
  }
  const srv = await echoServer(cred, undefined, true);
  servers.push(srv);
  const c = await captureHandshake(srv, { version: 'TLSv1.2', clientCredential: cred });
  const { tls: hs } = replay(c, 11);
  assert.equal(hs.length, 1);
  checkAgainstStack(c, hs[0], 'TLS 1.2 client certificate');
  assert.equal(hs[0].serverCertificates.length, 1);
  assert.equal(hs[0].clientCertificates.length, 1);
  assert.equal(hs[0].clientCertificates[0].subjectCN, 'moat.test');
});

test('a record cut after 3 bytes and completed by a segment larger than a record', () => {
  const ch = record([[1, minimalClientHello()]]);
  // 20 KiB of client application data after the hello, in the same segment as the hello's end.
  const appData = Buffer.concat([Buffer.from([0x17, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000, 1)]);
  const big = Buffer.concat([ch.subarray(3), appData, appData]);
  const out = feed([
    [0, ch.subarray(0, 3)],
    [0, big],
    [
      1,
      record([
        [2, serverHello(Buffer.alloc(32, 1), [])],
        [14, Buffer.alloc(0)],
      ]),
    ],
  ]);
  assert.deepEqual(
    out.filter((r) => r.type === 'anomaly'),
    [],
  );
  const tls = out.flatMap((r) => (r.type === 'tls' ? [r.tls] : []));
  assert.equal(tls.length, 1);
  assert.equal(tls[0].complete, true);
});

test('an SSLv2-framed record of length 0 is invalid_sslv2_header (Suricata reads top-bit records as SSLv2)', () => {
  for (const head of [Buffer.from([0x80, 0x00, 0x01]), Buffer.from([0x40, 0x00, 0x00, 0x01])]) {
    const out = feed([
      [0, record([[1, minimalClientHello()]])],
      [1, head],
    ]);
    assert.ok(out.some((r) => r.type === 'anomaly' && r.anomaly.event === 'tls.invalid_sslv2_header'));
  }
  // A non-empty record with a top bit set stays what it was (an unknown record type after a TLS hello).
  const out = feed([
    [0, record([[1, minimalClientHello()]])],
    [1, Buffer.from([0x80, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05])],
  ]);
  assert.ok(!out.some((r) => r.type === 'anomaly' && r.anomaly.event === 'tls.invalid_sslv2_header'));
});
