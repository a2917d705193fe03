/**
 * The contract between packet sources (pcap, pcapng, live libpcap) and the rest of the pipeline.
 *
 * A source hands each packet on as primitive arguments — the buffer it already holds, an offset, lengths
 * and a timestamp — so the hot loop creates no object per packet. The buffer is only valid for the duration
 * of the call: a consumer that needs bytes later (TCP reassembly, IP fragments) copies them.
 */
import { InputError } from '../framework/errors.js';

/** libpcap LINKTYPE_* values moat decodes (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_NULL = 0; // BSD loopback, host byte order AF_ value
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, version from the first nibble
export const LINKTYPE_LOOP = 108; // OpenBSD loopback, network byte order AF_ value
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
/** DLT_RAW as some BSDs number it in old captures. */
export const LINKTYPE_RAW_BSD = 12;
export const LINKTYPE_RAW_OPENBSD = 14;

export interface PacketSink {
  /**
   * One captured packet. `tsUs` is microseconds since the Unix epoch (nanosecond captures are rounded
   * down; a double holds µs exactly until the year 2255). `wirelen` is the original length on the wire,
   * `caplen` what was captured (caplen < wirelen means the snapshot length cut it).
   */
  onPacket(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void;
}

export interface SourceStats {
  packets: number;
  bytes: number;
  /** Records skipped because they were damaged (bad lengths, unknown blocks); the source went on. */
  damaged: number;
  /** Why the source stopped early, if it did (truncated file, I/O error); undefined when it ran to the end. */
  stoppedBecause?: string;
}

export interface PacketSource {
  readonly description: string;
  /** Delivers every packet to `sink`, then resolves. `signal` stops a live source. */
  run(sink: PacketSink, signal?: AbortSignal): Promise<SourceStats>;
}

/** Thrown for input that cannot be read at all (not a capture, unsupported version); names file and offset. */
export class CaptureFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${file}: at byte ${offset}: ${detail}`);
  }
}
