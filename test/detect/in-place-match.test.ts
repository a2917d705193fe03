/**
 * Payload rules match the packet in place: offsets, depth, isdataat, byte_test, pcre anchors and endswith
 * count from the payload's start inside the frame buffer, never from the frame's; and after a TLS handshake the
 * payload is ciphertext and is not content-matched, whatever its first byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { matchBuffer } from '../../src/detect/buffer-match.js';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import type { FlowView } from '../../src/flow/types.js';
import type { AppRecord } from '../../src/proto/app-layer.js';
import { testFlow } from './flow-fixture.js';

/** A frame with 54 bytes of headers that look like payload, then the payload. */
function framed(payload: string): DecodedPacket {
  const p = new DecodedPacket();
  const head = Buffer.from('GET /x HTTP/1.1 SECRET 0000 '.padEnd(54, 'Z'), 'latin1');
  p.buf = Buffer.concat([head, Buffer.from(payload, 'latin1'), Buffer.from('TRAILER', 'latin1')]);
  p.payloadOff = head.length;
  p.payloadLen = payload.length;
  p.proto = 6;
  p.tcpFlags = 0x18;
  p.tsUs = 1e6;
  return p;
}

function flow(appProto: 'tls' | 'unknown', id = 1): FlowView {
  return testFlow({ id, appProto, bytes: [1, 1] });
}

const VARS = new Map(DEFAULT_VARS);
const ms = (opts: string) =>
  parseRule(`alert tcp any any -> any any (${opts} sid:1;)`, VARS).buffers.get('payload')!;

test('positions count from the payload start, the frame around it is invisible', () => {
  const p = framed('USER root\r\n');
  const at = (opts: string) => matchBuffer(ms(opts), p.buf, p.payloadLen, p.payloadOff);
  assert.ok(at('content:"USER"; depth:4;'));
  assert.ok(!at('content:"GET"; depth:3;'), 'the frame headers are not payload');
  assert.ok(!at('content:"SECRET";'));
  assert.ok(!at('content:"TRAILER";'), 'nor is what follows it');
  assert.ok(at('content:"root"; offset:5; depth:4;'));
  assert.ok(!at('content:"root"; offset:6;'));
  assert.ok(at('content:"|0d 0a|"; endswith;'));
  assert.ok(at('isdataat:10;') && !at('isdataat:11;'));
  assert.ok(at('content:"USER"; isdataat:7,relative;') && !at('content:"USER"; isdataat:8,relative;'));
  assert.ok(at('byte_test:1,=,0x55,0;'), "'U' at payload offset 0");
  assert.ok(at('pcre:"/^USER r/";') && !at('pcre:"/^GET/";'));
});

test('A-32: after the TLS handshake no payload is content-matched, whatever its first byte', () => {
  const { rules } = parseRules('alert tcp any any -> any 443 (msg:"x"; content:"SECRET"; sid:1;)', 't.rules');
  const e = new RuleMatcher(rules);
  const f = flow('tls');
  // Before the handshake record: plaintext (a ClientHello could carry it) is inspected.
  assert.equal(e.onPacket(f, 0, framed('..SECRET..'))?.length, 1);
  const hs: AppRecord = {
    type: 'tls',
    tls: {
      serverCertificates: [],
      clientCertificates: [],
      helloRetryRequest: false,
      resumed: false,
      versionName: 'TLS 1.3',
      complete: true,
    },
  } as unknown as AppRecord;
  e.onAppRecord(f, hs, 2e6);
  assert.equal(e.onPacket(f, 0, framed('\x17\x03\x03..SECRET')), undefined, 'a record header');
  assert.equal(e.onPacket(f, 0, framed('mid-record SECRET bytes')), undefined, 'a continuation segment');
  e.endFlow(f.id);
  assert.equal(e.onPacket(flow('unknown', 2), 0, framed('..SECRET..'))?.length, 1, 'other flows still are');
});
