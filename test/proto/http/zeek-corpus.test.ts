/**
 * End to end against Zeek: every Zeek HTTP test trace with an http.log baseline goes through the whole
 * pipeline (`analyzeToEvents`: capture → decode → flow → HTTP → EVE) and each baseline row is compared
 * field by field (method, host, uri, user_agent, status). Agreement is printed per field and held to the
 * measured level.
 *
 * Normalisations (Zeek and Suricata write some facts differently; neither is wrong):
 * - host: Zeek keeps the Host header's port and case; EVE has hostname (lower case) + http_port.
 * - uri: Zeek logs the percent-decoded URI; EVE (like Suricata) the URI as sent — decoded here for the
 *   comparison.
 * - status of an HTTP/0.9 exchange: Zeek writes 0, EVE has none.
 */
import { test } from 'node:test';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Agreement, plainTrace, readZeekLog, ZEEK, zeekCases } from './zeek-baseline.js';
import { compareHttp } from './zeek-compare.js';

type Ev = Record<string, unknown>;

/** Applies the comparison normalisations above to moat's events (copies). */
function normalise(events: Ev[]): Ev[] {
  return events.map((ev) => {
    if (ev.event_type !== 'http') return ev;
    const h = { ...(ev.http as Ev) };
    if (h.hostname !== undefined && h.http_port !== undefined)
      h.hostname = `${String(h.hostname)}:${String(h.http_port)}`;
    if (typeof h.url === 'string') {
      h.url = h.url.replace(/%([0-9a-fA-F]{2})/g, (_m, x: string) => String.fromCharCode(parseInt(x, 16)));
    }
    if (h.protocol === undefined && h.status === undefined) h.status = 0;
    return { ...ev, http: h };
  });
}

test('HTTP against Zeek http.log baselines, row by row', async (t) => {
  if (!existsSync(ZEEK)) {
    t.skip('../shared/corpus/tls/zeek absent');
    return;
  }
  const agg = new Agreement();
  const cases = zeekCases('http', 'http.log');
  for (const c of cases) {
    const { events } = await analyzeToEvents(plainTrace(c.trace));
    compareHttp(normalise(events), readZeekLog(c.log), agg, c.name.replace('scripts.base.protocols.', ''));
  }
  console.log(`Zeek HTTP baselines (${cases.length} traces): ${agg.summary()}`);
  if (process.env.MOAT_SHOW_MISSES) for (const m of agg.misses) console.log(m);
  assert.ok(cases.length >= 40, `only ${cases.length} Zeek HTTP cases found`);
  for (const [field, min] of Object.entries(MIN_AGREEMENT)) {
    assert.ok(agg.ratio(field) >= min, `${field} agreement ${agg.ratio(field).toFixed(3)} below ${min}`);
  }
});

/** Measured agreement (53 traces: method 111/111, host 105/105, uri 111/111, user_agent 89/89), held as a floor. */
const MIN_AGREEMENT: Record<string, number> = {
  method: 0.98,
  host: 0.98,
  uri: 0.98,
  user_agent: 0.98,
  // Measured 115/123: the 8 differences are http-methods rows where Zeek gave up on a malformed request
  // and logged status 0 while the server's real answer (400/403/411) was on the wire.
  status: 0.92,
};
