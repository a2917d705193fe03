/**
 * Subject public key: type and size as OpenSSL reports them (RSA modulus bits, EC group order bits with the
 * curve name, DSA/DH prime bits, EVP_PKEY_get_bits for the Edwards/Montgomery curves: Ed25519 253, Ed448
 * 456, X25519 253, X448 448). Weak-key judgements (T-n dimensions) are made elsewhere from these facts.
 */
import {
  CLASS_UNIVERSAL,
  DerError,
  TAG,
  bitLength,
  children,
  expect,
  oidText,
  readTlv,
  type Tlv,
} from './der.js';
import { KEY_ALGORITHMS, NAMED_CURVES } from './oids.js';

export interface PublicKeyFacts {
  keyType: string;
  /** SPKI algorithm OID. */
  keyAlgorithmOid: string;
  keyBits: number;
  curve?: string;
  /** RSA public exponent, decimal when it fits in 48 bits, else upper-case hex. */
  exponent?: string;
  /** The key itself could not be decoded (the algorithm could): why. */
  error?: string;
}

const FIXED_BITS: Readonly<Record<string, number>> = { Ed25519: 253, Ed448: 456, X25519: 253, X448: 448 };

export function parsePublicKey(buf: Uint8Array, spki: Tlv): PublicKeyFacts {
  const alg = expect(buf, spki.valueStart, spki.end, TAG.SEQUENCE, 'subjectPublicKeyInfo algorithm');
  const oidTlv = expect(buf, alg.valueStart, alg.end, TAG.OID, 'subjectPublicKeyInfo algorithm id');
  const oid = oidText(buf, oidTlv);
  const keyType = KEY_ALGORITHMS[oid] ?? 'unknown';
  const facts: PublicKeyFacts = { keyType, keyAlgorithmOid: oid, keyBits: 0 };
  try {
    readKey(buf, spki, alg, oidTlv, facts);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    facts.keyBits = 0;
    facts.error = e.message;
  }
  return facts;
}

/** The key's size (and curve, exponent) into `facts`; throws DerError on a malformed key. */
function readKey(buf: Uint8Array, spki: Tlv, alg: Tlv, oidTlv: Tlv, facts: PublicKeyFacts): void {
  const keyType = facts.keyType;
  const params = oidTlv.end < alg.end ? readTlv(buf, oidTlv.end, alg.end, 'key parameters') : undefined;
  const key = expect(buf, alg.end, spki.end, TAG.BIT_STRING, 'subjectPublicKey');
  if (key.end === key.valueStart) throw new DerError('subjectPublicKey: empty BIT STRING', key.start);
  const keyStart = key.valueStart + 1; // skip the unused-bits count
  switch (keyType) {
    case 'RSA': {
      const seq = expect(buf, keyStart, key.end, TAG.SEQUENCE, 'RSAPublicKey');
      const n = expect(buf, seq.valueStart, seq.end, TAG.INTEGER, 'RSA modulus');
      const e = expect(buf, n.end, seq.end, TAG.INTEGER, 'RSA exponent');
      facts.keyBits = bitLength(buf, n.valueStart, n.end);
      facts.exponent = exponentText(buf, e);
      break;
    }
    case 'EC': {
      if (params && params.cls === CLASS_UNIVERSAL && params.tag === TAG.OID) {
        const c = oidText(buf, params);
        const known = NAMED_CURVES[c];
        facts.curve = known?.name ?? c;
        if (known) facts.keyBits = known.bits;
      }
      // Explicit curve parameters are legal but unused by real CAs; CVE-2020-0601 forged them. Say so.
      if (params && params.cls === CLASS_UNIVERSAL && params.tag === TAG.SEQUENCE) facts.curve = 'explicit';
      if (facts.keyBits === 0) {
        // Explicit parameters or an unknown curve: the point's coordinate size (uncompressed 04||X||Y).
        const len = key.end - keyStart;
        facts.keyBits = buf[keyStart] === 4 ? ((len - 1) / 2) * 8 : (len - 1) * 8;
      }
      break;
    }
    case 'DSA':
    case 'DH': {
      if (params && params.tag === TAG.SEQUENCE) {
        const p = children(buf, params, `${keyType} parameters`)[0];
        if (p && p.tag === TAG.INTEGER) facts.keyBits = bitLength(buf, p.valueStart, p.end);
      }
      break;
    }
    default:
      // Fixed-size curves by name; otherwise (ML-DSA, unknown algorithms) the key's own size, as
      // OpenSSL's EVP_PKEY_get_bits reports for ML-DSA (e.g. 10496 bits for ML-DSA-44).
      facts.keyBits = FIXED_BITS[keyType] ?? (key.end - keyStart) * 8;
  }
}

function exponentText(buf: Uint8Array, e: Tlv): string {
  let p = e.valueStart;
  while (p < e.end - 1 && buf[p] === 0) p++;
  if (e.end - p <= 6) {
    let v = 0;
    for (let i = p; i < e.end; i++) v = v * 256 + buf[i];
    return String(v);
  }
  let s = '';
  for (let i = p; i < e.end; i++) s += buf[i].toString(16).toUpperCase().padStart(2, '0');
  return s;
}
