/**
 * libpcap's statistics for a live capture, read as pcap_stats() reads them on Linux: the capture socket's
 * PACKET_STATISTICS (packets the socket received, drops included, and packets dropped because the ring was full;
 * each read resets the kernel's counters, so they are accumulated here) and the interface's own drops since the
 * capture opened (`ps_ifdrop`: rx_dropped + rx_missed_errors from sysfs). The `cap` binding does not expose
 * pcap_stats, so the socket is found by what its `open` created (a packet socket new in /proc/self/fd) and read
 * through moat's native helper (native/packet-stats.c, built into dist/native/ by the build).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Suricata's names: `capture.kernel_packets`, `kernel_drops`, `kernel_ifdrops`. */
export interface CaptureCounters {
  /** Packets the capture socket received (libpcap's ps_recv; on Linux it includes the dropped ones). */
  received: number;
  /** Dropped by the kernel because moat did not read fast enough (ps_drop). */
  dropped: number;
  /** Dropped by the interface (driver) since the capture opened (ps_ifdrop). */
  ifDropped: number;
}

type Native = { packetStats(fd: number): [number, number] };
let native: Native | null | undefined;
let nativeWhy = '';

function loadNative(): Native | null {
  if (native !== undefined) return native;
  const req = createRequire(import.meta.url);
  // dist/src/capture/ (tests, the plain tree) and dist/bundle/ (the bundled CLI) both reach dist/native/.
  for (const rel of ['../../native/packet-stats.node', '../native/packet-stats.node']) {
    const path = new URL(rel, import.meta.url);
    if (!existsSync(path)) continue;
    try {
      native = req(path.pathname) as Native;
      return native;
    } catch (e) {
      nativeWhy = (e as Error).message;
    }
  }
  nativeWhy ||=
    'dist/native/packet-stats.node is not built (npm run build compiles it; it needs cc and Node headers)';
  native = null;
  return native;
}

/** The socket inodes behind this process's file descriptors. */
export function socketFds(): Map<number, string> {
  const out = new Map<number, string>();
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${n}`));
      if (m) out.set(Number(n), m[1]);
    } catch {
      // closed meanwhile (readdir's own descriptor)
    }
  }
  return out;
}

function packetSocketInodes(): Set<string> {
  const out = new Set<string>();
  try {
    for (const line of readFileSync('/proc/net/packet', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 9) out.add(f[8]);
    }
  } catch {
    // not Linux
  }
  return out;
}

function ifaceDrops(iface: string): number {
  let n = 0;
  for (const k of ['rx_dropped', 'rx_missed_errors']) {
    try {
      n += Number(readFileSync(`/sys/class/net/${iface}/statistics/${k}`, 'utf8').trim()) || 0;
    } catch {
      // the `any` pseudo-device and non-Linux systems have none
    }
  }
  return n;
}

export class CaptureStats {
  private fd?: number;
  private readonly acc: CaptureCounters = { received: 0, dropped: 0, ifDropped: 0 };
  private readonly ifBase: number;
  /** Why the counters cannot be read (undefined when they can). */
  readonly unavailable?: string;

  /** `before`: socketFds() taken just before the capture's synchronous open. */
  constructor(
    private readonly iface: string,
    before: Map<number, string>,
  ) {
    this.ifBase = ifaceDrops(iface);
    const n = loadNative();
    if (!n) {
      this.unavailable = nativeWhy;
      return;
    }
    const packet = packetSocketInodes();
    for (const [fd, inode] of socketFds()) if (!before.has(fd) && packet.has(inode)) this.fd = fd;
    if (this.fd === undefined) this.unavailable = 'the capture socket was not found in /proc/self/fd';
  }

  /** The counters since the capture opened (kernel values read now and added). */
  read(): CaptureCounters {
    if (this.fd !== undefined && native) {
      try {
        const [p, d] = native.packetStats(this.fd);
        this.acc.received += p;
        this.acc.dropped += d;
      } catch {
        // the capture was closed: the totals stay as last read
        this.fd = undefined;
      }
    }
    this.acc.ifDropped = Math.max(0, ifaceDrops(this.iface) - this.ifBase);
    return { ...this.acc };
  }

  /** Takes the last counts before the socket closes (its descriptor number may be reused after). */
  close(): void {
    this.read();
    this.fd = undefined;
  }
}
