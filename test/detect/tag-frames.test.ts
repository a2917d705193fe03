/**
 * Rules' `tag` and `frame` on real captures, against tshark's dissection: the packets a tag marks are the ones that
 * follow the alerting packet in its connection (session) or to and from its host, written whole as EVE `packet`
 * records; TLS record frames and DNS message frames are the records and messages tshark finds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import type { EveEvent } from '../../src/output/index.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = '../shared/corpus/suricata-verify/tests';
const SSH = `${SV}/ssh-banner-only/input.pcap`;
const TLS13 = `${SV}/tls/tls13-draft28/tls13_draft28.pcap`;
const DNS = `${SV}/dns/dns-frames/input.pcap`;

function tsharkFields(pcap: string, filter: string, fields: string[]): string[][] {
  const out = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8' },
  ).stdout;
  return out
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

async function run(pcap: string, rulesText: string, extraTypes: string[] = []): Promise<EveEvent[]> {
  const { rules, errors } = parseRules(rulesText, 'test.rules');
  assert.deepEqual(errors, []);
  const inspector = new RuleInspector(new RuleMatcher(rules), true);
  const { events } = await analyzeToEvents(pcap, {
    inspectors: [inspector],
    alertOutput: { taggedPackets: true },
    eveCustom: { extraTypes },
  });
  return events as EveEvent[];
}

test('tag:session marks the packets after the SYN in its connection, written whole', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  if (!existsSync(SSH)) return t.skip('corpus not present');
  const events = await run(SSH, 'alert tcp any any -> any any (flags:S; tag:session; sid:1;)');
  const alerts = events.filter((e) => e.event_type === 'alert');
  assert.equal(alerts.length, 1);
  const syn = Number(alerts[0].pcap_cnt);
  const [stream] = tsharkFields(SSH, `frame.number == ${syn}`, ['tcp.stream'])[0];
  const want = tsharkFields(SSH, `tcp.stream == ${stream} && frame.number > ${syn}`, [
    'frame.number',
    'frame.len',
  ]);
  const packets = events.filter((e) => e.event_type === 'packet');
  assert.deepEqual(
    packets.map((e) => [String(e.pcap_cnt), String(Buffer.from(String(e.packet), 'base64').length)]),
    want,
  );
  // Each as it travelled: the server's packets name the server as the source.
  const byNumber = new Map(
    tsharkFields(SSH, `tcp.stream == ${stream}`, ['frame.number', 'ip.src']).map(([n, s]) => [n, s]),
  );
  for (const p of packets) assert.equal(p.src_ip, byNumber.get(String(p.pcap_cnt)));
  // Without tagged-packets nothing is written.
  const { rules } = parseRules('alert tcp any any -> any any (flags:S; tag:session; sid:1;)', 'x');
  const { events: plain } = await analyzeToEvents(SSH, {
    inspectors: [new RuleInspector(new RuleMatcher(rules), true)],
  });
  assert.equal(plain.filter((e) => e.event_type === 'packet').length, 0);
});

test('tag:host counts packets to and from the host, the alerting one included', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  if (!existsSync(SSH)) return t.skip('corpus not present');
  for (const count of [5, 100]) {
    const events = await run(
      SSH,
      `alert tcp any any -> any any (flags:S; tag:host,${count},packets,dst; sid:1;)`,
    );
    const alert = events.find((e) => e.event_type === 'alert')!;
    const syn = Number(alert.pcap_cnt);
    const host = String(alert.dest_ip);
    // IP packets of the host after the SYN; the SYN is the first of the `count` counted.
    const want = tsharkFields(SSH, `ip.addr == ${host} && frame.number > ${syn}`, ['frame.number'])
      .map(([n]) => n)
      .slice(0, count - 1);
    const got = events.filter((e) => e.event_type === 'packet').map((e) => String(e.pcap_cnt));
    assert.deepEqual(got, want, `count ${count}`);
  }
});

test('TLS frames are the records tshark finds, each way in stream order; frame rules match each one', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  if (!existsSync(TLS13)) return t.skip('corpus not present');
  const events = await run(
    TLS13,
    'alert tls any any -> any any (flow:to_client; frame:tls.pdu; content:"|17 03 03|"; startswith; sid:1;)',
    ['frame'],
  );
  const frames = events.filter((e) => e.event_type === 'frame');
  const serverPort = tsharkFields(TLS13, 'tls.handshake.type == 2', ['tcp.srcport'])[0][0];
  // Per connection (the client's port) and direction: the record lengths tshark dissects, in stream order.
  const want = new Map<string, number[]>();
  for (const [sp, dp, lens] of tsharkFields(TLS13, 'tls.record.length', [
    'tcp.srcport',
    'tcp.dstport',
    'tls.record.length',
  ])) {
    const key = sp === serverPort ? `${dp} toclient` : `${sp} toserver`;
    want.set(key, [...(want.get(key) ?? []), ...lens.split(',').map(Number)]);
  }
  const got = new Map<string, Array<Record<string, unknown>>>();
  for (const e of frames) {
    const f = e.frame as Record<string, unknown>;
    if (f.type !== 'pdu') continue;
    const key =
      f.direction === 'toclient' ? `${String(e.dest_port)} toclient` : `${String(e.src_port)} toserver`;
    got.set(key, [...(got.get(key) ?? []), f]);
  }
  assert.ok(want.size >= 2);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [key, pdus] of got) {
    assert.deepEqual(
      pdus.map((f) => Number(f.length) - 5),
      want.get(key),
      key,
    );
    // Consecutive records: each starts where the one before ended.
    for (let i = 1; i < pdus.length; i++)
      assert.equal(pdus[i].stream_offset, Number(pdus[i - 1].stream_offset) + Number(pdus[i - 1].length));
  }
  // hdr frames are the 5-byte headers.
  const hdrs = frames.filter((e) => (e.frame as Record<string, unknown>).type === 'hdr');
  assert.ok(hdrs.length > 0 && hdrs.every((e) => (e.frame as Record<string, unknown>).length === 5));
  // One alert per server record of type application data (23) with version 3.3, as the bytes say.
  const toClientAppData = frames
    .map((e) => e.frame as Record<string, unknown>)
    .filter(
      (f) =>
        f.type === 'pdu' &&
        f.direction === 'toclient' &&
        Buffer.from(String(f.payload), 'base64')
          .subarray(0, 3)
          .equals(Buffer.from([0x17, 3, 3])),
    );
  const alerts = events.filter((e) => e.event_type === 'alert');
  assert.ok(toClientAppData.length > 0);
  assert.equal(alerts.length, toClientAppData.length);
  for (const a of alerts) assert.equal((a.frame as Record<string, unknown>).type, 'pdu');
});

test('DNS frames are the messages, over UDP whole and over TCP without the length prefix', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  if (!existsSync(DNS)) return t.skip('corpus not present');
  const events = await run(DNS, 'alert udp any any -> any any (frame:dns.pdu; content:"|00 00|"; sid:9;)', [
    'frame',
  ]);
  const frames = events
    .filter((e) => e.event_type === 'frame')
    .map((e) => e.frame as Record<string, unknown>);
  // tshark: the message id and length (UDP: udp.length − 8; TCP: the dns.length prefix).
  const want = tsharkFields(DNS, 'dns', ['dns.id', 'udp.length', 'dns.length']).map(([id, udp, tcp]) => ({
    id: parseInt(id, 16),
    length: udp ? Number(udp) - 8 : Number(tcp),
  }));
  assert.deepEqual(
    frames.map((f) => ({
      id: Buffer.from(String(f.payload), 'base64').readUInt16BE(0),
      length: f.length,
    })),
    want,
  );
  assert.ok(frames.every((f) => f.type === 'pdu' && f.complete === true));
});
