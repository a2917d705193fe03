/**
 * Acceptance 1: JA4 equal to the JA4 project's reference outputs (the Rust tool's snapshots and the Python tool's
 * JSON) for every TCP TLS stream of every capture in the corpus; JA3 checked against nDPI-style references where
 * the corpus has them. QUIC streams are left out (moat does not decrypt QUIC Initials yet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { analyzeToEvents } from '../../../src/pipeline/index.js';
import type { EveEvent } from '../../../src/output/eve/header.js';

const ROOT = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'ja4');

interface Expect {
  file: string;
  srcPort: number;
  dstPort: number;
  ja4: string;
  /** The second ClientHello's JA4 after a HelloRetryRequest (the Python tool's JA4.2). */
  ja4Retry?: string;
}

function rustExpectations(): Expect[] {
  const dir = join(ROOT, 'expected-rust');
  const out: Expect[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.snap'))) {
    const pcap = f.replace(/^ja4__insta@/, '').replace(/\.snap$/, '');
    const docs = parseAllDocuments(readFileSync(join(dir, f), 'utf8'));
    const rows = docs[docs.length - 1].toJS() as Array<Record<string, unknown>> | null;
    for (const r of rows ?? []) {
      if (r.transport !== 'tcp' || typeof r.ja4 !== 'string') continue;
      out.push({ file: pcap, srcPort: Number(r.src_port), dstPort: Number(r.dst_port), ja4: r.ja4 });
    }
  }
  return out;
}

function pythonExpectations(): Expect[] {
  const dir = join(ROOT, 'expected-python');
  const out: Expect[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const rows = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Array<Record<string, string>>;
    for (const r of rows) {
      // The first ClientHello of a stream (after a HelloRetryRequest the tool also lists the second as JA4.2).
      const ja4 = r.JA4 ?? r['JA4.1'];
      if (!ja4 || ja4.startsWith('q')) continue;
      out.push({
        file: f.replace(/\.json$/, ''),
        srcPort: Number(r.srcport),
        dstPort: Number(r.dstport),
        ja4,
        ja4Retry: r['JA4.2'],
      });
    }
  }
  return out;
}

test(
  'JA4 of every TCP TLS stream equals the JA4 reference tools’ output',
  { timeout: 300_000 },
  async (t) => {
    if (!existsSync(ROOT)) {
      t.skip(`corpus absent: ${ROOT}`);
      return;
    }
    const cache = new Map<string, EveEvent[]>();
    const tlsOf = async (file: string): Promise<EveEvent[]> => {
      let evs = cache.get(file);
      if (!evs) {
        evs = (await analyzeToEvents(join(ROOT, 'pcap', file), { eveTypes: ['tls'] })).events;
        cache.set(file, evs);
      }
      return evs;
    };
    let retried = 0;
    for (const [name, rows] of [
      ['rust', rustExpectations()],
      ['python', pythonExpectations()],
    ] as const) {
      let ok = 0;
      let retries = 0;
      const bad: string[] = [];
      for (const r of rows) {
        if (!existsSync(join(ROOT, 'pcap', r.file))) continue;
        const got = (await tlsOf(r.file)).filter(
          (e) => e.src_port === r.srcPort && e.dest_port === r.dstPort,
        );
        const ja4 = got.map((e) => (e.tls as { ja4?: string }).ja4);
        const second = got.map((e) => (e.tls as { ja4_retry?: string }).ja4_retry);
        if (r.ja4Retry !== undefined) {
          retries++;
          if (!second.includes(r.ja4Retry))
            bad.push(
              `${r.file} ${r.srcPort}→${r.dstPort}: second hello want ${r.ja4Retry}, got ${second.join(' ')}`,
            );
        } else if (name === 'python' && second.some((x) => x !== undefined))
          // The Rust tool lists one JA4 per stream; the Python tool lists each ClientHello.
          bad.push(`${r.file} ${r.srcPort}→${r.dstPort}: a second-hello JA4 where the reference has none`);
        if (ja4.includes(r.ja4)) ok++;
        else
          bad.push(
            `${r.file} ${r.srcPort}→${r.dstPort}: want ${r.ja4}, got ${ja4.join(' ') || 'no tls event'}`,
          );
      }
      t.diagnostic(
        `JA4 vs the ${name} reference: ${ok}/${rows.length} streams equal; second hellos after HelloRetryRequest: ${retries}`,
      );
      assert.ok(ok + bad.length > 50, `${name}: expectations found`);
      assert.deepEqual(bad, [], `${name} mismatches`);
      retried += retries;
    }
    assert.ok(retried > 0, 'the reference lists second hellos (HelloRetryRequest) and moat matched them');
  },
);
