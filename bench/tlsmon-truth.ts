/**
 * The truth of each handshake of the bench corpus' base.pcap (bench-corpus/make.sh): its servers and the
 * certificates they present. Expired, self-signed and weak-key certificates, and an SNI the certificate does not
 * cover, are risky; everything else is safe. Shared by the bench and the verdict tests.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** address:port → certificate file under pki/. */
export const BENCH_SERVERS: Record<string, string> = {
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

export interface BenchTruth {
  /** 'risky' | 'safe', or undefined for a handshake to a server the corpus does not describe. */
  of(destIp: string, destPort: number, sni: string | undefined): 'risky' | 'safe' | undefined;
  certFile(destIp: string, destPort: number): string | undefined;
}

export function benchTruth(dir: string): BenchTruth {
  const certs = new Map<string, X509Certificate>();
  for (const f of new Set(Object.values(BENCH_SERVERS)))
    certs.set(f, new X509Certificate(readFileSync(join(dir, 'pki', f))));
  const certFile = (ip: string, port: number): string | undefined => BENCH_SERVERS[`${ip}:${port}`];
  return {
    certFile,
    of(ip, port, sni) {
      const f = certFile(ip, port);
      if (!f) return undefined;
      const cert = certs.get(f) as X509Certificate;
      return BAD_CERTS.has(f) || (sni !== undefined && cert.checkHost(sni) === undefined) ? 'risky' : 'safe';
    },
  };
}
