/**
 * Issue 6, acceptance 2, over the whole attack corpus: for every capture in ../shared/corpus/attacks
 * (pcap or pcapng by magic number) moat's engine makes the EVE report, the data component desensitises
 * it, and the privacy check must find nothing. Each capture is also desensitised as a capture (pcap
 * and pcapng rewriters) and the report of the result checked the same way. Prints one JSON summary;
 * exits 1 when any finding remains. Run: node dist/bench/privacy-corpus.js [DIR]
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { analyzeToEvents } from '../src/pipeline/collect.js';
import {
  Pseudonymiser,
  checkPrivacy,
  desensitise,
  pseudonymiseCapture,
  PcapRewriteError,
} from '../src/dataset/index.js';

const dir = process.argv[2] ?? join(process.cwd(), '..', 'shared', 'corpus', 'attacks');
const MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

function isCapture(f: string): boolean {
  const fd = openSync(f, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && MAGICS.has(b.readUInt32LE(0));
  } finally {
    closeSync(fd);
  }
}

const files: string[] = [];
const walk = (d: string): void => {
  for (const n of readdirSync(d).sort()) {
    const f = join(d, n);
    if (statSync(f).isDirectory()) walk(f);
    else if (statSync(f).size >= 24 && isCapture(f)) files.push(f);
  }
};
walk(dir);

// One key for the run (pseudonyms stay consistent across captures); one pseudonymiser per capture, so
// the check's list of originals is that capture's and not the whole corpus's.
const KEY = Buffer.from('moat-privacy-corpus-bench-key-01');
const tmp = mkdtempSync(join(tmpdir(), 'moat-privacy-'));
let reports = 0;
let events = 0;
let failedToRead = 0;
let rewritten = 0;
const rewriteRefused: Record<string, number> = {};
const findings: Array<{ file: string; stage: string; kind: string; value: string }> = [];
const t0 = performance.now();
for (const [i, f] of files.entries()) {
  const name = relative(dir, f);
  const p = new Pseudonymiser(KEY);
  const tf = performance.now();
  let ev;
  try {
    ({ events: ev } = await analyzeToEvents(f));
  } catch {
    failedToRead++;
    continue;
  }
  reports++;
  events += ev.length;
  const clean = desensitise(ev.map((e) => JSON.stringify(e)).join('\n'), p);
  for (const x of checkPrivacy(clean, p, 5))
    findings.push({ file: name, stage: 'report', kind: x.kind, value: x.value });
  // the capture itself, desensitised, then reported
  let out: Buffer;
  try {
    out = pseudonymiseCapture(readFileSync(f), p);
  } catch (e) {
    if (!(e instanceof PcapRewriteError)) throw e;
    const why = e.message.replace(/\d+/g, 'N');
    rewriteRefused[why] = (rewriteRefused[why] ?? 0) + 1;
    continue;
  }
  const cf = join(tmp, 'clean.cap');
  writeFileSync(cf, out);
  const { events: ev2 } = await analyzeToEvents(cf);
  rewritten++;
  const clean2 = desensitise(ev2.map((e) => JSON.stringify(e)).join('\n'), p);
  for (const x of checkPrivacy(clean2, p, 5))
    findings.push({ file: name, stage: 'capture', kind: x.kind, value: x.value });
  if (process.env.MOAT_BENCH_PROGRESS)
    process.stderr.write(`${i + 1}/${files.length} ${name} ${Math.round(performance.now() - tf)} ms\n`);
}
rmSync(tmp, { recursive: true, force: true });
console.log(
  JSON.stringify({
    captures: files.length,
    reports,
    events,
    unreadable: failedToRead,
    captures_rewritten: rewritten,
    rewrite_refused: rewriteRefused,
    findings: findings.length,
    first_findings: findings.slice(0, 10),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  }),
);
process.exitCode = findings.length > 0 ? 1 : 0;
