/**
 * The http logger's `dump-all-headers` (Suricata's eve-log option: request, response or both): every header of
 * the transaction as `{name, value}` in `request_headers` / `response_headers`, compared with tshark's dissection of
 * the same real capture (http.request.line / http.response.line, in order). Alerts about a transaction do not
 * carry the lists, as Suricata's do not; the option is read from a suricata.yaml `types:` entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import { eveOptionsOf } from '../../src/pipeline/index.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const PCAP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'attacks',
  'chrissanders-packets',
  'http_espn.pcapng',
);
const skip = !existsSync(PCAP)
  ? 'needs ../shared/corpus'
  : spawnSync('which', ['tshark']).status !== 0
    ? 'needs tshark'
    : false;

type Header = { name: string; value: string };

/** libhtp's table: a repeated name is one entry, values joined with ", " (Content-Length keeps the first). */
function merged(hs: Header[]): Header[] {
  const out: Header[] = [];
  for (const h of hs) {
    const e = out.find((x) => x.name.toLowerCase() === h.name.toLowerCase());
    if (!e) out.push({ ...h });
    else if (h.name.toLowerCase() !== 'content-length') e.value += `, ${h.value}`;
  }
  return out;
}

/** tshark's header lines of every request or response, in capture order, as name/value pairs. */
function tsharkHeaders(side: 'request' | 'response'): Header[][] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      PCAP,
      '-Y',
      `http.${side}`,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=\u0001',
      '-e',
      `http.${side}.line`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  return out
    .replace(/\n$/, '')
    .split('\n')
    .map((l) =>
      l
        .split('\u0001')
        .filter((x) => x !== '')
        .map((x) => {
          const line = x.replace(/\\r\\n$|\r\n$/, '');
          const colon = line.indexOf(':');
          return { name: line.slice(0, colon), value: line.slice(colon + 1).trim() };
        }),
    )
    .map(merged);
}

test(
  'dump-all-headers: both sides, equal to tshark on a real capture; alerts do not carry them',
  { skip },
  async () => {
    const { custom } = eveOptionsOf({
      outputs: [{ 'eve-log': { types: [{ http: { 'dump-all-headers': 'both' } }] } }],
    });
    assert.equal(custom.httpDumpHeaders, 'both');
    const { rules } = parseRules(
      'alert http any any -> any any (http.method; content:"GET"; sid:1;)\n',
      'inline',
    );
    const { events } = await analyzeToEvents(PCAP, {
      eveCustom: custom,
      inspectors: [new RuleInspector(new RuleMatcher(rules, {}), true)],
    });
    const http = events.filter((e) => e.event_type === 'http').map((e) => e.http as Record<string, unknown>);
    const req = tsharkHeaders('request');
    assert.ok(req.length >= 50, `tshark saw ${req.length} requests`);
    // Requests in capture order; every request moat logged has tshark's header list.
    const got = http.map((h) => h.request_headers as Header[]);
    assert.equal(got.length, req.length);
    const key = (hs: Header[]) => JSON.stringify(hs);
    assert.deepEqual(got.map(key).sort(), req.map(key).sort());
    const res = tsharkHeaders('response');
    const gotRes = http
      .filter((h) => h.response_headers !== undefined)
      .map((h) => key(h.response_headers as Header[]));
    // Every response tshark dissected is logged with its headers. moat logs one more: a response whose head is
    // whole in its segment but whose body tshark could not reassemble (a "segment of a reassembled PDU" to it).
    assert.ok(
      gotRes.length >= res.length && gotRes.length <= res.length + 1,
      `${gotRes.length} vs ${res.length}`,
    );
    for (const r of res.map(key)) {
      const at = gotRes.indexOf(r);
      assert.ok(at >= 0, `tshark's response headers not logged: ${r}`);
      gotRes.splice(at, 1);
    }
    const alerts = events.filter((e) => e.event_type === 'alert');
    assert.ok(alerts.length > 0);
    for (const a of alerts) assert.equal((a.http as Record<string, unknown>).request_headers, undefined);
  },
);

test('dump-all-headers: request only; without the option no lists', { skip }, async () => {
  const { events } = await analyzeToEvents(PCAP, { eveCustom: { httpDumpHeaders: 'request' } });
  const http = events.filter((e) => e.event_type === 'http').map((e) => e.http as Record<string, unknown>);
  assert.ok(http.every((h) => Array.isArray(h.request_headers) && h.response_headers === undefined));
  const plain = (await analyzeToEvents(PCAP)).events.filter((e) => e.event_type === 'http');
  assert.ok(plain.every((e) => (e.http as Record<string, unknown>).request_headers === undefined));
});
