/**
 * A self-signed certificate for `identify serve` when the operator gives none (openssl CLI, EC P-256, valid
 * for the listen host, localhost and 127.0.0.1/::1). Clients pin it by the SHA-256 fingerprint the server
 * prints at start; a certificate from the configuration (`--tls-cert/--tls-key`) replaces it in production.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerCertificate {
  key: string;
  cert: string;
  fingerprint256: string;
}

export function selfSignedServerCert(host: string, days = 365): ServerCertificate {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  if (host && host !== '0.0.0.0' && host !== '::') names.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
  const dir = mkdtempSync(join(tmpdir(), 'moat-identify-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=moat identify service',
        '-addext',
        `subjectAltName=${[...names].join(',')}`,
        '-days',
        String(days),
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
    return {
      key: readFileSync(join(dir, 'k.pem'), 'utf8'),
      cert,
      fingerprint256: new X509Certificate(cert).fingerprint256,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
