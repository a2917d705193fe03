/**
 * The dedicated honeypot ↔ IoT-gateway protocol: length-prefixed frames over TLS,
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
