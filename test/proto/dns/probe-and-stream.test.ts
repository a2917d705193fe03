import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsDatagramProtocol, dnsStreamProtocol } from '../../../src/proto/dns/index.js';
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../../src/flow/index.js';
import { TO_CLIENT, TO_SERVER } from '../../../src/flow/index.js';
import { buildMessage, ipv4, tcpFrame } from './dns-builder.js';
import { RecordCollector } from './collect-records.js';

const query = (id: number, name: string) =>
  buildMessage({ id, flags: 0x0100, questions: [{ name, type: 1 }] });
const answer = (id: number, name: string, ip: string) =>
  buildMessage({
    id,
    flags: 0x8180,
    questions: [{ name, type: 1 }],
    answers: [{ name, type: 1, rdata: ipv4(ip) }],
  });

test('UDP probe: by content on any port, rejects non-DNS', () => {
  const q = query(1, 'example.org');
  assert.equal(dnsDatagramProtocol.probe(TO_SERVER, q, 0, q.length, 40000, 9999), PROBE_MATCH);
  const a = answer(1, 'example.org', '1.2.3.4');
  assert.equal(dnsDatagramProtocol.probe(TO_CLIENT, a, 0, a.length, 53, 40000), PROBE_MATCH);
  const junk = [
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    Buffer.from('16030100a5010000a10303', 'hex'),
    Buffer.alloc(40, 0),
    Buffer.alloc(40, 0xff),
    Buffer.from('0123456789'),
  ];
  for (const j of junk)
    assert.equal(dnsDatagramProtocol.probe(TO_SERVER, j, 0, j.length, 40000, 9999), PROBE_NO);
  // Counts the message cannot hold.
  const lying = Buffer.from(q);
  lying.writeUInt16BE(200, 6);
  assert.equal(dnsDatagramProtocol.probe(TO_SERVER, lying, 0, lying.length, 40000, 53), PROBE_NO);
});

test('TCP probe: length prefix, needs more when a segment cuts the first question', () => {
  const f = tcpFrame(query(2, 'a-rather-long-name.example.com'));
  assert.equal(dnsStreamProtocol.probe(TO_SERVER, f, 0, f.length, 40000, 53), PROBE_MATCH);
  assert.equal(dnsStreamProtocol.probe(TO_SERVER, f, 0, 1, 40000, 53), PROBE_NEED_MORE);
  assert.equal(dnsStreamProtocol.probe(TO_SERVER, f, 0, 20, 40000, 53), PROBE_NEED_MORE);
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
  assert.equal(dnsStreamProtocol.probe(TO_SERVER, http, 0, http.length, 40000, 80), PROBE_NO);
});

test('UDP parser: every message is a transaction numbered in arrival order (Suricata tx_id)', () => {
  const c = new RecordCollector();
  const p = dnsDatagramProtocol.create(c);
  const q = query(10, 'one.test');
  const a = answer(10, 'one.test', '10.1.1.1');
  const q2 = query(11, 'two.test');
  const stray = answer(99, 'x.test', '10.9.9.9');
  p.onDatagram(TO_SERVER, q, 0, q.length, 1);
  p.onDatagram(TO_SERVER, q2, 0, q2.length, 2);
  p.onDatagram(TO_CLIENT, a, 0, a.length, 3);
  p.onDatagram(TO_CLIENT, stray, 0, stray.length, 4);
  p.onEnd(5);
  const dns = c.of('dns').map((r) => [r.dns.id, r.dns.isResponse, r.dns.txId]);
  assert.deepEqual(dns, [
    [10, false, 0],
    [11, false, 1],
    [10, true, 2],
    [99, true, 3],
  ]);
  assert.deepEqual(
    c.records.map((r) => r.tsUs),
    [1, 2, 3, 4],
  );
});

test('TCP parser: several messages per segment, messages split in 1-byte chunks, same result', () => {
  const client = tcpFrame(query(1, 'a.test'), query(2, 'b.test'), query(3, 'c.test'));
  const server = tcpFrame(
    answer(1, 'a.test', '1.1.1.1'),
    answer(2, 'b.test', '2.2.2.2'),
    answer(3, 'c.test', '3.3.3.3'),
  );
  const expected = [
    'q1 a.test',
    'q2 b.test',
    'q3 c.test',
    'r1 a.test 1.1.1.1',
    'r2 b.test 2.2.2.2',
    'r3 c.test 3.3.3.3',
  ];
  for (const step of [client.length, 1, 2, 3, 7, 13]) {
    const c = new RecordCollector();
    const p = dnsStreamProtocol.create(c);
    for (let i = 0; i < client.length; i += step)
      p.onData(TO_SERVER, client, i, Math.min(step, client.length - i), i);
    for (let i = 0; i < server.length; i += step)
      p.onData(TO_CLIENT, server, i, Math.min(step, server.length - i), i);
    p.onEnd(0);
    const got = c
      .of('dns')
      .map(
        (r) =>
          `${r.dns.isResponse ? 'r' : 'q'}${r.dns.id} ${r.dns.questions[0].name}${r.dns.answers[0] ? ' ' + r.dns.answers[0].data : ''}`,
      );
    assert.deepEqual(got, expected, `chunk size ${step}`);
    assert.equal(c.of('anomaly').length, 0);
    assert.ok(c.of('dns').every((r) => r.dns.transport === 'tcp'));
  }
});

test('TCP parser: a gap drops the cut message and resumes on the next frame', () => {
  const c = new RecordCollector();
  const p = dnsStreamProtocol.create(c);
  const m1 = tcpFrame(query(1, 'a.test'));
  const m2 = tcpFrame(query(2, 'b.test'));
  p.onData(TO_SERVER, m1, 0, 10, 1);
  p.onGap(TO_SERVER, m1.length - 10, 2);
  p.onData(TO_SERVER, m2, 0, m2.length, 3);
  p.onEnd(4);
  assert.deepEqual(
    c.of('dns').map((r) => r.dns.id),
    [2],
  );
});

test('TCP parser: a stream ending inside a message is reported', () => {
  const c = new RecordCollector();
  const p = dnsStreamProtocol.create(c);
  const m = tcpFrame(query(1, 'a.test'));
  p.onData(TO_SERVER, m, 0, m.length - 3, 1);
  p.onEnd(2);
  assert.equal(c.of('dns').length, 0);
  assert.equal(c.of('anomaly')[0].anomaly.event, 'dns.malformed_data');
});
