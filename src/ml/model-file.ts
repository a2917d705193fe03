/**
 * The model format: one JSON document — a manifest (format, name, dotted version, date, architecture = the
 * topology, class names, which classes are malicious, the weight list with shapes, the parameters' SHA-256 and
 * size, how it was trained, its held-out metrics), the parameters (little-endian float32, base64), the SHA-256 of the
 * canonical manifest (the model's id), and optionally an Ed25519 signature by a vendor or appliance key over that id.
 * The manifest names the parameters' hash, so the one id and the one signature cover everything.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { archSchema } from './arch.js';
import { framingSchema } from './framing.js';

export const MODEL_FORMAT = 1;

export const weightSpecSchema = z.strictObject({
  name: z.string().min(1).max(200),
  shape: z.array(z.number().int().min(1)).min(1).max(4),
});
export type WeightSpec = z.infer<typeof weightSpecSchema>;

export const manifestSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  kind: z.literal('moat-cnn'),
  name: z.string().min(1).max(100),
  version: z.string().regex(/^\d+(\.\d+){0,3}$/, 'version must be dotted numbers like 2026.12.1'),
  createdAt: z.iso.datetime(),
  arch: archSchema,
  classNames: z.array(z.string().min(1).max(64)),
  maliciousClasses: z.array(z.number().int().min(0)),
  weights: z.array(weightSpecSchema).min(1),
  paramsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  paramBytes: z.number().int().min(4),
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  /**
   * Added to the network's log-probabilities before the argmax (./classifier.ts): a per-class bias fitted for
   * macro-F1 on sessions the network did not train on, and the framing side input's table (./framing.ts). Optional:
   * files without it classify by the network alone, as before.
   */
  logitAdjust: z
    .strictObject({
      classBias: z.array(z.number().min(-20).max(20)).optional(),
      framing: framingSchema.optional(),
    })
    .optional(),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

export const modelFileSchema = z.strictObject({
  manifest: manifestSchema,
  params: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'params must be base64'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits'),
  signature: z
    .strictObject({
      keyId: z.string().regex(/^[0-9a-f]{16}$/),
      value: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'signature must be base64'),
    })
    .optional(),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

/** JSON with object keys sorted at every level: the same manifest always hashes to the same bytes. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sha256Hex(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The model's id: SHA-256 of the canonical manifest. */
export function manifestHash(m: ModelManifest): string {
  return sha256Hex(canonicalJson(m));
}

/** Little-endian float32 bytes of the parameters, in manifest order. */
export function paramsToBytes(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  // Float32Array is host-endian; every platform Node runs on here is little-endian, checked once.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('big-endian hosts are not supported');
  return new Uint8Array(out.buffer);
}

export function bytesToParams(bytes: Uint8Array, specs: readonly WeightSpec[]): Float32Array[] {
  const all = new Float32Array(bytes.slice().buffer);
  const out: Float32Array[] = [];
  let o = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    out.push(all.subarray(o, o + n));
    o += n;
  }
  return out;
}

export function serialiseModel(f: ModelFile): string {
  return `${JSON.stringify(f)}\n`;
}
