/**
 * The EVE `frame` object, as Suricata writes it in `frame` records (eve-log `frame`, opt-in) and in the alerts of
 * `frame` rules: the frame's type, id, direction, stream offset (TCP) and length, whether all its bytes were seen,
 * and its first 256 bytes as base64 and in printable form.
 */
import type { AppFrame } from '../../proto/index.js';
import { printable } from './alert.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

/** Bytes of a frame an event shows. */
const FRAME_PAYLOAD_MAX = 256;

export function writeFrameMember(o: EveBytesOut, f: AppFrame): void {
  raw(o, '"frame":{"type":');
  str(o, f.type);
  raw(o, ',"id":');
  num(o, f.id);
  raw(o, f.dir === 0 ? ',"direction":"toserver"' : ',"direction":"toclient"');
  if (f.streamOffset !== undefined) {
    raw(o, ',"stream_offset":');
    num(o, f.streamOffset);
  }
  raw(o, ',"length":');
  num(o, f.length);
  raw(o, f.data.length >= f.length ? ',"complete":true' : ',"complete":false');
  const shown = f.data.subarray(0, FRAME_PAYLOAD_MAX);
  raw(o, ',"payload":');
  str(o, shown.toString('base64'));
  raw(o, ',"payload_printable":');
  str(o, printable(shown));
  if (f.txId !== undefined) {
    raw(o, ',"tx_id":');
    num(o, f.txId);
  }
  raw(o, '}');
}
