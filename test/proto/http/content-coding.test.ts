/**
 * Response bodies undone as libhtp undoes them: the DEFLATE family decoder against Node's zlib, partial output on
 * damage, the decompression-bomb bound, the layer limit, and bodies followed as files by the HTTP parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  INFLATE_END,
  INFLATE_ERROR,
  INFLATE_LIMIT,
  INFLATE_TRUNCATED,
  inflateGzip,
  inflateRaw,
  inflateZlib,
} from '../../../src/proto/http/inflate.js';
import { DEFAULT_DECODE_LIMITS, decodeBody, planCodings } from '../../../src/proto/http/content-coding.js';
import { httpProtocol, httpProtocolWith } from '../../../src/proto/http/index.js';
import { decompressLayerLimit } from '../../../src/pipeline/index.js';
import { TO_CLIENT, TO_SERVER } from '../../../src/flow/index.js';
import type { HttpTransaction } from '../../../src/proto/http/types.js';
import { RecordCollector } from '../dns/collect-records.js';

/** Text that compresses, with some noise so every block type and long distances occur. */
function sample(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = i % 97 < 60 ? 0x61 + (i % 26) : x >>> 24;
  }
  return b;
}

test('DEFLATE, zlib and gzip decode as zlib encodes them, at every level', () => {
  for (const [n, seed] of [
    [0, 1],
    [1, 2],
    [1000, 3],
    [70_000, 4],
    [300_000, 5],
  ]) {
    const src = sample(n, seed);
    for (const level of [0, 1, 6, 9]) {
      const raw = inflateRaw(zlib.deflateRawSync(src, { level }), 1 << 24);
      const zl = inflateZlib(zlib.deflateSync(src, { level }), 1 << 24);
      const gz = inflateGzip(zlib.gzipSync(src, { level }), 1 << 24);
      for (const r of [raw, zl, gz]) {
        assert.equal(r.status, INFLATE_END, `n ${n} level ${level}`);
        assert.ok(r.out.equals(src), `n ${n} level ${level}`);
      }
    }
  }
});

test('a cut or damaged stream keeps the output made before the damage', () => {
  const src = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'.repeat(50));
  const gz = zlib.gzipSync(src, { level: 1 });
  const cut = inflateGzip(gz.subarray(0, gz.length - 40), 1 << 20);
  assert.equal(cut.status, INFLATE_TRUNCATED);
  assert.ok(cut.out.length > 0 && src.subarray(0, cut.out.length).equals(cut.out));
  // A broken CRC and length in the trailer change nothing: the trailer is not judged (as browsers do not).
  const badTrailer = Buffer.from(gz);
  badTrailer.writeUInt32LE(0xdeadbeef, badTrailer.length - 8);
  assert.ok(inflateGzip(badTrailer, 1 << 20).out.equals(src));
  // Reserved flag bits and an extra field are read past.
  const flagged = Buffer.concat([
    gz.subarray(0, 3),
    Buffer.from([0x04 | 0x20]),
    gz.subarray(4, 10),
    Buffer.from([3, 0, 1, 2, 3]),
    gz.subarray(10),
  ]);
  assert.ok(inflateGzip(flagged, 1 << 20).out.equals(src));
  assert.equal(inflateGzip(Buffer.from('not gzip at all'), 1 << 20).status, INFLATE_ERROR);
  assert.equal(inflateZlib(Buffer.from([0x78, 0x9d, 0, 0]), 1 << 20).status, INFLATE_ERROR);
});

test('decompression bombs: output stops at the bound, quickly', () => {
  // Two gzip layers of 64 MiB of zeros: a few hundred bytes on the wire.
  const bomb = zlib.gzipSync(zlib.gzipSync(Buffer.alloc(64 << 20)));
  assert.ok(bomb.length < 2000);
  const t0 = process.hrtime.bigint();
  const d = decodeBody(bomb, planCodings('gzip, gzip', 2), DEFAULT_DECODE_LIMITS);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(d.bomb, true);
  // More than 1 MiB out and more than 2048 times the input is a bomb (libhtp's bound): decoding stops at 1 MiB.
  assert.equal(d.data.length, 1 << 20);
  assert.ok(ms < 2000, `${ms} ms`);
  // One layer of a large body is no bomb under the ratio, but never exceeds the memory cap.
  const big = zlib.gzipSync(Buffer.alloc(40 << 20));
  const one = decodeBody(big, planCodings('gzip', 2), DEFAULT_DECODE_LIMITS);
  assert.equal(one.data.length, DEFAULT_DECODE_LIMITS.maxOutput);
  assert.equal(one.bomb, true);
  assert.equal(inflateRaw(zlib.deflateRawSync(Buffer.alloc(1 << 20)), 1000).status, INFLATE_LIMIT);
});

