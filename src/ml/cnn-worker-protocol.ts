/** Messages between the CNN's worker thread and the thread that uses it (cnn-worker.ts). */
import type { ModelManifest } from './model-file.js';

export interface CnnWorkerData {
  manifest: ModelManifest;
  params: Float32Array[];
}

/** One batch: n sessions of `width` bytes, row-major. */
export interface CnnToWorker {
  id: number;
  rows: Uint8Array;
  n: number;
  width: number;
}

export type CnnToMain =
  | { id: number; cls: Uint8Array; confidence: Float32Array }
  | { id: number; error: string }
  | { id: 0; ready: true };
