/**
 * The EVE tls logger: Suricata's field names, formats and order, checked against a suricata-verify
 * expectation (bug-2646-02: a GitHub certificate) using the certificate carved from that test's capture,
 * plus moat's `tls.moat` additions and the cipher/group name tables.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeTlsEve } from '../../src/output/eve/tls.js';
import { cipherName, groupName } from '../../src/output/eve/tls-names.js';
import { parseCertificate, type CertificateInfo } from '../../src/proto/x509/index.js';
import type { TlsHandshake } from '../../src/proto/tls/types.js';
import { writtenMember } from '../helpers/eve-object.js';

/** The `tls` object as the one serialiser writes it, read back. */
const tlsEve = (h: TlsHandshake, custom?: readonly string[]): Record<string, unknown> =>
  writtenMember('tls', (o) => writeTlsEve(o, h, custom));

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests', 'bug-2646-02');
const skip = existsSync(join(SV, 'test.yaml')) ? false : `suricata-verify corpus not found at ${SV}`;

/** Certificates found whole inside one packet of a capture (good enough for a single-segment chain). */
function carveCertificates(file: string): CertificateInfo[] {
  const d = readFileSync(file);
  const out: CertificateInfo[] = [];
  for (let i = 0; i + 8 < d.length; i++) {
    if (d[i] !== 0x30 || d[i + 1] !== 0x82 || d[i + 4] !== 0x30 || d[i + 5] !== 0x82) continue;
    const len = ((d[i + 2] << 8) | d[i + 3]) + 4;
    if (i + len > d.length) continue;
    const r = parseCertificate(d.subarray(i, i + len));
    if (r.ok) out.push(r.cert);
  }
  return out;
}

function handshake(over: Partial<TlsHandshake>): TlsHandshake {
  return {
    helloRetryRequest: false,
    serverCertificates: [],
    clientCertificates: [],
    resumed: false,
    versionName: 'TLS 1.2',
    complete: true,
    ...over,
  };
}

const client = {
  version: 0x0303,
  ciphers: [0x1301, 0xc02f],
  extensions: [0, 16, 43],
  sni: 'raw.githubusercontent.com',
  alpns: ['h2', 'http/1.1'],
  supportedVersions: [0x0304, 0x0303],
  groups: [29, 23],
  ecPointFormats: [0],
  signatureAlgorithms: [0x0403],
  sessionIdLength: 32,
  offersResumption: false,
  sslv2Compat: false,
};

