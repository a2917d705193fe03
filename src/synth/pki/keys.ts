/**
 * Key pairs derived from the seed, so certificates (and so the capture) are the same on every run:
 * RSA from seeded prime candidates (OpenSSL's primality test via crypto.checkPrimeSync), ECDSA P-256 from a
 * seeded scalar. RSA PKCS#1 v1.5 signatures are deterministic, which is why every issuing key is RSA.
 */
import { checkPrimeSync, createECDH, webcrypto } from 'node:crypto';
import type { Prng } from '../prng.js';

export interface SynthKeyPair {
  kind: 'rsa' | 'ec';
  bits: number;
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}

const SMALL_PRIMES: number[] = (() => {
  const out: number[] = [];
  for (let i = 3; i < 3000; i += 2) if (out.every((p) => p * p > i || i % p !== 0)) out.push(i);
  return out;
})();

function toBig(bytes: Buffer): bigint {
  return BigInt('0x' + bytes.toString('hex'));
}

function b64u(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex').toString('base64url');
}

/** A prime of exactly `bits` bits with the top two bits set (so p·q has exactly 2·bits bits). */
function seededPrime(rng: Prng, bits: number, e: bigint): bigint {
  for (;;) {
    const raw = rng.bytes(bits / 8);
    raw[0] |= 0xc0;
    raw[raw.length - 1] |= 1;
    const base = toBig(raw);
    const res = SMALL_PRIMES.map((p) => Number(base % BigInt(p)));
    // Walk odd numbers from the random start, sieving by small primes before the costly test.
    for (let d = 0; d < 20000; d += 2) {
      let composite = false;
      for (let i = 0; i < SMALL_PRIMES.length; i++) {
        if ((res[i] + d) % SMALL_PRIMES[i] === 0) {
          composite = true;
          break;
        }
      }
      if (composite) continue;
      const cand = base + BigInt(d);
      if ((cand - 1n) % e === 0n) continue;
      if (checkPrimeSync(cand, { checks: 1 }) && checkPrimeSync(cand, { checks: 24 })) return cand;
    }
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

const RSA_ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

export async function seededRsaKey(rng: Prng, bits: number): Promise<SynthKeyPair> {
  const e = 65537n;
  const p = seededPrime(rng, bits / 2, e);
  let q = seededPrime(rng, bits / 2, e);
  while (q === p) q = seededPrime(rng, bits / 2, e);
  const phi = (p - 1n) * (q - 1n);
  const d = modInverse(e, phi);
  const n = p * q;
  const jwk = {
    kty: 'RSA',
    n: b64u(n),
    e: b64u(e),
    d: b64u(d),
    p: b64u(p),
    q: b64u(q),
    dp: b64u(d % (p - 1n)),
    dq: b64u(d % (q - 1n)),
    qi: b64u(modInverse(q, p)),
    alg: 'RS256',
    ext: true,
  };
  const privateKey = await webcrypto.subtle.importKey('jwk', jwk, RSA_ALG, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey(
    'jwk',
    { kty: 'RSA', n: jwk.n, e: jwk.e },
    RSA_ALG,
    true,
    ['verify'],
  );
  return { kind: 'rsa', bits, privateKey, publicKey };
}

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' };

export async function seededEcKey(rng: Prng): Promise<SynthKeyPair> {
  const d = rng.bytes(32);
  d[0] &= 0x7f; // below the P-256 group order
  d[31] |= 1; // never zero
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const x = pub.subarray(1, 33).toString('base64url');
  const y = pub.subarray(33, 65).toString('base64url');
  const privateKey = await webcrypto.subtle.importKey(
    'jwk',
    { kty: 'EC', crv: 'P-256', x, y, d: d.toString('base64url'), ext: true },
    EC_ALG,
    true,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x, y }, EC_ALG, true, [
    'verify',
  ]);
  return { kind: 'ec', bits: 256, privateKey, publicKey };
}
