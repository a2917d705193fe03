/**
 * Batches off the event loop (issue 15 §6): a worker thread that parses, checks, scores and serialises batch
 * bodies. The service's thread only forwards the body's chunks as they arrive and sends the finished answer, so a
 * 35 MB batch costs it a few microseconds per 64 KiB chunk instead of the parse, the garbage and the scoring.
 * The worker loads the model itself from the store and follows activations (hot swap) like the service does.
 */
import { Worker } from 'node:worker_threads';
import { BodySyntaxError } from './chunked-json.js';
import { ValidationError } from './batch-check.js';
import type { BatchWorkerSource, ToMain, ToWorker } from './batch-worker-protocol.js';

export type { BatchWorkerSource } from './batch-worker-protocol.js';

interface Waiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** One batch body on its way through the worker. */
export class BatchJob {
  private state: 'reading' | 'parsed' | 'scoring' | 'done' = 'reading';
  items = 0;
  constructor(
    private readonly worker: BatchWorker,
    readonly id: number,
  ) {}

  /** A chunk of the body; its memory moves to the worker (pass a copy the caller no longer needs). */
  push(chunk: Uint8Array): void {
    this.worker.post({ t: 'chunk', id: this.id, b: chunk }, [chunk.buffer as ArrayBuffer]);
  }

  /** The body is complete: the worker parses and checks it; resolves to the item count. */
  async end(): Promise<number> {
    this.items = (await this.worker.request({ t: 'end', id: this.id }, this.id)) as number;
    this.state = 'parsed';
    return this.items;
  }

  /** The verdicts as the response body (JSON bytes). */
  async score(): Promise<Buffer> {
    this.state = 'scoring';
    const b = (await this.worker.request({ t: 'score', id: this.id }, this.id)) as Uint8Array;
    this.state = 'done';
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  /** The request ended without its verdicts (refused, aborted): the worker forgets the body. */
  drop(): void {
    if (this.state === 'done' || this.state === 'scoring') return;
    this.state = 'done';
    this.worker.post({ t: 'drop', id: this.id });
  }
}

export class BatchWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly reloads: ((v: number | null) => void)[] = [];
  private failure: Error | undefined;
  /** The model version the worker serves (updated when it reports a reload). */
  version: number | null = null;
  private readonly started: Promise<void>;

  constructor(source: BatchWorkerSource) {
    this.worker = new Worker(new URL('./batch-worker-thread.js', import.meta.url), {
      workerData: source,
      // The parent's runtime flags, without the ones that describe how its own entry was given (`-e` scripts).
      execArgv: process.execArgv.filter((a) => a.startsWith('--') && !/^--(input-type|eval|print)\b/.test(a)),
    });
    this.started = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.reloads.push(() => {
        this.worker.off('error', reject);
        resolve();
      });
    });
    this.worker.on('message', (m: ToMain) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the batch worker exited (code ${code})`)));
  }

  /** Resolves once the worker has opened the store and loaded the active model. */
  ready(): Promise<void> {
    return this.started;
  }

  begin(): BatchJob {
    if (this.failure) throw this.failure;
    const job = new BatchJob(this, this.nextId++);
    this.post({ t: 'begin', id: job.id });
    return job;
  }

  /** Asks the worker to look for a newly activated model and fresh intel now; resolves to its version. */
  reload(): Promise<number | null> {
    return new Promise((resolve) => {
      this.reloads.push(resolve);
      this.post({ t: 'reload' });
    });
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.failure) this.worker.postMessage(m, transfer);
  }

  request(m: ToWorker, id: number): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(m);
    });
  }

  private onMessage(m: ToMain): void {
    if (m.t === 'reloaded') {
      this.version = m.version;
      for (const r of this.reloads.splice(0)) r(m.version);
      return;
    }
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.t === 'parsed') w.resolve(m.items);
    else if (m.t === 'result') w.resolve(m.body);
    else if (m.kind === 'syntax') w.reject(new BodySyntaxError(m.message));
    else if (m.kind === 'invalid') w.reject(new ValidationError(m.path ?? '(body)', m.message));
    else w.reject(new Error(m.message));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    if (this.failure) return;
    this.failure = new Error('the batch worker is closed');
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ t: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