describe('EVE tls logger', { skip }, () => {
  it('writes the suricata-verify bug-2646-02 certificate fields exactly as Suricata does', () => {
    const yaml = parseYaml(readFileSync(join(SV, 'test.yaml'), 'utf8')) as {
      checks: Array<{ filter: { match: Record<string, unknown> } }>;
    };
    const expected = yaml.checks.map((c) => c.filter.match).find((m) => m.event_type === 'tls')!;
    const chain = carveCertificates(join(SV, 'input.pcap'));
    assert.ok(chain.length >= 1, 'leaf certificate found in the capture');
    const tls = tlsEve(
      handshake({
        client,
        server: {
          legacyVersion: 0x0303,
          version: 0x0303,
          cipher: 0xc02f,
          extensions: [],
          sessionIdEchoed: false,
          isHelloRetryRequest: false,
        },
        serverCertificates: chain,
      }),
    );
    let checked = 0;
    for (const [k, v] of Object.entries(expected)) {
      if (!k.startsWith('tls.')) continue;
      assert.equal(tls[k.slice(4)], v, k);
      checked++;
    }
    assert.equal(checked, 8);
    // Suricata's order (output-json-tls extended): certificate names, serial, fingerprint, sni, version, dates.
    assert.deepEqual(Object.keys(tls).slice(0, 8), [
      'subject',
      'issuerdn',
      'serial',
      'fingerprint',
      'sni',
      'version',
      'notbefore',
      'notafter',
    ]);
    const moat = tls.moat as Record<string, unknown>;
    assert.equal(moat.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(moat.chain_length, chain.length);
    const cert = moat.certificate as Record<string, unknown>;
    assert.equal(cert.key_type, 'RSA');
    assert.equal(cert.subject_cn, 'www.github.com');
    assert.ok((tls.subjectaltname as string[]).includes('*.githubusercontent.com'));
    assert.equal(cert.san_ip, undefined);
    assert.deepEqual(cert.policies, ['2.16.840.1.114412.1.1', '2.23.140.1.2.2']);
    assert.match(cert.sha256 as string, /^[0-9a-f]{64}$/);
  });

  it('marks an abbreviated TLS 1.2 handshake as resumed, with no certificate fields', () => {
    const tls = tlsEve(
      handshake({
        client: { ...client, alpns: [] },
        server: {
          legacyVersion: 0x0303,
          version: 0x0303,
          cipher: 0x009c,
          extensions: [],
          sessionIdEchoed: true,
          isHelloRetryRequest: false,
        },
        resumed: true,
      }),
    );
    assert.deepEqual(Object.keys(tls), ['session_resumed', 'sni', 'version', 'moat']);
    assert.equal(tls.session_resumed, true);
    assert.equal((tls.moat as Record<string, unknown>).resumed, true);
  });

  it('writes fingerprints, ALPNs and moat additions for a TLS 1.3 handshake after a HelloRetryRequest', () => {
    const tls = tlsEve(
      handshake({
        client,
        server: {
          legacyVersion: 0x0303,
          version: 0x0304,
          cipher: 0x1302,
          extensions: [43, 51],
          alpn: 'h2',
          selectedGroup: 0x11ec,
          sessionIdEchoed: true,
          isHelloRetryRequest: false,
        },
        helloRetryRequest: true,
        versionName: 'TLS 1.3',
        ja3: { string: '771,4865,0-16-43,29-23,0', hash: '0123456789abcdef0123456789abcdef' },
        ja3s: { string: '771,4866,43-51', hash: 'fedcba9876543210fedcba9876543210' },
        ja4: 't13d0203h2_aaaaaaaaaaaa_bbbbbbbbbbbb',
        ocspResponse: Buffer.from([0x30, 0x00]),
        complete: false,
      }),
    );
    assert.deepEqual(Object.keys(tls), [
      'sni',
      'version',
      'ja3',
      'ja3s',
      'ja4',
      'client_alpns',
      'server_alpns',
      'moat',
    ]);
    assert.deepEqual(tls.ja3, {
      hash: '0123456789abcdef0123456789abcdef',
      string: '771,4865,0-16-43,29-23,0',
    });
    assert.deepEqual(tls.client_alpns, ['h2', 'http/1.1']);
    assert.deepEqual(tls.server_alpns, ['h2']);
    assert.deepEqual(tls.moat, {
      cipher: 'TLS_AES_256_GCM_SHA384',
      cipher_id: 0x1302,
      group: 'X25519MLKEM768',
      resumed: false,
      hello_retry: true,
      complete: false,
      chain_length: 0,
      ocsp_stapled: true,
    });
    assert.equal(JSON.parse(JSON.stringify(tls)).version, 'TLS 1.3');
  });

  it("writes Suricata 8's optional handshake fields without GREASE, and the TLS monitor's score last in moat", () => {
    const h = handshake({
      client: { ...client, ciphers: [0x0a0a, 0x1301, 0xc02f], extensions: [0x1a1a, 0, 16, 43] },
      server: {
        legacyVersion: 0x0303,
        version: 0x0304,
        cipher: 0x1301,
        extensions: [43, 0x2a2a, 51],
        sessionIdEchoed: true,
        isHelloRetryRequest: false,
      },
      versionName: 'TLS 1.3',
    });
    const group = { score: 1, weight: 1, contribution: 0.5, dimensions: [] };
    const score = {
      policy: 'home',
      selected_by: 'default',
      chain_source: 'handshake',
      score: 0.5,
      condition: 'F >= 0.5',
      verdict: 'safe' as const,
      certificate: group,
      address: group,
      reputation: group,
    };
    const tls = writtenMember('tls', (o) =>
      writeTlsEve(o, h, ['server_handshake', 'client_handshake'], { kind: 'tls-score', score }),
    );
    assert.deepEqual(Object.keys(tls).slice(-3), ['client_handshake', 'server_handshake', 'moat']);
    assert.deepEqual(tls.client_handshake, {
      version: 'TLS 1.2',
      ciphers: [0x1301, 0xc02f],
      exts: [0, 16, 43],
      sig_algs: [0x0403],
    });
    assert.deepEqual(tls.server_handshake, { version: 'TLS 1.3', cipher: 0x1301, exts: [43, 51] });
    const moat = tls.moat as Record<string, unknown>;
    assert.deepEqual(Object.keys(moat).slice(-2), ['ocsp_stapled', 'score']);
    assert.deepEqual(moat.score, score);
    // Without the custom list, neither optional field is written.
    assert.equal(tlsEve(h).client_handshake, undefined);
    // A verdict re-issued after a certificate fetch names the first one, when it was given, and why it changed.
    const reissued = writtenMember('tls', (o) =>
      writeTlsEve(o, h, [], {
        kind: 'tls-score',
        score,
        updateOf: {
          verdict: 'undetermined',
          tsUs: Date.UTC(2024, 2, 1) * 1000 + 5,
          reason: 'certificate fetched',
        },
      }),
    );
    const m = reissued.moat as Record<string, unknown>;
    assert.deepEqual(Object.keys(m).slice(-2), ['score', 'update_of']);
    assert.deepEqual(m.update_of, {
      verdict: 'undetermined',
      timestamp: '2024-03-01T00:00:00.000005+0000',
      reason: 'certificate fetched',
    });
  });

  it('names cipher suites and groups from the IANA registries', () => {
    assert.equal(cipherName(0x0004), 'TLS_RSA_WITH_RC4_128_MD5');
    assert.equal(cipherName(0xc014), 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA');
    assert.equal(cipherName(0xcca9), 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    assert.equal(cipherName(0x1303), 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(cipherName(0x0a0a), '0x0A0A');
    assert.equal(groupName(23), 'secp256r1');
    assert.equal(groupName(29), 'x25519');
    assert.equal(groupName(0x2a2a), '0x2A2A');
  });
});
