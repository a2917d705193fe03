/**
 * An analysis worker: runs a Pipeline over the whole input, keeps its shard of flows, and sends its EVE
 * lines to the main thread in large batches (one message per ~1 MiB, not per event).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';
import { Pipeline } from './pipeline.js';
import { withProgress } from './progress-sink.js';
import { openCaptureFile } from '../capture/index.js';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';

const BATCH_CHARS = 1 << 20;

async function main(): Promise<void> {
  const data = workerData as WorkerData;
  const port = parentPort;
  if (!port) return;
  let batch: string[] = [];
  let chars = 0;
  const send = (m: WorkerMessage): void => port.postMessage(m);
  const fd = data.eveFile !== undefined ? openSync(data.eveFile, 'a') : -1;
  const flush = (): void => {
    if (batch.length === 0) return;
    if (fd >= 0) {
      batch.push('');
      writeSync(fd, batch.join('\n'));
    } else {
      send({ kind: 'lines', lines: batch });
    }
    batch = [];
    chars = 0;
  };
  const pipeline = new Pipeline(
    (ev) => {
      const line = JSON.stringify(ev);
      batch.push(line);
      chars += line.length;
      if (chars >= BATCH_CHARS) flush();
    },
    {
      shardIndex: data.shardIndex,
      shardCount: data.shardCount,
      flow: data.flow,
      eveTypes: data.eveTypes ? new Set(data.eveTypes) : undefined,
      eveCustom: data.eveCustom,
    },
  );
  const sink = data.progress
    ? withProgress(pipeline, statSync(data.file).size, (fraction) => send({ kind: 'progress', fraction }))
    : pipeline;
  await openCaptureFile(data.file).run(sink);
  const stats = pipeline.finish();
  flush();
  if (fd >= 0) closeSync(fd);
  send({ kind: 'done', stats });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
});
