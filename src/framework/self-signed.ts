/**
 * A self-signed server certificate from the openssl CLI (EC P-256), for the services that must speak TLS before
 * an operator has given them a certificate: the identification service, the device end of the honeypot relay.
 * Clients pin it by the SHA-256 fingerprint the service prints at start.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCertificate {
  key: string;
  cert: string;
  fingerprint256: string;
}

export interface SelfSignedOptions {
  commonName: string;
  /** subjectAltName entries, e.g. ['DNS:localhost', 'IP:127.0.0.1']; none when empty. */
  altNames?: readonly string[];
  days?: number;
}

export function selfSignedCertificate(o: SelfSignedOptions): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cert-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    args.push('-subj', `/CN=${o.commonName}`);
    if (o.altNames && o.altNames.length > 0) args.push('-addext', `subjectAltName=${o.altNames.join(',')}`);
    args.push('-days', String(o.days ?? 365), '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'));
    execFileSync('openssl', args, { stdio: 'ignore' });
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

/**
 * A self-signed certificate made on first use and kept in `dir` (key mode 0600), so the fingerprint users pinned
 * stays the same across restarts. `created` says whether this call made it.
 */
export function persistentSelfSigned(
  dir: string,
  files: { key: string; cert: string },
  o: SelfSignedOptions,
): SelfSignedCertificate & { created: boolean } {
  const keyFile = join(dir, files.key);
  const certFile = join(dir, files.cert);
  if (existsSync(keyFile) && existsSync(certFile)) {
    const cert = readFileSync(certFile, 'utf8');
    return {
      key: readFileSync(keyFile, 'utf8'),
      cert,
      fingerprint256: new X509Certificate(cert).fingerprint256,
      created: false,
    };
  }
  const c = selfSignedCertificate(o);
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyFile, c.key, { mode: 0o600 });
  writeFileSync(certFile, c.cert);
  return { ...c, created: true };
}
