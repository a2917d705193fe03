/**
 * Mutation fuzz of the TLS stream parser (acceptance 3): real handshake bytes from a Node TLS 1.2 and 1.3
 * exchange, mutated with a fixed seed (bit flips, byte overwrites with boundary values, cuts, duplicated and
 * dropped ranges, oversized lengths) and fed in random pieces. The parser must never throw, must emit at most
 * one tls record per connection, and must keep its buffers bounded (checked through what it retains).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AppRecord } from '../../../src/proto/app-layer.js';
import { tlsProtocol } from '../../../src/proto/tls/index.js';
import { captureHandshake, echoServer, selfSigned, type Captured } from './handshake-capture.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const BOUNDARY = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x16, 0x03, 0x14, 0x17];

function mutate(src: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(src);
  const edits = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < edits && b.length > 0; i++) {
    const at = Math.floor(rand() * b.length);
    switch (Math.floor(rand() * 6)) {
      case 0:
        b[at] ^= 1 << Math.floor(rand() * 8);
        break;
      case 1:
        b[at] = BOUNDARY[Math.floor(rand() * BOUNDARY.length)];
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3: {
        const n = Math.min(b.length - at, 1 + Math.floor(rand() * 64));
        b = Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]);
        break;
      }
      case 4: {
        const n = Math.min(b.length - at, 1 + Math.floor(rand() * 64));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      default:
        // A length field blown up: two 0xff bytes.
        if (at + 1 < b.length) b[at] = b[at + 1] = 0xff;
    }
  }
  return b;
}

test('the TLS parser survives mutated real handshakes', async (t) => {
  const cred = selfSigned();
  if (!cred) {
    t.skip('openssl is not installed: no certificate to serve');
    return;
  }
  const server = await echoServer(cred, ['h2']);
  const seeds: Captured[] = [];
  try {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const)
      seeds.push(await captureHandshake(server, { version, clientAlpn: ['h2'] }));
  } finally {
    server.close();
  }
  const rand = rng(0x7e57);
  let records = 0;
  for (let iter = 0; iter < 1500; iter++) {
    const seed = seeds[iter % seeds.length];
    const out: AppRecord[] = [];
    const parser = tlsProtocol.create({ emit: (r) => out.push(r) });
    for (const { dir, data } of seed.chunks) {
      const m = rand() < 0.5 ? mutate(data, rand) : data;
      let p = 0;
      while (p < m.length) {
        const n = Math.min(m.length - p, 1 + Math.floor(rand() * 600));
        parser.onData(dir, m, p, n, iter);
        p += n;
      }
      if (rand() < 0.02) parser.onGap(dir, 100, iter);
    }
    parser.onEnd(iter);
    const tls = out.filter((r) => r.type === 'tls').length;
    assert.ok(tls <= 1, `iteration ${iter}: ${tls} tls records`);
    records += tls;
    // Bounded: the parser keeps no more than a record and a handshake message's worth of bytes.
    const retained = JSON.stringify(parser, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.length : v));
    assert.ok(retained.length < 1_000_000, `iteration ${iter}: parser state of ${retained.length} chars`);
  }
  assert.ok(records > 100, `mutations left many handshakes parseable (${records})`);
});

test('the TLS parser survives random bytes and hostile lengths', () => {
  const rand = rng(42);
  for (let iter = 0; iter < 2000; iter++) {
    const parser = tlsProtocol.create({ emit: () => {} });
    // A valid record header then random content, or a huge handshake length to exercise the bound.
    const body = Buffer.alloc(Math.floor(rand() * 300));
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(rand() * 256);
    const head = Buffer.from([0x16, 0x03, 0x01, body.length >> 8, body.length & 0xff]);
    if (iter % 3 === 0 && body.length >= 4) body.set([1, 0xff, 0xff, 0xff]);
    const dir = (iter & 1) as 0 | 1;
    parser.onData(dir, Buffer.concat([head, body]), 0, head.length + body.length, 0);
    parser.onEnd(1);
  }
});
