/**
 * What the federated-learning server and its appliances exchange, and how each side checks it.
 * - The appliance registry: each appliance's public key is registered beforehand by the vendor, who signs it; an
 *   appliance accepts a key ring only when every key carries the vendor's signature, so a server cannot slip in
 *   keys of its own to make up a majority.
 * - Envelopes: an appliance's request (a model update) is signed with its Ed25519 key over the canonical JSON of
 *   {kind, at, body}; the server refuses an unregistered key, a bad signature or a stale time.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from './model-file.js';
import { keyIdOf } from './model-io.js';
import { keyRing } from './ledger.js';

export const registeredKeySchema = z.strictObject({
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  pem: z.string().max(4096),
  vendorSig: z.string().max(200),
});
export type RegisteredKey = z.infer<typeof registeredKeySchema>;

export const envelopeSchema = z.strictObject({
  kind: z.string().max(32),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  at: z.string().max(40),
  body: z.unknown(),
  sig: z.string().max(200),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const blockSchema = z.strictObject({
  index: z.number().int().min(0),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  round: z.number().int().min(0),
  modelId: z.string().regex(/^[0-9a-f]{64}$/),
  paramsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  weight: z.number().min(0).max(1),
  submitter: z.string().regex(/^[0-9a-f]{16}$/),
  online: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(10_000),
  at: z.string().max(40),
  fusion: z
    .strictObject({
      rule: z.literal('fedavgm'),
      serverLr: z.number().gt(0).max(10),
      momentum: z.number().min(0).lt(1),
      averageLast: z.number().int().min(1).max(100).optional(),
      rounds: z.number().int().min(1).max(100_000).optional(),
    })
    .optional(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  signatures: z.array(z.strictObject({ keyId: z.string().max(16), value: z.string().max(200) })).max(10_000),
});

/** An appliance's report: the model version it withdrew and why, with the appliance's own report id. */
export const reportSchema = z.strictObject({
  reportId: z.number().int().min(1),
  kind: z.string().min(1).max(32),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  version: z.string().min(1).max(64),
  detail: z.string().max(1000),
});
export type FlReport = z.infer<typeof reportSchema>;

/** The bytes the vendor signs to register an appliance: the SHA-256 of its DER public key. */
function registrationDigest(pem: string): Buffer {
  return Buffer.from(sha256Hex(createPublicKey(pem).export({ format: 'der', type: 'spki' })), 'hex');
}

export function registerKey(appliancePem: string, vendorPrivatePem: string): RegisteredKey {
  const pub = createPublicKey(appliancePem);
  const pem = pub.export({ format: 'pem', type: 'spki' }).toString();
  return {
    keyId: keyIdOf(pub),
    pem,
    vendorSig: sign(null, registrationDigest(pem), createPrivateKey(vendorPrivatePem)).toString('base64'),
  };
}

/** The key ring from a registry listing; throws naming the first key the vendor did not sign. */
export function checkRegistry(
  keys: readonly RegisteredKey[],
  vendorPublicPem: string,
): ReturnType<typeof keyRing> {
  const vendor = createPublicKey(vendorPublicPem);
  for (const k of keys) {
    let ok: boolean;
    try {
      ok =
        keyIdOf(createPublicKey(k.pem)) === k.keyId &&
        verify(null, registrationDigest(k.pem), vendor, Buffer.from(k.vendorSig, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`appliance key ${k.keyId} is not registered by the vendor (signature fails)`);
  }
  return keyRing(keys.map((k) => k.pem));
}

function envelopeDigest(kind: string, at: string, body: unknown): Buffer {
  return Buffer.from(sha256Hex(canonicalJson({ kind, at, body })), 'hex');
}

export function sealEnvelope(kind: string, body: unknown, privatePem: string, now = new Date()): Envelope {
  const priv = createPrivateKey(privatePem);
  const at = now.toISOString();
  return {
    kind,
    keyId: keyIdOf(createPublicKey(priv)),
    at,
    body,
    sig: sign(null, envelopeDigest(kind, at, body), priv).toString('base64'),
  };
}

/** Why an envelope is refused, or null: wrong kind, unregistered key, bad signature, older than `maxAgeMs`. */
export function envelopeProblem(
  e: Envelope,
  kind: string,
  ring: ReadonlyMap<string, string>,
  now = Date.now(),
  maxAgeMs = 300_000,
): string | null {
  if (e.kind !== kind) return `expected a ${kind} request, got ${e.kind}`;
  const pem = ring.get(e.keyId);
  if (!pem) return `appliance key ${e.keyId} is not registered`;
  const t = Date.parse(e.at);
  if (!Number.isFinite(t) || Math.abs(now - t) > maxAgeMs)
    return `request time ${e.at} is more than ${maxAgeMs / 1000} s from the server's clock`;
  let ok: boolean;
  try {
    ok = verify(
      null,
      envelopeDigest(e.kind, e.at, e.body),
      createPublicKey(pem),
      Buffer.from(e.sig, 'base64'),
    );
  } catch {
    ok = false;
  }
  return ok ? null : `signature of ${e.keyId} does not verify`;
}
