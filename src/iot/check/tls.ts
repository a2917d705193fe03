/**
 * Outdated TLS: does the device's TLS service complete a handshake limited to TLS 1.0 or TLS 1.1, and does
 * it still complete one when only modern suites (TLS 1.3, or TLS 1.2 with ECDHE and AEAD) are offered? OpenSSL 3
 * refuses the old versions at its default security level, so the probes lower it: they test the device, not us.
 */
import { connect, type ConnectionOptions } from 'node:tls';

const MODERN_TLS12 =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';

function handshake(
  host: string,
  port: number,
  o: ConnectionOptions,
  ms: number,
): Promise<{ ok: boolean; version?: string; cipher?: string }> {
  return new Promise((resolve) => {
    const s = connect({ host, port, rejectUnauthorized: false, ...o });
    const done = (r: { ok: boolean; version?: string; cipher?: string }) => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done({ ok: false }), ms);
    s.once('secureConnect', () =>
      done({ ok: true, version: s.getProtocol() ?? undefined, cipher: s.getCipher()?.name }),
    );
    s.once('error', () => done({ ok: false }));
  });
}

export interface TlsProbe {
  /** Old versions the service completed a handshake with. */
  oldVersions: string[];
  /** It completed a handshake only when weak suites were offered too. */
  onlyWeakCiphers: boolean;
  /** Any handshake completed at all (a TLS service is there). */
  speaksTls: boolean;
  weakCipher?: string;
}

export async function probeTls(host: string, port: number, ms: number): Promise<TlsProbe> {
  const legacy = { ciphers: 'ALL:@SECLEVEL=0' };
  const [v10, v11, modern13, modern12, any] = await Promise.all([
    handshake(host, port, { minVersion: 'TLSv1', maxVersion: 'TLSv1', ...legacy }, ms),
    handshake(host, port, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ...legacy }, ms),
    handshake(host, port, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, ms),
    handshake(host, port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: MODERN_TLS12 }, ms),
    handshake(host, port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ...legacy }, ms),
  ]);
  const oldVersions = [v10.ok ? 'TLSv1' : '', v11.ok ? 'TLS 1.1' : ''].filter(Boolean);
  const speaksTls = v10.ok || v11.ok || modern13.ok || modern12.ok || any.ok;
  const onlyWeakCiphers = any.ok && !modern13.ok && !modern12.ok;
  return { oldVersions, onlyWeakCiphers, speaksTls, weakCipher: onlyWeakCiphers ? any.cipher : undefined };
}
