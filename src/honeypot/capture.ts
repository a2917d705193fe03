/**
 * The honeypot records its own sessions (A-81 network level, A-83): one libpcap capture on the interface it listens
 * on, filtered to its ports, split per instance into `<dir>/<instance id>.pcap`. Disk stays bounded: a session's
 * file stops growing at `maxBytesPerSession` (later packets are counted, not written), and once a file is closed
 * the oldest closed files go when the folder passes `maxTotalBytes` or a file passes `maxAgeDays`.
 *
 * A TCP connection's first packets (SYN, SYN-ACK, ACK) arrive before the service accepts it and the instance
 * exists: they wait, a few per connection and a bounded number of connections, until the instance opens (then
 * they lead its file) or expire (a scan, a connection the limits refused). After the instance ends the file stays
 * open `lingerMs` more for the closing FIN/ACK, then is closed and the instance's record is complete.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  LiveCaptureError,
  openLiveCapture,
  PcapWriter,
  type LiveCaptureSource,
  type PacketSink,
} from '../capture/index.js';
import { DecodedPacket, PacketDecoder, DECODE_OK, DECODE_TRUNCATED, IPPROTO_TCP } from '../decode/index.js';
import { tryParseIp } from '../address/index.js';
import { ConfigError } from '../framework/errors.js';
import type { CaptureRef, InstanceRecord } from './instance.js';
import type { CaptureConfig } from './config.js';

/** Pre-instance packets held per connection, connections held, and how long. */
const PENDING_PACKETS = 16;
const PENDING_FLOWS = 4096;
const PENDING_MS = 30_000;

interface Flow {
  key: number;
  addr: Uint32Array;
  peerPort: number;
  localPort: number;
  seenMs: number;
  pending: Array<{ frame: Buffer; tsUs: number; wirelen: number }>;
  writer?: PcapWriter;
  ref?: CaptureRef;
  done?: () => void;
}

/** The interface whose addresses include `bind` (a wildcard bind: 'any'). */
export function interfaceFor(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return 'any';
  for (const [name, addrs] of Object.entries(networkInterfaces()))
    if (addrs?.some((a) => a.address === bind)) return name;
  throw new ConfigError(
    `capture.interface: no interface holds the bind address ${bind}; name one (capture.interface)`,
  );
}

/** Folds an address (IPv4-mapped words) into 32 bits: the map key's high part. */
function fold(a: Uint32Array): number {
  return (a[0] ^ a[1] ^ a[2] ^ a[3]) >>> 0;
}

export class SessionCapture implements PacketSink {
  readonly iface: string;
  readonly bpf: string;
  readonly counters = {
    packets: 0,
    written: 0,
    dropped: 0,
    expired: 0,
    deleted: 0,
    pendingFull: 0,
    errors: 0,
  };
  /** The last write error (disk full …), for the operator. */
  lastError?: string;
  private readonly source: LiveCaptureSource;
  private readonly decoder = new PacketDecoder();
  private readonly pkt = new DecodedPacket();
  private readonly ports: Set<number>;
  /** fold(peer address) * 65536 + peer port → the connections of that peer port (usually one). */
  private readonly flows = new Map<number, Flow[]>();
  private pendingFlows = 0;
  private readonly closedFiles: Array<{ file: string; bytes: number; mtimeMs: number }> = [];
  private closedBytes = 0;
  private readonly abort = new AbortController();
  private running?: Promise<unknown>;
  private sweeper?: NodeJS.Timeout;
  private readonly byInstance = new Map<string, Flow>();

  /** Opens the capture now (LiveCaptureError names the interface or filter when it cannot). */
  constructor(
    private readonly cfg: CaptureConfig,
    ports: number[],
    bind: string,
  ) {
    this.ports = new Set(ports);
    this.iface = cfg.interface === 'auto' ? interfaceFor(bind) : cfg.interface;
    const wildcard = bind === '0.0.0.0' || bind === '::';
    const portExpr = [...this.ports].map((p) => `port ${p}`).join(' or ');
    this.bpf = `tcp and (${portExpr})${wildcard ? '' : ` and host ${bind}`}`;
    mkdirSync(cfg.dir, { recursive: true });
    try {
      this.source = openLiveCapture({ iface: this.iface, bpf: this.bpf, snaplen: cfg.snaplen });
    } catch (e) {
      // Said as the honeypot's capture, so the operator knows which setting to look at.
      if (e instanceof LiveCaptureError)
        throw new LiveCaptureError(`honeypot capture (capture.*): ${e.message}`);
      throw e;
    }
    this.indexExisting();
  }

