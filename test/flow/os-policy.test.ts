/**
 * host-os-policy: target-based overlap resolution. The table is Suricata's IDS-mode rules (stream-tcp-list.c,
 * DoHandleDataOverlap); the capture checks are suricata-verify's eve-overlap-payload-02-policy-oldlinux and
 * eve-payload-01-tcp-exact-overlap expectations (GOOD then EVIL at the same sequence number: EVIL in the stream for
 * an old-linux receiver, GOOD for a windows one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HeldBudget, TcpReassembler, type StreamConsumer } from '../../src/flow/tcp-reassembly.js';
import {
  newDataWins,
  OsPolicyTable,
  START_AFTER,
  START_BEFORE,
  START_SAME,
  type OsPolicy,
} from '../../src/flow/os-policy.js';
import { streamOptionsOf } from '../../src/flow/index.js';
import { ConfigError } from '../../src/framework/errors.js';
import { parseIp } from '../../src/address/index.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const PCAP = '../shared/corpus/suricata-verify/tests/eve-overlap-payload-02-policy-oldlinux/tcp-overlap.pcap';
const RULES = [
  'alert tcp-stream any any -> any any (content:"EVIL"; sid:1;)',
  'alert tcp-stream any any -> any any (content:"GOOD"; sid:2;)',
  'alert tcp-pkt any any -> any any (content:"EVIL"; sid:3;)',
  'alert tcp-pkt any any -> any any (content:"GOOD"; sid:4;)',
].join('\n');

test("the overlap table: which policies take the new segment's bytes", () => {
  const wins = (start: number, end: number): OsPolicy[] =>
    (
      ['old-linux', 'linux', 'solaris', 'hpux11', 'hpux10', 'irix', 'macos', 'vista', 'old-solaris'] as const
    ).filter((p) => newDataWins(p, start, end));
  // Same start and end (an exact retransmission with other bytes).
  assert.deepEqual(wins(START_SAME, 0), ['old-linux', 'solaris', 'hpux11']);
  // Same start, longer: Linux too.
  assert.deepEqual(wins(START_SAME, 1), ['old-linux', 'linux', 'solaris', 'hpux11']);
  assert.deepEqual(wins(START_SAME, -1), []);
  // Starting before the held bytes.
  assert.deepEqual(wins(START_BEFORE, -1), ['old-linux', 'linux', 'hpux10', 'irix', 'macos']);
  assert.deepEqual(wins(START_BEFORE, 1), [
    'old-linux',
    'linux',
    'solaris',
    'hpux11',
    'hpux10',
    'irix',
    'macos',
  ]);
  // Starting after them: only Solaris and HP-UX 11 when it also ends after.
  assert.deepEqual(wins(START_AFTER, 1), ['solaris', 'hpux11']);
  assert.deepEqual(wins(START_AFTER, 0), []);
});

test('the most specific prefix names the receiver; bsd and windows are left to the first-wins reassembly', () => {
  const t = new OsPolicyTable({ windows: ['0.0.0.0/0'], 'old-linux': ['2.2.2.0/24'], solaris: ['2.2.2.2'] });
  assert.equal(t.policyOf(parseIp('2.2.2.2').words), 'solaris');
  assert.equal(t.policyOf(parseIp('2.2.2.3').words), 'old-linux');
  assert.equal(t.policyOf(parseIp('9.9.9.9').words), undefined);
  assert.equal(t.policyOf(parseIp('2001:db8::1').words), undefined);
  const o = streamOptionsOf(['host-os-policy.old-linux=[2.2.2.2, 10.0.0.0/8]']);
  assert.deepEqual(o.hostOsPolicy, { 'old-linux': ['2.2.2.2', '10.0.0.0/8'] });
  assert.throws(() => streamOptionsOf(['host-os-policy.beos=1.2.3.4']), ConfigError);
  assert.throws(() => streamOptionsOf(['host-os-policy.linux=1.2.3.400']), /1\.2\.3\.400/);
});

class Collector implements StreamConsumer {
  out = '';
  onStreamData(_d: 0 | 1, buf: Buffer, off: number, len: number): void {
    this.out += buf.toString('latin1', off, off + len);
  }
  onStreamGap(): void {
    this.out += '[gap]';
  }
  onStreamOverlapDifferent(): void {}
}

/** Segments (seq, text) to a reassembler with `policy`, an ACK past them all, then what was delivered. */
function reassemble(policy: OsPolicy | undefined, segs: Array<[number, string]>): string {
  const c = new Collector();
  const r = new TcpReassembler(
    0,
    1 << 16,
    c,
    { tcpGaps: 0, reassemblyOverflows: 0 },
    new HeldBudget(1 << 20),
    0,
    policy,
  );
  r.startAt(100);
  for (const [seq, text] of segs) r.segment(seq, 0x10, Buffer.from(text, 'latin1'), 0, text.length, 1);
  r.acked(Math.max(...segs.map(([seq, text]) => seq + text.length)), 2);
  r.flush(3);
  return c.out;
}

test('held until acknowledged, the bytes each policy keeps', () => {
  const exact: Array<[number, string]> = [
    [100, 'GOOD'],
    [100, 'EVIL'],
  ];
  assert.equal(reassemble(undefined, exact), 'GOOD');
  assert.equal(reassemble('old-linux', exact), 'EVIL');
  assert.equal(reassemble('linux', exact), 'GOOD');
  const longer: Array<[number, string]> = [
    [100, 'GOOD'],
    [100, 'EVILS'],
  ];
  assert.equal(reassemble('linux', longer), 'EVILS');
  assert.equal(reassemble('vista', longer), 'GOODS');
  const before: Array<[number, string]> = [
    [102, 'OD'],
    [100, 'EVIL'],
  ];
  assert.equal(reassemble('macos', before), 'EVIL');
  assert.equal(reassemble('old-solaris', before), 'EVOD');
});

test('an old-linux receiver takes the second of two exact overlaps (the capture)', async (t) => {
  if (!existsSync(PCAP)) return t.skip(`${PCAP} absent`);
  const run = async (settings: string[]): Promise<number[]> => {
    const { rules } = parseRules(RULES, 'o.rules');
    const evs = (
      await analyzeToEvents(PCAP, {
        flow: streamOptionsOf(settings),
        inspectors: [new RuleInspector(new RuleMatcher(rules), true)],
      })
    ).events as Array<{ event_type: string; alert?: { signature_id: number }; pkt_src?: string }>;
    return evs
      .filter((e) => e.event_type === 'alert')
      .map((e) => e.alert!.signature_id)
      .sort();
  };
  // The packets carry both; the stream holds EVIL for an old-linux 2.2.2.2, GOOD for a windows one.
  assert.deepEqual(
    await run(['host-os-policy.windows=0.0.0.0/0', 'host-os-policy.old-linux=2.2.2.2']),
    [1, 3, 4],
  );
  assert.deepEqual(await run(['host-os-policy.windows=0.0.0.0/0']), [2, 3, 4]);
  assert.deepEqual(await run([]), [2, 3, 4]);
});
