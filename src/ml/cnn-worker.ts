/**
 * The payload CNN on a worker thread: a live inspection hands it each batch and goes back to its packets; the batch
 * is classified on the worker and the answer arrives later as a promise. The model (manifest and parameters) is
 * copied to the worker once, each batch's bytes are moved to it, and the answers are moved back.
 */
import { Worker } from 'node:worker_threads';
import type { Predictions } from './classifier.js';
import type { ModelManifest } from './model-file.js';
import type { CnnToMain, CnnToWorker, CnnWorkerData } from './cnn-worker-protocol.js';
import type { Arch } from './arch.js';

export class CnnWorker {
  readonly arch: Arch;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(p: Predictions): void; reject(e: Error): void }>();
  private failure?: Error;
  private readonly started: Promise<void>;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly manifest: ModelManifest,
    params: Float32Array[],
  ) {
    this.arch = manifest.arch;
    this.worker = new Worker(new URL('./cnn-worker-thread.js', import.meta.url), {
      workerData: { manifest, params } satisfies CnnWorkerData,
      execArgv: process.execArgv.filter((a) => a.startsWith('--') && !/^--(input-type|eval|print)\b/.test(a)),
    });
    this.started = new Promise((resolve, reject) => {
      const onReady = (m: CnnToMain) => {
        if (m.id !== 0) return;
        this.worker.off('message', onReady);
        this.worker.off('error', reject);
        resolve();
      };
      this.worker.on('message', onReady);
      this.worker.once('error', reject);
    });
    this.worker.on('message', (m: CnnToMain) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the CNN worker exited (code ${code})`)));
  }

  /** Resolves once the worker has its backend and the model. */
  ready(): Promise<void> {
    return this.started;
  }

  isMalicious(cls: number): boolean {
    return this.manifest.maliciousClasses.includes(cls);
  }

  /** Classifies n sessions; `rows` is moved to the worker (the caller must not use it afterwards). */
  predict(rows: Uint8Array, n: number, width: number): Promise<Predictions> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const p = new Promise<Predictions>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows, n, width } satisfies CnnToWorker, [rows.buffer as ArrayBuffer]);
    });
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return p;
  }

  private onMessage(m: CnnToMain): void {
    if (m.id === 0) return;
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if ('error' in m) w.reject(new Error(`CNN worker: ${m.error}`));
    else if ('cls' in m) w.resolve({ cls: m.cls, confidence: m.confidence });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  /** Waits for the batches posted so far, then ends the thread. */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    this.failure ??= new Error('the CNN worker is closed');
    await this.worker.terminate();
  }

  /** Batches posted and not answered yet. */
  get pending(): number {
    return this.waiting.size;
  }
}
