/**
 * DNS detection ports (`app-layer.protocols.dns[.tcp|.udp].detection-ports.dp`) and the name events Suricata 8
 * raises (dns.name_too_long, dns.too_many_labels). On suricata-verify's dns-truncated-rname capture (DNS over TCP
 * port 1053, 1,500 questions of 1,025+ characters) the expected DNS record is the test's own: one request event at
 * pcap_cnt 8 whose first query is cut to 1,025 characters and flagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { applyStreamSetting, type FlowTrackerOptions } from '../../src/flow/index.js';
import { parseDnsMessage } from '../../src/proto/dns/message.js';
import { probeDnsMessage } from '../../src/proto/dns/probe.js';
import { PROBE_MATCH, PROBE_NO } from '../../src/flow/index.js';

const PCAP = join(
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'dns',
  'dns-truncated-rname',
  'poc2.pcap',
);

test('detection-ports settings', () => {
  const o: FlowTrackerOptions = {};
  assert.equal(applyStreamSetting('app-layer.protocols.dns.tcp.detection-ports.dp=1053', o), true);
  assert.deepEqual(o.detectionPorts, { tcp: { dns: [1053] } });
  applyStreamSetting('app-layer.protocols.dns.detection-ports.dp=[53, 5353]', o);
  assert.deepEqual(o.detectionPorts, { tcp: { dns: [53, 5353] }, udp: { dns: [53, 5353] } });
  assert.throws(
    () => applyStreamSetting('app-layer.protocols.dns.udp.detection-ports.dp=any', o),
    /expected ports such as 53/,
  );
});

test(
  'dns-truncated-rname: DNS on a configured TCP port, names cut and flagged',
  { skip: !existsSync(PCAP) },
  async () => {
    const run = async (flow: FlowTrackerOptions): Promise<Array<Record<string, unknown>>> =>
      (await analyzeToEvents(PCAP, { flow: { midstream: false, midstreamPolicy: 'ignore', ...flow } }))
        .events as Array<Record<string, unknown>>;
    // Port 1053 is no DNS port, and 1,500 questions of 1 KB names are no real query: content probing declines.
    assert.equal((await run({})).filter((e) => e.event_type === 'dns').length, 0);
    const ev = await run({ detectionPorts: { tcp: { dns: [1053] } } });
    const dns = ev.filter((e) => e.event_type === 'dns');
    assert.equal(dns.length, 1);
    assert.equal(dns[0].pcap_cnt, 8);
    const q = (dns[0].dns as { queries: Array<{ rrname: string; rrname_truncated?: boolean }> }).queries[0];
    assert.equal(q.rrname.length, 1025);
    assert.equal(q.rrname_truncated, true);
    const events = ev
      .filter((e) => e.event_type === 'anomaly')
      .map((e) => (e.anomaly as { event: string }).event);
    assert.ok(events.includes('name_too_long'), events.join());
  },
);

/** A query whose one question is a pointer to a name of `labels` one-letter labels placed after the question. */
function pointerQuery(labels: number): Buffer {
  const header = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const question = Buffer.from([0xc0, 12 + 6, 0, 1, 0, 1]);
  const name = Buffer.alloc(labels * 2 + 1);
  for (let i = 0; i < labels; i++) name.set([1, 0x61], i * 2);
  return Buffer.concat([header, question, name]);
}

test('too_many_labels: more than 255 labels and pointers; without a pointer the name is malformed', () => {
  const m = pointerQuery(300);
  const r = parseDnsMessage(m, 0, m.length, 'udp');
  const names = (r.anomalies ?? []).map((a) => a.event);
  assert.deepEqual(names, ['dns.name_too_long', 'dns.too_many_labels']);
  assert.equal(r.message?.questions[0].nameTruncated, true);
  const ok = pointerQuery(200);
  assert.equal(parseDnsMessage(ok, 0, ok.length, 'udp').anomalies, undefined);
});

test('a DNS port relaxes the question count and the 255-byte name walk', () => {
  const m = pointerQuery(1);
  // 20 questions announced, a 300-byte first name: no real resolver sends it, a DNS port still takes it.
  const long = Buffer.concat([
    Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 20, 0, 0, 0, 0, 0, 0]),
    Buffer.from(Array.from({ length: 5 }, () => [60, ...Buffer.alloc(60, 0x61)]).flat()),
    Buffer.from([0, 0, 1, 0, 1]),
    Buffer.alloc(20 * 5),
  ]);
  assert.equal(probeDnsMessage(long, 0, long.length, long.length, false), PROBE_NO);
  assert.equal(probeDnsMessage(long, 0, long.length, long.length, true), PROBE_MATCH);
  assert.equal(probeDnsMessage(m, 0, m.length, m.length, false), PROBE_NO);
});
