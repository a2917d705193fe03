/**
 * The dedicated protocol between the honeypot and the relay's device end: length-prefixed frames over TLS,
 * `u32 length | u8 type | payload`, length counting type + payload. The HELLO payload starts with the
 * magic `MOAT-HPGW/1` so the router and security component recognise the protocol explicitly.
 */
export const MAGIC = 'MOAT-HPGW/1';
export const MAX_FRAME = 1 << 20;

export enum FrameType {
  Hello = 1,
  Welcome = 2,
  Data = 3,
  Reply = 4,
  Error = 5,
}

export function encodeFrame(type: FrameType, payload: Buffer | string): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (p.length + 1 > MAX_FRAME) throw new Error(`frame payload of ${p.length} bytes exceeds ${MAX_FRAME}`);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(p.length + 1, 0);
  head[4] = type;
  return Buffer.concat([head, p]);
}

export class FrameError extends Error {}

/** Reassembles frames from a byte stream; a length beyond MAX_FRAME is a protocol error. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: FrameType; payload: Buffer }> {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Array<{ type: FrameType; payload: Buffer }> = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(0);
      if (len < 1 || len > MAX_FRAME) throw new FrameError(`bad frame length ${len}`);
      if (this.buf.length < 4 + len) break;
      out.push({ type: this.buf[4] as FrameType, payload: Buffer.from(this.buf.subarray(5, 4 + len)) });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
}

/** What a Data/Reply/Error frame says besides its bytes: request id, protocol, session, command. */
export interface FrameMeta {
  id: number;
  p?: string;
  s?: string;
  c?: string;
}

/**
 * Data, Reply and Error payloads: `u16 meta length | meta JSON | original protocol bytes`. The id
 * lets many honeypot sessions share one tunnel with replies arriving in any order.
 */
export function encodeTagged(type: FrameType, meta: FrameMeta, bytes: Buffer | string): Buffer {
  const m = Buffer.from(JSON.stringify(meta));
  if (m.length > 0xffff) throw new Error('frame meta too long');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(m.length, 0);
  return encodeFrame(type, Buffer.concat([head, m, typeof bytes === 'string' ? Buffer.from(bytes) : bytes]));
}

export function decodeTagged(payload: Buffer): { meta: FrameMeta; bytes: Buffer } {
  if (payload.length < 2) throw new FrameError('tagged frame shorter than its meta length');
  const n = payload.readUInt16BE(0);
  if (2 + n > payload.length) throw new FrameError(`frame meta length ${n} runs past the frame`);
  let meta: FrameMeta;
  try {
    meta = JSON.parse(payload.toString('utf8', 2, 2 + n)) as FrameMeta;
  } catch {
    throw new FrameError('frame meta is not JSON');
  }
  if (typeof meta.id !== 'number') throw new FrameError('frame meta without a numeric id');
  return { meta, bytes: payload.subarray(2 + n) };
}
