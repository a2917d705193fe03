/** The rule engine on app records and packets: prefilter + full match, direction, flowbits, thresholds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { parseIp } from '../../src/address/index.js';
import type { FlowView } from '../../src/flow/types.js';
import type { AppRecord } from '../../src/proto/app-layer.js';
import { testFlow } from './flow-fixture.js';

function flow(over: Partial<FlowView> = {}): FlowView {
  return testFlow({ appProto: 'tls', ...over });
}

function tlsRecord(sni: string, ja3 = '00000000000000000000000000000000'): AppRecord {
  return {
    type: 'tls',
    tls: {
      client: {
        version: 0x303,
        ciphers: [],
        extensions: [],
        sni,
        alpns: [],
        supportedVersions: [],
        groups: [],
        ecPointFormats: [],
        signatureAlgorithms: [],
        sessionIdLength: 0,
        offersResumption: false,
        sslv2Compat: false,
      },
      helloRetryRequest: false,
      serverCertificates: [],
      clientCertificates: [],
      resumed: false,
      versionName: 'TLS 1.2',
      ja3: { string: '', hash: ja3 },
      complete: true,
    },
  };
}

const RULES = `
alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"bad sni"; tls.sni; content:"evil.example"; endswith; nocase; sid:10;)
alert tls any any -> any any (msg:"ja3"; ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865"; sid:11;)
alert tls any any -> any any (msg:"tls 1.0"; tls.version:1.0; sid:12;)
alert tcp any any -> any 80 (msg:"payload"; flow:to_server,established; content:"/admin"; http_uri; sid:13;)
alert tcp any any -> any any (msg:"raw"; flow:to_server; content:"SECRET"; sid:14;)
alert tcp any any -> any any (msg:"set"; content:"LOGIN"; flowbits:set,login; flowbits:noalert; sid:15;)
alert tcp any any -> any any (msg:"after login"; content:"PASS"; flowbits:isset,login; sid:16;)
alert tcp any any -> any any (msg:"limited"; content:"PING"; threshold:type limit, track by_src, count 2, seconds 60; sid:17;)
`;

function packet(payload: string, tsUs = 1_000_000): DecodedPacket {
  const p = new DecodedPacket();
  p.buf = Buffer.from(payload, 'latin1');
  p.payloadOff = 0;
  p.payloadLen = p.buf.length;
  p.proto = 6;
  p.tcpFlags = 0x18;
  p.tsUs = tsUs;
  return p;
}

test('app-layer rules: sticky buffers, address variables, tls.version', () => {
  const { rules, errors } = parseRules(RULES, 't.rules');
  assert.deepEqual(errors, []);
  const e = new RuleMatcher(rules);
  const f = flow();
  assert.deepEqual(
    e.onAppRecord(f, tlsRecord('www.EVIL.example'), 1)?.map((m) => m.rule.sid),
    [10],
  );
  assert.equal(e.onAppRecord(f, tlsRecord('evil.example.org'), 1), undefined);
  // The reverse orientation: the client is outside $HOME_NET, so the first rule does not apply.
  const inbound = flow({ src: parseIp('203.0.113.9')!.words, dst: parseIp('10.0.0.5')!.words });
  assert.equal(e.onAppRecord(inbound, tlsRecord('evil.example'), 1), undefined);
  assert.deepEqual(
    e.onAppRecord(f, tlsRecord('ok.example', 'e7d705a3286e19ea42f587b344ee6865'), 1)?.map((m) => m.rule.sid),
    [11],
  );
  const old = tlsRecord('ok.example');
  if (old.type === 'tls') old.tls.versionName = 'TLSv1';
  assert.deepEqual(
    e.onAppRecord(f, old, 1)?.map((m) => m.rule.sid),
    [12],
  );
});

test('packet rules: direction, flowbits across packets, thresholds on packet time, no content match on TLS ciphertext', () => {
  const { rules } = parseRules(RULES, 't.rules');
  const e = new RuleMatcher(rules);
  const f = flow({ appProto: 'unknown', dstPort: 9000 });
  assert.deepEqual(
    e.onPacket(f, 0, packet('xx SECRET yy'))?.map((m) => m.rule.sid),
    [14],
  );
  assert.equal(e.onPacket(f, 1, packet('xx SECRET yy')), undefined, 'flow:to_server');
  assert.equal(e.onPacket(f, 0, packet('PASS x')), undefined, 'login not yet seen');
  assert.equal(e.onPacket(f, 0, packet('LOGIN bob')), undefined, 'noalert');
  assert.deepEqual(
    e.onPacket(f, 0, packet('PASS x'))?.map((m) => m.rule.sid),
    [16],
  );
  assert.equal(
    e.onPacket(flow({ id: 2, appProto: 'unknown' }), 0, packet('PASS x')),
    undefined,
    'flowbits are per flow',
  );
  const pings = [1, 2, 3, 4].map((i) => e.onPacket(f, 0, packet('PING', i * 1e6))?.length ?? 0);
  assert.deepEqual(pings, [1, 1, 0, 0]);
  assert.equal(e.onPacket(f, 0, packet('PING', 100e6))?.length, 1, 'a new window');
  // TLS application data (record type 23) is ciphertext: never content-matched.
  const tls = flow({ appProto: 'tls' });
  assert.equal(e.onPacket(tls, 0, packet('\x17\x03\x03\x00\x10SECRET')), undefined);
});

test('20,000 content rules: the prefilter evaluates only rules whose pattern occurs', () => {
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++)
    lines.push(
      `alert tcp any any -> any any (msg:"r${i}"; content:"pattern-${i.toString(36)}-x"; sid:${100 + i};)`,
    );
  const { rules, errors } = parseRules(lines.join('\n'), 'gen.rules');
  assert.equal(errors.length, 0);
  const e = new RuleMatcher(rules);
  const f = flow({ appProto: 'unknown' });
  assert.equal(e.onPacket(f, 0, packet('nothing to see here '.repeat(50))), undefined);
  assert.deepEqual(
    e
      .onPacket(f, 0, packet('xx pattern-abc-x yy pattern-3-x'))
      ?.map((m) => m.rule.sid)
      .sort(),
    [103, 100 + parseInt('abc', 36)].sort(),
  );
});

test('the prefilter folds ASCII case only: literals that differ in a byte above 0x7f stay apart', () => {
  // Latin-1 case folding once merged |C0|AB and |E0|ab into one pattern, so the first rule was never evaluated.
  const { rules } = parseRules(
    `alert tcp any any -> any any (msg:"c0"; content:"|C0|AB"; sid:21;)
alert tcp any any -> any any (msg:"e0"; content:"|E0|ab"; sid:22;)
alert tcp any any -> any any (msg:"ascii"; content:"XyZ"; nocase; sid:23;)`,
    't.rules',
  );
  const e = new RuleMatcher(rules);
  const f = flow({ appProto: 'unknown' });
  assert.deepEqual(
    e.onPacket(f, 0, packet('..\xc0AB..'))?.map((m) => m.rule.sid),
    [21],
  );
  assert.deepEqual(
    e.onPacket(f, 0, packet('..\xe0ab..'))?.map((m) => m.rule.sid),
    [22],
  );
  assert.deepEqual(
    e.onPacket(f, 0, packet('..xYz..'))?.map((m) => m.rule.sid),
    [23],
  );
});
