import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDnsMessage } from '../../../src/proto/dns/message.js';
import { buildMessage, DnsBuilder, ipv4 } from './dns-builder.js';

const A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  PTR = 12,
  MX = 15,
  TXT = 16,
  AAAA = 28,
  SRV = 33,
  OPT = 41,
  DS = 43;

test('query: header fields, question, no anomalies', () => {
  const buf = buildMessage({ id: 0x1234, flags: 0x0100, questions: [{ name: 'www.example.com', type: A }] });
  const r = parseDnsMessage(buf, 0, buf.length, 'udp');
  assert.equal(r.anomalies, undefined);
  const m = r.message!;
  assert.equal(m.id, 0x1234);
  assert.equal(m.isResponse, false);
  assert.equal(m.opcode, 0);
  assert.equal(m.rcode, 'NOERROR');
  assert.deepEqual(m.questions, [{ name: 'www.example.com', type: 1, typeName: 'A', qclass: 1 }]);
  assert.equal(m.truncated, false);
});

test('response: every presented type, compressed names, authorities and additionals', () => {
  const buf = buildMessage({
    id: 7,
    flags: 0x8180,
    questions: [{ name: 'www.example.com', type: A }],
    answers: [
      { name: 'www.example.com', type: CNAME, ttl: 60, rdata: (b) => b.name('web.example.com') },
      { name: 'web.example.com', type: A, ttl: 30, rdata: ipv4('93.184.216.34') },
      { name: 'web.example.com', type: AAAA, rdata: Buffer.from('20010db8000000000000000000000001', 'hex') },
      { name: 'example.com', type: MX, rdata: (b) => b.u16(10).name('mail.example.com') },
      { name: 'example.com', type: TXT, rdata: Buffer.from('\x06v=spf1\x04 -al', 'latin1') },
      { name: 'example.com', type: NS, rdata: (b) => b.name('ns1.example.com') },
      { name: '34.216.184.93.in-addr.arpa', type: PTR, rdata: (b) => b.name('web.example.com') },
      {
        name: '_sip._udp.example.com',
        type: SRV,
        rdata: (b) => b.u16(20).u16(1).u16(5060).name('sip.example.com'),
      },
      { name: 'example.com', type: DS, rdata: Buffer.from('abcd0801', 'hex') },
    ],
    authorities: [
      {
        name: 'example.com',
        type: SOA,
        ttl: 899,
        rdata: (b) =>
          b
            .name('ns1.example.com')
            .name('hostmaster.example.com')
            .u32(1)
            .u32(7200)
            .u32(900)
            .u32(1209600)
            .u32(86400),
      },
    ],
    additionals: [{ name: '', type: OPT, rclass: 1232, ttl: 0, rdata: Buffer.alloc(0) }],
  });
  const r = parseDnsMessage(buf, 0, buf.length, 'udp');
  assert.equal(r.anomalies, undefined, JSON.stringify(r.anomalies));
  const m = r.message!;
  assert.equal(m.isResponse, true);
  const data = m.answers.map((a) => [a.name, a.typeName, a.ttl, a.data]);
  assert.deepEqual(data, [
    ['www.example.com', 'CNAME', 60, 'web.example.com'],
    ['web.example.com', 'A', 30, '93.184.216.34'],
    ['web.example.com', 'AAAA', 300, '2001:db8::1'],
    ['example.com', 'MX', 300, 'mail.example.com'],
    ['example.com', 'TXT', 300, 'v=spf1 -al'],
    ['example.com', 'NS', 300, 'ns1.example.com'],
    ['34.216.184.93.in-addr.arpa', 'PTR', 300, 'web.example.com'],
    ['_sip._udp.example.com', 'SRV', 300, '20 1 5060 sip.example.com'],
    ['example.com', 'DS', 300, 'abcd0801'],
  ]);
  assert.equal(m.answers[3].preference, 10);
  assert.deepEqual(m.answers[4].txt, ['v=spf1', ' -al']);
  assert.deepEqual(m.answers[7].srv, { priority: 20, weight: 1, port: 5060, name: 'sip.example.com' });
  assert.deepEqual(m.authorities[0].soa, {
    mname: 'ns1.example.com',
    rname: 'hostmaster.example.com',
    serial: 1,
    refresh: 7200,
    retry: 900,
    expire: 1209600,
    minimum: 86400,
  });
  assert.equal(m.additionals[0].typeName, 'OPT');
  assert.equal(m.additionals[0].rclass, 1232);
});

test('rcode mnemonics, and the OPT record extends the rcode (RFC 6891)', () => {
  for (const [code, name] of [
    [1, 'FORMERR'],
    [2, 'SERVFAIL'],
    [3, 'NXDOMAIN'],
    [4, 'NOTIMP'],
    [5, 'REFUSED'],
  ] as const) {
    const buf = buildMessage({ id: 1, flags: 0x8180 | code, questions: [{ name: 'x.test', type: A }] });
    assert.equal(parseDnsMessage(buf, 0, buf.length, 'udp').message!.rcode, name);
  }
  // BADVERS = 16: header rcode 0, OPT extended rcode 1.
  const buf = buildMessage({
    id: 1,
    flags: 0x8180,
    questions: [{ name: 'x.test', type: A }],
    additionals: [{ name: '', type: OPT, rclass: 512, ttl: 0x01000000, rdata: Buffer.alloc(0) }],
  });
  const m = parseDnsMessage(buf, 0, buf.length, 'udp').message!;
  assert.equal(m.rcodeValue, 16);
  assert.equal(m.rcode, 'BADVERS');
});

