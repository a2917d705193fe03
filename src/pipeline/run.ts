/**
 * Runs the pipeline over one input — a capture file or a live interface — on one thread or on N worker
 * threads, and delivers EVE events to a consumer. `moat analyze`, `moat tlsmon` and tests all come here,
 * so a pcap and live traffic get the same answer.
 */
import type { EveCustomFields } from './eve-events.js';
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { openCaptureFile } from '../capture/index.js';
import type { PacketSink, PacketSource, SourceStats } from '../capture/packet.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { shardPipeline } from './dispatch/shard-pipeline.js';
import { EveFileWriter } from '../output/eve/writer.js';
import type { EveBytesOut } from '../output/eve/json-out.js';
import { CHUNK_BYTES, createRing, createShared } from './dispatch/ring.js';
import type { FlowTrackerOptions } from '../flow/index.js';
import type { EveEvent } from '../output/eve/header.js';
import type { EveConsumer } from './eve-events.js';
import { Pipeline } from './pipeline.js';
import { withProgress } from './progress-sink.js';
import { emptyStats, mergeShardStats, type AnalysisStats } from './stats.js';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';
import type { Inspector } from './inspector.js';

export interface AnalysisInput {
  /** A pcap or pcapng file (format by magic number). */
  file?: string;
  /** A live source already opened (e.g. libpcap); single-threaded. */
  source?: PacketSource;
  iface?: string;
}

export interface AnalysisOptions {
  /** Worker threads (files only); 1 runs on the calling thread. */
  workers?: number;
  flow?: FlowTrackerOptions;
  /** Event types to produce (flow, tls, http, dns, anomaly, alert); all when unset. */
  eveTypes?: string[];
  /** Optional EVE fields (suricata.yaml `custom:` lists), e.g. `tls: ['client_handshake']`. */
  eveCustom?: EveCustomFields;
  /** Either objects (tests, inspectors) or ready JSON lines (file output; cheaper across threads). */
  onEvent?: EveConsumer;
  onLine?: (line: string) => void;
  /**
   * The EVE output, when lines go to a file or stdout: with no onEvent/onLine and no inspectors, records are
   * encoded straight into its buffer instead of built as objects and serialised (the cheapest path).
   */
  eveWriter?: EveFileWriter;
  /**
   * With workers and no onEvent/onLine: each worker appends its lines to this (already created) file itself.
   * Events of different flows interleave in batches, as with Suricata's workers.
   */
  eveFile?: string;
  /** Called now and then with the fraction of the input read (files) — for progress bars. */
  onProgress?: (fraction: number, stats: AnalysisStats) => void;
  signal?: AbortSignal;
  /**
   * Inspection stage (TLS monitor, rules). Inspectors hold state across flows (heat counts, event caches), so
   * they run on one thread: with inspectors the analysis is single-threaded.
   */
  inspectors?: Inspector[];
}

export async function runAnalysis(input: AnalysisInput, opts: AnalysisOptions): Promise<AnalysisStats> {
  const started = performance.now();
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  const stats =
    workers > 1 && (input.file || input.source) && !opts.inspectors?.length
      ? await runWorkers(input, workers, opts)
      : await runInline(input, opts);
  stats.wallMs = performance.now() - started;
  return stats;
}

function lineSinkOf(opts: AnalysisOptions): ((line: string) => void) | undefined {
  const w = opts.eveWriter;
  return opts.onLine ?? (w ? (l: string): void => w.writeLine(l) : undefined);
}

function consumerOf(opts: AnalysisOptions): EveConsumer {
  const onEvent = opts.onEvent;
  const onLine = lineSinkOf(opts);
  if (onEvent && onLine) {
    return (ev) => {
      onEvent(ev);
      onLine(JSON.stringify(ev));
    };
  }
  if (onEvent) return onEvent;
  if (onLine) return (ev) => onLine(JSON.stringify(ev));
  return () => undefined;
}

/** The writer records may be encoded into directly: only when nothing else wants them as objects or strings. */
function directOutOf(opts: AnalysisOptions): EveBytesOut | undefined {
  return opts.onEvent || opts.onLine ? undefined : opts.eveWriter;
}

async function runInline(input: AnalysisInput, opts: AnalysisOptions): Promise<AnalysisStats> {
  const source = input.source ?? (input.file ? openCaptureFile(input.file) : undefined);
  if (!source) throw new Error('runAnalysis: give a file or a source');
  const pipeline = new Pipeline(consumerOf(opts), {
    flow: opts.flow,
    eveTypes: opts.eveTypes ? new Set(opts.eveTypes) : undefined,
    eveCustom: opts.eveCustom,
    iface: input.iface,
    inspectors: opts.inspectors,
    eveOut: directOutOf(opts),
  });
  const size = input.file ? statSync(input.file).size : 0;
  const onProgress = opts.onProgress;
  const sink =
    onProgress && size > 0
      ? withProgress(pipeline, pipeline.stats, size, (f) => onProgress(f, pipeline.stats))
      : pipeline;
  const read = await source.run(sink, opts.signal);
  const stats = pipeline.finish();
  noteSource(stats, read);
  for (const ins of opts.inspectors ?? []) await ins.close?.();
  onProgress?.(1, stats);
  return stats;
}

/** What the reader says about the input itself: damaged records it skipped, and why it stopped early. */
function noteSource(stats: AnalysisStats, read: SourceStats): void {
  stats.damagedRecords = read.damaged;
  if (read.stoppedBecause !== undefined) stats.inputEndedEarly = read.stoppedBecause;
}

