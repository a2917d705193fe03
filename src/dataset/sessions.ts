/**
 * Sessions out of a capture, by moat's own engine (A-83: the same code live and offline). Each flow's first `width`
 * bytes of application payload in arrival order, both directions — reassembled TCP, UDP datagram payloads — the
 * layout the gateway's CNN inspector (ml/cnn-inspector.ts) reads live, so no header or address byte is ever in an
 * image. A test holds the two byte for byte equal on one capture.
 */
import type { Inspector } from '../pipeline/index.js';
import { FlowPrefixes, type FlowView } from '../flow/index.js';
import type { DecodedPacket } from '../decode/index.js';
import { formatIp } from '../address/index.js';

export interface CapturedSession {
  src: string;
  dst: string;
  sp: number;
  dp: number;
  proto: number;
  startUs: number;
  /** `width` bytes, zero-padded; `used` of them are payload. */
  bytes: Uint8Array;
  used: number;
}

/** The inspector that keeps sessions instead of classifying them. */
export class SessionCollector implements Inspector {
  readonly name = 'dataset-sessions';
  readonly wantsStream = true;
  readonly sessions: CapturedSession[] = [];
  private readonly prefixes: FlowPrefixes;

  constructor(
    width: number,
    private readonly maxSessions = 1_000_000,
  ) {
    this.prefixes = new FlowPrefixes(width);
  }

  private take(flow: FlowView, data: Uint8Array, off: number, len: number): void {
    const p = this.prefixes;
    if (p.append(flow.id, data, off, len)) return;
    if (p.size + this.sessions.length >= this.maxSessions) return;
    p.open(flow.id);
    p.append(flow.id, data, off, len);
  }

  onStreamData(flow: FlowView, _dir: number, data: Buffer): void {
    this.take(flow, data, 0, data.length);
  }

  onPacket(flow: FlowView, _dir: number, pkt: DecodedPacket): undefined {
    if (flow.proto === 17 && pkt.payloadLen > 0) this.take(flow, pkt.buf, pkt.payloadOff, pkt.payloadLen);
    return undefined;
  }

  onFlowEnd(flow: FlowView): undefined {
    const s = this.prefixes.take(flow.id);
    if (!s) return undefined;
    this.sessions.push({
      src: formatIp(flow.src, flow.ipVersion),
      dst: formatIp(flow.dst, flow.ipVersion),
      sp: flow.srcPort,
      dp: flow.dstPort,
      proto: flow.proto,
      startUs: flow.startUs,
      bytes: s.b,
      used: s.n,
    });
    return undefined;
  }
}

/** Every session of a capture file with at least `minBytes` of payload, in the order the flows ended. */
export async function sessionsOfCapture(
  file: string,
  width: number,
  minBytes = 16,
): Promise<CapturedSession[]> {
  // The engine is loaded on demand: the honeypot imports this folder for desensitisation and needs no pipeline.
  const { runAnalysis } = await import('../pipeline/index.js');
  const c = new SessionCollector(width);
  await runAnalysis({ file }, { inspectors: [c], eveTypes: [] });
  return c.sessions.filter((s) => s.used >= minBytes);
}
