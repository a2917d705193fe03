/** Header buffers and tcp.mss read from packets decoded by the real decoder, and header rules end to end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { headerBuffer, tcpMss } from '../../src/detect/packet-buffers.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { HeaderRuleMatcher } from '../../src/detect/header-rules.js';
import { testFlow } from './flow-fixture.js';

const ETH4 = 'ffffffffffff000b45b3f7fc0800';
const ETH6 = 'ffffffffffff000b45b3f7fc86dd';

function decode(hex: string): DecodedPacket {
  const buf = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  const pkt = new DecodedPacket();
  new PacketDecoder().decode(buf, 0, buf.length, buf.length, 1, 1, pkt);
  return pkt;
}

// IPv4 (20 bytes) + TCP SYN with options MSS 1300, NOP, NOP, SACK-permitted (hlen 28).
const SYN =
  ETH4 +
  '4500 0030 1234 4000 4006 0000 0a000001 0a000002' +
  'c350 0050 00000001 00000000 7002 ffff 0000 0000 0204 0514 0101 0402';

test('ipv4.hdr, tcp.hdr and the MSS option', () => {
  const p = decode(SYN);
  assert.equal(headerBuffer(p, 'ipv4.hdr')?.toString('hex').slice(0, 8), '45000030');
  assert.equal(headerBuffer(p, 'ipv4.hdr')?.length, 20);
  assert.equal(headerBuffer(p, 'tcp.hdr')?.length, 28);
  assert.equal(headerBuffer(p, 'udp.hdr'), undefined);
  assert.equal(headerBuffer(p, 'ipv6.hdr'), undefined);
  assert.equal(tcpMss(p), 1300);
});

test('ipv6.hdr runs through the extension headers; udp.hdr is 8 bytes', () => {
  // IPv6, next header hop-by-hop (0), then UDP (17) with 4 bytes of payload.
  const p = decode(
    ETH6 +
      '6000 0000 0014 0040' +
      '20010db8000000000000000000000001 20010db8000000000000000000000002' +
      '1100 0000 0000 0000' +
      'c350 0035 000c 0000 61626364',
  );
  assert.equal(headerBuffer(p, 'ipv6.hdr')?.length, 48);
  assert.equal(headerBuffer(p, 'udp.hdr')?.toString('hex'), 'c3500035000c0000');
});

test('icmpv4.hdr of a router advertisement holds its address entries', () => {
  const p = decode(
    ETH4 + '4500 0024 a1dd 0000 0101 b56a 0e505442 ffffffff' + '0900 9361 0102 000a 0e505442 00000000',
  );
  assert.equal(headerBuffer(p, 'icmpv4.hdr')?.toString('hex'), '090093610102000a0e50544200000000');
});

test('header rules: matched per packet with content modifiers and tcp.mss', () => {
  const { rules, errors } = parseRules(
    [
      'alert tcp any any -> any any (tcp.hdr; content:"|02 04|"; offset:20; sid:1;)',
      'alert ip any any -> any any (ipv4.hdr; content:"|40 06|"; offset:8; depth:2; sid:2;)',
      'alert tcp any any -> any any (tcp.mss:<1400; sid:3;)',
      'alert tcp any any -> any any (tcp.mss:>1400; sid:4;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(errors, []);
  const engine = new RuleMatcher(rules);
  const flow = testFlow({
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 50000,
    dstPort: 80,
    pkts: [1, 0],
    bytes: [62, 0],
    state: 'new',
    tcpFlags: [2, 0],
  });
  const p = decode(SYN);
  const hdr = new HeaderRuleMatcher(engine).onPacket(flow, 0, p)?.map((m) => m.rule.sid);
  assert.deepEqual(hdr, [1, 2]);
  assert.deepEqual(
    engine.onPacket(flow, 0, p)?.map((m) => m.rule.sid),
    [3],
  );
});

test('ipopts, flow.pkts/flow.bytes and bsize', () => {
  const { rules, errors } = parseRules(
    [
      'alert ip any any -> any any (ipopts:rr; sid:1;)',
      'alert ip any any -> any any (ipopts:any; sid:2;)',
      'alert ip any any -> any any (flow.pkts:toserver,=1; flow.bytes:toclient,<10; sid:3;)',
      'alert ip any any -> any any (flow.pkts_toserver:2; sid:4;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(errors, []);
  // IPv4 with a record-route option (type 7, length 7) and padding to 24 bytes, then UDP.
  const p = decode(ETH4 + '4600 0020 0001 0000 4011 0000 0a000001 0a000002 07070400 c350 0035 0008 0000');
  assert.equal(headerBuffer(p, 'ipv4.hdr')?.length, 24);
  const flow = testFlow({
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 50000,
    dstPort: 53,
    proto: 17,
    pkts: [1, 0],
    bytes: [50, 0],
    state: 'new',
    tcpFlags: [0, 0],
  });
  assert.deepEqual(
    new RuleMatcher(rules).onPacket(flow, 0, p)?.map((m) => m.rule.sid),
    [1, 2, 3],
  );
  const bs = parseRules(
    [
      'alert http any any -> any any (http.user_agent; bsize:0; sid:1;)',
      'alert http any any -> any any (http.uri; bsize:<=4; sid:2;)',
      'alert http any any -> any any (http.uri; bsize:2<>5; sid:3;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(bs.errors, []);
  const e = new RuleMatcher(bs.rules);
  const http = (ua: string, uri: string): number[] =>
    (
      e.onAppRecord(
        { ...flow, proto: 6, appProto: 'http' },
        {
          type: 'http',
          http: {
            method: 'GET',
            uri,
            userAgent: ua,
            requestHeaders: [],
            requestBodyLength: 0,
            responseHeaders: [],
            responseBodyLength: 0,
            depth: 1,
          },
        },
        1,
      ) ?? []
    )
      .map((m) => m.rule.sid)
      .sort();
  assert.deepEqual(http('', '/abc'), [1, 2, 3]);
  assert.deepEqual(http('x', '/abcde'), []);
});
