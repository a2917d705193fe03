/**
 * The batch worker's thread: it opens the store itself (models and intel, as `identify serve` does), keeps its
 * own IdentificationService hot-swapped from the registry, and does the heavy part of a batch — joining the
 * body's bytes, JSON.parse, the B-1 checks, scoring and serialising — so the service's event loop only moves
 * bytes. Jobs are handled one at a time in arrival order; a job's chunks may arrive while another is parsed.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from '../store/index.js';
import { AsnRanges, GeoLookup, IntelIndex, IntelStore } from '../intel/index.js';
import { IdentificationService, ModelRegistry, type IdentifyRequest } from '../identify/index.js';
import { batchItems, checkItem, ValidationError } from './batch-check.js';
import type { BatchWorkerSource, ToMain, ToWorker } from './batch-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('batch-worker-thread runs only as a worker thread');

const source = workerData as BatchWorkerSource;

// Batch work is background work: on Linux a thread has its own nice value, so this thread yields the CPU to the
// service's thread (single requests, health checks) whenever both want it. Elsewhere it runs at normal priority.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, source.nice ?? 10);
} catch {
  // No /proc or no permission to change priority: the worker still keeps the batch off the event loop.
}
const store = openSqlite(source.db, { create: false });
const geo =
  source.geo && (source.geo.asnDb || source.geo.countryDb || source.geo.asnRanges)
    ? new GeoLookup({
        ...(source.geo.asnDb ? { asnDb: source.geo.asnDb } : {}),
        ...(source.geo.countryDb ? { countryDb: source.geo.countryDb } : {}),
        ...(source.geo.asnRanges
          ? { asnRanges: AsnRanges.load(source.geo.asnRanges.v4, source.geo.asnRanges.v6) }
          : {}),
      })
    : undefined;
const intel = new IntelStore(store);
const service = new IdentificationService({
  registry: new ModelRegistry(store),
  intelSource: { stamp: () => intel.stamp(), load: () => IntelIndex.fromRows(intel.live(), geo) },
  ...(geo ? { geo } : {}),
});
service.watch(source.reloadMs ?? 1000);

const chunks = new Map<number, Uint8Array[]>();
const parsed = new Map<number, IdentifyRequest[]>();

const send = (m: ToMain, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

function end(id: number): void {
  const parts = chunks.get(id) ?? [];
  chunks.delete(id);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch (e) {
    send({ t: 'error', id, kind: 'syntax', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  try {
    const items = batchItems(body);
    const out = new Array<IdentifyRequest>(items.length);
    for (let i = 0; i < items.length; i++) out[i] = checkItem(items[i], i);
    parsed.set(id, out);
    send({ t: 'parsed', id, items: out.length });
  } catch (e) {
    if (e instanceof ValidationError)
      send({ t: 'error', id, kind: 'invalid', path: e.path, message: e.message });
    else send({ t: 'error', id, kind: 'internal', message: e instanceof Error ? e.message : String(e) });
  }
}

function score(id: number): void {
  const items = parsed.get(id);
  parsed.delete(id);
  if (!items) {
    send({ t: 'error', id, kind: 'internal', message: `batch job ${id} was not parsed` });
    return;
  }
  try {
    const version = service.modelVersion;
    const parts = new Array<string>(items.length);
    for (let i = 0; i < items.length; i++) parts[i] = JSON.stringify(service.identify(items[i]));
    const buf = Buffer.from(`{"model_version":${JSON.stringify(version)},"results":[${parts.join(',')}]}`);
    // A large Buffer owns its memory, which can then move to the main thread without a copy.
    const own = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength;
    const bytes = own ? buf : new Uint8Array(buf);
    send({ t: 'result', id, body: bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (e) {
    send({ t: 'error', id, kind: 'internal', message: e instanceof Error ? e.message : String(e) });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'begin':
      chunks.set(m.id, []);
      break;
    case 'chunk':
      chunks.get(m.id)?.push(m.b);
      break;
    case 'end':
      end(m.id);
      break;
    case 'score':
      score(m.id);
      break;
    case 'drop':
      chunks.delete(m.id);
      parsed.delete(m.id);
      break;
    case 'reload':
      try {
        service.reload();
        service.reloadIntel();
      } catch {
        // A broken row keeps the current model serving, as in the main thread.
      }
      send({ t: 'reloaded', version: service.modelVersion });
      break;
    case 'close':
      service.stop();
      store.close();
      port.close();
      break;
  }
});
send({ t: 'reloaded', version: service.modelVersion });
