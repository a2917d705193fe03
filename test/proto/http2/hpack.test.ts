/**
 * HPACK against RFC 7541 Appendix C's examples (requests with Huffman coding, C.4; responses with eviction from a
 * 256-byte table, C.6), and the HTTP/2 parser's robustness: mutated real connections, a CONTINUATION flood, a
 * stream flood and oversize frames never throw and stay within their bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HpackDecoder, Http2StreamParser, type HeaderEntry } from '../../../src/proto/http2/index.js';
import { MAX_HEADER_BLOCK, MAX_STREAMS } from '../../../src/proto/http2/parser.js';
import type { AppRecord } from '../../../src/proto/index.js';
import { hasTshark } from '../../helpers/tshark.js';

function decode(d: HpackDecoder, hex: string): Array<[string, string]> {
  const b = Buffer.from(hex.replace(/ /g, ''), 'hex');
  const out: HeaderEntry[] = [];
  d.decode(b, 0, b.length, out);
  return out.map((e) => ('name' in e ? [e.name, e.value] : ['?', JSON.stringify(e)]));
}

test('RFC 7541 C.4: requests with Huffman coding', () => {
  const d = new HpackDecoder();
  assert.deepEqual(decode(d, '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ]);
  assert.equal(d.tableSize, 57);
  assert.deepEqual(decode(d, '8286 84be 5886 a8eb 1064 9cbf'), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ]);
  assert.equal(d.tableSize, 110);
  assert.deepEqual(decode(d, '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ]);
  assert.equal(d.tableSize, 164);
});

test('RFC 7541 C.6: responses with Huffman coding and eviction (256-byte table)', () => {
  const d = new HpackDecoder();
  d.setAllowed(256);
  assert.deepEqual(
    decode(
      d,
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
    ),
    [
      [':status', '302'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ],
  );
  assert.equal(d.tableSize, 222);
  assert.deepEqual(decode(d, '4883 640e ffc1 c0bf'), [
    [':status', '307'],
    ['cache-control', 'private'],
    ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
    ['location', 'https://www.example.com'],
  ]);
  assert.equal(d.tableSize, 222);
  assert.deepEqual(
    decode(
      d,
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ),
    [
      [':status', '200'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
      ['location', 'https://www.example.com'],
      ['content-encoding', 'gzip'],
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
    ],
  );
  assert.equal(d.tableSize, 215);
});

test('HPACK damage is reported in place, never thrown', () => {
  const d = new HpackDecoder();
  const out: HeaderEntry[] = [];
  // Index 0, an index beyond both tables, a string longer than the block, bad Huffman padding.
  for (const hex of ['80', 'ff00', '4005616263', '0081ff']) {
    const b = Buffer.from(hex, 'hex');
    d.decode(b, 0, b.length, out);
  }
  assert.deepEqual(out, [
    { error: 'HTTP2HeaderDecodeIndex0' },
    { error: 'HTTP2HeaderDecodeNotIndexed' },
    { error: 'HTTP2HeaderDecodeError' },
    { error: 'HTTP2HeaderDecodeError' },
  ]);
});

function frame(type: number, flags: number, sid: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(sid, 5);
  return Buffer.concat([h, payload]);
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function parser(): { p: Http2StreamParser; records: AppRecord[] } {
  const records: AppRecord[] = [];
  const p = new Http2StreamParser({ emit: (r) => records.push(r as AppRecord) });
  return { p, records };
}

test('a CONTINUATION flood is cut at the header block limit', () => {
  const { p, records } = parser();
  p.onData(0, PREFACE, 0, PREFACE.length, 0);
  const headers = frame(1, 0, 1, Buffer.from('82', 'hex'));
  p.onData(0, headers, 0, headers.length, 1);
  const cont = frame(9, 0, 1, Buffer.alloc(16000, 0x82));
  for (let i = 0; i < 40; i++) p.onData(0, cont, 0, cont.length, 2 + i);
  p.onEnd(100);
  assert.ok(40 * 16000 > MAX_HEADER_BLOCK);
  assert.ok(
    records.some((r) => r.type === 'anomaly' && r.anomaly.event === 'http2.reassembly_limit_reached'),
  );
});

test('a stream flood keeps at most MAX_STREAMS open', () => {
  const { p, records } = parser();
  p.onData(0, PREFACE, 0, PREFACE.length, 0);
  for (let sid = 1; sid < 2 * MAX_STREAMS * 2 + 10; sid += 2) {
    const f = frame(1, 0x4, sid, Buffer.from('82', 'hex')); // END_HEADERS, stream left open
    p.onData(0, f, 0, f.length, sid);
  }
  const flood = records.filter((r) => r.type === 'anomaly' && r.anomaly.event === 'http2.too_many_streams');
  assert.ok(flood.length > 0);
  const before = records.length;
  p.onEnd(1e6);
  assert.ok(records.length - before <= MAX_STREAMS, 'at most MAX_STREAMS left to log at the end');
});

test('a frame larger than the buffer limit is skipped, and parsing goes on after it', () => {
  const { p, records } = parser();
  p.onData(0, PREFACE, 0, PREFACE.length, 0);
  const big = frame(4, 0, 0, Buffer.alloc(200_000));
  const req = frame(
    1,
    0x5,
    1,
    Buffer.from('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'.replace(/ /g, ''), 'hex'),
  );
  const both = Buffer.concat([big, req]);
  // In small pieces, as TCP might deliver it.
  for (let i = 0; i < both.length; i += 1000) p.onData(0, both, i, Math.min(1000, both.length - i), i);
  p.onEnd(1);
  assert.ok(records.some((r) => r.type === 'anomaly' && r.anomaly.event === 'http2.long_frame_data'));
  const http = records.filter((r) => r.type === 'http');
  assert.equal(http.length, 1);
  assert.equal(http[0].type === 'http' && http[0].http.uri, '/');
});

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const REAL = join(SV, 'dns-over-http2', 'dns_over_https.pcap');
const tsharkOk = hasTshark();

test(
  'mutated real HTTP/2 connections never throw',
  { skip: !existsSync(REAL) ? 'needs ../shared/corpus' : !tsharkOk ? 'tshark not installed' : false },
  () => {
    const r = spawnSync(
      'tshark',
      ['-r', REAL, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.payload'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0);
    const segs = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
      .map(([port, hex]) => ({
        dir: (port === '80' ? 1 : 0) as 0 | 1,
        data: Buffer.from(hex.replace(/:/g, ''), 'hex'),
      }));
    assert.ok(segs.length > 10);
    let x = 0x9e3779b9;
    const rand = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    let records = 0;
    for (let iter = 0; iter < 300; iter++) {
      const { p, records: out } = parser();
      for (const s of segs) {
        const d = Buffer.from(s.data);
        // Flip a few bytes (never the preface, which would only stop the parser at once), and cut some short.
        const flips = rand(4);
        for (let k = 0; k < flips; k++) {
          const at = rand(d.length);
          if (s.dir === 0 && at < 24 && d === segs[0].data) continue;
          d[at] = rand(256);
        }
        const len = rand(10) === 0 ? rand(d.length + 1) : d.length;
        // Random split points, as segmentation varies.
        let o = 0;
        while (o < len) {
          const n = 1 + rand(len - o);
          p.onData(s.dir, d, o, n, iter);
          o += n;
        }
      }
      p.onEnd(iter);
      records += out.length;
    }
    assert.ok(records > 0);
  },
);
