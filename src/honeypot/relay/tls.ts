/** A throw-away self-signed certificate for the device end of the relay (openssl CLI, EC P-256). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export interface DeviceEndCert {
  key: string;
  cert: string;
  fingerprint256: string;
}

export function selfSignedCert(cn = 'moat-relay-device-end'): DeviceEndCert {
  const dir = mkdtempSync(join(tmpdir(), 'moat-hp-cert-'));
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
        `/CN=${cn}`,
        '-days',
        '30',
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
