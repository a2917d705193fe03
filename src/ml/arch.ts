/**
 * The CNN: a byte embedding, two strided 1-D convolutions, max pooling, one dense softmax layer. Bytes are
 * categories, not intensities (0x47 'G' is no closer to 0x48 'H' than to 0x00), hence the embedding. Small on
 * purpose: ~58k parameters (≈ 226 kB), so inference keeps up with sampled traffic on one core.
 *
 * conv1 overlaps (kernel 8, stride 4): every 4-byte n-gram, and every 5-byte TLS record header, lies whole in some
 * window whatever its alignment; with kernel 4 = stride 4 the layer had to learn each alignment apart. The embedding
 * is 16 wide: it costs nothing at inference, where it is folded into conv1's per-tap tables. Both together with
 * the recipe's label smoothing and weight averaging gained in every fold of the 5-fold CV (README).
 */
import type * as TF from '@tensorflow/tfjs';
import { z } from 'zod';

export const archSchema = z.strictObject({
  inputBytes: z.number().int().min(16).max(4096),
  embed: z.number().int().min(1).max(64),
  conv1: z.strictObject({
    filters: z.number().int().min(1).max(256),
    kernel: z.number().int().min(1).max(64),
    stride: z.number().int().min(1).max(64),
  }),
  conv2: z.strictObject({
    filters: z.number().int().min(1).max(256),
    kernel: z.number().int().min(1).max(64),
    stride: z.number().int().min(1).max(64),
  }),
  pool: z.number().int().min(1).max(64),
  dropout: z.number().min(0).max(0.9),
  classes: z.number().int().min(2).max(256),
});
export type Arch = z.infer<typeof archSchema>;

export const DEFAULT_ARCH: Arch = {
  inputBytes: 784,
  embed: 16,
  conv1: { filters: 24, kernel: 8, stride: 4 },
  conv2: { filters: 48, kernel: 4, stride: 2 },
  pool: 2,
  dropout: 0.3,
  classes: 20,
};

/** Length of a valid convolution's output. */
export function convOut(len: number, kernel: number, stride: number): number {
  return Math.floor((len - kernel) / stride) + 1;
}

/** Refuses an architecture whose layers shrink the input to nothing. */
export function checkArch(a: Arch): string | null {
  const l1 = convOut(a.inputBytes, a.conv1.kernel, a.conv1.stride);
  if (l1 < 1) return `conv1 (kernel ${a.conv1.kernel}) is longer than the input (${a.inputBytes} bytes)`;
  const l2 = convOut(l1, a.conv2.kernel, a.conv2.stride);
  if (l2 < 1) return `conv2 (kernel ${a.conv2.kernel}) is longer than conv1's output (${l1})`;
  if (Math.floor(l2 / a.pool) < 1) return `pool ${a.pool} is longer than conv2's output (${l2})`;
  return null;
}

/** Layer order is relied on by the fused first layer of inference (./classifier.ts): embedding, conv1, then the rest. */
export function buildModel(tf: typeof TF, a: Arch, seed = 1): TF.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.embedding({
      inputDim: 256,
      outputDim: a.embed,
      inputLength: a.inputBytes,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
    }),
  );
  m.add(
    tf.layers.conv1d({
      filters: a.conv1.filters,
      kernelSize: a.conv1.kernel,
      strides: a.conv1.stride,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  m.add(
    tf.layers.conv1d({
      filters: a.conv2.filters,
      kernelSize: a.conv2.kernel,
      strides: a.conv2.stride,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
    }),
  );
  m.add(tf.layers.maxPooling1d({ poolSize: a.pool }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dropout({ rate: a.dropout, seed: seed + 3 }));
  m.add(
    tf.layers.dense({
      units: a.classes,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 4 }),
    }),
  );
  return m;
}
