/**
 * End to end against Zeek: every Zeek DNS test trace with a dns.log baseline goes through the whole
 * pipeline (`analyzeToEvents`) and each baseline row is compared: query, qtype, rcode, answers. Rows pair
 * with moat's answer (else query) event of the same connection, transaction id and name.
 *
 * Exclusions: dynamic-update (Zeek logs RFC 2136 UPDATE sections as "pre:/del:/add:" rows named after the
 * updated record, not the zone); answers Zeek prints in its own structured text (NAPTR, LOC, WKS, HINFO,
 * SSHFP, DNSSEC types, BIND9 signing records) are not compared on the answers field.
 */
import { test } from 'node:test';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Agreement, plainTrace, readZeekLog, ZEEK, zeekCases } from '../http/zeek-baseline.js';
import { compareDns } from '../http/zeek-compare.js';

const EXCLUDED = new Set(['scripts.base.protocols.dns.dynamic-update']);

test('DNS against Zeek dns.log baselines, row by row', async (t) => {
  if (!existsSync(ZEEK)) {
    t.skip('../shared/corpus/tls/zeek absent');
    return;
  }
  const agg = new Agreement();
  const cases = zeekCases('dns', 'dns.log').filter((c) => !EXCLUDED.has(c.name));
  for (const c of cases) {
    const { events } = await analyzeToEvents(plainTrace(c.trace));
    compareDns(events, readZeekLog(c.log), agg, c.name.replace('scripts.base.protocols.', ''));
  }
  console.log(`Zeek DNS baselines (${cases.length} traces): ${agg.summary()}`);
  if (process.env.MOAT_SHOW_MISSES) for (const m of agg.misses) console.log(m);
  assert.ok(cases.length >= 7, `only ${cases.length} Zeek DNS cases found`);
  for (const field of ['query', 'qtype', 'rcode', 'answers']) {
    // Measured: query 15/15, qtype 15/15, rcode 11/11, answers 3/3.
    assert.ok(agg.ratio(field) >= 0.95, `${field} agreement ${agg.ratio(field).toFixed(3)} below 0.95`);
  }
});
