/**
 * suricata-verify's own expectations for `tls` events, run through the whole moat pipeline: for every test
 * with a capture and a `tls` check on the fields this logger owns (certificate names, serial, fingerprint,
 * validity, SNI, version), some moat `tls` event must carry exactly those values on the same connection.
 * Checks that also constrain fields other helpers own (ja4, alpn, exceptions, rules) are left to their tests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import type { EveEvent } from '../../src/output/eve/header.js';

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const skip = existsSync(SV) ? false : `suricata-verify corpus not found at ${SV}`;

const OWNED = new Set([
  'event_type',
  'src_ip',
  'src_port',
  'dest_ip',
  'dest_port',
  'proto',
  'tls.subject',
  'tls.issuerdn',
  'tls.serial',
  'tls.fingerprint',
  'tls.notbefore',
  'tls.notafter',
  'tls.sni',
  'tls.version',
  'tls.subjectaltname',
  'tls.session_resumed',
  'has-key',
]);
/** Checks reported but not asserted, with the reason (who would fix it). */
const KNOWN_GAPS: Record<string, string> = {
  'bug-2430': 'TLS inside an HTTP CONNECT tunnel: the flow stays HTTP (no switch to TLS after CONNECT)',
  'bug-5713-01':
    'no ServerHello: Suricata names the ClientHello version (TLSv1), the TLS parser says UNDETERMINED',
  'tls/tls13-draft14': 'TLS parser names draft versions UNDETERMINED; Suricata says "TLS 1.3 draft-<16"',
  'tls/tls13-draft19': 'TLS parser names draft versions UNDETERMINED; Suricata says "TLS 1.3 draft-19"',
};

const CERT_FIELDS = [
  'tls.subject',
  'tls.issuerdn',
  'tls.serial',
  'tls.fingerprint',
  'tls.notbefore',
  'tls.notafter',
];

/** Value at a suricata-verify path: dotted keys, `name[N]` for array elements. */
function get(ev: EveEvent, path: string): unknown {
  let v: unknown = ev;
  for (const part of path.split('.')) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m) return undefined;
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[m[1]] : undefined;
    if (m[2] !== undefined) v = Array.isArray(v) ? v[Number(m[2])] : undefined;
  }
  return v;
}

function matches(ev: EveEvent, match: Record<string, unknown>): boolean {
  return Object.entries(match).every(([k, want]) =>
    k === 'has-key' ? get(ev, String(want)) !== undefined : String(get(ev, k)) === String(want),
  );
}

function testDirs(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    if (existsSync(join(p, 'test.yaml'))) out.push(p);
    else testDirs(p, out);
  }
  return out;
}

interface Check {
  test: string;
  pcap: string;
  match: Record<string, unknown>;
  count?: number;
}

function checks(): Check[] {
  const out: Check[] = [];
  for (const dir of testDirs(SV)) {
    const test = dir.slice(SV.length + 1);
    const yamlPath = join(dir, 'test.yaml');
    const doc = parseYaml(readFileSync(yamlPath, 'utf8')) as {
      pcap?: string | false;
      checks?: Array<{ filter?: { count?: number; match?: Record<string, unknown> } }>;
    };
    if (doc.pcap === false) continue;
    const pcapName = doc.pcap ?? readdirSync(dir).find((f) => /\.pcap(ng)?$/.test(f));
    if (!pcapName || !existsSync(resolve(dir, pcapName))) continue;
    for (const c of doc.checks ?? []) {
      const m = c.filter?.match;
      if (!m || m.event_type !== 'tls') continue;
      // "count: 0" checks assert what a test's own configuration suppresses (memcaps, exception policies).
      if (c.filter?.count === 0) continue;
      const keys = Object.keys(m);
      if (!keys.some((k) => k.startsWith('tls.')) || !keys.every((k) => OWNED.has(k))) continue;
      out.push({ test, pcap: resolve(dir, pcapName), match: m, count: c.filter?.count });
    }
  }
  return out;
}

describe('suricata-verify tls expectations through the pipeline', { skip }, () => {
  it('matches every owned tls check, certificate fields included', { timeout: 60_000 }, async () => {
    const all = checks();
    assert.ok(all.length >= 3, `only ${all.length} checks found`);
    let agree = 0;
    let strictAgree = 0;
    let strictTotal = 0;
    let strictCountMisses = 0;
    const known: string[] = [];
    const misses: string[] = [];
    const countMisses: string[] = [];
    const cache = new Map<string, EveEvent[]>();
    for (const c of all) {
      if (!cache.has(c.pcap))
        cache.set(c.pcap, (await analyzeToEvents(c.pcap, { eveTypes: ['tls'] })).events);
      const events = cache.get(c.pcap)!;
      const n = events.filter((ev) => matches(ev, c.match)).length;
      if (c.count !== undefined && n !== c.count) {
        countMisses.push(`${c.test}: ${n} events, suricata ${c.count}`);
        if (!KNOWN_GAPS[c.test]) strictCountMisses++;
      }
      if (n > 0) agree++;
      if (!KNOWN_GAPS[c.test]) {
        strictTotal++;
        if (n > 0) strictAgree++;
      } else if (n === 0) {
        known.push(`${c.test}: ${KNOWN_GAPS[c.test]}`);
        continue;
      }
      if (n === 0) {
        const near = events.map((ev) => JSON.stringify(ev.tls)).slice(0, 3);
        misses.push(
          `${c.test}: want ${JSON.stringify(c.match)}; moat tls events: ${near.join(' | ') || 'none'}`,
        );
      }
    }
    const certChecks = all.filter((c) => CERT_FIELDS.some((f) => f in c.match)).length;
    console.log(
      `suricata-verify tls checks: ${agree}/${all.length} agree (${certChecks} with certificate fields)`,
    );
    for (const m of misses) console.log(`  MISMATCH ${m}`);
    for (const m of countMisses) console.log(`  COUNT ${m}`);
    for (const k of known) console.log(`  known gap ${k}`);
    console.log(`  outside known gaps: ${strictAgree}/${strictTotal}`);
    assert.ok(certChecks >= 2);
    assert.equal(strictAgree, strictTotal);
    assert.equal(strictCountMisses, 0, 'event counts differ from Suricata outside the known gaps');
  });
});
