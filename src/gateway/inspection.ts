/**
 * Live inspection on the gateway (issue 12, point 10): moat's packet pipeline on a libpcap copy of the internal
 * zones' interfaces, writing EVE (flow, TLS, HTTP, DNS, anomaly, alerts of the loaded rules) with libpcap's
 * statistics in periodic `stats` events (Suricata's `capture.kernel_packets` / `kernel_drops` /
 * `kernel_ifdrops`, per interface under `threads`).
 *
 * One capture per internal interface rather than one on `any` or on the WAN: every routed packet crosses exactly
 * one internal interface, so each is seen once (on `any` a forwarded packet is seen twice, in and out), and it is
 * seen before masquerade, with the device's own address; the devices' DNS queries to the gateway's dnsmasq and
 * its answers cross the same interfaces, so DNS answers reach the pipeline too. All captures feed one pipeline on
 * the daemon's thread; the kernel does the forwarding, so a slow pipeline loses copies (counted), never traffic.
 */
import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import {
  openLiveCapture,
  type CaptureCounters,
  type LiveCaptureSource,
  type PacketSink,
} from '../capture/index.js';
import { formatRuleError, loadRuleFile, RuleInspector, RuleMatcher, type Rule } from '../detect/index.js';
import { EveFileWriter, eveNow } from '../output/index.js';
import { Pipeline, type Inspector } from '../pipeline/index.js';
import type { Component, Health } from '../framework/index.js';
import { ConfigError } from '../framework/errors.js';
import { PacketRing } from './packet-ring.js';

export interface InspectionConfig {
  interfaces: string[];
  eve: string;
  rules: string[];
  statsSeconds: number;
  /** libpcap's kernel buffer per interface, bytes. */
  bufferBytes: number;
  /** The packet ring kept for the isolation bundle, bytes (0: none). */
  ringBytes: number;
  snaplen: number;
  /** More inspectors (the security stage), run after the rules. */
  inspectors?: Inspector[];
  /** The analysis engines (model, CNN, log review), loaded at start and run after the rules and the bundle. */
  analysis?: LiveAnalysis;
  log: (line: string) => void;
}

/**
 * Engines that judge the captured flows, composed by the command (they live in folders the gateway does not load):
 * the identification model, the payload CNN, log review. Their verdicts go out on the bus, not through here.
 */
export interface LiveAnalysis {
  /** Loads the engines (models from the store); called when live inspection starts. */
  load(): Promise<Inspector[]>;
  /** Once a second on the daemon's thread, outside the packet callbacks: batched work (the CNN's batch). */
  tick?(): void;
  /** One line for the component's health. */
  describe?(): string;
  close(): Promise<void>;
}

export interface InterfaceStats extends CaptureCounters {
  interface: string;
  /** Why libpcap's counters cannot be read here (they read 0), when they cannot. */
  unavailable?: string;
}

export interface CaptureStatus {
  interfaces: InterfaceStats[];
  /** Sums over the interfaces. */
  total: CaptureCounters & { lossRatio: number };
  pipeline: { packets: number; bytes: number; flows: number; events: number; alerts: number };
  eve: string;
  rules: number;
  updatedAt: string;
}

/** Loads rule files; every refused rule is logged; none usable is a configuration error. */
function loadRules(
  files: readonly string[],
  log: (l: string) => void,
): { inspector: RuleInspector; count: number } | undefined {
  if (files.length === 0) return undefined;
  const rules: Rule[] = [];
  for (const f of files) {
    let load;
    try {
      load = loadRuleFile(f);
    } catch (e) {
      throw new ConfigError(`inspection.rules: ${f}: ${(e as Error).message}`);
    }
    rules.push(...load.rules);
    for (const e of load.errors.slice(0, 20)) log(`rule refused: ${formatRuleError(e)}`);
  }
  if (rules.length === 0) throw new ConfigError(`inspection.rules: no usable rule in ${files.join(', ')}`);
  log(`inspection: ${rules.length} rules loaded`);
  return { inspector: new RuleInspector(new RuleMatcher(rules)), count: rules.length };
}

