/**
 * Live capture from an interface with libpcap (the `cap` package), feeding the same pipeline as files. The package is
 * optional: without it (or without libpcap) opening fails with a clear message. Packets carry the wall-clock time of
 * their arrival in user space (libpcap's kernel timestamp is not exposed by the binding).
 */
import { createRequire } from 'node:module';
import type { PacketSink, PacketSource, SourceStats } from './packet.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_NULL, LINKTYPE_RAW } from './packet.js';
import { OperationalError } from '../framework/errors.js';
import { CaptureStats, socketFds, type CaptureCounters } from './live-stats.js';

export interface LiveOptions {
  iface: string;
  bpf?: string;
  durationS?: number;
  snaplen?: number;
  /** Kernel ring buffer size, bytes. */
  bufferSize?: number;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  setMinBytes?(n: number): void;
  on(ev: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
  close(): void;
}
interface CapModule {
  Cap: (new () => CapHandle) & { deviceList(): Array<{ name: string }> };
}

const LINK: Record<string, number> = {
  ETHERNET: LINKTYPE_ETHERNET,
  NULL: LINKTYPE_NULL,
  RAW: LINKTYPE_RAW,
  LINKTYPE_LINUX_SLL: LINKTYPE_LINUX_SLL,
};

/** The interface does not exist, libpcap rejects the filter, or capturing is not possible here. */
export class LiveCaptureError extends OperationalError {}

function loadCap(): CapModule {
  try {
    return createRequire(import.meta.url)('cap') as CapModule;
  } catch (err) {
    throw new LiveCaptureError(
      `live capture needs the cap package and libpcap (apt-get install libpcap-dev; npm ci): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * A capture already opened on its interface: the interface exists, the filter compiled and the link type is
 * one moat decodes. `run` delivers packets from then on.
 */
export class LiveCaptureSource implements PacketSource {
  readonly description: string;
  private readonly c: CapHandle;
  private readonly buf: Buffer;
  private readonly linkType: number;
  private readonly counters: CaptureStats;

  /** Opens the capture now; a LiveCaptureError names what is wrong before anything else is set up. */
  constructor(private readonly o: LiveOptions) {
    this.description = `live capture on ${o.iface}${o.bpf ? ` (${o.bpf})` : ''}`;
    const cap = loadCap();
    const names = cap.Cap.deviceList().map((d) => d.name);
    if (!names.includes(o.iface))
      throw new LiveCaptureError(`no interface named '${o.iface}' (have: ${names.join(', ')})`);
    this.c = new cap.Cap();
    this.buf = Buffer.alloc(o.snaplen ?? 65535);
    let kind: string;
    const before = socketFds();
    try {
      kind = this.c.open(o.iface, o.bpf ?? '', o.bufferSize ?? 16 << 20, this.buf);
    } catch (err) {
      throw new LiveCaptureError(
        `cannot capture on ${o.iface}${o.bpf ? ` with filter "${o.bpf}"` : ''}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    // cap names five link types and reports others as "Unknown linktype N": keep the number for the decoder.
    const unknown = /^Unknown linktype (\d+)$/.exec(kind);
    const linkType = LINK[kind] ?? (unknown ? Number(unknown[1]) : undefined);
    if (linkType === undefined) {
      this.c.close();
      throw new LiveCaptureError(`${o.iface}: unsupported link type ${kind}`);
    }
    this.linkType = linkType;
    this.counters = new CaptureStats(o.iface, before);
    this.c.setMinBytes?.(0);
  }

  /** The link type packets arrive with. */
  get link(): number {
    return this.linkType;
  }

  /** libpcap's statistics since the capture opened (`unavailable` says why they cannot be read). */
  stats(): CaptureCounters & { unavailable?: string } {
    return { ...this.counters.read(), unavailable: this.counters.unavailable };
  }

  private closed = false;

  /** Gives the interface back without running (a later setup step failed); `run` closes it itself at its end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.counters.close();
    this.c.close();
  }

  run(sink: PacketSink, signal?: AbortSignal): Promise<SourceStats> {
    const { c, buf, linkType } = this;
    const stats: SourceStats = { packets: 0, bytes: 0, damaged: 0 };
    const t0 = Date.now() * 1000 - performance.now() * 1000;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
        this.close();
        resolve(stats);
      };
      c.on('packet', (nbytes: number) => {
        const caplen = Math.min(nbytes, buf.length);
        stats.packets++;
        stats.bytes += nbytes;
        sink.onPacket(buf, 0, caplen, nbytes, Math.floor(t0 + performance.now() * 1000), linkType);
      });
      if (this.o.durationS !== undefined) timer = setTimeout(stop, this.o.durationS * 1000);
      if (signal) {
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      }
    });
  }
}

/** Opens `o.iface` for capture (throws LiveCaptureError when it cannot be); packets flow once `run` is called. */
export function openLiveCapture(o: LiveOptions): LiveCaptureSource {
  return new LiveCaptureSource(o);
}
