/**
 * threshold.config: the parser (every bad line named by file and line), Suricata's precedence between the file and
 * the rules' own thresholds, and the semantics on real captures against Suricata's own answers (the
 * suricata-verify threshold tests' expected alert counts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  applyThresholdConfig,
  formatThresholdError,
  parseRules,
  parseThresholdConfig,
  RuleInspector,
  RuleMatcher,
} from '../../src/detect/index.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { DetectState } from '../../src/detect/detect-state.js';
import type { Threshold } from '../../src/detect/rule.js';
import { testVars } from '../../src/detect/suricata-verify/runner.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';

const VARS = new Map(DEFAULT_VARS);
const SV = '../shared/corpus/suricata-verify/tests';

test('entries of every kind parse, with continuation lines, comments and address variables', () => {
  const cfg = parseThresholdConfig(
    [
      '# tuning',
      '',
      'threshold gen_id 1, sig_id 10, type limit, track by_src, count 1, seconds 60',
      'event_filter gen_id 1, sig_id 11, type both, track by_flow, count 5, seconds 10',
      'rate_filter gen_id 1, sig_id 12, track by_rule, count 100, seconds 60, \\',
      '  new_action drop, timeout 30',
      'suppress gen_id 1, sig_id 13',
      'suppress gen_id 0, sig_id 0, track by_either, ip [10.0.0.0/8, 192.168.1.1]',
      'suppress gen_id 1, sig_id 0, track by_dst, ip $HOME_NET',
    ].join('\n'),
    'th.config',
    VARS,
  );
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(
    cfg.entries.map((e) => [e.kind, e.gid, e.sid, e.line]),
    [
      ['threshold', 1, 10, 3],
      ['threshold', 1, 11, 4],
      ['rate_filter', 1, 12, 5],
      ['suppress', 1, 13, 7],
      ['suppress', 0, 0, 8],
      ['suppress', 1, 0, 9],
    ],
  );
  assert.deepEqual(cfg.entries[2].threshold, {
    type: 'rate_filter',
    track: 'by_rule',
    count: 100,
    seconds: 60,
    newAction: 'drop',
    timeout: 30,
  });
  assert.equal(cfg.entries[3].suppression, undefined);
  assert.equal(cfg.entries[4].suppression?.track, 'by_either');
});

test('every bad line is reported with file:line and what is wrong; good lines still parse', () => {
  const cfg = parseThresholdConfig(
    [
      'threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 60',
      'supress gen_id 1, sig_id 2',
      'threshold gen_id 1, sig_id 5, type limit',
      'threshold gen_id 1, sig_id 5, type sometimes, track by_src, count 1, seconds 60',
      'threshold gen_id 1, sig_id 5, type limit, track by_src, count 0, seconds 60',
      'rate_filter gen_id 1, sig_id 1, track by_flow, count 1, seconds 1, new_action drop, timeout 5',
      'rate_filter gen_id 1, sig_id 1, track by_src, count 1, seconds 1, new_action explode, timeout 5',
      'suppress gen_id 0, sig_id 4',
      'suppress gen_id 1, sig_id 4, track by_src, ip 1.2.3',
      'suppress gen_id 1, sig_id 4, track by_rule, ip 1.2.3.4',
      'suppress gen_id 1, sig_id 4, track by_src, ip $NOWHERE',
      'threshold gen_id 1 sig_id 5',
      'threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 60, seconds 6',
      'threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 60, colour red',
      'threshold gen_id 1, sig_id 99999999999, type limit, track by_src, count 1, seconds 60',
    ].join('\n'),
    'bad.config',
    VARS,
  );
  assert.equal(cfg.entries.length, 1);
  assert.deepEqual(cfg.errors.map(formatThresholdError), [
    "bad.config:2: 'supress' is not threshold, event_filter, rate_filter or suppress",
    'bad.config:3: threshold needs track',
    "bad.config:4: type must be limit, threshold, both, got 'sometimes'",
    'bad.config:5: count must be from 1 to 4294967295, got 0',
    "bad.config:6: track must be by_src, by_dst, by_rule, by_both, got 'by_flow'",
    "bad.config:7: new_action must be alert, drop, pass, reject, log, sdrop, got 'explode'",
    'bad.config:8: sig_id 4 needs its gen_id (0 names every generator)',
    "bad.config:9: ip: '1.2.3' is not an address, CIDR prefix, variable or group",
    "bad.config:10: track must be by_src, by_dst, by_either, got 'by_rule'",
    'bad.config:11: ip: undefined address variable $NOWHERE',
    "bad.config:12: expected 'threshold gen_id <number>, sig_id <number>, …'",
    'bad.config:13: seconds given twice',
    "bad.config:14: threshold takes type, track, count, seconds; 'colour' is not one of them",
    'bad.config:15: sig_id must be from 0 to 4294967295, got 99999999999',
  ]);
});

test("precedence: a threshold for one rule replaces the rule's own; wildcards and rate filters do not", () => {
  const { rules } = parseRules(
    [
      'alert tcp any any -> any any (content:"a"; threshold:type limit, track by_src, count 1, seconds 60; sid:1;)',
      'alert tcp any any -> any any (content:"b"; detection_filter:track by_dst, count 3, seconds 60; sid:2;)',
      'alert tcp any any -> any any (content:"c"; sid:3;)',
      'alert tcp any any -> any any (content:"d"; gid:7; sid:4;)',
    ].join('\n'),
    'p.rules',
  );
  const cfg = parseThresholdConfig(
    [
      'threshold gen_id 1, sig_id 1, type both, track by_dst, count 2, seconds 10',
      'rate_filter gen_id 1, sig_id 2, track by_src, count 1, seconds 1, new_action alert, timeout 1',
      'threshold gen_id 0, sig_id 0, type limit, track by_rule, count 9, seconds 9',
      'threshold gen_id 7, sig_id 0, type limit, track by_rule, count 5, seconds 5',
      'suppress gen_id 1, sig_id 0, track by_src, ip 10.0.0.0/8',
      'suppress gen_id 1, sig_id 3',
      'suppress gen_id 1, sig_id 77',
    ].join('\n'),
    'p.config',
    VARS,
  );
  const warnings = applyThresholdConfig(rules, cfg.entries);
  const [r1, r2, r3, r4] = rules;
  // Replaced: the file's entry, not the rule's limit.
  assert.deepEqual(
    r1.thresholds?.map((t) => [t.type, t.track, t.count]),
    [['both', 'by_dst', 2]],
  );
  // The rule's detection_filter takes precedence over the rate filter and the wildcard.
  assert.equal(r2.thresholds, undefined);
  // The all-rules wildcard reaches rules without a threshold; the gid-7 one then finds sid 4 taken.
  assert.deepEqual(
    r3.thresholds?.map((t) => [t.type, t.count]),
    [['limit', 9]],
  );
  assert.deepEqual(
    r4.thresholds?.map((t) => [t.type, t.count]),
    [['limit', 9]],
  );
  // Suppressions add to any rule of gid 1; sid 3 is silenced outright.
  assert.equal(r1.suppress?.length, 1);
  assert.equal(r4.suppress, undefined);
  assert.equal(r3.suppressAll, true);
  assert.deepEqual(warnings, [
    'p.config:2: sid 2 has its own threshold, which takes precedence over the rate_filter',
    'p.config:7: no loaded rule has gen_id 1, sig_id 77',
  ]);
});

/** The suricata-verify threshold tests whose threshold.config only alerts or passes (drop and reject need IPS). */
function thresholdCases(): string[] {
  const root = join(SV, 'threshold');
  return readdirSync(root)
    .map((t) => join(root, t))
    .filter((d) => existsSync(join(d, 'threshold.config')))
    .filter((d) => !/new_action (drop|reject)/.test(readFileSync(join(d, 'threshold.config'), 'utf8')));
}

