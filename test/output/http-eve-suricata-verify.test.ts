/**
 * End to end against Suricata's verification suite: every suricata-verify test with checks on EVE `http`
 * events is run through the whole pipeline (`analyzeToEvents`) and each check's `http.*` fields must be
 * matched by exactly `count` events. Tests that need Suricata ≥ 8, or a Suricata option moat has no
 * equivalent for (listed in the printed summary as skipped), are left out.
 */
import { test } from 'node:test';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');

interface Filter {
  count: number;
  match: Record<string, unknown>;
  requires?: Record<string, unknown>;
}

function lookup(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    cur = (cur as Record<string, unknown> | undefined)?.[m[1]];
    for (const idx of m[2].match(/\d+/g) ?? []) cur = (cur as unknown[] | undefined)?.[Number(idx)];
    if (cur === undefined) return undefined;
  }
  return cur;
}

const major = (v: unknown) => Number(String(v).split('.')[0]);

/** A test's own suricata.yaml that changes stream or HTTP handling moat does not model. */
function configuresUnmodelled(dir: string): boolean {
  const p = join(dir, 'suricata.yaml');
  if (!existsSync(p)) return false;
  return /midstream-policy|exception-policy|inline|libhtp|request-body-limit|response-body-limit|depth:/.test(
    readFileSync(p, 'utf8'),
  );
}

/**
 * Suricata options that change what is logged in ways moat does not model. `stream.midstream=true` is
 * modelled (moat's flow layer picks up connections without their handshake); its exception policies are not.
 */
const UNMODELLED_ARGS =
  /exception-policy|midstream-policy|stream\.inline|--simulate|reassembly\.depth|-k none --set app-layer\.protocols\.http\.enabled=false/;

test('EVE http matches suricata-verify checks, end to end', async (t) => {
  if (!existsSync(SV)) {
    t.skip('../shared/corpus/suricata-verify absent');
    return;
  }
  let checks = 0;
  let passed = 0;
  const skipped: string[] = [];
  const failures: string[] = [];
  // Tests live one or two folders deep (e.g. http-connect/http-connect-simple).
  const names: string[] = [];
  for (const a of readdirSync(SV).sort()) {
    names.push(a);
    if (existsSync(join(SV, a, 'test.yaml'))) continue;
    for (const b of readdirSync(join(SV, a), { withFileTypes: true }))
      if (b.isDirectory()) names.push(`${a}/${b.name}`);
  }
  for (const name of names) {
    const dir = join(SV, name);
    const yamlPath = join(dir, 'test.yaml');
    if (!existsSync(yamlPath)) continue;
    const text = readFileSync(yamlPath, 'utf8');
    if (!text.includes('event_type: http')) continue;
    const spec = parseYaml(text) as {
      pcap?: string;
      args?: string[] | string;
      requires?: Record<string, unknown>;
      checks?: Array<{ filter?: Filter }>;
    };
    if (spec.requires?.['min-version'] !== undefined && major(spec.requires['min-version']) >= 8) continue;
    const args = ([] as string[]).concat(spec.args ?? []).join(' ');
    if (UNMODELLED_ARGS.test(args) || configuresUnmodelled(dir)) {
      skipped.push(name);
      continue;
    }
    const filters = (spec.checks ?? [])
      .map((c) => c.filter)
      .filter((f): f is Filter => !!f && f.match?.event_type === 'http')
      .filter((f) => !(f.requires?.['min-version'] !== undefined && major(f.requires['min-version']) >= 8));
    if (filters.length === 0) continue;
    let pcap = spec.pcap ? resolve(dir, spec.pcap) : '';
    if (!pcap) {
      const p = readdirSync(dir).find((n) => /\.pcap(ng)?$/.test(n));
      pcap = p ? join(dir, p) : '';
    }
    if (!pcap || !existsSync(pcap)) continue;
    const { events } = await analyzeToEvents(pcap);
    for (const f of filters) {
      checks++;
      const keys = Object.keys(f.match).filter((k) => k.startsWith('http.') || k === 'event_type');
      const n = events.filter((ev) => keys.every((k) => String(lookup(ev, k)) === String(f.match[k]))).length;
      if (n === f.count) passed++;
      else failures.push(`${name}: want ${f.count} got ${n} for ${JSON.stringify(f.match)}`);
    }
  }
  console.log(
    `suricata-verify http checks: ${passed}/${checks} agree; ${skipped.length} tests skipped (unmodelled options)`,
  );
  if (process.env.MOAT_SHOW_MISSES) console.log(`skipped: ${skipped.join(' ')}`);
  if (process.env.MOAT_SHOW_MISSES) for (const m of failures) console.log(m);
  assert.ok(checks >= 35, `only ${checks} checks found`);
  assert.ok(
    passed / checks >= MIN_AGREEMENT,
    `${passed}/${checks} below ${MIN_AGREEMENT}:\n${failures.join('\n')}`,
  );
});

const MIN_AGREEMENT = 0.95;
