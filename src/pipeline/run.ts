/**
 * Runs the pipeline over one input — a capture file or a live interface — on one thread or on N worker
 * threads, and delivers EVE events to a consumer. `moat analyze`, `moat tlsmon` and tests all come here,
 * so a pcap and live traffic get the same answer.
 */
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { openCaptureFile } from '../capture/index.js';
import type { PacketSink, PacketSource, SourceStats } from '../capture/index.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { shardPipeline } from './dispatch/shard-pipeline.js';
import { EveFileWriter } from '../output/index.js';
import type { EveBytesOut } from '../output/index.js';
import { EveLineOut, EveNullOut } from '../output/index.js';
import type { AlertOutputOptions } from '../output/index.js';
import type { AlertSink } from '../output/index.js';
import { CHUNK_BYTES, createRing, createShared } from './dispatch/ring.js';
import type { FlowTrackerOptions } from '../flow/index.js';
import type { EveEvent } from '../output/index.js';
import type { EveCustomFields } from './eve-events.js';
import type { HttpParseOptions } from '../proto/index.js';
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
  /** HTTP parsing settings (libhtp's decompression limits). */
  http?: HttpParseOptions;
  /**
   * In-process consumers: each EVE line as written (`onLine`, which takes the place of `eveWriter`), or read back
   * as an object (`onEvent`: tests, the API; the lines still go to `eveWriter` when there is one).
   */
  onEvent?: (event: EveEvent) => void;
  onLine?: (line: string) => void;
  /** The EVE output, when lines go to a file or stdout: records are encoded straight into its buffer. */
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
  /** suricata.yaml's alert options (payload, packet, X-Forwarded-For); alerts come from inspectors. */
  alertOutput?: AlertOutputOptions;
  /** Where alerts that name alert channels (a TLS policy's webhook, SMTP, syslog) are delivered. */
  alertChannels?: AlertSink;
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

/**
 * Where lines go when something in process wants them: `onEvent` (parsed) and `onLine`, or the file writer in
 * `onLine`'s place. Undefined when only the file writer is there (it is written into directly).
 */
function lineSinkOf(opts: AnalysisOptions): ((line: string) => void) | undefined {
  const { onEvent, eveWriter } = opts;
  const onLine = opts.onLine ?? (eveWriter ? (line: string): void => eveWriter.writeLine(line) : undefined);
  if (!onEvent) return opts.onLine;
  if (!onLine) return (line) => onEvent(JSON.parse(line) as EveEvent);
  return (line) => {
    onEvent(JSON.parse(line) as EveEvent);
    onLine(line);
  };
}

/** Where the analysing thread writes EVE: the in-process consumers, else the file writer, else nowhere. */
function outputOf(opts: AnalysisOptions): EveBytesOut {
  const sink = lineSinkOf(opts);
  if (sink) return new EveLineOut(sink);
  return opts.eveWriter ?? new EveNullOut();
}

async function runInline(input: AnalysisInput, opts: AnalysisOptions): Promise<AnalysisStats> {
  const source = input.source ?? (input.file ? openCaptureFile(input.file) : undefined);
  if (!source) throw new Error('runAnalysis: give a file or a source');
  const pipeline = new Pipeline(outputOf(opts), {
    flow: opts.flow,
    eveTypes: opts.eveTypes ? new Set(opts.eveTypes) : undefined,
    eveCustom: opts.eveCustom,
    http: opts.http,
    iface: input.iface,
    inspectors: opts.inspectors,
    alertOutput: opts.alertOutput,
    alertChannels: opts.alertChannels,
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
  // Lines the workers post to this thread: for the in-process consumers, else for the file writer.
  const writer = opts.eveWriter;
  const onLine = lineSinkOf(opts) ?? (writer ? (line: string): void => writer.writeLine(line) : undefined);
  const shared = createShared();
  // This thread is analysis thread 0 (besides reading); the workers are threads 1 … count−1.
  const rings = Array.from({ length: count - 1 }, () => createRing());
  const eveFile = onLine ? undefined : opts.eveFile;
  const ownFile = eveFile !== undefined ? new EveFileWriter(eveFile, { append: true }) : undefined;
  const settings = {
    shardCount: count,
    flow: opts.flow,
    eveTypes: opts.eveTypes,
    eveCustom: opts.eveCustom,
    http: opts.http,
    iface: input.iface,
  };
  const inline = shardPipeline(ownFile ?? outputOf(opts), { ...settings, shardIndex: 0 });
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
          if (onLine) for (const line of m.lines) onLine(line);
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