test("semantics on real captures: alert counts equal Suricata's in the suricata-verify threshold tests", async (t) => {
  if (!existsSync(join(SV, 'threshold'))) {
    t.skip(`${SV} absent`);
    return;
  }
  const cases = thresholdCases();
  // suppress by_src/by_dst/by_either with addresses, subnets and variables; rate_filter alert/pass by src, dst,
  // pair and rule; threshold limit/both/threshold by_flow.
  assert.ok(cases.length >= 15, `${cases.length} cases`);
  for (const dir of cases) {
    const spec = parseYaml(readFileSync(join(dir, 'test.yaml'), 'utf8')) as {
      pcap: string;
      checks: Array<{ filter?: { count: number; match: Record<string, unknown> } }>;
    };
    const vars = testVars(dir);
    const rulesFile = readdirSync(dir).find((f) => f.endsWith('.rules'))!;
    const { rules, errors } = parseRules(readFileSync(join(dir, rulesFile), 'utf8'), rulesFile, vars);
    assert.deepEqual(errors, []);
    const cfg = parseThresholdConfig(readFileSync(join(dir, 'threshold.config'), 'utf8'), dir, vars);
    assert.deepEqual(cfg.errors, [], dir);
    applyThresholdConfig(rules, cfg.entries);
    const { events } = await analyzeToEvents(resolve(dir, spec.pcap), {
      inspectors: [new RuleInspector(new RuleMatcher(rules), true)],
      flow: { midstream: false },
    });
    let checked = 0;
    for (const c of spec.checks) {
      const m = c.filter?.match;
      // Alert counts only: drop events and alert.action are IPS mode's.
      if (!m || m.event_type !== 'alert' || 'alert.action' in m) continue;
      const n = events.filter(
        (e) =>
          e.event_type === 'alert' &&
          (e as unknown as { alert: { signature_id: number } }).alert.signature_id ===
            m['alert.signature_id'],
      ).length;
      assert.equal(n, c.filter!.count, `${dir}: sid ${String(m['alert.signature_id'])}`);
      checked++;
    }
    assert.ok(checked > 0, `${dir}: no alert count checked`);
  }
});

