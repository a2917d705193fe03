/**
 * Acceptance 3 of the foundation: every capture of tcpdump's malformed-capture suite and of the attack
 * corpus goes through the whole pipeline (capture → decode → flow → TLS/HTTP/DNS → EVE) with no crash,
 * no hang and bounded memory. Files that are not captures must be refused with CaptureFormatError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalysis } from '../../src/pipeline/index.js';
import { CaptureFormatError } from '../../src/capture/packet.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Skips tcpdump's expected-output and list files; everything else is offered to the reader. */
function candidates(dir: string): string[] {
  return walk(dir).filter(
    (f) =>
      !/\.(out|txt|md|sh|py|c|h|pm|gdbinit|rules|yaml|json|log|tsv)$/i.test(f) &&
      !/(TESTLIST|TESTrun)$/.test(f),
  );
}

async function runAll(
  files: string[],
): Promise<{ ok: number; refused: number; packets: number; maxRssMb: number }> {
  let ok = 0;
  let refused = 0;
  let packets = 0;
  let maxRssMb = 0;
  for (const file of files) {
    try {
      const stats = await runAnalysis({ file }, { onEvent: () => undefined });
      packets += stats.packets;
      ok++;
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) {
        assert.fail(`${file}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      refused++;
    }
    maxRssMb = Math.max(maxRssMb, process.memoryUsage().rss / 1048576);
  }
  return { ok, refused, packets, maxRssMb };
}

for (const [name, sub] of [
  ['tcpdump malformed-capture suite', join('decode', 'tcpdump')],
  ['attack captures', 'attacks'],
] as const) {
  const dir = join(CORPUS, sub);
  test(
    `every file of the ${name} goes through the pipeline without a crash`,
    { timeout: 600_000 },
    async (t) => {
      if (!existsSync(dir)) {
        t.skip(`corpus absent: ${dir}`);
        return;
      }
      const files = candidates(dir);
      const r = await runAll(files);
      t.diagnostic(
        `${name}: ${files.length} files, ${r.ok} analysed (${r.packets} packets), ${r.refused} refused as not captures, peak RSS ${r.maxRssMb.toFixed(0)} MB`,
      );
      assert.ok(r.ok > files.length * 0.8, `most files are captures: ${r.ok}/${files.length}`);
      assert.ok(r.maxRssMb < 600, `memory stays bounded: ${r.maxRssMb.toFixed(0)} MB`);
    },
  );
}
