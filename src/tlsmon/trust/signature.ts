/** Verifies a signature over DER bytes given its AlgorithmIdentifier OID, with Node's crypto. */
import { verify, type KeyObject } from 'node:crypto';

const HASH_OF: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, // Ed25519
  '1.3.101.113': null, // Ed448
};

/** true/false, or undefined when the algorithm is one moat does not verify (RSASSA-PSS parameters, DSA …). */
export function verifySignature(
  oid: string,
  data: Uint8Array,
  signature: Uint8Array,
  key: KeyObject,
): boolean | undefined {
  if (!(oid in HASH_OF)) return undefined;
  try {
    return verify(HASH_OF[oid], data, key, signature);
  } catch {
    return false;
  }
}
