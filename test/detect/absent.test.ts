/**
 * `absent` (Suricata 8): `http.referer; absent;` matches a request without a Referer, `absent: or_else` also lets a
 * present buffer match its contents. On a capture without a Referer and one with (tshark says which).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';

const SV = '../shared/corpus/suricata-verify/tests';
const WITHOUT = `${SV}/detect-absent-negated-content/no_referer.pcap`;
const WITH = `${SV}/http-all-headers/input.pcap`;

const RULES = [
  'alert http any any -> any any (flow:to_server; http.referer; absent; sid:1;)',
  'alert http any any -> any any (flow:to_server; http.referer; absent: or_else; content:"ethereal"; sid:2;)',
  'alert http any any -> any any (flow:to_server; http.referer; absent: or_else; content:!"ethereal"; sid:3;)',
  'alert http any any -> any any (flow:to_server; http.uri; content:"/"; http.referer; absent: or_else; content:"nowhere"; sid:4;)',
].join('\n');

async function alerted(pcap: string): Promise<number[]> {
  const { rules, errors } = parseRules(RULES, 'a.rules');
  assert.deepEqual(errors, []);
  const { events } = await analyzeToEvents(pcap, { inspectors: [new RuleInspector(new RuleMatcher(rules))] });
  return events
    .filter((e) => e.event_type === 'alert')
    .map((e) => (e as unknown as { alert: { signature_id: number } }).alert.signature_id)
    .sort();
}

test('absent and absent: or_else on requests without and with a Referer', async (t) => {
  if (!existsSync(WITHOUT) || !existsSync(WITH)) return t.skip(`${SV} absent`);
  // No Referer: every rule passes on its absence (one request).
  assert.deepEqual(await alerted(WITHOUT), [1, 2, 3, 4]);
  // Referer "http://www.ethereal.com/development.html": only the or_else rule whose content matches.
  assert.deepEqual(await alerted(WITH), [2]);
});

test('absent: refused without a sticky buffer, after matches, with a value other than or_else, or with matches', () => {
  const errs = parseRules(
    [
      'alert http any any -> any any (absent; sid:1;)',
      'alert http any any -> any any (http.referer; content:"a"; absent; sid:2;)',
      'alert http any any -> any any (http.referer; absent: maybe; sid:3;)',
      'alert http any any -> any any (http.referer; absent; content:"a"; sid:4;)',
    ].join('\n'),
    'b.rules',
  ).errors.map((e) => e.message);
  assert.deepEqual(errs, [
    'sid 1: absent: needs a sticky buffer before it',
    'sid 2: absent: must come right after the sticky buffer, before its matches',
    "sid 3: absent: takes no value or 'or_else', got 'maybe'",
    'sid 4: absent: http.referer must be absent, yet has matches (use absent: or_else)',
  ]);
});
