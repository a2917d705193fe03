/**
 * Runs suricata-verify tests against moat: for each test directory, read `test.yaml`, honour `requires` (skip only
 * what needs a feature or a Suricata version moat does not claim), load the test's rules (a test whose rules moat
 * refuses is skipped, with the refusal as the reason), analyse the capture with the rule engine, and evaluate every
 * `filter` check on the EVE events. `shell`/`stats` checks and non-EVE outputs are outside what moat emulates.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { analyzeToEvents } from '../../engine/index.js';
import { parseRules } from '../ruleset.js';
import { DetectEngine } from '../engine.js';
import { RuleInspector } from '../inspector.js';
import { runFilter, type FilterCheck, type Json } from './checks.js';

/** The Suricata behaviour moat follows, for `requires: min-version / lt-version`. */
export const EMULATED_VERSION = [8, 0, 0];
/** Build features moat has (suricata-verify `requires: features`). */
export const FEATURES = new Set(['HAVE_JA3', 'HAVE_JA4', 'RUST', 'HAVE_LIBJANSSON']);
/** Event types moat writes; a check on another type is outside the selection. */
const EVENT_TYPES = new Set(['alert', 'tls', 'http', 'dns', 'flow', 'anomaly']);

export type Outcome = { test: string; result: 'pass' | 'fail' | 'skip'; reason?: string };

function versionOf(v: unknown): number[] {
  return String(v)
    .split('.')
    .map((x) => Number(x) || 0)
    .concat([0, 0, 0])
    .slice(0, 3);
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

interface TestYaml {
  pcap?: string | false;
  requires?: Record<string, unknown>;
  args?: string[];
  checks?: Array<Record<string, unknown>>;
}

function requiresProblem(req: Record<string, unknown> | undefined): string | undefined {
  if (!req) return undefined;
  if (req['min-version'] !== undefined && cmp(EMULATED_VERSION, versionOf(req['min-version'])) < 0) {
    return `needs Suricata ≥ ${String(req['min-version'])} behaviour (moat follows ${EMULATED_VERSION.join('.')})`;
  }
  if (req['lt-version'] !== undefined && cmp(EMULATED_VERSION, versionOf(req['lt-version'])) >= 0) {
    return `describes Suricata < ${String(req['lt-version'])} behaviour`;
  }
  const feats = (req.features as string[] | undefined) ?? [];
  const missing = feats.filter((f) => !FEATURES.has(f));
  if (missing.length > 0) return `needs feature(s) ${missing.join(', ')}`;
  for (const k of ['script', 'files', 'pcap', 'env', 'lambda'])
    if (req[k] !== undefined) return `requires ${k}`;
  return undefined;
}

export async function runTest(dir: string): Promise<Outcome> {
  const name = dir.split('/').pop() ?? dir;
  const yamlPath = join(dir, 'test.yaml');
  if (!existsSync(yamlPath)) return { test: name, result: 'skip', reason: 'no test.yaml (held back)' };
  let t: TestYaml;
  try {
    t = (parseYaml(readFileSync(yamlPath, 'utf8')) ?? {}) as TestYaml;
  } catch (err) {
    return { test: name, result: 'skip', reason: `test.yaml unreadable: ${String(err)}` };
  }
  const req = requiresProblem(t.requires);
  if (req) return { test: name, result: 'skip', reason: req };
  if (t.pcap === false) return { test: name, result: 'skip', reason: 'no capture (pcap: false)' };
  const pcap = t.pcap
    ? resolve(dir, t.pcap)
    : readdirSync(dir)
        .filter((f) => /\.pcap(ng)?$/.test(f))
        .map((f) => join(dir, f))[0];
  if (!pcap || !existsSync(pcap)) return { test: name, result: 'skip', reason: 'capture not found' };
  const args = (t.args ?? []).join(' ');
  if (/--simulate-ips|-k (?!none)|--set\b|runmode|--engine-analysis|-r /.test(args)) {
    return {
      test: name,
      result: 'skip',
      reason: `runs Suricata with options moat does not emulate: ${args}`,
    };
  }
  const checks = t.checks ?? [];
  const filters: FilterCheck[] = [];
  for (const c of checks) {
    if (!('filter' in c)) return { test: name, result: 'skip', reason: `uses a ${Object.keys(c)[0]} check` };
    const f = c.filter as FilterCheck & { filename?: string; requires?: unknown };
    if (f.filename && f.filename !== 'eve.json')
      return { test: name, result: 'skip', reason: `checks ${f.filename}` };
    if (f.requires) return { test: name, result: 'skip', reason: 'per-check requirements' };
    const et = f.match?.event_type;
    if (typeof et === 'string' && !EVENT_TYPES.has(et))
      return { test: name, result: 'skip', reason: `checks event type ${et}` };
    filters.push(f);
  }
  if (filters.length === 0) return { test: name, result: 'skip', reason: 'no eve.json checks' };
  const rulesFile = join(dir, 'test.rules');
  const inspectors = [];
  if (existsSync(rulesFile)) {
    const { rules, errors } = parseRules(readFileSync(rulesFile, 'utf8'), rulesFile);
    if (errors.length > 0)
      return { test: name, result: 'skip', reason: `rule refused: ${errors[0].message}` };
    inspectors.push(new RuleInspector(new DetectEngine(rules, { datasetDir: dir })));
  }
  let events: Json[];
  try {
    events = (await analyzeToEvents(pcap, { inspectors })).events as Json[];
  } catch (err) {
    return {
      test: name,
      result: 'fail',
      reason: `analysis failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  for (const f of filters) {
    const why = runFilter(events, f);
    if (why) return { test: name, result: 'fail', reason: why };
  }
  return { test: name, result: 'pass' };
}

export async function runAll(root: string, only?: RegExp): Promise<Outcome[]> {
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (!only || only.test(d.name)))
    .map((d) => join(root, d.name))
    .sort();
  const out: Outcome[] = [];
  for (const d of dirs) out.push(await runTest(d));
  return out;
}
