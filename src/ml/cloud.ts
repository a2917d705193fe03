/**
 * Cloud training: the appliance seals its desensitised data set with AES-256-GCM under a key issued to it
 * and hands a training worker (another process or box) the sealed file and, over a pipe, the key. The worker
 * decrypts into a private work folder, trains, seals the model under the same key (fresh IV), then deletes the data
 * (sealed and plain) and zeroes the key and the plaintext in memory, and signs a log line with its Ed25519 key
 * saying what it deleted and that the key is zero. The appliance opens the sealed model and verifies it.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { InputError } from '../framework/errors.js';
import type { SessionSet } from './idx.js';
import { canonicalJson, sha256Hex } from './model-file.js';

const MAGIC = Buffer.from('MOATSEAL1');

/** A fresh 256-bit appliance key. */
export function issueApplianceKey(): Buffer {
  return randomBytes(32);
}

/** MAGIC | iv(12) | tag(16) | ciphertext; `aad` binds the purpose ('dataset' / 'model'). */
export function seal(plain: Uint8Array, key: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([MAGIC, iv, c.getAuthTag(), body]);
}

export function open(sealed: Uint8Array, key: Uint8Array, aad: string, name: string): Buffer {
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (b.length < MAGIC.length + 28 || !b.subarray(0, MAGIC.length).equals(MAGIC))
    throw new InputError(`${name}: not a sealed ${aad}`);
  const iv = b.subarray(MAGIC.length, MAGIC.length + 12);
  const tag = b.subarray(MAGIC.length + 12, MAGIC.length + 28);
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(b.subarray(MAGIC.length + 28)), d.final()]);
  } catch {
    throw new InputError(`${name}: authentication failed: wrong key, or the file was altered`);
  }
}

/** n(4) | width(4) | labels(n) | bytes(n × width), big-endian counts. */
export function encodeSet(s: SessionSet): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(s.n, 0);
  h.writeUInt32BE(s.width, 4);
  return Buffer.concat([h, Buffer.from(s.labels), Buffer.from(s.bytes.subarray(0, s.n * s.width))]);
}

export function decodeSet(b: Uint8Array, source: string): SessionSet {
  if (b.length < 8) throw new InputError(`${source}: too short for a data set`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(0);
  const width = dv.getUint32(4);
  if (8 + n + n * width !== b.length)
    throw new InputError(`${source}: ${n} sessions of ${width} bytes do not fill ${b.length} bytes`);
  return { source, n, width, labels: b.subarray(8, 8 + n), bytes: b.subarray(8 + n) };
}

export interface WorkerLog {
  job: string;
  at: string;
  datasetSha256: string;
  modelSha256: string;
  deleted: string[];
  keyZeroed: boolean;
  plaintextZeroed: boolean;
}

export function signLog(l: WorkerLog, privatePem: string): string {
  const sig = sign(null, Buffer.from(canonicalJson(l)), createPrivateKey(privatePem)).toString('base64');
  return JSON.stringify({ ...l, signature: sig });
}

/** The log line's fields when the worker's public key verifies it; throws otherwise. */
export function verifyLog(line: string, publicPem: string): WorkerLog {
  const o = JSON.parse(line) as WorkerLog & { signature: string };
  const { signature, ...l } = o;
  const ok = verify(
    null,
    Buffer.from(canonicalJson(l)),
    createPublicKey(publicPem),
    Buffer.from(signature, 'base64'),
  );
  if (!ok) throw new InputError('worker log: signature does not verify');
  return l;
}

export { sha256Hex };
