/**
 * Certificate names through the whole pipeline, checked against the JA4 reference tool's snapshots
 * (tls/ja4/expected-rust): for every TCP stream whose snapshot lists the server's certificates, moat's
 * chain for that connection has the same certificates in the same order, with the same subject and issuer
 * attributes (country, state, locality, organisation, unit, common name). The JA4X hashes in those files
 * are not used (JA4X is under the FoxIO licence and not implemented).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import type { Inspector } from '../../src/pipeline/inspector.js';
import type { CertificateInfo, Rdns } from '../../src/proto/x509/types.js';
import type { EveEvent } from '../../src/output/eve/header.js';

const JA4 = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'ja4');
const skip = existsSync(join(JA4, 'expected-rust')) ? false : `JA4 corpus not found at ${JA4}`;

/** Streams the reference tool could read and moat (by design or for now) cannot, with the reason. */
const KNOWN_GAPS: Record<string, string> = {
  'http2-with-cookies.pcapng':
    "TLS 1.3 certificates are encrypted; the JA4 tool decrypts them with the capture's embedded key log " +
    '(pcapng Decryption Secrets Block), moat does not decrypt',
  'https-connect.pcap':
    'TLS inside an HTTP CONNECT tunnel: the flow is HTTP and is not handed to the TLS parser after CONNECT',
};

const ATTRS: Record<string, string> = {
  CountryName: '2.5.4.6',
  StateOrProvinceName: '2.5.4.8',
  LocalityName: '2.5.4.7',
  OrganizationName: '2.5.4.10',
  OrganizationalUnit: '2.5.4.11',
  CommonName: '2.5.4.3',
};

interface SnapCert {
  [k: string]: string;
}
interface SnapStream {
  transport: string;
  src: string;
  dst: string;
  src_port: number;
  dst_port: number;
  tls_certs?: Array<{ x509?: SnapCert[] }>;
}

function values(rdns: Rdns | undefined, oid: string): string[] {
  return (rdns ?? [])
    .flat()
    .filter((a) => a.oid === oid)
    .map((a) => a.value);
}

/** Differences between a snapshot's attributes and moat's certificate, as readable strings. */
function compare(snap: SnapCert, cert: CertificateInfo): string[] {
  const out: string[] = [];
  for (const side of ['subject', 'issuer'] as const) {
    const rdns = side === 'subject' ? cert.subjectRdns : cert.issuerRdns;
    for (const [name, oid] of Object.entries(ATTRS)) {
      const want = snap[`${side}${name}`];
      const have = values(rdns, oid);
      if (want === undefined ? have.length > 0 : !have.includes(String(want))) {
        out.push(`${side}${name}: ja4=${JSON.stringify(want)} moat=${JSON.stringify(have)}`);
      }
    }
  }
  return out;
}

describe('certificate names against the JA4 reference snapshots', { skip }, () => {
  it('matches every certificate of every TCP stream that has them', { timeout: 60_000 }, async () => {
    let compared = 0;
    let streams = 0;
    const problems: string[] = [];
    const known: string[] = [];
    for (const snapFile of readdirSync(join(JA4, 'expected-rust')).sort()) {
      const pcapName = snapFile.replace(/^ja4__insta@/, '').replace(/\.snap$/, '');
      const pcap = join(JA4, 'pcap', pcapName);
      if (!existsSync(pcap)) continue;
      const docs = parseAllDocuments(readFileSync(join(JA4, 'expected-rust', snapFile), 'utf8'));
      const list = docs[docs.length - 1]?.toJS() as SnapStream[] | null;
      const wanted = (list ?? []).filter(
        (s) => s.transport === 'tcp' && (s.tls_certs ?? []).some((c) => (c.x509 ?? []).length > 0),
      );
      if (wanted.length === 0) continue;
      // Each handshake's tls event is written right after the inspectors saw it: the n-th record is the n-th event.
      const certs: CertificateInfo[][] = [];
      const collector: Inspector = {
        name: 'ja4-certificate-collector',
        onAppRecord(_flow, record) {
          if (record.type === 'tls') certs.push(record.tls.serverCertificates);
          return undefined;
        },
      };
      const { events } = await analyzeToEvents(pcap, { inspectors: [collector], eveTypes: ['tls'] });
      assert.equal(events.length, certs.length);
      const chains: Array<{ ev: EveEvent; chain: CertificateInfo[] }> = events.map((ev, i) => ({
        ev,
        chain: certs[i],
      }));
      for (const s of wanted) {
        streams++;
        const snapChain = s.tls_certs!.flatMap((c) => c.x509 ?? []);
        const found = chains.find(
          (c) =>
            String(c.ev.src_ip) === s.src &&
            c.ev.src_port === Number(s.src_port) &&
            String(c.ev.dest_ip) === s.dst &&
            c.ev.dest_port === Number(s.dst_port) &&
            c.chain.length > 0,
        );
        const where = `${pcapName} ${s.src}:${s.src_port}->${s.dst}:${s.dst_port}`;
        if (!found) {
          if (KNOWN_GAPS[pcapName]) known.push(`${where}: ${KNOWN_GAPS[pcapName]}`);
          else problems.push(`${where}: no moat tls record with certificates`);
          continue;
        }
        snapChain.forEach((snapCert, i) => {
          const cert = found.chain[i];
          compared++;
          if (!cert) problems.push(`${where} cert ${i}: missing in moat's chain`);
          else for (const d of compare(snapCert, cert)) problems.push(`${where} cert ${i} ${d}`);
        });
      }
    }
    console.log(`JA4 snapshots: ${streams} streams, ${compared} certificates, ${problems.length} problems`);
    for (const p of problems.slice(0, 40)) console.log(`  ${p}`);
    for (const k of known) console.log(`  known gap ${k}`);
    assert.ok(compared >= 20, `only ${compared} certificates compared`);
    assert.deepEqual(problems, []);
  });
});
