/**
 * A certificate whose public key cannot be decoded keeps every other field: a real capture (suricata-verify
 * bug-2646-02, github.com's chain) with the leaf's RSAPublicKey SEQUENCE tag damaged in place (same length, so the
 * TCP stream is unchanged) goes through the whole pipeline; its tls event must carry the SHA-1 fingerprint, serial,
 * subject, issuer and names OpenSSL reads from the same damaged certificate (tshark extracts its bytes from the
 * capture), and an anomaly names the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';

const PCAP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'bug-2646-02',
  'input.pcap',
);
const skip = !existsSync(PCAP)
  ? 'needs ../shared/corpus'
  : spawnSync('tshark', ['-v']).status !== 0
    ? 'tshark not installed'
    : false;

/** OpenSSL's one-per-line subject as Suricata writes a DN. */
function dn(lines: string): string {
  return lines.split('\n').join(', ').replace(/\\,/g, ',');
}

test(
  'a malformed public key keeps the certificate: fields as OpenSSL reads them, plus an anomaly',
  { skip },
  async (t) => {
    const bytes = readFileSync(PCAP);
    // rsaEncryption OID, then the BIT STRING whose content starts 00 30 82 (unused bits, RSAPublicKey SEQUENCE).
    const oid = bytes.indexOf(Buffer.from('2a864886f70d010101', 'hex'));
    assert.ok(oid > 0, 'the leaf has an RSA key');
    const seq = bytes.indexOf(Buffer.from('0030820', 'hex').subarray(0, 3), oid) + 1;
    assert.equal(bytes[seq], 0x30);
    const damaged = Buffer.from(bytes);
    damaged[seq] = 0x31; // a SET where the SEQUENCE belongs: the key no longer decodes
    const dir = mkdtempSync(join(tmpdir(), 'moat-badkey-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pcap = join(dir, 'damaged-key.pcap');
    writeFileSync(pcap, damaged);

    const ts = spawnSync(
      'tshark',
      ['-r', pcap, '-Y', 'tls.handshake.certificate', '-T', 'fields', '-e', 'tls.handshake.certificate'],
      {
        encoding: 'utf8',
      },
    );
    const leafHex = ts.stdout.trim().split('\n')[0].split(',')[0].replace(/:/g, '');
    const x = new X509Certificate(Buffer.from(leafHex, 'hex'));
    assert.throws(() => x.publicKey, /decode/, 'OpenSSL cannot decode the damaged key either');

    const { events } = await analyzeToEvents(pcap);
    const tls = events.filter((e) => e.event_type === 'tls');
    assert.equal(tls.length, 1);
    const ev = tls[0].tls as Record<string, unknown>;
    assert.equal(ev.fingerprint, x.fingerprint.toLowerCase());
    assert.equal(String(ev.serial).replace(/:/g, ''), x.serialNumber.toUpperCase());
    assert.equal(ev.subject, dn(x.subject));
    assert.equal(ev.issuerdn, dn(x.issuer));
    assert.deepEqual(
      ev.subjectaltname,
      (x.subjectAltName ?? '').split(', ').map((s) => s.replace(/^DNS:/, '')),
    );
    const cert = (ev.moat as { certificate: Record<string, unknown> }).certificate;
    assert.equal(cert.key_type, 'RSA', 'the algorithm still parses');
    assert.equal(cert.key_bits, 0);
    assert.match(String(cert.public_key_error), /RSAPublicKey/);
    const anomalies = events.filter(
      (e) =>
        e.event_type === 'anomaly' && (e.anomaly as { event: string }).event === 'x509.malformed_public_key',
    );
    assert.equal(anomalies.length, 1);
  },
);
