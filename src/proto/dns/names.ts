/**
 * Domain names in wire form (RFC 1035 §3.1, §4.1.4): labels, compression pointers. A hostile message can
 * point a name at itself or chain pointers; the walk stops after MAX_POINTER_JUMPS jumps and past
 * MAX_NAME_CHARS characters, so every name costs bounded time and memory.
 */

/** Enough for any legitimate name (a name has ≤ 127 labels; real ones rarely chain more than a few). */
export const MAX_POINTER_JUMPS = 64;
/**
 * Longest name kept, in characters. A legal name has ≤ 255 wire octets; pointer chains can build longer
 * ones, which are cut here and flagged (`truncated`), as Suricata does at the same length.
 */
export const MAX_NAME_CHARS = 1025;

export interface NameResult {
  name: string;
  /** Offset just after the name where it started (after its first pointer, if any); -1 on error. */
  next: number;
  /** Why the name could not be read (set when next is -1). */
  error: string;
  /** The name was longer than MAX_NAME_CHARS and was cut. */
  truncated: boolean;
  /** More than MAX_NAME_SEGMENTS labels and pointers: the name stopped there (Suricata's too_many_labels). */
  labelLimit: boolean;
}

/** Labels and pointers one name may take before Suricata stops reading it. */
export const MAX_NAME_SEGMENTS = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text of raw bytes as Suricata writes it: valid UTF-8 as is, otherwise ASCII as is and every byte ≥ 0x80
 * as `\xNN`. `latin1` holds one character per byte.
 */
export function bytesText(latin1: string): string {
  let ascii = true;
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    let s = '';
    for (const c of bytes) s += c < 0x80 ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
    return s;
  }
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
  let truncated = false;
  let labelLimit = false;
  let next = -1;
  let jumps = 0;
  let segments = 0;
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
      // Past the segment limit after a pointer, the name's end in place is known: it stops, cut.
      if (++segments > MAX_NAME_SEGMENTS) {
        labelLimit = truncated = true;
        break;
      }
      continue;
    }
    if (kind !== 0)
      return fail(out, `label type 0x${kind.toString(16)} at offset ${p - msgStart} is unsupported`);
    if (len === 0) {
      break;
    }
    if (p + 1 + len > msgEnd) return fail(out, `label at offset ${p - msgStart} runs past the message end`);
    if (!truncated) {
      if (name.length > 0) name += '.';
      name += buf.toString('latin1', p + 1, p + 1 + len);
      if (name.length > MAX_NAME_CHARS) {
        name = name.slice(0, MAX_NAME_CHARS);
        truncated = true;
      }
    }
    p += 1 + len;
    if (++segments > MAX_NAME_SEGMENTS) {
      if (next < 0)
        return fail(out, `name at offset ${pos - msgStart} has more than ${MAX_NAME_SEGMENTS} labels`);
      labelLimit = truncated = true;
      break;
    }
    // Once cut, only the end of the name in place matters; after a pointer that end is already known.
    if (truncated && next >= 0) break;
  }
  if (next < 0) next = p + 1;
  out.name = bytesText(name);
  out.next = next;
  out.error = '';
  out.truncated = truncated;
  out.labelLimit = labelLimit;
  return out;
}

function fail(out: NameResult, why: string): NameResult {
  out.name = '';
  out.next = -1;
  out.error = why;
  out.truncated = false;
  out.labelLimit = false;
  return out;
}

export function newNameResult(): NameResult {
  return { name: '', next: -1, error: '', truncated: false, labelLimit: false };
}