  /** Starts delivering packets. */
  start(): void {
    this.running = this.source.run(this, this.abort.signal);
    this.sweeper = setInterval(() => this.expirePending(Date.now()), 5000);
    this.sweeper.unref();
  }

  onPacket(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void {
    this.counters.packets++;
    const pkt = this.pkt;
    pkt.tsUs = tsUs;
    const r = this.decoder.decodeAt(buf, off, caplen, wirelen, linkType, pkt);
    if ((r !== DECODE_OK && r !== DECODE_TRUNCATED) || pkt.proto !== IPPROTO_TCP) return;
    let addr: Uint32Array;
    let peerPort: number;
    let localPort: number;
    if (this.ports.has(pkt.dstPort)) {
      addr = pkt.src;
      peerPort = pkt.srcPort;
      localPort = pkt.dstPort;
    } else if (this.ports.has(pkt.srcPort)) {
      addr = pkt.dst;
      peerPort = pkt.dstPort;
      localPort = pkt.srcPort;
    } else return;
    const key = fold(addr) * 65536 + peerPort;
    let f = this.find(key, addr, localPort);
    if (!f) {
      if (this.pendingFlows >= PENDING_FLOWS) {
        this.counters.pendingFull++;
        return;
      }
      f = { key, addr: addr.slice(), peerPort, localPort, seenMs: Date.now(), pending: [] };
      const list = this.flows.get(key);
      if (list) list.push(f);
      else this.flows.set(key, [f]);
      this.pendingFlows++;
    }
    this.store(f, buf, off, caplen, wirelen, tsUs);
  }

  private find(key: number, addr: Uint32Array, localPort: number): Flow | undefined {
    const list = this.flows.get(key);
    if (!list) return undefined;
    // Newest first: a peer port reused while the previous connection's file lingers belongs to the new one.
    for (let i = list.length - 1; i >= 0; i--) {
      const f = list[i];
      if (
        f.localPort === localPort &&
        f.addr[0] === addr[0] &&
        f.addr[1] === addr[1] &&
        f.addr[2] === addr[2] &&
        f.addr[3] === addr[3]
      )
        return f;
    }
    return undefined;
  }

  private store(f: Flow, buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number): void {
    const ref = f.ref;
    if (!ref || !f.writer) {
      // Before the instance opens: a copy (the capture buffer is reused for the next packet).
      if (f.pending.length < PENDING_PACKETS)
        f.pending.push({ frame: Buffer.from(buf.subarray(off, off + caplen)), tsUs, wirelen });
      return;
    }
    if (ref.bytes + caplen > this.cfg.maxBytesPerSession) {
      ref.dropped++;
      this.counters.dropped++;
      return;
    }
    try {
      f.writer.write(buf.subarray(off, off + caplen), tsUs, wirelen);
    } catch (e) {
      // Disk full: this packet is lost and counted; later ones are tried again.
      ref.dropped++;
      this.fail(e);
      return;
    }
    ref.packets++;
    ref.bytes += caplen;
    this.counters.written++;
  }

  /** The instance opened: its file starts with the connection's packets seen so far. Sets `record.capture`. */
  attach(record: InstanceRecord): void {
    const ip = tryParseIp(record.peerIp);
    if (!ip) return;
    const addr = ip.words;
    const key = fold(addr) * 65536 + record.peerPort;
    let f = this.find(key, addr, record.localPort);
    if (!f || f.writer) {
      // The instance came before any of its packets (or they were not held): packets from now on go to its file.
      f = {
        key,
        addr,
        peerPort: record.peerPort,
        localPort: record.localPort,
        seenMs: Date.now(),
        pending: [],
      };
      const list = this.flows.get(key);
      if (list) list.push(f);
      else this.flows.set(key, [f]);
    } else this.pendingFlows--;
    const file = join(this.cfg.dir, `${record.id}.pcap`);
    try {
      f.writer = new PcapWriter(file, this.source.link, this.cfg.snaplen);
    } catch (e) {
      // The session goes on uncaptured: a full or vanished folder never stops the honeypot answering.
      this.fail(e);
      this.unlist(f);
      return;
    }
    f.ref = { file, packets: 0, bytes: 0, dropped: 0, complete: false };
    record.capture = f.ref;
    this.byInstance.set(record.id, f);
    const held = f.pending;
    f.pending = [];
    for (const p of held) this.store(f, p.frame, 0, p.frame.length, p.wirelen, p.tsUs);
  }

  /** The instance ended: resolves once its file is closed (after `lingerMs`, or at once on `close()`). */
  detach(record: InstanceRecord): Promise<void> {
    const f = this.byInstance.get(record.id);
    if (!f) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), this.cfg.lingerMs);
      const finish = (): void => {
        clearTimeout(timer);
        if (!this.byInstance.delete(record.id)) return;
        this.finish(f);
        resolve();
      };
      f.done = finish;
    });
  }

  private unlist(f: Flow): void {
    const list = this.flows.get(f.key);
    if (!list) return;
    const i = list.indexOf(f);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.flows.delete(f.key);
  }

  private finish(f: Flow): void {
    this.unlist(f);
    try {
      f.writer?.close();
    } catch (e) {
      this.fail(e);
    }
    if (f.ref) {
      f.ref.complete = true;
      this.closedFiles.push({
        file: f.ref.file,
        bytes: f.ref.bytes + 24 + 16 * f.ref.packets,
        mtimeMs: Date.now(),
      });
      this.closedBytes += this.closedFiles[this.closedFiles.length - 1].bytes;
      this.retain(Date.now());
    }
  }

  private fail(e: unknown): void {
    this.counters.errors++;
    this.lastError = e instanceof Error ? e.message : String(e);
  }

  /** Held connections no instance claimed within PENDING_MS go. */
  private expirePending(now: number): void {
    for (const [key, list] of this.flows) {
      for (let i = list.length - 1; i >= 0; i--)
        if (!list[i].writer && now - list[i].seenMs > PENDING_MS) {
          list.splice(i, 1);
          this.pendingFlows--;
          this.counters.expired++;
        }
      if (list.length === 0) this.flows.delete(key);
    }
    this.retain(now);
  }

  /** The files of earlier runs count against the budget too (oldest first). */
  private indexExisting(): void {
    for (const name of readdirSync(this.cfg.dir)) {
      if (!name.endsWith('.pcap')) continue;
      const file = join(this.cfg.dir, name);
      try {
        const st = statSync(file);
        this.closedFiles.push({ file, bytes: st.size, mtimeMs: st.mtimeMs });
        this.closedBytes += st.size;
      } catch {
        // gone meanwhile
      }
    }
    this.closedFiles.sort((a, b) => a.mtimeMs - b.mtimeMs);
    this.retain(Date.now());
  }

  /** Deletes closed files past the age limit, then the oldest until the folder is within its byte budget. */
  private retain(now: number): void {
    const maxAge = this.cfg.maxAgeDays * 86_400_000;
    while (
      this.closedFiles.length > 0 &&
      (this.closedBytes > this.cfg.maxTotalBytes || now - this.closedFiles[0].mtimeMs > maxAge)
    ) {
      const old = this.closedFiles.shift()!;
      this.closedBytes -= old.bytes;
      try {
        unlinkSync(old.file);
        this.counters.deleted++;
      } catch {
        // already removed by the operator
      }
    }
  }

  /** Closes every open file (their instances' `detach` resolve) and stops capturing. */
  async close(): Promise<void> {
    for (const [id, f] of [...this.byInstance])
      if (f.done) f.done();
      else {
        // Still open at shutdown: its file is closed as it stands.
        this.byInstance.delete(id);
        this.finish(f);
      }
    if (this.sweeper) clearInterval(this.sweeper);
    this.abort.abort();
    if (this.running) await this.running;
    else this.source.close();
  }
}