export class LiveInspection implements Component<InspectionConfig>, PacketSink {
  readonly name = 'live-inspection';
  readonly dependsOn = ['router'];
  private sources: LiveCaptureSource[] = [];
  private pipeline?: Pipeline;
  private writer?: EveFileWriter;
  private ac?: AbortController;
  private timer?: NodeJS.Timeout;
  private runs: Promise<unknown>[] = [];
  private startedMs = 0;
  private ruleCount = 0;
  private last?: CaptureStatus;
  ring?: PacketRing;

  constructor(readonly config: InspectionConfig) {}

  async start(): Promise<void> {
    const c = this.config;
    const rules = loadRules(c.rules, c.log);
    this.ruleCount = rules?.count ?? 0;
    // Every capture opens before anything is written: an interface that cannot be captured stops the start.
    try {
      for (const iface of c.interfaces)
        this.sources.push(openLiveCapture({ iface, snaplen: c.snaplen, bufferSize: c.bufferBytes }));
    } catch (e) {
      for (const s of this.sources) s.close();
      this.sources = [];
      throw e;
    }
    try {
      this.engines = (await c.analysis?.load()) ?? [];
    } catch (e) {
      for (const s of this.sources) s.close();
      this.sources = [];
      throw e;
    }
    this.writer = new EveFileWriter(c.eve, { append: true, flushIntervalMs: 1000 });
    this.base = [...(rules ? [rules.inspector] : []), ...(c.inspectors ?? [])];
    this.pipeline = new Pipeline(this.writer, { inspectors: this.inspectors() });
    if (c.ringBytes > 0) this.ring = new PacketRing(c.ringBytes, this.sources[0]?.link, c.snaplen);
    this.ac = new AbortController();
    this.startedMs = Date.now();
    this.runs = this.sources.map((s) => s.run(this, this.ac!.signal));
    for (const s of this.sources)
      if (s.stats().unavailable)
        c.log(`inspection: ${s.description}: libpcap statistics unavailable: ${s.stats().unavailable}`);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    c.log(`inspection: capturing on ${c.interfaces.join(', ')} → ${c.eve}`);
  }

  /**
   * Runs the captured traffic through other inspectors from now on, in place of `inspection.rules` and the configured
   * ones (the bundle's slot and the analysis engines stay): the captures stay open, the current pipeline ends its
   * flows (written with reason shutdown) and a new one starts.
   */
  replaceInspectors(inspectors: Inspector[]): void {
    if (!this.pipeline || !this.writer) return;
    this.base = inspectors;
    this.swap();
  }

  /**
   * The installed rule bundle's inspector (A-2, verdicts.rules), run in this one capture next to the others; none
   * removes it. The captures stay open: the switch costs no packet, only the flows in progress are ended.
   */
  setBundle(inspector: Inspector | undefined): void {
    this.bundle = inspector;
    this.swap();
  }

  /** Whether packets are flowing through a pipeline (started, not stopped). */
  get running(): boolean {
    return this.pipeline !== undefined;
  }

  private base: Inspector[] = [];
  private bundle?: Inspector;
  private engines: Inspector[] = [];

  private inspectors(): Inspector[] {
    return [...this.base, ...(this.bundle ? [this.bundle] : []), ...this.engines];
  }

  private swap(): void {
    if (!this.pipeline || !this.writer) return;
    const inspectors = this.inspectors();
    const old = this.pipeline;
    this.pipeline = new Pipeline(this.writer, { inspectors });
    old.finish(Date.now() * 1000);
    this.extraPackets += old.stats.packets;
  }

  private extraPackets = 0;