/** A worker stopped because the reading side aborted the run (that side's error explains it). */
class WorkerAborted extends Error {
  constructor(shardIndex: number) {
    super(`analysis worker ${shardIndex} stopped: the input was abandoned`);
  }
}

/** How often a live capture's listed packets go to the workers when batches fill slowly. */
const LIVE_FLUSH_MS = 100;

async function runWorkers(
  input: AnalysisInput,
  count: number,
  opts: AnalysisOptions,
): Promise<AnalysisStats> {
  const file = input.file;
  const onLine = lineSinkOf(opts);
  const onEvent = opts.onEvent;
  const shared = createShared();
  // This thread is analysis thread 0 (besides reading); the workers are threads 1 … count−1.
  const rings = Array.from({ length: count - 1 }, () => createRing());
  const eveFile = onLine || onEvent ? undefined : opts.eveFile;
  const ownFile = eveFile !== undefined ? new EveFileWriter(eveFile, { append: true }) : undefined;
  const settings = {
    shardCount: count,
    flow: opts.flow,
    eveTypes: opts.eveTypes,
    eveCustom: opts.eveCustom,
    iface: input.iface,
  };
  const inline = shardPipeline(
    ownFile ? (ev) => ownFile.writeLine(JSON.stringify(ev)) : consumerOf(opts),
    { ...settings, shardIndex: 0 },
    ownFile ?? directOutOf(opts),
  );
  const dispatcher = new Dispatcher(shared, rings, inline);
  // A file is read straight into the shared chunks the workers read packets from; a live source's packets
  // are copied into them.
  const source = file
    ? openCaptureFile(file, { chunkSize: CHUNK_BYTES, provider: dispatcher })
    : input.source;
  if (!source) throw new Error('runAnalysis: give a file or a source');
  const url = new URL('./worker.js', import.meta.url);
  const started: Worker[] = [];
  const shards = rings.map((ring, ringIndex) => {
    const shardIndex = ringIndex + 1;
    const data: WorkerData = { ...settings, shardIndex, shared, ring, eveFile };
    return new Promise<AnalysisStats>((resolve, reject) => {
      const w = new Worker(url, {
        workerData: data,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      });
      started.push(w);
      w.on('message', (m: WorkerMessage) => {
        if (m.kind === 'lines') {
          for (const line of m.lines) {
            if (onLine) onLine(line);
            if (onEvent) onEvent(JSON.parse(line) as EveEvent);
          }
        } else if (m.kind === 'done') {
          resolve(m.stats);
        } else if (m.kind === 'error') {
          reject(new Error(`analysis worker ${shardIndex}: ${m.message}`));
        } else if (m.kind === 'aborted') {
          reject(new WorkerAborted(shardIndex));
        }
      });
      w.on('error', (err) => {
        dispatcher.abort();
        reject(err);
      });
      w.on('exit', (code) => {
        if (code !== 0) reject(new Error(`analysis worker ${shardIndex} exited with code ${code}`));
      });
    });
  });
  // A failing worker must not leave the others' promises unobserved while the input is still being read.
  const all = Promise.all(shards);
  all.catch(() => undefined);
  const onProgress = opts.onProgress;
  const size = file ? statSync(file).size : 0;
  const progressStats = emptyStats();
  const sink: PacketSink =
    onProgress && size > 0
      ? withProgress(dispatcher, dispatcher, size, (f) => {
          progressStats.packets = dispatcher.packets;
          progressStats.bytes = dispatcher.bytes;
          onProgress(f, progressStats);
        })
      : dispatcher;
  const abort = (): void => {
    dispatcher.abort();
    for (const w of started) void w.terminate();
  };
  opts.signal?.addEventListener('abort', abort);
  const timer = file ? undefined : setInterval(() => dispatcher.flush(), LIVE_FLUSH_MS);
  let read: SourceStats;
  try {
    read = await source.run(sink, opts.signal);
    dispatcher.finish();
    inline.finish(dispatcher.lastUs);
  } catch (err) {
    // A worker that failed stopped the reader: its own message says more than "worker stopped". Workers that
    // only stopped because the reader gave up have nothing to add: then the reader's error is the one.
    dispatcher.abort();
    const settled = await Promise.allSettled(shards);
    const own = settled.find((r) => r.status === 'rejected' && !(r.reason instanceof WorkerAborted));
    for (const w of started) void w.terminate();
    if (own && own.status === 'rejected') throw own.reason;
    abort();
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    await ownFile?.close();
  }
  const results = [inline.stats, ...(await all)];
  opts.signal?.removeEventListener('abort', abort);
  const total = emptyStats();
  for (const r of results) mergeShardStats(total, r);
  // The reading thread saw every packet once; the workers' own counts overlap on broadcast packets.
  total.packets = dispatcher.packets;
  total.bytes = dispatcher.bytes;
  total.firstUs = dispatcher.firstUs;
  total.lastUs = dispatcher.lastUs;
  noteSource(total, read);
  opts.onProgress?.(1, total);
  return total;
}

/**
 * Young-generation size of each worker's heap. V8's default (up to 48 MB a thread) is sized for one thread per
 * process; with a reader and N workers it adds up to most of the RSS budget. 16 MB cost no measurable time on
 * big.pcap (more scavenges, each cheaper) and keeps two workers near 200 MB instead of 250.
 */
const WORKER_YOUNG_MB = 16;