test('in-rule thresholds: track by_flow, type backoff with a multiplier, and their errors', () => {
  const load = parseRules(
    [
      'alert tcp any any -> any any (dsize:>0; threshold:type backoff, track by_flow, count 3, multiplier 2; sid:1;)',
      'alert tcp any any -> any any (dsize:>0; detection_filter:track by_flow, count 2, seconds 60; sid:2;)',
      'alert tcp any any -> any any (dsize:>0; threshold:type backoff, track by_src, count 1, multiplier 2; sid:3;)',
      'alert tcp any any -> any any (dsize:>0; threshold:type backoff, track by_flow, count 1, seconds 2; sid:4;)',
      'alert tcp any any -> any any (dsize:>0; threshold:type limit, track by_flow, count 1, multiplier 2; sid:5;)',
      'alert tcp any any -> any any (dsize:>0; threshold:type limit, track by_host, count 1, seconds 2; sid:6;)',
    ].join('\n'),
    'in.rules',
  );
  assert.deepEqual(load.rules[0].threshold, {
    type: 'backoff',
    track: 'by_flow',
    count: 3,
    seconds: 0,
    multiplier: 2,
  });
  assert.deepEqual(load.rules[1].threshold, {
    type: 'detection_filter',
    track: 'by_flow',
    count: 2,
    seconds: 60,
  });
  assert.deepEqual(
    load.errors.map((e) => `${e.line}: ${e.message}`),
    [
      '3: sid 3: threshold: type backoff needs track by_flow, got by_src',
      '4: sid 4: threshold: type backoff takes a multiplier, not seconds',
      '5: sid 5: threshold: multiplier is only for type backoff',
      "6: sid 6: threshold: track must be by_src, by_dst, by_rule, by_both or by_flow, got 'by_host'",
    ],
  );
});

test('counting in packet time: windows include their last microsecond, rate filters hold their action for the timeout', () => {
  const state = new DetectState();
  const { rules } = parseRules('alert tcp any any -> any any (content:"x"; sid:9;)', 't.rules');
  const r = rules[0];
  const S = 1e6;
  let idx = 0;
  // Each sequence has its own counter (its own threshold index on the rule).
  const seq = (t: Threshold, events: Array<[number, string?, string?, number?]>): Array<boolean | string> => {
    const i = idx++;
    return events.map(([ts, src = 'a', dst = 'b', flow = 1]) => state.threshold(r, i, t, flow, src, dst, ts));
  };
  // limit 2 per 10 s: the match at exactly start + 10 s is still in the window; the next one opens a new window.
  assert.deepEqual(
    seq({ type: 'limit', track: 'by_rule', count: 2, seconds: 10 }, [
      [0],
      [1 * S],
      [10 * S],
      [10 * S + 1],
      [11 * S],
    ]),
    [true, true, false, true, true],
  );
  // threshold 3: every third match alerts; a window that runs out starts the count over at 1.
  assert.deepEqual(
    seq({ type: 'threshold', track: 'by_src', count: 3, seconds: 10 }, [
      [0],
      [1],
      [2],
      [3],
      [4],
      [5],
      [30 * S],
      [31 * S],
      [32 * S],
    ]),
    [false, false, true, false, false, true, false, false, true],
  );
  // both: one alert per window, on the count-th match.
  assert.deepEqual(
    seq({ type: 'both', track: 'by_dst', count: 2, seconds: 5 }, [[0], [1], [2], [6 * S], [7 * S]]),
    [false, true, false, false, true],
  );
  // by_both: the pair is the same whichever side sent the packet.
  assert.deepEqual(
    seq({ type: 'limit', track: 'by_both', count: 1, seconds: 60 }, [
      [0, 'a', 'b'],
      [1, 'b', 'a'],
      [2, 'a', 'c'],
    ]),
    [true, false, true],
  );
  // by_flow: each flow counts apart.
  assert.deepEqual(
    seq({ type: 'limit', track: 'by_flow', count: 1, seconds: 60 }, [
      [0, 'a', 'b', 1],
      [1, 'a', 'b', 2],
      [2, 'a', 'b', 1],
    ]),
    [true, true, false],
  );
  // backoff 1 × 3: matches 1, 3, 9 alert.
  assert.deepEqual(
    seq(
      { type: 'backoff', track: 'by_flow', count: 1, seconds: 0, multiplier: 3 },
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => [n] as [number]),
    ),
    [true, false, true, false, false, false, false, false, true, false],
  );
  // rate_filter: past 2 matches in 10 s, drop for 5 s (whole seconds); the match that ends the timeout keeps the
  // rule's action, and the window still running counts the next one past the rate again.
  assert.deepEqual(
    seq({ type: 'rate_filter', track: 'by_src', count: 2, seconds: 10, newAction: 'drop', timeout: 5 }, [
      [0],
      [1 * S],
      [2 * S],
      [7 * S],
      [8 * S],
      [9 * S],
    ]),
    [true, true, 'drop', 'drop', true, 'drop'],
  );
});
