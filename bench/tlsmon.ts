/**
 * `node dist/bench/tlsmon.js BENCH_DIR [--big] [--intel FEEDS_DIR]`: Spec T on the bench corpus.
 * - Acceptance 2: base.pcap scored under the shipped enterprise policy (bench CA added as a trust anchor); every
 *   handshake's truth comes from the corpus' own servers and certificates (expired, self-signed, weak key, SNI not
 *   covered by the certificate → risky; otherwise safe) and the confusion table is printed over every handshake,
 *   first contacts included (nothing is skipped as warm-up); the first contacts of each service are also counted
 *   on their own.
 * - Acceptance 4: wall time of the same analysis with and without the policy (base.pcap, or big.pcap with --big).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalysis } from '../src/pipeline/index.js';
import { createTlsmon } from '../src/tlsmon/setup.js';
import type { EveEvent } from '../src/output/eve/header.js';
import { benchTruth } from './tlsmon-truth.js';

/** A service's first connections, reported on their own (they are not skipped). */
const FIRST = 20;

async function main(): Promise<void> {
  const dir = process.argv[2];
  const big = process.argv.includes('--big');
  if (!dir || !existsSync(join(dir, 'base.pcap'))) {
    console.error(
      'usage: node dist/bench/tlsmon.js BENCH_DIR [--big]   (the output folder of bench-corpus/make.sh)',
    );
    process.exit(2);
  }
  const truth = benchTruth(dir);
  const policy = join(process.cwd(), 'config', 'policies.yaml');
  const ca = join(dir, 'pki', 'ca.crt');

  const feeds = process.argv.includes('--intel')
    ? process.argv[process.argv.indexOf('--intel') + 1]
    : undefined;
  const intelFiles = feeds
    ? [
        'abusech-sslbl/sslblacklist.csv',
        'abusech-ja3/ja3_fingerprints.csv',
        'spamhaus/drop.txt',
        'spamhaus/edrop.txt',
        'ipsum/ipsum.txt',
      ].map((f) => join(feeds, f))
    : undefined;
  const mon = await createTlsmon({ policyPath: policy, caFiles: [ca], intelFiles, deliverAlerts: false });
  const events: EveEvent[] = [];
  await runAnalysis(
    { file: join(dir, 'base.pcap') },
    { eveTypes: ['tls'], inspectors: [mon.inspector], onEvent: (e) => events.push(e) },
  );
  await mon.close();

  const seen = new Map<string, number>();
  const table = { tp: 0, fn: 0, fp: 0, tn: 0, undetermined: 0, unknownServer: 0 };
  const first = { n: 0, fp: 0, fn: 0, undetermined: 0 };
  const perServer = new Map<string, { n: number; risky: number; truthRisky: number }>();
  for (const ev of events) {
    const key = `${String(ev.dest_ip)}:${String(ev.dest_port)}`;
    const tls = ev.tls as { sni?: string; moat: { score: { verdict: string } } };
    const t = truth.of(String(ev.dest_ip), Number(ev.dest_port), tls.sni);
    const certFile = truth.certFile(String(ev.dest_ip), Number(ev.dest_port));
    if (!t || !certFile) {
      table.unknownServer++;
      continue;
    }
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const truthRisky = t === 'risky';
    const v = tls.moat.score.verdict;
    const s = perServer.get(`${key} ${certFile}`) ?? { n: 0, risky: 0, truthRisky: 0 };
    s.n++;
    if (v === 'risky') s.risky++;
    if (truthRisky) s.truthRisky++;
    perServer.set(`${key} ${certFile}`, s);
    if (n <= FIRST) {
      first.n++;
      if (v === 'undetermined') first.undetermined++;
      else if (truthRisky && v !== 'risky') first.fn++;
      else if (!truthRisky && v === 'risky') first.fp++;
    }
    if (v === 'undetermined') table.undetermined++;
    else if (truthRisky) {
      if (v === 'risky') table.tp++;
      else table.fn++;
    } else if (v === 'risky') table.fp++;
    else table.tn++;
  }
  console.log(
    `Spec T acceptance 2 — base.pcap, enterprise policy${feeds ? ', intel feeds loaded' : ''}, all ${events.length} TLS handshakes (first contacts included)`,
  );
  console.log(`                 verdict risky   verdict safe`);
  console.log(`truth risky      ${String(table.tp).padStart(12)}   ${String(table.fn).padStart(12)}`);
  console.log(`truth safe       ${String(table.fp).padStart(12)}   ${String(table.tn).padStart(12)}`);
  const safeN = table.fp + table.tn;
  console.log(
    `undetermined ${table.undetermined}, other servers ${table.unknownServer}; truth-safe handshakes risky ${((100 * table.fp) / Math.max(1, safeN)).toFixed(2)}%, truth-risky ones caught ${((100 * table.tp) / Math.max(1, table.tp + table.fn)).toFixed(1)}%`,
  );
  console.log(
    `first ${FIRST} handshakes of each service: ${first.n}, false risky ${first.fp}, missed risky ${first.fn}, undetermined ${first.undetermined}`,
  );
  for (const [k, s] of [...perServer].sort())
    console.log(`  ${k.padEnd(28)} ${s.n} handshakes, ${s.risky} risky (truth: ${s.truthRisky} risky)`);

  // Acceptance 4: scoring overhead.
  const file = join(dir, big ? 'big.pcap' : 'base.pcap');
  const time = async (withPolicy: boolean): Promise<number> => {
    const m = withPolicy
      ? await createTlsmon({ policyPath: policy, caFiles: [ca], deliverAlerts: false })
      : undefined;
    const t0 = performance.now();
    await runAnalysis({ file }, { onLine: () => undefined, inspectors: m ? [m.inspector] : undefined });
    const ms = performance.now() - t0;
    await m?.close();
    return ms;
  };
  await time(false); // warm the JIT and the page cache
  const plain = await time(false);
  const scored = await time(true);
  console.log(
    `\nSpec T acceptance 4 — ${file}: without policy ${(plain / 1000).toFixed(2)} s, with policy ${(scored / 1000).toFixed(2)} s, overhead ${(((scored - plain) / plain) * 100).toFixed(1)}%`,
  );
}

void main();
