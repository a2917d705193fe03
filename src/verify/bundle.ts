/**
 * The rule-bundle format (A-2, A-90): one JSON document — a manifest (format version, name, version, date,
 * encoding, record count, SHA-256 of the rules), the rules text (base64, so any byte tampering shows), and an
 * Ed25519 signature by the vendor over the canonical manifest. The manifest carries the rules' hash, so the one
 * signature covers both.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';

export const BUNDLE_FORMAT = 1;

export const manifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  name: z.string().min(1).max(100),
  /** Dotted numeric version, compared numerically part by part (2026.11.3 > 2026.9.12). */
  version: z.string().regex(/^\d+(\.\d+){0,3}$/, 'version must be dotted numbers like 2026.11.1'),
  date: z.iso.datetime(),
  encoding: z.literal('utf-8'),
  records: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const bundleSchema = z.strictObject({
  manifest: manifestSchema,
  rules: z.string(),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'signature must be base64'),
});
export type Bundle = z.infer<typeof bundleSchema>;

/** The bytes signed: the manifest's fields in a fixed order, so re-serialising never changes them. */
export function canonicalManifest(m: Manifest): Buffer {
  return Buffer.from(
    JSON.stringify([m.format, m.name, m.version, m.date, m.encoding, m.records, m.sha256, m.keyId]),
    'utf8',
  );
}

/** A key's id: the first 8 bytes of the SHA-256 of its raw public key, hex. */
export function keyId(pub: KeyObject): string {
  const der = pub.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function generateVendorKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function countRecords(text: string): number {
  return text.split(/\r?\n/).filter((l) => {
    const t = l.trim();
    return t !== '' && !t.startsWith('#');
  }).length;
}

/** Builds and signs a bundle (the vendor's side; `moat rules sign`). */
export function signBundle(
  rulesText: string,
  o: { name: string; version: string; date?: Date; privatePem: string },
): Bundle {
  const priv = createPrivateKey(o.privatePem);
  const pub = createPublicKey(priv);
  const bytes = Buffer.from(rulesText, 'utf8');
  const manifest: Manifest = manifestSchema.parse({
    format: BUNDLE_FORMAT,
    name: o.name,
    version: o.version,
    date: (o.date ?? new Date()).toISOString(),
    encoding: 'utf-8',
    records: countRecords(rulesText),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    keyId: keyId(pub),
  });
  const signature = sign(null, canonicalManifest(manifest), priv).toString('base64');
  return { manifest, rules: bytes.toString('base64'), signature };
}

export function verifySignature(b: Bundle, publicPem: string): boolean {
  try {
    return verify(
      null,
      canonicalManifest(b.manifest),
      createPublicKey(publicPem),
      Buffer.from(b.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
