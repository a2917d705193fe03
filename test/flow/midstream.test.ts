/**
 * `midstream: false` (Suricata's default stream.midstream): a TCP flow whose first packet is not a SYN is counted
 * but never parsed nor established; the default (true) picks it up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';

// Two HTTP connections: one starts with its handshake, the other (port 3371) mid-connection.
const PCAP = '../shared/corpus/suricata-verify/tests/http-protocol-inspect-v2/http.pcap';

test('midstream pickup on and off', async (t) => {
  if (!existsSync(PCAP)) {
    t.skip(`${PCAP} absent`);
    return;
  }
  const on = (await analyzeToEvents(PCAP)).events;
  const off = (await analyzeToEvents(PCAP, { flow: { midstream: false } })).events;
  const http = (evs: typeof on): number[] =>
    evs.filter((e) => e.event_type === 'http').map((e) => e.src_port as number);
  assert.deepEqual(http(on).sort(), [3371, 3372]);
  assert.deepEqual(http(off), [3372]);
  const mid = off.find((e) => e.event_type === 'flow' && e.src_port === 3371) as
    { flow: { state: string }; app_proto?: string } | undefined;
  assert.ok(mid, 'the midstream flow is still recorded');
  assert.equal(mid.flow.state, 'new');
  assert.equal(mid.app_proto, undefined);
});
