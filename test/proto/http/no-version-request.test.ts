/**
 * A request line without an HTTP version followed by header fields (suricata-verify http-not09, a real capture):
 * the fields are read as HTTP/1.x headers, so `http.header_names` and the user agent are there as Suricata has
 * them (its expected output: http_user_agent "myscript"), and libhtp's REQUEST_LINE_MISSING_PROTOCOL is logged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../../src/detect/index.js';

const PCAP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'http-not09',
  'input.pcap',
);

test(
  'no-version request line: header names, user agent and the anomaly, as Suricata 8',
  { skip: existsSync(PCAP) ? false : 'needs ../shared/corpus' },
  async () => {
    const { rules } = parseRules(
      'alert http any any -> any any (flow:to_server; http.header_names; content:"|0d 0a|User-Agent|0d 0a|"; sid:1;)\n',
      'inline',
    );
    const { events } = await analyzeToEvents(PCAP, {
      inspectors: [new RuleInspector(new RuleMatcher(rules, {}), true)],
    });
    const http = events.filter((e) => e.event_type === 'http');
    assert.equal(http.length, 1);
    assert.equal((http[0].http as { http_user_agent?: string }).http_user_agent, 'myscript');
    assert.equal(events.filter((e) => e.event_type === 'alert').length, 1);
    const an = events
      .filter((e) => e.event_type === 'anomaly')
      .map((e) => (e.anomaly as { event: string }).event);
    assert.deepEqual(an, ['REQUEST_LINE_MISSING_PROTOCOL']);
  },
);
