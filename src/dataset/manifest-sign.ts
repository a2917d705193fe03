/**
 * The dataset manifest's signature (A-2 as for rule bundles and model files): Ed25519 over the SHA-256 of the
 * manifest in canonical form, every field but the signature itself. The manifest holds the files' hashes and the
 * pseudonym list `verify` trusts, so one signature covers the data and what the privacy check lets through: a
 * manifest changed by one byte, or re-signed by a key the verifier does not trust, is refused.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ConfigError, InputError } from '../framework/errors.js';

export interface ManifestSignature {
  alg: 'ed25519';
  /** First 8 bytes of the SHA-256 of the signer's DER public key, hex (as rule bundles and model files name keys). */
  keyId: string;
  /** Base64 signature over the manifest digest. */
  value: string;
}

/** JSON with object keys sorted at every level: the bytes signed do not depend on how the file was written. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** What is signed: the SHA-256 of the canonical manifest without its `signature`. */
export function manifestDigest(m: object): Buffer {
  const { signature: _drop, ...rest } = m as Record<string, unknown>;
  return createHash('sha256').update(canonical(rest)).digest();
}

export function signingKeyId(pub: KeyObject): string {
  return createHash('sha256')
    .update(pub.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

/** An Ed25519 private key from PEM, checked before a build starts; `where` names it in errors. */
export function signingKey(privatePem: string, where = 'signing key'): KeyObject {
  let priv: KeyObject;
  try {
    priv = createPrivateKey(privatePem);
  } catch (e) {
    throw new ConfigError(`${where}: not a private key (PEM): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (priv.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(`${where}: a ${priv.asymmetricKeyType ?? 'unknown'} key, Ed25519 expected`);
  return priv;
}

/** Signs with an Ed25519 private key (PEM or loaded). */
export function signManifest<M extends object>(
  m: M,
  key: string | KeyObject,
): M & { signature: ManifestSignature } {
  const priv = typeof key === 'string' ? signingKey(key) : key;
  const value = sign(null, manifestDigest(m), priv).toString('base64');
  return { ...m, signature: { alg: 'ed25519', keyId: signingKeyId(createPublicKey(priv)), value } };
}

export interface SignatureCheck {
  /** Trusted signers' public keys (PEM); the manifest must be signed by one of them. */
  trustedKeys?: string[];
  /** Accept an unsigned manifest (no keys given): a lab set, the files still hashed. */
  allowUnsigned?: boolean;
}

/** The signature did not check: missing, malformed, by an untrusted key, or over other bytes. */
export class ManifestSignatureError extends InputError {}

/**
 * Checks `m`'s signature against the trusted keys; returns the signer's key id (undefined when unsigned and
 * allowed). `path` names the manifest in the error.
 */
export function checkManifestSignature(m: object, o: SignatureCheck, path: string): string | undefined {
  const keys = o.trustedKeys ?? [];
  if (keys.length === 0 && !o.allowUnsigned)
    throw new ConfigError('give --key PUB (a trusted signer of the dataset) or --allow-unsigned');
  const sig = (m as { signature?: Partial<ManifestSignature> }).signature;
  if (sig === undefined) {
    if (keys.length === 0) return undefined;
    throw new ManifestSignatureError(`${path}: the manifest is not signed (built without --sign)`);
  }
  if (sig.alg !== 'ed25519' || typeof sig.keyId !== 'string' || typeof sig.value !== 'string')
    throw new ManifestSignatureError(`${path}: signature: expected {alg: ed25519, keyId, value}`);
  if (keys.length === 0) return undefined;
  const trusted = keys.map((pem, i) => {
    try {
      return createPublicKey(pem);
    } catch (e) {
      throw new ConfigError(
        `--key #${i + 1}: not a public key (PEM): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  });
  const key = trusted.find((k) => signingKeyId(k) === sig.keyId);
  if (!key) throw new ManifestSignatureError(`${path}: signed by key ${sig.keyId}, which is not trusted`);
  let ok: boolean;
  try {
    ok = verify(null, manifestDigest(m), key, Buffer.from(sig.value, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok)
    throw new ManifestSignatureError(
      `${path}: signature by ${sig.keyId} does not verify: the manifest was changed after it was signed`,
    );
  return sig.keyId;
}
