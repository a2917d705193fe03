/**
 * With the alert output's `packet: yes`, an alert raised on an HTTP transaction carries `packet`/`packet_info` of
 * the capture packet under inspection, as Suricata's EvePacket writes it for every alert: the frame (checked against
 * tshark's bytes of that frame number) and its link type (C_HDLC, LINUX_SLL2 as the suricata-verify tests expect).
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

interface AlertEvent {
  pcap_cnt?: number;
  tx_id?: number;
  packet?: string;
  packet_info?: { linktype: number; linktype_name?: string };
}

async function alerts(pcap: string, rule: string, packet: boolean): Promise<AlertEvent[]> {
  const { rules, errors } = parseRules(rule, 'test.rules');
  assert.deepEqual(errors, []);
  const { events } = await analyzeToEvents(pcap, {
    inspectors: [new RuleInspector(new RuleMatcher(rules), true)],
    alertOutput: { packet },
  });
  return (events as EveEvent[]).filter((e) => e.event_type === 'alert') as AlertEvent[];
}

/** tshark's raw bytes of one frame, as hex (`-x` puts them in the JSON as frame_raw). */
function frameHex(pcap: string, frame: number): string {
  const out = spawnSync('tshark', ['-r', pcap, '-Y', `frame.number == ${frame}`, '-T', 'json', '-x'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  }).stdout;
  const [pkt] = JSON.parse(out) as Array<{ _source: { layers: { frame_raw: [string, ...unknown[]] } } }>;
  return pkt._source.layers.frame_raw[0];
}

for (const [name, pcap, rule, linktype, linktypeName] of [
  [
    'C_HDLC',
    `${SV}/decode-chdlc-01/hdlc-http_1tx.pcap`,
    'alert http any any -> any any (http.method; content:"GET"; sid:666;)',
    104,
    'C_HDLC',
  ],
  [
    'LINUX_SLL2',
    `${SV}/decode-sll2-02/input.pcap`,
    'alert http any any -> any any (flow:established, to_server; http.uri; content:"/testing"; sid:1;)',
    276,
    'LINUX_SLL2',
  ],
] as const) {
  test(`a transaction's alert carries the inspected ${name} frame as packet/packet_info`, async (t) => {
    if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
    if (!hasTshark()) return t.skip('tshark not installed');
    const got = await alerts(pcap, rule, true);
    assert.equal(got.length, 1);
    const a = got[0];
    assert.ok(a.tx_id !== undefined, 'the alert is a transaction alert');
    assert.deepEqual(a.packet_info, { linktype, linktype_name: linktypeName });
    assert.ok(a.pcap_cnt !== undefined && a.pcap_cnt > 0);
    const hex = frameHex(pcap, a.pcap_cnt);
    assert.ok(hex.length > 0, 'tshark has the frame');
    assert.equal(Buffer.from(a.packet ?? '', 'base64').toString('hex'), hex);
    // Off by default, as in Suricata.
    const plain = await alerts(pcap, rule, false);
    assert.equal(plain.length, 1);
    assert.equal(plain[0].packet, undefined);
    assert.equal(plain[0].packet_info, undefined);
  });
}
