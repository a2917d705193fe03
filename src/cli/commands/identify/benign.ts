/**
 * `identify train --benign`: the out-of-distribution gate's reference set — every public address of the
 * given benign captures as moat's own engine sees them (pcap/pcapng analysed, or EVE it already wrote).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { analyzeToEvents } from '../../../pipeline/index.js';
import { featurise, samplesFromEve, type BenignReference } from '../../../identify/index.js';

export const BENIGN_HELP =
  'out-of-distribution gate: benign captures (pcap/pcapng, or EVE .json), files or folders, comma-separated; a model calling > 1% of their public addresses black is refused';

export async function benignReference(list: string): Promise<BenignReference> {
  const files: string[] = [];
  for (const p of list.split(',').filter(Boolean)) {
    if (!existsSync(p)) throw new UsageError(`identify train --benign: no such file or folder: ${p}`);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort())
        if (/\.(pcap|pcapng|cap|json|ndjson)$/.test(f)) files.push(join(p, f));
    } else files.push(p);
  }
  const captures: unknown[][] = [];
  for (const f of files) {
    if (/\.(json|ndjson)$/.test(f)) {
      captures.push(
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as unknown),
      );
      continue;
    }
    try {
      captures.push((await analyzeToEvents(f)).events as unknown[]);
    } catch (e) {
      throw new UsageError(`identify train --benign: ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const set = featurise(samplesFromEve(captures).samples, {});
  return { name: `${files.length} benign captures`, x: set.x, n: set.n, width: set.width };
}
