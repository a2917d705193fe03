/**
 * Runs the pipeline over one input — a capture file or a live interface — on one thread or on N worker
 * threads, and delivers EVE events to a consumer. `moat analyze`, `moat tlsmon` and tests all come here,
 * so a pcap and live traffic get the same answer.
 */
import type { EveCustomFields } from './eve-events.js';
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { openCaptureFile } from '../capture/index.js';
import type { PacketSource } from '../capture/packet.js';
import type { FlowEngineOptions } from '../flow/index.js';
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
  flow?: FlowEngineOptions;
  /** Event types to produce (flow, tls, http, dns, anomaly); all when unset. */
  eveTypes?: string[];
  /** Optional EVE fields (suricata.yaml `custom:` lists), e.g. `tls: ['client_handshake']`. */
  eveCustom?: EveCustomFields;
  /** Either objects (tests, inspectors) or ready JSON lines (file output; cheaper across threads). */
  onEvent?: EveConsumer;
  onLine?: (line: string) => void;
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
    workers > 1 && input.file && !opts.inspectors?.length
      ? await runWorkers(input.file, workers, opts)
      : await runInline(input, opts);
  stats.wallMs = performance.now() - started;
  return stats;
}

function consumerOf(opts: AnalysisOptions): EveConsumer {
  const { onEvent, onLine } = opts;
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

async function runInline(input: AnalysisInput, opts: AnalysisOptions): Promise<AnalysisStats> {
  const source = input.source ?? (input.file ? openCaptureFile(input.file) : undefined);
  if (!source) throw new Error('runAnalysis: give a file or a source');
  const pipeline = new Pipeline(consumerOf(opts), {
    flow: opts.flow,
    eveTypes: opts.eveTypes ? new Set(opts.eveTypes) : undefined,
    eveCustom: opts.eveCustom,
    iface: input.iface,
    inspectors: opts.inspectors,
  });
  const size = input.file ? statSync(input.file).size : 0;
  const onProgress = opts.onProgress;
  const sink =
    onProgress && size > 0 ? withProgress(pipeline, size, (f) => onProgress(f, pipeline.stats)) : pipeline;
  await source.run(sink, opts.signal);
  const stats = pipeline.finish();
  for (const ins of opts.inspectors ?? []) await ins.close?.();
  onProgress?.(1, stats);
  return stats;
}

async function runWorkers(file: string, count: number, opts: AnalysisOptions): Promise<AnalysisStats> {
  const total = emptyStats();
  const onLine = opts.onLine;
  const onEvent = opts.onEvent;
  const fractions = new Array<number>(count).fill(0);
  const url = new URL('./worker.js', import.meta.url);
  const shards = Array.from({ length: count }, (_, shardIndex) => {
    const data: WorkerData = {
      file,
      shardIndex,
      shardCount: count,
      flow: opts.flow,
      eveTypes: opts.eveTypes,
      eveCustom: opts.eveCustom,
      progress: opts.onProgress !== undefined,
      eveFile: onLine || onEvent ? undefined : opts.eveFile,
    };
    return new Promise<AnalysisStats>((resolve, reject) => {
      const w = new Worker(url, { workerData: data });
      w.on('message', (m: WorkerMessage) => {
        if (m.kind === 'lines') {
          for (const line of m.lines) {
            if (onLine) onLine(line);
            if (onEvent) onEvent(JSON.parse(line) as EveEvent);
          }
        } else if (m.kind === 'progress') {
          fractions[shardIndex] = m.fraction;
          opts.onProgress?.(Math.min(...fractions), total);
        } else if (m.kind === 'done') {
          resolve(m.stats);
        } else if (m.kind === 'error') {
          reject(new Error(m.message));
        }
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (code !== 0) reject(new Error(`analysis worker ${shardIndex} exited with code ${code}`));
      });
      opts.signal?.addEventListener('abort', () => void w.terminate());
    });
  });
  const results = await Promise.all(shards);
  // Every worker read the whole input: packet/byte/decoder totals come from one of them.
  const first = results[0];
  total.packets = first.packets;
  total.bytes = first.bytes;
  total.nonIp = first.nonIp;
  total.decodeErrors = first.decodeErrors;
  total.truncated = first.truncated;
  total.firstUs = first.firstUs;
  total.lastUs = first.lastUs;
  for (const r of results) mergeShardStats(total, r);
  // Decode-error anomalies were reported by shard 0 only; mergeShardStats counted its anomalies once.
  opts.onProgress?.(1, total);
  return total;
}
