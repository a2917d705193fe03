/**
 * Live capture from an interface with libpcap (the `cap` package), feeding the same pipeline as files. The package is
 * optional: without it (or without libpcap) opening fails with a clear message. Packets carry the wall-clock time of
 * their arrival in user space (libpcap's kernel timestamp is not exposed by the binding).
 */
import { createRequire } from 'node:module';
import type { PacketSink, PacketSource, SourceStats } from './packet.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_NULL, LINKTYPE_RAW } from './packet.js';

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

export class LiveCaptureError extends Error {}

function loadCap(): CapModule {
  try {
    return createRequire(import.meta.url)('cap') as CapModule;
  } catch (err) {
    throw new LiveCaptureError(
      `live capture needs the cap package and libpcap (apt-get install libpcap-dev; npm ci): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export class LiveCaptureSource implements PacketSource {
  readonly description: string;

  constructor(private readonly o: LiveOptions) {
    this.description = `live capture on ${o.iface}${o.bpf ? ` (${o.bpf})` : ''}`;
  }

  run(sink: PacketSink, signal?: AbortSignal): Promise<SourceStats> {
    let cap: CapModule;
    try {
      cap = loadCap();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const names = cap.Cap.deviceList().map((d) => d.name);
    if (!names.includes(this.o.iface)) {
      return Promise.reject(
        new LiveCaptureError(`no interface named '${this.o.iface}' (have: ${names.join(', ')})`),
      );
    }
    const c = new cap.Cap();
    const buf = Buffer.alloc(this.o.snaplen ?? 65535);
    let kind: string;
    try {
      kind = c.open(this.o.iface, this.o.bpf ?? '', this.o.bufferSize ?? 16 << 20, buf);
    } catch (err) {
      return Promise.reject(
        new LiveCaptureError(
          `cannot capture on ${this.o.iface}${this.o.bpf ? ` with filter "${this.o.bpf}"` : ''}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
    // cap names five link types and reports others as "Unknown linktype N": keep the number for the decoder.
    const unknown = /^Unknown linktype (\d+)$/.exec(kind);
    const linkType = LINK[kind] ?? (unknown ? Number(unknown[1]) : undefined);
    if (linkType === undefined) {
      c.close();
      return Promise.reject(new LiveCaptureError(`${this.o.iface}: unsupported link type ${kind}`));
    }
    c.setMinBytes?.(0);
    const stats: SourceStats = { packets: 0, bytes: 0, damaged: 0 };
    const t0 = Date.now() * 1000 - performance.now() * 1000;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
        c.close();
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

export function openLiveCapture(o: LiveOptions): PacketSource {
  return new LiveCaptureSource(o);
}
