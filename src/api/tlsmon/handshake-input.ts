/** A handshake described by hand, for the configuration client's "test this policy" (T-52): JSON in, features out. */
import { z } from 'zod';
import { X509Certificate } from 'node:crypto';
import { tryParseIp } from '../../address/index.js';
import { parseCertificate } from '../../proto/index.js';
import type { HandshakeFeatures } from '../../tlsmon/index.js';
import { InputError } from '../../framework/errors.js';

const ip = z.string().refine((s) => tryParseIp(s) !== undefined, { message: 'not an IPv4 or IPv6 address' });

export const handshakeSchema = z.strictObject({
  src: ip,
  dst: ip,
  srcPort: z.number().int().min(0).max(65535).default(0),
  dstPort: z.number().int().min(1).max(65535).default(443),
  sni: z.string().min(1).max(253).optional(),
  /** Suricata's EVE spelling, as moat writes it everywhere ("TLSv1" is TLS 1.0; "TLS 1.0" is read as it). */
  version: z
    .preprocess(
      (v) => (v === 'TLS 1.0' ? 'TLSv1' : v),
      z.enum(['SSLv3', 'TLSv1', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3']),
    )
    .default('TLS 1.2'),
  resumed: z.boolean().default(false),
  /** Server chain, leaf first, PEM. */
  chain: z
    .array(z.string().max(64 * 1024))
    .max(10)
    .default([]),
  /** Stapled OCSP response, base64 DER. */
  ocsp: z
    .string()
    .max(64 * 1024)
    .optional(),
  /** When the handshake happened (ISO time); now when absent. */
  time: z.iso.datetime().optional(),
  scenario: z.string().optional(),
});
export type HandshakeInput = z.infer<typeof handshakeSchema>;

export class HandshakeInputError extends InputError {}

export function featuresFromInput(h: HandshakeInput): HandshakeFeatures {
  const s = tryParseIp(h.src);
  const d = tryParseIp(h.dst);
  if (!s || !d) throw new HandshakeInputError('bad address');
  if (s.version !== d.version) throw new HandshakeInputError('src and dst must be the same IP version');
  const chain = h.chain.map((pem, i) => {
    let der: Buffer;
    try {
      der = Buffer.from(new X509Certificate(pem).raw);
    } catch (err) {
      throw new HandshakeInputError(
        `chain[${i}]: not a PEM certificate: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const r = parseCertificate(der);
    if (!r.ok) throw new HandshakeInputError(`chain[${i}]: ${r.error}`);
    return r.cert;
  });
  return {
    tsUs: (h.time ? Date.parse(h.time) : Date.now()) * 1000,
    ipVersion: s.version,
    src: s.words,
    dst: d.words,
    srcIp: h.src,
    dstIp: h.dst,
    srcPort: h.srcPort,
    dstPort: h.dstPort,
    sni: h.sni,
    version: h.version,
    resumed: h.resumed,
    chain,
    ocspResponse: h.ocsp ? Buffer.from(h.ocsp, 'base64') : undefined,
    scenario: h.scenario,
  };
}
