/**
 * The kernel's samples (NFLOG group G, written by the `dev_sample` chain): each record's log prefix names the pair
 * of zones it was sampled for (and so its rate); TCP connection starts and UDP datagrams go to log review as
 * connections of the device that sent them. Only sampled packets reach this process.
 */
import { createRequire } from 'node:module';
import { OperationalError } from '../framework/errors.js';
import { ipv4Text, newFields, readNflog, type PacketFields } from './frames.js';

export interface Sample {
  device: string;
  peer: string;
  proto: number;
  dstPort: number;
  bytes: number;
  /** The pair it was sampled for (the counter's name): user_to_iot, iot_to_user … */
  pair: string;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  setMinBytes?(n: number): void;
  on(ev: 'packet', fn: (nbytes: number) => void): void;
  close(): void;
}

export class Sampler {
  /** Samples received per pair, and records that were not IPv4 samples. */
  readonly received: Record<string, number> = {};
  malformed = 0;
  /** Samples whose handling failed (a bug; logged). */
  errors = 0;
  private cap?: CapHandle;
  private readonly f = newFields();
  private readonly prefix = { value: '' };

  constructor(
    private readonly group: number,
    private readonly onSample: (s: Sample) => void,
    private readonly log?: (line: string) => void,
    /** Every sampled IPv4 packet, its fields read in place from the reused buffer `b` (the model's check). */
    private readonly onPacket?: (pair: string, f: PacketFields, b: Uint8Array) => void,
  ) {}

  start(): void {
    const { Cap } = createRequire(import.meta.url)('cap') as { Cap: new () => CapHandle };
    const c = new Cap();
    const buf = Buffer.alloc(65535);
    try {
      c.open(`nflog:${this.group}`, '', 8 << 20, buf);
    } catch (e) {
      throw new OperationalError(`NFLOG group ${this.group}: ${(e as Error).message}`);
    }
    c.setMinBytes?.(0);
    c.on('packet', (n) => {
      try {
        this.onRecord(buf, Math.min(n, buf.length));
      } catch (e) {
        if (this.errors++ < 5) this.log?.(`devices: sample: ${(e as Error).stack ?? String(e)}`);
      }
    });
    this.cap = c;
  }

  onRecord(b: Uint8Array, len: number): void {
    const f = this.f;
    if (!readNflog(b, len, f, this.prefix)) return void this.malformed++;
    const pair = this.prefix.value || 'unknown';
    this.received[pair] = (this.received[pair] ?? 0) + 1;
    this.onPacket?.(pair, f, b);
    // A TCP connection start (SYN without ACK) or any UDP datagram counts as one connection of its sender.
    if (f.proto === 6 && (f.tcpFlags & 0x12) !== 2) return;
    if (f.proto !== 6 && f.proto !== 17) return;
    // A UDP datagram from a lower port to a higher one is a service's reply to its client's ephemeral port, not a
    // connection the sender opened (otherwise a device answering clients looks like a port scanner).
    if (f.proto === 17 && f.srcPort < f.dstPort) return;
    this.onSample({
      device: ipv4Text(f.src),
      peer: ipv4Text(f.dst),
      proto: f.proto,
      dstPort: f.dstPort,
      bytes: f.ipLength,
      pair,
    });
  }

  stop(): void {
    this.cap?.close();
    this.cap = undefined;
  }
}