test('Content-Encoding: layers as libhtp counts them, and the layer limit', () => {
  assert.deepEqual(planCodings('gzip', 2), { layers: ['gzip'], overLimit: false });
  assert.deepEqual(planCodings('X-GZIP', 2), { layers: ['gzip'], overLimit: false });
  assert.deepEqual(planCodings('identity', 2), { layers: [], overLimit: false });
  assert.deepEqual(planCodings('gzip\0', 2), { layers: ['gzip'], overLimit: false });
  // A list is undone last-named first; tokens that merely contain a coding's name count as that coding.
  assert.deepEqual(planCodings('deflate, gzip', 2), { layers: ['gzip', 'deflate'], overLimit: false });
  assert.deepEqual(planCodings('gzip_x,identity', 2), { layers: ['gzip'], overLimit: false });
  assert.deepEqual(planCodings('gzip, gzip, gzip', 2), { layers: ['gzip', 'gzip'], overLimit: true });
  assert.deepEqual(planCodings('gzip, gzip, gzip', 3), {
    layers: ['gzip', 'gzip', 'gzip'],
    overLimit: false,
  });
  const src = Buffer.from('three layers deep');
  const three = zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(src)));
  assert.ok(decodeBody(three, planCodings('gzip,gzip,gzip', 3), DEFAULT_DECODE_LIMITS).data.equals(src));
  // Only two of the three undone: the result is still gzip.
  const two = decodeBody(three, planCodings('gzip,gzip,gzip', 2), DEFAULT_DECODE_LIMITS).data;
  assert.ok(two.equals(zlib.gzipSync(src)));
  // The setting: Suricata's key, 0 meaning no limit (bounded here), anything else refused by name.
  assert.equal(decompressLayerLimit('3'), 3);
  assert.equal(decompressLayerLimit(2), 2);
  assert.equal(decompressLayerLimit(0), 64);
  assert.throws(() => decompressLayerLimit('three'), /response-body-decompress-layer-limit/);
});

test('a layer that is not what it names is retried as the zlib family, else passes through', () => {
  const src = Buffer.from('hello, retried world');
  // "deflate" carrying zlib-wrapped data, and "gzip" carrying raw DEFLATE: both decode.
  assert.ok(
    decodeBody(zlib.deflateSync(src), planCodings('deflate', 2), DEFAULT_DECODE_LIMITS).data.equals(src),
  );
  assert.ok(
    decodeBody(zlib.deflateRawSync(src), planCodings('gzip', 2), DEFAULT_DECODE_LIMITS).data.equals(src),
  );
  // Plain text labelled gzip: nothing fits, the bytes are the body.
  const plain = Buffer.from('not compressed at all');
  assert.ok(decodeBody(plain, planCodings('gzip', 2), DEFAULT_DECODE_LIMITS).data.equals(plain));
});

function exchange(
  response: Buffer | string,
  opts?: { layerLimit: number },
  gapAfter?: number,
): HttpTransaction[] {
  const c = new RecordCollector();
  const p = opts ? httpProtocolWith({ decode: opts }).create(c) : httpProtocol.create(c);
  const req = Buffer.from('GET /dir/file.bin?x=1 HTTP/1.1\r\nHost: h.test\r\n\r\n');
  p.onData(TO_SERVER, req, 0, req.length, 1);
  const b = Buffer.isBuffer(response) ? response : Buffer.from(response, 'latin1');
  if (gapAfter === undefined) p.onData(TO_CLIENT, b, 0, b.length, 2);
  else {
    p.onData(TO_CLIENT, b, 0, gapAfter, 2);
    p.onGap(TO_CLIENT, 4, 3);
    p.onData(TO_CLIENT, b, gapAfter + 4, b.length - gapAfter - 4, 4);
  }
  p.onEnd(5);
  return c.of('http').map((r) => r.http);
}

test('a response body is followed as a file: name, decoded size, state, gaps', () => {
  const src = Buffer.from('the decoded file content');
  const gz = zlib.gzipSync(src);
  const head = `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`;
  const [tx] = exchange(Buffer.concat([Buffer.from(head), gz]));
  assert.deepEqual(
    { ...tx.responseFile, data: tx.responseFile?.data?.toString() },
    { name: '/dir/file.bin', size: src.length, gaps: false, state: 'CLOSED', data: src.toString() },
  );
  assert.equal(tx.responseBodyLength, gz.length);
  // Content-Disposition names the file.
  const named = exchange(
    'HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename="a b.txt"\r\nContent-Length: 3\r\n\r\nabc',
  );
  assert.equal(named[0].responseFile?.name, 'a b.txt');
  // A hole in the body: counted in, and the file is not whole.
  const body = 'x'.repeat(40);
  const holed = exchange(`HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n${body}`, undefined, 50);
  assert.deepEqual(
    [holed[0].responseFile?.size, holed[0].responseFile?.gaps, holed[0].responseFile?.state],
    [40, true, 'TRUNCATED'],
  );
  // Cut by the end of the connection.
  const cut = exchange('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  assert.equal(cut[0].responseFile?.state, 'TRUNCATED');
  // No body, no file.
  assert.equal(exchange('HTTP/1.1 204 No Content\r\n\r\n')[0].responseFile, undefined);
});

test('the layer limit reaches the parser', () => {
  const src = Buffer.from('EICAR-STANDARD-ANTIVIRUS-TEST-FILE');
  const three = zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(src)));
  const resp = (n: number) =>
    Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip, gzip\r\nContent-Length: ${n}\r\n\r\n`),
      three,
    ]);
  assert.equal(
    exchange(resp(three.length), { layerLimit: 3 })[0].responseFile?.data?.toString(),
    src.toString(),
  );
  assert.notEqual(exchange(resp(three.length))[0].responseFile?.data?.toString(), src.toString());
});