  /** Every packet of every capture: kept in the ring, then through the pipeline. */
  onPacket(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void {
    this.ring?.push(buf, off, caplen, wirelen, tsUs, linkType);
    this.pipeline!.onPacket(buf, off, caplen, wirelen, tsUs, linkType);
  }

  private ticks = 0;

  /** Once a second: idle flows end on wall time (a quiet network sends no packet to move flow time on). */
  private tick(): void {
    this.pipeline?.advanceClock(Date.now() * 1000);
    try {
      this.config.analysis?.tick?.();
    } catch (e) {
      this.config.log(`inspection: analysis: ${(e as Error).message}`);
    }
    if (++this.ticks % this.config.statsSeconds === 0) this.writeStats();
  }

  /** libpcap's and the pipeline's counters now. */
  status(): CaptureStatus {
    if (!this.pipeline) return this.last ?? this.emptyStatus();
    const interfaces = this.sources.map((s, i) => {
      const st = s.stats();
      const row: InterfaceStats = {
        interface: this.config.interfaces[i],
        received: st.received,
        dropped: st.dropped,
        ifDropped: st.ifDropped,
      };
      if (st.unavailable) row.unavailable = st.unavailable;
      return row;
    });
    const total = { received: 0, dropped: 0, ifDropped: 0, lossRatio: 0 };
    for (const r of interfaces) {
      total.received += r.received;
      total.dropped += r.dropped;
      total.ifDropped += r.ifDropped;
    }
    total.lossRatio = total.received > 0 ? total.dropped / total.received : 0;
    const p = this.pipeline.stats;
    this.last = {
      interfaces,
      total,
      pipeline: {
        packets: this.extraPackets + p.packets,
        bytes: p.bytes,
        flows: p.flows,
        events: p.events,
        alerts: p.alerts,
      },
      eve: this.config.eve,
      rules: this.ruleCount,
      updatedAt: new Date().toISOString(),
    };
    return this.last;
  }

  private emptyStatus(): CaptureStatus {
    return {
      interfaces: [],
      total: { received: 0, dropped: 0, ifDropped: 0, lossRatio: 0 },
      pipeline: { packets: 0, bytes: 0, flows: 0, events: 0, alerts: 0 },
      eve: this.config.eve,
      rules: this.ruleCount,
      updatedAt: new Date().toISOString(),
    };
  }

  /** A Suricata-shaped `stats` event: totals under `capture`, each interface under `threads`. */
  writeStats(): void {
    if (!this.writer) return;
    const s = this.status();
    const cap = (c: CaptureCounters) => ({
      kernel_packets: c.received,
      kernel_drops: c.dropped,
      kernel_ifdrops: c.ifDropped,
    });
    const threads: Record<string, unknown> = {};
    for (const r of s.interfaces) threads[r.interface] = { capture: cap(r) };
    const event = {
      timestamp: eveNow(),
      event_type: 'stats',
      stats: {
        uptime: Math.round((Date.now() - this.startedMs) / 1000),
        capture: cap(s.total),
        decoder: { pkts: s.pipeline.packets, bytes: s.pipeline.bytes },
        flow: { total: s.pipeline.flows },
        detect: { alert: s.pipeline.alerts },
        threads,
      },
    };
    this.writer.writeLine(JSON.stringify(event));
  }

  /** The last `maxBytes` of the EVE file (from a line start), for the isolation bundle. */
  eveTail(maxBytes: number): Buffer {
    this.writer?.flush();
    let fd: number;
    try {
      fd = openSync(this.config.eve, 'r');
    } catch {
      return Buffer.alloc(0);
    }
    try {
      const size = fstatSync(fd).size;
      const n = Math.min(size, maxBytes);
      const b = Buffer.alloc(n);
      readSync(fd, b, 0, n, size - n);
      if (n === size) return b;
      const nl = b.indexOf(10);
      return nl < 0 ? Buffer.alloc(0) : b.subarray(nl + 1);
    } finally {
      closeSync(fd);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const status = this.pipeline ? this.status() : undefined;
    this.ac?.abort();
    await Promise.all(this.runs);
    if (this.pipeline) {
      this.pipeline.finish(Date.now() * 1000);
      if (status) this.writeStats();
    }
    await this.writer?.close();
    this.writer = undefined;
    this.pipeline = undefined;
    for (const ins of this.config.inspectors ?? []) await ins.close?.();
    await this.config.analysis?.close();
  }

  health(): Health {
    const s = this.status();
    return {
      ok: this.sources.length > 0,
      detail: `${s.interfaces.length} interface(s), ${s.total.received} received, ${s.total.dropped} dropped by the kernel${this.config.analysis?.describe ? `; ${this.config.analysis.describe()}` : ''}`,
    };
  }
}
