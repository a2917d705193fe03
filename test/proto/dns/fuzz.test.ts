/**
 * Mutation fuzzing of the DNS parsers (fixed seed, fixed iteration count): real-shaped messages with bytes
 * flipped, inserted, removed and cut, through the UDP and TCP parsers and the EVE logger. Nothing may throw,
 * and every parsed name stays within its bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsDatagramProtocol, dnsStreamProtocol } from '../../../src/proto/dns/index.js';
import { TO_CLIENT, TO_SERVER } from '../../../src/flow/index.js';
import { writeDnsEve } from '../../../src/output/eve/dns.js';
import { writtenMember } from '../../helpers/eve-object.js';
import { MAX_NAME_CHARS } from '../../../src/proto/dns/names.js';
import { buildMessage, ipv4, tcpFrame } from './dns-builder.js';
import { prng, RecordCollector } from './collect-records.js';

const seeds: Buffer[] = [
  buildMessage({ id: 1, flags: 0x0100, questions: [{ name: 'www.example.com', type: 1 }] }),
  buildMessage({
    id: 1,
    flags: 0x8180,
    questions: [{ name: 'www.example.com', type: 1 }],
    answers: [
      { name: 'www.example.com', type: 5, rdata: (b) => b.name('web.example.com') },
      { name: 'web.example.com', type: 1, rdata: ipv4('1.2.3.4') },
      { name: 'example.com', type: 15, rdata: (b) => b.u16(5).name('mx.example.com') },
      { name: '_x._tcp.example.com', type: 33, rdata: (b) => b.u16(1).u16(2).u16(3).name('t.example.com') },
    ],
    authorities: [
      {
        name: 'example.com',
        type: 6,
        rdata: (b) => b.name('ns.example.com').name('h.example.com').u32(1).u32(2).u32(3).u32(4).u32(5),
      },
    ],
    additionals: [{ name: '', type: 41, rclass: 4096, rdata: Buffer.alloc(0) }],
  }),
];

function mutate(rand: () => number, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const op = Math.floor(rand() * 5);
    const at = Math.floor(rand() * Math.max(1, b.length));
    if (op === 0 && b.length > 0) b[at] = Math.floor(rand() * 256);
    else if (op === 1 && b.length > 0) b[at] = [0xc0, 0xff, 0x3f, 0x00, 0x0c][Math.floor(rand() * 5)];
    else if (op === 2)
      b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), b.subarray(at)]);
    else if (op === 3) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rand() * 8))]);
    else b = b.subarray(0, at);
  }
  return b;
}

test('DNS parsers survive 20,000 mutated messages (UDP and TCP) without throwing', () => {
  const rand = prng(0xd15);
  let parsed = 0;
  for (let i = 0; i < 20000; i++) {
    const m = mutate(rand, seeds[i % seeds.length]);
    const c = new RecordCollector();
    const udp = dnsDatagramProtocol.create(c);
    udp.onDatagram(i & 1 ? TO_CLIENT : TO_SERVER, m, 0, m.length, i);
    udp.onEnd(i);
    if (i % 4 === 0) {
      const tcp = dnsStreamProtocol.create(c);
      const framed = mutate(rand, tcpFrame(m, seeds[0]));
      const step = 1 + Math.floor(rand() * 17);
      for (let o = 0; o < framed.length; o += step)
        tcp.onData(TO_SERVER, framed, o, Math.min(step, framed.length - o), o);
      if (rand() < 0.2) tcp.onGap(TO_SERVER, 5, 0);
      tcp.onEnd(0);
    }
    for (const r of c.of('dns')) {
      parsed++;
      const ev = writtenMember('dns', (o) => writeDnsEve(o, r.dns));
      assert.ok(typeof ev.type === 'string');
      for (const q of r.dns.questions) assert.ok(q.name.length <= MAX_NAME_CHARS * 4);
      JSON.stringify(ev);
    }
  }
  assert.ok(parsed > 5000, `only ${parsed} mutated messages still parsed`);
});

test('random bytes: probes and parsers never throw', () => {
  const rand = prng(53);
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.alloc(Math.floor(rand() * 300));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
    dnsDatagramProtocol.probe(TO_SERVER, b, 0, b.length, 1234, 53);
    dnsStreamProtocol.probe(TO_SERVER, b, 0, b.length, 1234, 53);
    const c = new RecordCollector();
    dnsDatagramProtocol.create(c).onDatagram(TO_SERVER, b, 0, b.length, 0);
    const s = dnsStreamProtocol.create(c);
    s.onData(TO_SERVER, b, 0, b.length, 0);
    s.onEnd(0);
  }
});
