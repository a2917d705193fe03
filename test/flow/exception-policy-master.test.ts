/**
 * The `exception-policy` master switch (suricata.yaml, or `--set exception-policy=…`) as Suricata 8's IDS mode
 * derives the midstream policy from it. Expected answers: suricata-verify's exception-policy-master-switch-05
 * (bypass with pickup on: no http, no alert, flow.state bypassed, exception_policy stream_midstream/bypass) and
 * Suricata's util-exception-policy.c for the values IDS mode ignores or refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { streamOptionsOf, type FlowTrackerOptions } from '../../src/flow/index.js';
import { ConfigError } from '../../src/framework/errors.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

// An HTTP session picked up midstream whose response carries "uid=0(root)".
const MID = '../shared/corpus/suricata-verify/tests/alert-testmyids-midstream5/input.pcap';
const RULE =
  'alert ip any any -> any any (msg:"id check returned root"; content:"uid=0|28|root|29|"; sid:2100498; rev:7;)\n';

type Ev = Record<string, unknown> & { event_type: string; flow?: Record<string, unknown> };

async function run(flow: FlowTrackerOptions): Promise<Ev[]> {
  const { rules } = parseRules(RULE, 'm.rules');
  const inspectors = [new RuleInspector(new RuleMatcher(rules), true)];
  return (await analyzeToEvents(MID, { flow, inspectors })).events as Ev[];
}
const of = (evs: Ev[], type: string): Ev[] => evs.filter((e) => e.event_type === type);

test('the master switch gives the midstream policy; a policy of its own wins; IDS mode refuses what it must', () => {
  assert.equal(streamOptionsOf(['exception-policy=bypass']).exceptionPolicy, 'bypass');
  // bypass from the master switch is valid with pickup on (only a midstream-policy of its own is checked).
  assert.doesNotThrow(() => streamOptionsOf(['stream.midstream=true', 'exception-policy=bypass']));
  assert.throws(
    () => streamOptionsOf(['stream.midstream=true', 'stream.midstream-policy=bypass']),
    ConfigError,
  );
  assert.throws(() => streamOptionsOf(['exception-policy=pass-packet']), /exception-policy=pass-packet/);
  assert.throws(() => streamOptionsOf(['exception-policy=reject']), /inline engine/);
  assert.throws(() => streamOptionsOf(['exception-policy=sometimes']), /unknown exception policy/);
});

test('exception-policy: bypass with pickup on bypasses midstream flows', async (t) => {
  if (!existsSync(MID)) return t.skip(`${MID} absent`);
  const evs = await run(streamOptionsOf(['stream.midstream=true', 'exception-policy=bypass']));
  assert.equal(of(evs, 'alert').length, 0);
  assert.equal(of(evs, 'http').length, 0);
  const f = of(evs, 'flow');
  assert.equal(f.length, 1);
  assert.equal(f[0].flow?.state, 'bypassed');
  assert.deepEqual(f[0].flow?.exception_policy, [{ target: 'stream_midstream', policy: 'bypass' }]);
});

test('drop policies from the master switch are ignored in IDS mode; a midstream-policy of its own wins', async (t) => {
  if (!existsSync(MID)) return t.skip(`${MID} absent`);
  for (const master of ['drop-flow', 'drop-packet', 'auto']) {
    const evs = await run(streamOptionsOf(['stream.midstream=true', `exception-policy=${master}`]));
    assert.equal(of(evs, 'http').length, 1, master);
    assert.ok(of(evs, 'alert').length >= 1, master);
    assert.deepEqual(of(evs, 'flow')[0].flow?.exception_policy, [
      { target: 'stream_midstream', policy: 'ignore' },
    ]);
  }
  const own = await run(
    streamOptionsOf([
      'stream.midstream=true',
      'exception-policy=bypass',
      'stream.midstream-policy=pass-flow',
    ]),
  );
  assert.equal(of(own, 'http').length, 1);
  assert.equal(of(own, 'alert').length, 0);
  assert.equal(of(own, 'flow')[0].flow?.action, 'pass');
});
