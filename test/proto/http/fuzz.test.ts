/**
 * Mutation fuzzing of the HTTP parser (fixed seed, fixed iteration count): real-shaped exchanges with
 * bytes flipped, inserted, removed and cut, fed in random pieces with random gaps. Nothing may throw and
 * the transactions stay bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpProtocol } from '../../../src/proto/http/index.js';
import { MAX_PENDING_REQUESTS } from '../../../src/proto/http/parser.js';
import { TO_CLIENT, TO_SERVER } from '../../../src/flow/index.js';
import { writeHttpEve } from '../../../src/output/eve/http.js';
import { writtenMember } from '../../helpers/eve-object.js';
import { prng, RecordCollector } from '../dns/collect-records.js';

const requests = [
  'GET /index.html HTTP/1.1\r\nHost: a.test\r\nUser-Agent: x\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello',
  'PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n',
  'CONNECT a.test:443 HTTP/1.1\r\n\r\n',
  'HEAD / HTTP/1.0\r\nX: a\r\n  folded\r\n\r\n',
];
const responses = [
  'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\n',
  'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01',
  'HTTP/1.0 200 OK\r\n\r\nuntil close',
];

function mutate(rand: () => number, s: string): Buffer {
  let b = Buffer.from(s, 'latin1');
  const n = Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * Math.max(1, b.length));
    const op = Math.floor(rand() * 5);
    if (op === 0 && b.length > 0) b[at] = Math.floor(rand() * 256);
    else if (op === 1 && b.length > 0) b[at] = [0x0a, 0x0d, 0x20, 0x3a, 0x30][Math.floor(rand() * 5)];
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), Buffer.from('\r\n'), b.subarray(at)]);
    else if (op === 3) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rand() * 10))]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 10), b.subarray(at)]);
  }
  return b;
}

test('HTTP parser survives 6,000 mutated exchanges in random pieces with random gaps', () => {
  const rand = prng(0x4854);
  let emitted = 0;
  for (let i = 0; i < 6000; i++) {
    const c = new RecordCollector();
    const p = httpProtocol.create(c);
    const k = 1 + Math.floor(rand() * 4);
    let req = '';
    let resp = '';
    for (let j = 0; j < k; j++) {
      const x = Math.floor(rand() * requests.length);
      req += requests[x];
      resp += responses[Math.floor(rand() * responses.length)];
    }
    const a = mutate(rand, req);
    const b = mutate(rand, resp);
    let pa = 0;
    let pb = 0;
    while (pa < a.length || pb < b.length) {
      const step = 1 + Math.floor(rand() * 40);
      if (rand() < 0.5 && pa < a.length) {
        const n = Math.min(step, a.length - pa);
        p.onData(TO_SERVER, a, pa, n, i);
        pa += n;
      } else if (pb < b.length) {
        const n = Math.min(step, b.length - pb);
        p.onData(TO_CLIENT, b, pb, n, i);
        pb += n;
      } else {
        const n = Math.min(step, a.length - pa);
        p.onData(TO_SERVER, a, pa, n, i);
        pa += n;
      }
      if (rand() < 0.02) p.onGap(rand() < 0.5 ? TO_SERVER : TO_CLIENT, 1 + Math.floor(rand() * 50), i);
    }
    p.onEnd(i);
    for (const r of c.of('http')) writtenMember('http', (o) => writeHttpEve(o, r.http));
    emitted += c.of('http').length;
  }
  assert.ok(emitted > 6000, `only ${emitted} transactions came out of 6,000 exchanges`);
});

test('a flood of unanswered pipelined requests stays bounded', () => {
  const c = new RecordCollector();
  const p = httpProtocol.create(c);
  const one = Buffer.from('GET /x HTTP/1.1\r\nHost: f.test\r\n\r\n');
  for (let i = 0; i < MAX_PENDING_REQUESTS + 100; i++) p.onData(TO_SERVER, one, 0, one.length, i);
  // The oldest were logged unanswered as the queue overflowed, before the end.
  assert.equal(c.of('http').length, 100);
  p.onEnd(0);
  assert.equal(c.of('http').length, MAX_PENDING_REQUESTS + 100);
});
