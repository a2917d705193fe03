/**
 * An analysis worker: takes the packets of its shard of flows from its shared-memory ring (filled by the
 * reading thread, see dispatch/), runs them through its own Pipeline, and writes its EVE lines in large
 * batches — straight to the output file (O_APPEND, each batch lands whole) or, for in-process consumers, as
 * one message per ~1 MiB to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EveFileWriter } from '../output/index.js';
import { EveLineOut } from '../output/index.js';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';
import { shardPipeline } from './dispatch/shard-pipeline.js';
import { ABORT, BATCHES, BatchView, END, FLAG_BROADCAST, FLAG_CLOCK, FREE, FULL } from './dispatch/ring.js';

const BATCH_CHARS = 1 << 20;
/** How long one wait for a slot lasts before the abort flag is looked at again. */
const WAIT_MS = 200;
/** The reading thread set the abort word: its error is the one to report. */
class ReaderAborted extends Error {
  constructor() {
    super('input stopped');
  }
}

/** Atomics.waitAsync (V8 ≥ 8.7, so every Node 20), typed here because the ES2022 library predates it. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
      ms: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** Batches between forced returns to the event loop (each a few milliseconds of work). */
const YIELD_EVERY = 16;

async function main(): Promise<void> {
  const data = workerData as WorkerData;
  const port = parentPort;
  if (!port) return;
  const control = new Int32Array(data.ring.control);
  const refs = new Int32Array(data.shared.chunkRefs);
  const send = (m: WorkerMessage): void => port.postMessage(m);
  let file: EveFileWriter | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    // Straight to the output file through the buffered writer, or in ~1 MiB batches to the main thread.
    // Written by libuv's I/O threads: this thread waits for batches with Atomics.waitAsync and yields now and
    // then, so its event loop collects finished writes.
    if (data.eveFile !== undefined) file = new EveFileWriter(data.eveFile, { append: true });
    const out = file;
    let batch: string[] = [];
    let chars = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      send({ kind: 'lines', lines: batch });
      batch = [];
      chars = 0;
    };
    const pipeline = shardPipeline(
      out ??
        new EveLineOut((line) => {
          batch.push(line);
          chars += line.length;
          if (chars >= BATCH_CHARS) flush();
        }),
      data,
    );
    const views = data.ring.batches.map((b) => new BatchView(b));
    const chunks = data.shared.chunks.map((c) => Buffer.from(c));
    let endUs = 0;
    let batches = 0;
    // A pending Atomics.waitAsync does not keep a worker's event loop alive; this does, until the END batch.
    keepAlive = setInterval(() => undefined, 1 << 30);
    for (let slot = 0; ; slot = (slot + 1) % BATCHES) {
      let state = Atomics.load(control, slot);
      while (state === FREE) {
        if (Atomics.load(refs, ABORT) !== 0) throw new ReaderAborted();
        const w = waitAsync(control, slot, FREE, WAIT_MS);
        if (w.async) await w.value;
        state = Atomics.load(control, slot);
      }
      // A worker that never has to wait still lets its event loop run (finished writes) every so often.
      if (++batches % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      if (state !== FULL && state !== END) throw new Error(`bad batch state ${state}`);
      const v = views[slot];
      const count = v.header[0];
      const chunk = v.header[1];
      const meta = v.meta;
      const ts = v.ts;
      const cnt = v.cnt;
      const buf = chunks[chunk];
      for (let i = 0; i < count; i++) {
        const m = i << 2;
        const link = meta[m + 3];
        if ((link & FLAG_CLOCK) !== 0) {
          pipeline.advanceClock(ts[i]);
        } else {
          const broadcast = (link & FLAG_BROADCAST) !== 0;
          pipeline.onDispatched(
            buf,
            meta[m],
            meta[m + 1],
            meta[m + 2],
            ts[i],
            link & 0xffff,
            cnt[i],
            broadcast,
          );
        }
      }
      if (count > 0) {
        // The reader may reuse the chunk once no batch refers to it.
        Atomics.sub(refs, chunk, 1);
        Atomics.notify(refs, chunk);
      }
      if (state === END) endUs = v.endUs[0];
      Atomics.store(control, slot, FREE);
      Atomics.notify(control, slot);
      if (state === END) break;
    }
    clearInterval(keepAlive);
    const stats = pipeline.finish(endUs);
    flush();
    await file?.close();
    file = undefined;
    send({ kind: 'done', stats });
  } catch (err: unknown) {
    // What this worker already wrote is kept: the buffered events still reach the file.
    try {
      await file?.close();
    } catch {
      // The output itself failing is what the error below reports.
    }
    clearInterval(keepAlive);
    Atomics.store(refs, ABORT, 1);
    for (let c = 0; c < refs.length; c++) Atomics.notify(refs, c);
    if (err instanceof ReaderAborted) send({ kind: 'aborted' });
    else send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

void main();
