/**
 * The HTTP and DNS parsers on every real capture of the attack corpus and Zeek's traces, through the
 * whole pipeline: a parser that throws is switched off by the flow layer and reported as
 * `<proto>.parser_error`; there must be none. Also checks that HTTP and DNS are actually found there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const ROOTS = [join(CORPUS, 'attacks'), join(CORPUS, 'tls', 'zeek', 'traces')];

function captures(dir: string, out: string[]): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) captures(p, out);
    else if (/\.(pcap|pcapng|cap)$/.test(n)) out.push(p);
  }
  return out;
}

test('no HTTP/DNS parser error on the attack corpus and Zeek traces', async (t) => {
  if (!ROOTS.every((r) => existsSync(r))) {
    t.skip('../shared/corpus absent');
    return;
  }
  const files = ROOTS.flatMap((r) => captures(r, []));
  let http = 0;
  let dns = 0;
  const errors: string[] = [];
  for (const f of files) {
    const { events } = await analyzeToEvents(f);
    for (const ev of events) {
      if (ev.event_type === 'http') http++;
      else if (ev.event_type === 'dns') dns++;
      else if (ev.event_type === 'anomaly') {
        const a = ev.anomaly as { app_proto?: string; event: string; detail?: string };
        if (a.event === 'parser_error' && (a.app_proto === 'http' || a.app_proto === 'dns'))
          errors.push(`${f}: ${a.detail ?? ''}`);
      }
    }
  }
  console.log(`${files.length} captures: ${http} http and ${dns} dns events, ${errors.length} parser errors`);
  assert.deepEqual(errors, []);
  assert.ok(http > 500 && dns > 1000, `too few records found (${http} http, ${dns} dns)`);
});
