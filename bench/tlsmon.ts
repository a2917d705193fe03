/**
 * `node dist/bench/tlsmon.js BENCH_DIR [--big]`: Spec T on the bench corpus.
 * - Acceptance 2: base.pcap scored under the shipped enterprise policy (bench CA added as a trust anchor); every
 *   handshake's truth comes from the corpus' own servers and certificates (expired, self-signed, weak key, SNI not
 *   covered by the certificate → risky; otherwise safe) and the confusion table is printed, after warm-up (a service's
 *   first 20 connections).
 * - Acceptance 4: wall time of the same analysis with and without the policy (base.pcap, or big.pcap with --big).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalysis } from '../src/pipeline/index.js';
import { createTlsmon } from '../src/tlsmon/setup.js';
import type { EveEvent } from '../src/output/eve/header.js';

/** The bench corpus' servers (bench-corpus/make.sh): address:port → certificate file. */
const SERVERS: Record<string, string> = {
  '127.0.1.1:443': 'www.crt',
  '127.0.1.2:443': 'wild.crt',
  '127.0.1.3:443': 'expired.crt',
  '127.0.1.4:443': 'big.crt',
  '127.0.1.5:443': 'weak.crt',
  '127.0.1.6:443': 'self.crt',
  '::1:443': 'selfec.crt',
  '127.0.1.7:4443': 'www.crt',
  '127.0.1.8:443': 'wild.crt',
};
const BAD_CERTS = new Set(['expired.crt', 'weak.crt', 'self.crt', 'selfec.crt']);
const WARMUP = 20;

async function main(): Promise<void> {
  const dir = process.argv[2];
  const big = process.argv.includes('--big');
  if (!dir || !existsSync(join(dir, 'base.pcap'))) {
    console.error(
      'usage: node dist/bench/tlsmon.js BENCH_DIR [--big]   (the output folder of bench-corpus/make.sh)',
    );
    process.exit(2);
  }
  const certs = new Map<string, X509Certificate>();
  for (const f of new Set(Object.values(SERVERS)))
    certs.set(f, new X509Certificate(readFileSync(join(dir, 'pki', f))));
  const policy = join(process.cwd(), 'config', 'policies.yaml');
  const ca = join(dir, 'pki', 'ca.crt');

  const mon = await createTlsmon({ policyPath: policy, caFiles: [ca], deliverAlerts: false });
  const events: EveEvent[] = [];
  await runAnalysis(
    { file: join(dir, 'base.pcap') },
    { eveTypes: ['tls'], inspectors: [mon.inspector], onEvent: (e) => events.push(e) },
  );
  await mon.close();

  const seen = new Map<string, number>();
  const table = { tp: 0, fn: 0, fp: 0, tn: 0, undetermined: 0, warmup: 0, unknownServer: 0 };
  const perServer = new Map<string, { n: number; risky: number; truthRisky: number }>();
  for (const ev of events) {
    const key = `${String(ev.dest_ip)}:${String(ev.dest_port)}`;
    const certFile = SERVERS[key];
    if (!certFile) {
      table.unknownServer++;
      continue;
    }
    const tls = ev.tls as { sni?: string; moat: { score: { verdict: string } } };
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n <= WARMUP) {
      table.warmup++;
      continue;
    }
    const cert = certs.get(certFile)!;
    const truthRisky =
      BAD_CERTS.has(certFile) || (tls.sni !== undefined && cert.checkHost(tls.sni) === undefined);
    const v = tls.moat.score.verdict;
    const s = perServer.get(`${key} ${certFile}`) ?? { n: 0, risky: 0, truthRisky: 0 };
    s.n++;
    if (v === 'risky') s.risky++;
    if (truthRisky) s.truthRisky++;
    perServer.set(`${key} ${certFile}`, s);
    if (v === 'undetermined') table.undetermined++;
    else if (truthRisky) {
      if (v === 'risky') table.tp++;
      else table.fn++;
    } else if (v === 'risky') table.fp++;
    else table.tn++;
  }
  console.log(
    `Spec T acceptance 2 — base.pcap, enterprise policy, ${events.length} TLS handshakes (first ${WARMUP} per service are warm-up)`,
  );
  console.log(`                 verdict risky   verdict safe`);
  console.log(`truth risky      ${String(table.tp).padStart(12)}   ${String(table.fn).padStart(12)}`);
  console.log(`truth safe       ${String(table.fp).padStart(12)}   ${String(table.tn).padStart(12)}`);
  console.log(
    `undetermined ${table.undetermined}, warm-up ${table.warmup}, other servers ${table.unknownServer}`,
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
