/**
 * TLS frames as Suricata marks them: each record is a `pdu` (header and body), its 5-byte `hdr` and its `data`
 * (the body; `alert` and `heartbeat` for those record types' bodies). Records are read from the header's length,
 * whatever they carry (ciphertext included), until a header is invalid or a hole breaks the record boundaries.
 */
import type { Direction, Framer } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import { FrameIds } from '../frames/index.js';

const HDR = 5;
const CT_ALERT = 21;
const CT_HEARTBEAT = 24;

interface Side {
  /** Stream offset of the next byte. */
  offset: number;
  /** The record being read: its start offset, the header so far and the body's bytes so far. */
  start: number;
  hdr: Buffer;
  hdrLen: number;
  body: Buffer | null;
  bodyLen: number;
  /** Body length the header announces; -1 while the header is incomplete. */
  need: number;
  ids: number;
  stopped: boolean;
}

const side = (): Side => ({
  offset: 0,
  start: 0,
  hdr: Buffer.alloc(HDR),
  hdrLen: 0,
  body: null,
  bodyLen: 0,
  need: -1,
  ids: 0,
  stopped: false,
});

export class TlsFramer implements Framer {
  private readonly ids: FrameIds;
  private readonly sides: [Side, Side] = [side(), side()];

  constructor(ctx: AppContext) {
    this.ids = new FrameIds(ctx);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    const s = this.sides[dir];
    let p = off;
    const end = off + len;
    while (p < end && !s.stopped) {
      if (s.need < 0) {
        if (s.hdrLen === 0) s.start = s.offset + (p - off);
        const take = Math.min(HDR - s.hdrLen, end - p);
        buf.copy(s.hdr, s.hdrLen, p, p + take);
        s.hdrLen += take;
        p += take;
        if (s.hdrLen < HDR) break;
        const type = s.hdr[0];
        // A header that is not TLS's (SSLv2, damage): record boundaries are lost from here.
        if (type < 20 || type > 24 || s.hdr[1] !== 3) {
          s.stopped = true;
          break;
        }
        s.need = (s.hdr[3] << 8) | s.hdr[4];
        s.ids = this.ids.take(3);
        s.body = Buffer.allocUnsafe(s.need);
        s.bodyLen = 0;
      }
      const take = Math.min(s.need - s.bodyLen, end - p);
      buf.copy(s.body!, s.bodyLen, p, p + take);
      s.bodyLen += take;
      p += take;
      if (s.bodyLen === s.need) this.record(dir, s, tsUs);
    }
    s.offset += len;
  }

  onGap(dir: Direction, len: number, tsUs: number): void {
    const s = this.sides[dir];
    // A record cut by the hole is handed on with what arrived; nothing after it can be framed.
    if (!s.stopped && s.need >= 0) this.record(dir, s, tsUs);
    s.stopped = true;
    s.offset += len;
  }

  /** The record's three frames, in id order: pdu, hdr, data (alert/heartbeat). */
  private record(dir: Direction, s: Side, tsUs: number): void {
    const body = s.body!.subarray(0, s.bodyLen);
    const hdr = Buffer.from(s.hdr);
    const type = hdr[0];
    const base = { proto: 'tls', dir, streamOffset: s.start } as const;
    this.ids.emit(
      { ...base, type: 'pdu', id: s.ids, length: HDR + s.need, data: Buffer.concat([hdr, body]) },
      tsUs,
    );
    this.ids.emit({ ...base, type: 'hdr', id: s.ids + 1, length: HDR, data: hdr }, tsUs);
    const bodyType = type === CT_ALERT ? 'alert' : type === CT_HEARTBEAT ? 'heartbeat' : 'data';
    this.ids.emit(
      { ...base, type: bodyType, id: s.ids + 2, streamOffset: s.start + HDR, length: s.need, data: body },
      tsUs,
    );
    s.need = -1;
    s.hdrLen = 0;
    s.body = null;
    s.bodyLen = 0;
  }
}
