/**
 * Differential test on real certificates: every DER certificate found whole inside a packet of the corpus
 * captures (TLS, attacks, suricata-verify) is parsed by moat and by Node's X509Certificate (OpenSSL), and
 * the facts compared. Whatever OpenSSL accepts, moat must accept and read the same way.
 *
 * Known, intended differences, normalised here: moat names 2.5.4.9 "streetAddress" (Suricata's x509-parser
 * name) where OpenSSL says "street"; a zero serial is "00" (Suricata) where OpenSSL says "0"; a key with
 * explicit curve parameters is reported as curve "explicit" where OpenSSL matches it to a named curve.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCertificate, type CertificateInfo } from '../../../src/proto/x509/index.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const skip = existsSync(join(CORPUS, 'tls')) ? false : `corpus not found at ${CORPUS}`;

function captures(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) captures(p, out);
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(name) && st.size < 50e6) out.push(p);
  }
  return out;
}

function canonicalIp(text: string): string {
  return text.includes(':') ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text;
}

function nodeSan(x: X509Certificate, prefix: string): string[] {
  return (x.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith(prefix))
    .map((s) => s.slice(prefix.length))
    .map((s) => (s.startsWith('"') ? (JSON.parse(s) as string) : s));
}

function differences(c: CertificateInfo, x: X509Certificate): string[] {
  const d: string[] = [];
  const serial = c.serial.replace(/:/g, '').replace(/^00(?=..)/, '');
  if (serial !== x.serialNumber.toUpperCase() && !(serial === '00' && x.serialNumber === '0'))
    d.push('serial');
  if (c.sha1 !== x.fingerprint.toLowerCase()) d.push('sha1');
  if (c.sha256 !== x.fingerprint256.replace(/:/g, '').toLowerCase()) d.push('sha256');
  if (c.notBefore !== Date.parse(x.validFrom)) d.push('notBefore');
  if (c.notAfter !== Date.parse(x.validTo)) d.push('notAfter');
  if (c.isCA !== x.ca) d.push('ca');
  if (c.sanDns.join('\n') !== nodeSan(x, 'DNS:').join('\n')) d.push('sanDns');
  if (c.sanIp.join() !== nodeSan(x, 'IP Address:').map(canonicalIp).join()) d.push('sanIp');
  const subject = x.subject
    .split('\n')
    .join(', ')
    .replace(/\\,/g, ',')
    .replace(/(^|, |\+)emailAddress=/g, '$1Email=')
    .replace(/(^|, |\+)street=/g, '$1streetAddress=');
  if (c.subject !== subject) d.push('subject');
  let det: { modulusLength?: number; namedCurve?: string } = {};
  try {
    det = x.publicKey.asymmetricKeyDetails ?? {};
  } catch {
    // OpenSSL cannot load some keys (unknown curves); nothing to compare then.
  }
  if (det.modulusLength !== undefined && det.modulusLength !== c.keyBits) d.push('keyBits');
  if (det.namedCurve !== undefined && c.curve !== 'explicit' && det.namedCurve !== c.curve) d.push('curve');
  if ((x.keyUsage ?? []).length !== c.extKeyUsage.length) d.push('extKeyUsage');
  const ocsp = [...(x.infoAccess ?? '').matchAll(/OCSP - URI:(\S+)/g)].map((m) => m[1]);
  if (ocsp.join() !== c.ocspUrls.join()) d.push('ocsp');
  return d;
}

describe('X.509 differential against OpenSSL on corpus certificates', { skip }, () => {
  it('reads every certificate OpenSSL reads, with the same facts', () => {
    const files = [
      ...captures(join(CORPUS, 'tls')),
      ...captures(join(CORPUS, 'attacks')),
      ...captures(join(CORPUS, 'suricata-verify', 'tests')),
    ];
    const seen = new Set<string>();
    const problems: string[] = [];
    let sctChecks = 0;
    for (const f of files) {
      let d = readFileSync(f);
      if (f.endsWith('.gz')) d = gunzipSync(d);
      for (let i = 0; i + 8 < d.length; i++) {
        if (
          d[i] !== 0x30 ||
          d[i + 1] !== 0x82 ||
          d[i + 4] !== 0x30 ||
          (d[i + 5] !== 0x82 && d[i + 5] !== 0x81)
        )
          continue;
        const len = ((d[i + 2] << 8) | d[i + 3]) + 4;
        if (i + len > d.length) continue;
        const der = d.subarray(i, i + len);
        let x: X509Certificate;
        try {
          x = new X509Certificate(der);
        } catch {
          continue; // not a whole certificate (or one OpenSSL rejects)
        }
        if (seen.has(x.fingerprint256)) continue;
        seen.add(x.fingerprint256);
        const r = parseCertificate(der);
        if (!r.ok) {
          problems.push(`${f}@${i}: moat rejects what OpenSSL reads: ${r.error}`);
          continue;
        }
        const diff = differences(r.cert, x);
        // Embedded SCTs: OpenSSL's text lists one "Signed Certificate Timestamp:" per entry.
        if (r.cert.extensionOids?.includes('1.3.6.1.4.1.11129.2.4.2') && sctChecks < 40) {
          sctChecks++;
          const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], {
            input: der,
          }).toString();
          const n = text.split('Signed Certificate Timestamp:').length - 1;
          if (n !== r.cert.sctCount) diff.push(`sctCount ${r.cert.sctCount} vs openssl ${n}`);
        }
        if (diff.length > 0) problems.push(`${f}@${i} (${r.cert.subject}): ${diff.join(', ')}`);
      }
    }
    console.log(
      `X.509 differential: ${seen.size} distinct certificates (${sctChecks} with SCTs checked), ${problems.length} with differences`,
    );
    assert.ok(seen.size >= 200, `only ${seen.size} certificates found`);
    assert.ok(sctChecks >= 1, 'no certificate with embedded SCTs found');
    assert.deepEqual(problems, []);
  });
});
