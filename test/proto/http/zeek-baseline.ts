/**
 * Zeek's btest baselines as reference answers: reads Zeek TSV logs (`#fields` header, or the one-line header
 * of `*.cut` files) and maps each Zeek test to its trace through `test-to-trace-map.tsv`.
 */
import { existsSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ZEEK = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'zeek');

export type ZeekRow = Record<string, string | undefined>;

/** Reads a Zeek TSV log; '-' (unset) becomes undefined and '(empty)' the empty string. */
export function readZeekLog(path: string): ZeekRow[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  let fields: string[] | undefined;
  const rows: ZeekRow[] = [];
  for (const line of lines) {
    if (line.length === 0 || line.startsWith('###')) continue;
    if (line.startsWith('#fields\t')) {
      fields = line.split('\t').slice(1);
      continue;
    }
    if (line.startsWith('#')) continue;
    const cells = line.split('\t');
    if (!fields) {
      fields = cells;
      continue;
    }
    const row: ZeekRow = {};
    fields.forEach((f, i) => {
      const v = cells[i];
      row[f] = v === undefined || v === '-' ? undefined : v === '(empty)' ? '' : v;
    });
    rows.push(row);
  }
  return rows;
}

export interface ZeekCase {
  /** Baseline directory name, e.g. scripts.base.protocols.http.http-pipelining. */
  name: string;
  trace: string;
  log: string;
}

/**
 * Traces of Zeek's HTTP tests under `http/261/` are a folder of variants; the test names say which
 * variant each uses.
 */
const VARIANTS_261: Record<string, string> = {
  'chunk-2pow64-overflow': 'variant-01-chunk_2pow64_overflow.pcap',
  'cl-uint64max': 'variant-02-cl_uint64max.pcap',
  'cl-negative': 'variant-03-cl_negative.pcap',
  'te-cl-desync': 'variant-04-te_cl_desync.pcap',
  'cl-0-expect-100': 'variant-07-expect_100_cl0.pcap',
  'cl-leading-zeros': 'variant-08-leading_zeros.pcap',
  'obsolete-line-fold': 'variant-09-te_obs_fold.pcap',
  'chunked-rest': 'variant-10-multi_value_te.pcap',
};

/**
 * Every Zeek test of `protocols/<proto>/` with exactly one trace and a baseline `logName` (or its `.cut`).
 * Tests mapped to several traces are left out (their baselines are per-trace files with other names).
 */
export function zeekCases(proto: 'http' | 'dns', logName: string): ZeekCase[] {
  const map = readFileSync(join(ZEEK, 'test-to-trace-map.tsv'), 'utf8').split('\n');
  const byTest = new Map<string, string[]>();
  const prefix = `testing/btest/scripts/base/protocols/${proto}/`;
  for (const line of map) {
    const [testPath, trace] = line.split('\t');
    if (!testPath?.startsWith(prefix) || !trace) continue;
    const list = byTest.get(testPath) ?? [];
    list.push(trace.replace('$TRACES/', ''));
    byTest.set(testPath, list);
  }
  const out: ZeekCase[] = [];
  for (const [testPath, traces] of byTest) {
    if (traces.length !== 1) continue;
    const rel = testPath.slice(prefix.length).replace(/\.zeek$/, '');
    const name = `scripts.base.protocols.${proto}.${rel.replace(/\//g, '.')}`;
    const dir = join(ZEEK, 'baseline', name);
    const log = [logName, `${logName}.cut`].map((n) => join(dir, n)).find((p) => existsSync(p));
    if (!log) continue;
    let trace = join(ZEEK, 'traces', traces[0]);
    if (!existsSync(trace)) continue;
    if (statSync(trace).isDirectory()) {
      const v = VARIANTS_261[rel.split('/').pop() ?? ''];
      if (!v) continue;
      trace = join(trace, v);
    }
    out.push({ name, trace, log });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

let gzDir: string | undefined;

/** A readable capture path: `.gz` traces are expanded into a temporary folder once. */
export function plainTrace(trace: string): string {
  if (!trace.endsWith('.gz')) return trace;
  gzDir ??= mkdtempSync(join(tmpdir(), 'moat-zeek-'));
  const out = join(gzDir, trace.split('/').pop()!.replace(/\.gz$/, ''));
  if (!existsSync(out)) writeFileSync(out, gunzipSync(readFileSync(trace)));
  return out;
}

/** Zeek's log escaping of bytes outside printable ASCII (`\xNN`), applied to our values for comparison. */
export function zeekEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f && ch !== '\\') out += ch;
    else if (ch === '\\') out += '\\';
    else if (c < 0x100) out += '\\x' + c.toString(16).padStart(2, '0');
    else for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return out;
}

/** Field-by-field agreement counts. */
export class Agreement {
  readonly fields = new Map<string, { ok: number; total: number }>();
  readonly misses: string[] = [];

  count(field: string, ok: boolean, detail: string): void {
    const f = this.fields.get(field) ?? { ok: 0, total: 0 };
    f.total++;
    if (ok) f.ok++;
    else if (this.misses.length < 400) this.misses.push(`${field}: ${detail}`);
    this.fields.set(field, f);
  }

  summary(): string {
    return [...this.fields].map(([k, v]) => `${k} ${v.ok}/${v.total}`).join(', ');
  }

  ratio(field: string): number {
    const f = this.fields.get(field);
    return f && f.total > 0 ? f.ok / f.total : 0;
  }
}
