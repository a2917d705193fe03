/**
 * Real benign traffic for `identify train` (issue 15 §5): flows of benign captures as training rows (label 0,
 * beside USTC), and the out-of-distribution gate's reference set — every public address of other benign captures
 * as moat's own engine sees them (pcap/pcapng analysed, or EVE it already wrote). By default both come from the
 * benign captures of the corpus (`../shared/corpus`, or $MOAT_CORPUS): FoxIO's JA4 suite, Zeek's TLS, HTTP, DNS
 * and tunnel traces and tcpdump's decoder suite, split by capture (a stable hash of the file name) so the gate
 * judges captures the model never trained on, and reference addresses also met in training captures are left out.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { analyzeToEvents } from '../../../pipeline/index.js';
import {
  featurise,
  samplesFromEve,
  type AddressSample,
  type BenignReference,
} from '../../../identify/index.js';

export const BENIGN_HELP =
  'out-of-distribution gate: benign captures (pcap/pcapng, or EVE .json), files or folders, comma-separated; a model calling > 1% of their public addresses black is refused (default: the corpus benign captures not used for training)';
export const BENIGN_FLOWS_HELP =
  "real benign traffic for training (label 0): captures or EVE, files or folders, comma-separated; 'none' for none (default: the corpus benign captures not in the gate's reference)";

const CAPTURE = /\.(pcap|pcapng|cap|json|ndjson)(\.gz)?$/;
/** Attack and evasion captures of those suites are not benign traffic. */
const NOT_BENIGN = new Set(['CVE-2018-6794.pcap', 'badcurveball.pcap']);

function filesOf(list: string | string[], flag: string): string[] {
  const files: string[] = [];
  for (const p of typeof list === 'string' ? list.split(',').filter(Boolean) : list) {
    if (!existsSync(p)) throw new UsageError(`identify train ${flag}: no such file or folder: ${p}`);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (CAPTURE.test(f)) files.push(join(p, f));
    } else files.push(p);
  }
  return files.filter((f) => !NOT_BENIGN.has(basename(f)));
}

async function captures(files: string[], flag: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const f of files) {
    if (/\.(json|ndjson)$/.test(f)) {
      out.push(
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as unknown),
      );
      continue;
    }
    try {
      out.push((await analyzeToEvents(f)).events as unknown[]);
    } catch (e) {
      throw new UsageError(`identify train ${flag}: ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

/** The corpus's benign capture sets (moat's own engine turns them into flows; nothing is copied). */
const CORPUS_BENIGN = [
  ['tls', 'ja4', 'pcap'],
  ['tls', 'zeek', 'traces', 'tls'],
  ['tls', 'zeek', 'traces', 'http'],
  ['tls', 'zeek', 'traces', 'dns'],
  ['tls', 'zeek', 'traces', 'tunnels'],
  ['decode', 'tcpdump'],
];

/** A capture's split id: a stable hash of its file name (the same file always lands on the same side). */
export function captureId(file: string): number {
  return createHash('sha256').update(basename(file)).digest().readUInt32BE(0);
}

/**
 * The corpus's benign captures (FoxIO JA4 suite, Zeek's TLS/HTTP/DNS/tunnel traces, tcpdump's decoder suite),
 * split by capture into training and reference sides; undefined without the corpus.
 */
export function corpusBenignSplit(): { training: string[]; reference: string[]; corpus: string } | undefined {
  const corpus = resolve(process.env.MOAT_CORPUS ?? join('..', 'shared', 'corpus'));
  const dirs = CORPUS_BENIGN.map((d) => join(corpus, ...d)).filter((d) => existsSync(d));
  if (dirs.length === 0) return undefined;
  const training: string[] = [];
  const reference: string[] = [];
  for (const f of filesOf(dirs, '--benign')) (captureId(f) & 1 ? reference : training).push(f);
  return { training, reference, corpus };
}

/**
 * Benign training rows: every public address of each capture, label 0, one sample per address and capture
 * (a capture's addresses share its split group, so a capture is never on both sides of a split).
 */
export async function benignSamples(
  list: string | string[],
): Promise<{ samples: AddressSample[]; captures: number }> {
  const files = filesOf(list, '--benign-flows');
  const caps = await captures(files, '--benign-flows');
  const samples = caps.flatMap((events, k) =>
    samplesFromEve([events]).samples.map((s) => ({
      ...s,
      y: 0,
      family: 'benign captures',
      capture: captureId(files[k]),
    })),
  );
  return { samples, captures: files.length };
}

/**
 * The gate's reference: the public addresses of the captures (one row per address and capture), less those in
 * `exclude` (seen in training captures).
 */
export async function benignReference(
  list: string | string[],
  exclude: ReadonlySet<string> = new Set(),
): Promise<BenignReference> {
  const files = filesOf(list, '--benign');
  const samples = (await captures(files, '--benign')).flatMap((events) =>
    samplesFromEve([events]).samples.filter((s) => !exclude.has(s.ip)),
  );
  const set = featurise(samples, {});
  return { name: `${files.length} benign captures`, x: set.x, n: set.n, width: set.width };
}