test('unknown types print as TYPEnn with hex rdata', () => {
  const buf = buildMessage({
    id: 1,
    flags: 0x8180,
    questions: [{ name: 'example.net', type: 65534 }],
    answers: [{ name: 'example.net', type: 65534, rdata: Buffer.from([0x08, 0x8a, 0x5c, 0, 0]) }],
  });
  const m = parseDnsMessage(buf, 0, buf.length, 'udp').message!;
  assert.equal(m.questions[0].typeName, 'TYPE65534');
  assert.equal(m.answers[0].data, '088a5c0000');
});

test('a compression loop is an anomaly, not a hang or a throw', () => {
  const b = new DnsBuilder();
  b.u16(1).u16(0x8180).u16(1).u16(1).u16(0).u16(0);
  b.name('loop.test').u16(1).u16(1);
  // Answer name: a pointer to itself (offset of this pointer).
  const at = b.length;
  b.u16(0xc000 | at)
    .u16(1)
    .u16(1)
    .u32(5)
    .u16(4)
    .raw([1, 2, 3, 4]);
  const buf = b.toBuffer();
  const r = parseDnsMessage(buf, 0, buf.length, 'udp');
  assert.equal(r.message!.truncated, true);
  assert.equal(r.anomalies![0].event, 'dns.infinite_loop');
});

test('a forward pointer is legal', () => {
  // The question name is a pointer to a name stored after it (Suricata's dns-forward-pointer case).
  const b2 = new DnsBuilder();
  b2.u16(9).u16(0x0100).u16(1).u16(0).u16(0).u16(0);
  b2.u16(0xc000 | 18)
    .u16(1)
    .u16(1); // bytes 12..17; name at 18
  b2.name('codemonkey.net', false);
  const buf2 = b2.toBuffer();
  const m = parseDnsMessage(buf2, 0, buf2.length, 'udp').message!;
  assert.equal(m.questions[0].name, 'codemonkey.net');
});

test('truncated messages keep what was read and report it', () => {
  const full = buildMessage({
    id: 3,
    flags: 0x8180,
    questions: [{ name: 'a.example', type: A }],
    answers: [{ name: 'a.example', type: A, rdata: ipv4('10.0.0.1') }],
  });
  for (let cut = 0; cut < full.length; cut++) {
    const r = parseDnsMessage(full, 0, cut, 'udp');
    if (cut < 12) {
      assert.equal(r.message, undefined);
      assert.equal(r.anomalies![0].event, 'dns.malformed_data');
      continue;
    }
    assert.ok(r.anomalies && r.anomalies.length > 0, `cut at ${cut} must be reported`);
    if (r.message) assert.equal(r.message.truncated, true);
  }
  // A query whose question is cut carries nothing to log.
  const q = buildMessage({ id: 3, flags: 0x0100, questions: [{ name: 'a.example', type: A }] });
  assert.equal(parseDnsMessage(q, 0, q.length - 3, 'udp').message, undefined);
});

test('bad A/AAAA lengths and names with non-printable bytes', () => {
  const buf = buildMessage({
    id: 4,
    flags: 0x8180,
    questions: [{ name: 'we\x01ird.test', type: A }],
    answers: [{ name: 'x.test', type: A, rdata: Buffer.from([1, 2, 3]) }],
  });
  const r = parseDnsMessage(buf, 0, buf.length, 'udp');
  assert.equal(r.message!.questions[0].name, 'we\u0001ird.test');
  assert.equal(r.message!.answers[0].data, '010203');
  assert.equal(r.anomalies![0].event, 'dns.malformed_data');
});

test('header flags: Z bit and unassigned opcodes are reported', () => {
  const z = buildMessage({ id: 5, flags: 0x0140, questions: [{ name: 'z.test', type: A }] });
  assert.deepEqual(
    parseDnsMessage(z, 0, z.length, 'udp').anomalies!.map((a) => a.event),
    ['dns.z_flag_set'],
  );
  const op = buildMessage({ id: 5, flags: 9 << 11, questions: [{ name: 'suricata.io', type: A }] });
  const r = parseDnsMessage(op, 0, op.length, 'udp');
  assert.equal(r.message!.opcode, 9);
  assert.deepEqual(
    r.anomalies!.map((a) => a.event),
    ['dns.invalid_opcode'],
  );
});

test('names longer than 1,025 characters are cut and flagged, and the walk goes on', () => {
  const labels = Array.from({ length: 40 }, (_, i) => `label${String(i).padStart(2, '0')}-${'x'.repeat(40)}`);
  const long = labels.join('.');
  const buf = buildMessage({
    id: 8,
    flags: 0x8180,
    questions: [{ name: long, type: 1 }],
    answers: [{ name: long, type: 1, rdata: ipv4('10.0.0.8') }],
  });
  const r = parseDnsMessage(buf, 0, buf.length, 'tcp');
  const m = r.message!;
  assert.equal(m.questions[0].name.length, 1025);
  assert.equal(m.questions[0].nameTruncated, true);
  assert.equal(m.answers[0].nameTruncated, true);
  assert.equal(m.answers[0].data, '10.0.0.8');
});

test('text is written the way Suricata writes raw bytes: UTF-8 kept, other high bytes as \\xNN', () => {
  const buf = buildMessage({
    id: 9,
    flags: 0x8180,
    questions: [{ name: 'x.test', type: 16 }],
    answers: [
      { name: 'x.test', type: 16, rdata: Buffer.from([5, 0x63, 0x61, 0x66, 0xc3, 0xa9]) },
      { name: 'x.test', type: 10, rdata: Buffer.from([0x56, 0x03, 0xc5, 0xe9, 0x01]) },
    ],
  });
  const m = parseDnsMessage(buf, 0, buf.length, 'udp').message!;
  assert.equal(m.answers[0].data, 'café');
  assert.equal(m.answers[1].data, 'V\u0003\\xc5\\xe9\u0001');
});
