/**
 * Domain names in wire form (RFC 1035 §3.1, §4.1.4): labels, compression pointers. A hostile message can
 * point a name at itself or chain pointers; the walk stops after MAX_POINTER_JUMPS jumps and past
 * MAX_NAME_CHARS characters, so every name costs bounded time and memory.
 */

/** Enough for any legitimate name (a name has ≤ 127 labels; real ones rarely chain more than a few). */
export const MAX_POINTER_JUMPS = 64;
/** 255 wire octets print as at most 4 × 255 characters with escapes; anything longer is hostile. */
export const MAX_NAME_CHARS = 1024;

export interface NameResult {
  name: string;
  /** Offset just after the name where it started (after its first pointer, if any); -1 on error. */
  next: number;
  /** Why the name could not be read (set when next is -1). */
  error: string;
}

const HEX = '0123456789abcdef';

/** Appends one label to `out`, escaping bytes a log must not carry raw. */
function labelText(buf: Buffer, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len; i++) {
    const c = buf[i];
    if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\x' + HEX[c >> 4] + HEX[c & 15];
  }
  return s;
}

/**
 * Reads the name at `pos` of the message `buf[msgStart, msgEnd)`. Pointer targets are offsets from
 * `msgStart`. The result object is reused by the caller to avoid an allocation per name.
 */
export function readName(
  buf: Buffer,
  msgStart: number,
  msgEnd: number,
  pos: number,
  out: NameResult,
): NameResult {
  let name = '';
  let next = -1;
  let jumps = 0;
  let p = pos;
  for (;;) {
    if (p >= msgEnd) return fail(out, `name at offset ${pos - msgStart} runs past the message end`);
    const len = buf[p];
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= msgEnd) return fail(out, `compression pointer at offset ${p - msgStart} is cut short`);
      const target = ((len & 0x3f) << 8) | buf[p + 1];
      if (next < 0) next = p + 2;
      if (++jumps > MAX_POINTER_JUMPS) {
        return fail(out, `name at offset ${pos - msgStart} follows more than ${MAX_POINTER_JUMPS} pointers`);
      }
      if (msgStart + target >= msgEnd) {
        return fail(
          out,
          `compression pointer to offset ${target} is beyond the message (${msgEnd - msgStart})`,
        );
      }
      p = msgStart + target;
      continue;
    }
    if (kind !== 0)
      return fail(out, `label type 0x${kind.toString(16)} at offset ${p - msgStart} is unsupported`);
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    if (p + 1 + len > msgEnd) return fail(out, `label at offset ${p - msgStart} runs past the message end`);
    if (name.length > 0) name += '.';
    name += labelText(buf, p + 1, len);
    if (name.length > MAX_NAME_CHARS) {
      return fail(out, `name at offset ${pos - msgStart} is longer than ${MAX_NAME_CHARS} characters`);
    }
    p += 1 + len;
  }
  out.name = name;
  out.next = next;
  out.error = '';
  return out;
}

function fail(out: NameResult, why: string): NameResult {
  out.name = '';
  out.next = -1;
  out.error = why;
  return out;
}

export function newNameResult(): NameResult {
  return { name: '', next: -1, error: '' };
}
