/**
 * A response head read as libhtp reads it for Suricata — tolerant like the browsers it models, which is what HTTP
 * evasions play on:
 *
 * - a lone CR ends a line as LF and CRLF do, and "\n\r" is one line end;
 * - lines before the status line that do not start with "http" (after blanks and NULs) are skipped when the next
 *   line starts with "H" or they are at most two bytes; otherwise the response has no head and its bytes are body;
 * - a header line continues onto the next when that starts with a blank, a tab or NUL — unless the continuation
 *   itself reads as "name:", which starts a new field;
 * - a name runs to the first colon, across line ends followed by a space; a line without a colon is a field with an
 *   empty name; names and values are trimmed of blanks and line ends;
 * - the head ends at the first line end that follows a field's line end (so "\n\r" and "\r\r" end it too).
 *
 * The parse is of the head bytes collected so far: it says where the head ends, or that more bytes are needed.
 */

export interface ResponseHead {
  /** Offset just past the head: the body starts here. */
  end: number;
  startLine: string;
  headers: Array<[string, string]>;
}

/** More bytes are needed to tell. */
export const HEAD_MORE = -1;
/** The response has no head: its bytes from the start are body. */
export const HEAD_BODY = -2;

const CR = 0x0d;
const LF = 0x0a;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
const isFold = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0;
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
/** RFC 9110 token characters. */
const isToken = (c: number): boolean =>
  c > 0x20 && c < 0x7f && !'()<>@,;:\\"/[]?={}'.includes(String.fromCharCode(c));

/** Length of a line end at `i` ("\r\n", "\n\r", "\n", "\r"); 0 when none; -1 when the bytes end too soon to tell. */
function eolLen(b: Buffer, i: number, len: number): number {
  if (i >= len) return -1;
  const c = b[i];
  if (c !== CR && c !== LF) return 0;
  if (i + 1 >= len) return -1;
  const d = b[i + 1];
  if ((c === CR && d === LF) || (c === LF && d === CR)) return 2;
  return 1;
}

/** A field's line end at `i`, with libhtp's deformed forms ("\n\r\r\n", "\r\n\r…"); 0 none, -1 too soon. */
function fieldEolLen(b: Buffer, i: number, len: number): number {
  if (i + 4 <= len && b[i] === LF && b[i + 1] === CR && b[i + 2] === CR && b[i + 3] === LF) {
    if (i + 5 > len) return -1;
    if (b[i + 4] === LF || (b[i + 4] === CR && i + 5 < len && b[i + 5] === LF)) return 4;
  }
  if (i + 3 <= len && b[i] === CR && b[i + 1] === LF && b[i + 2] === CR) {
    let j = i + 3;
    while (j < len && (b[j] === CR || isBlank(b[j]))) j++;
    if (j > i + 3) {
      if (j >= len) return -1;
      if (b[j] === LF) j++;
      if (j >= len) return -1;
      if (!(b[j] === LF || (b[j] === CR && j + 1 < len && b[j + 1] === LF))) return j - i;
    }
  }
  return eolLen(b, i, len);
}

const trim = (s: string): string => s.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');

/** Does the line look like a status line ("http" after blanks and NULs, any case)? */
function looksLikeHttp(b: Buffer, from: number, to: number): boolean {
  let i = from;
  while (i < to && (isSpace(b[i]) || b[i] === 0)) i++;
  return to - i >= 4 && b.toString('latin1', i, i + 4).toLowerCase() === 'http';
}

/** Whether "name:" (blanks, token characters, blanks, colon) starts at `i`: a new field, not a continuation. */
function startsField(b: Buffer, i: number, len: number): boolean | undefined {
  let j = i;
  while (j < len && isBlank(b[j])) j++;
  const t = j;
  while (j < len && isToken(b[j])) j++;
  if (j === t) return j >= len ? undefined : false;
  while (j < len && isBlank(b[j])) j++;
  if (j >= len) return undefined;
  return b[j] === 0x3a;
}

/** A line end that may precede a continuation: "\r\n", "\n\r", "\n", "\r"; -1 when the bytes end too soon. */
const regularEol = eolLen;

/** The colon ending a field name from `i`: line ends followed by a space do not stop the name; -1: none. */
function nameColon(b: Buffer, i: number, len: number): number {
  let term = 0;
  for (let k = i; k < len; k++) {
    const c = b[k];
    if (term === 0) {
      if (c === 0x3a) return k;
      if (c === LF || c === CR) term = c;
    } else if (c === 0x20) term = 0;
    else if (c === LF && term === CR) term = LF;
    else return -1;
  }
  return -1;
}

/** One line of a value from `p`: its text, where what follows starts, and the fold byte when it continues. */
function valueLine(
  b: Buffer,
  p: number,
  len: number,
): { seg: string; eol: number; next: number; fold: number } | undefined {
  let e = p;
  while (e < len && b[e] !== LF && b[e] !== CR) e++;
  const rl = regularEol(b, e, len);
  if (rl < 0 || e + rl >= len) return undefined;
  const seg = b.toString('latin1', p, e);
  if (isFold(b[e + rl])) return { seg, eol: rl, next: e + rl + 1, fold: b[e + rl] };
  const fl = fieldEolLen(b, e, len);
  if (fl < 0 || e + fl > len) return undefined;
  return { seg, eol: fl, next: e + fl, fold: -1 };
}

/** A field's value from `p`, with its continuations: [value, next offset], or undefined when more is needed. */
function fieldValue(b: Buffer, p: number, len: number): [string, number] | undefined {
  const v0 = valueLine(b, p, len);
  if (!v0) return undefined;
  let value = v0.seg;
  let rest = v0.next;
  let fold = v0.fold;
  let i = v0.next;
  for (let n = 0; fold >= 0 && n < 128; n++) {
    // "name:" after the fold starts a new field rather than continuing this one.
    const nf = startsField(b, i, len);
    if (nf === undefined) return undefined;
    if (nf) return [trim(value), i];
    const v = valueLine(b, i, len);
    if (!v) return undefined;
    if (value.length > 0) value += String.fromCharCode(fold);
    if (v.seg.length > 0 || v.eol > 1) {
      rest = v.next;
      value += v.seg;
    } else if (v.eol === 1 && v.next < len && b[v.next] === LF) rest = v.next;
    i = v.next;
    fold = v.fold;
  }
  return [trim(value), rest];
}

/** One field from `i`: [name, value, next offset]; undefined when more bytes are needed; null when unparseable. */
function field(b: Buffer, i: number, len: number): [string, string, number] | undefined | null {
  const colon = nameColon(b, i, len);
  if (colon >= 0) {
    let p = colon + 1;
    while (p < len && isBlank(b[p])) p++;
    const v = fieldValue(b, p, len);
    return v ? [trim(b.toString('latin1', i, colon)), v[0], v[1]] : undefined;
  }
  // No colon: the line is a value with an empty name (unless it is a bare CRLF).
  if (i + 1 >= len) return undefined;
  if (b[i] === CR && b[i + 1] === LF) return null;
  const v = fieldValue(b, i, len);
  return v ? ['', v[0], v[1]] : undefined;
}

/**
 * The head of a response collected in `b[0, len)`: where it ends and what it holds, HEAD_MORE, or HEAD_BODY when
 * the bytes are no response head but body.
 */
export function parseResponseHead(b: Buffer, len: number, complete = false): ResponseHead | number {
  // The status line, after skipped lines.
  let i = 0;
  let startLine: string | undefined;
  while (startLine === undefined) {
    let e = i;
    while (e < len && b[e] !== LF && b[e] !== CR) e++;
    if (e >= len) {
      // The connection ended inside the first line: a line that is no status line is the document.
      const blank = b.subarray(i, len).every((c) => isSpace(c));
      return complete && !blank && !looksLikeHttp(b, i, len) ? HEAD_BODY : HEAD_MORE;
    }
    const el = b[e] === CR ? (e + 1 >= len ? -1 : b[e + 1] === LF ? 2 : 1) : 1;
    if (el < 0) return HEAD_MORE;
    const next = e + el;
    const blankLine = b.subarray(i, e).every((c) => isSpace(c));
    if (blankLine || !looksLikeHttp(b, i, e)) {
      if (next >= len) return HEAD_MORE;
      if (!blankLine && b[next] !== 0x48 && e - i > 2) return HEAD_BODY;
      i = next;
      continue;
    }
    startLine = b.toString('latin1', i, e);
    i = next;
  }
  const headers: Array<[string, string]> = [];
  // CRLF right after the status line (or LF after its LF): no fields. Other line ends there start a field with
  // an empty name, as libhtp reads them.
  if (i + 1 >= len) return HEAD_MORE;
  if (b[i] === LF && b[i - 1] === LF) return { end: i + 1, startLine, headers };
  for (;;) {
    const f = field(b, i, len);
    if (f === undefined) return HEAD_MORE;
    if (f === null) return { end: i + 2, startLine, headers };
    headers.push([f[0], f[1]]);
    i = f[2];
    const eoh = eolLen(b, i, len);
    if (eoh < 0) return HEAD_MORE;
    if (eoh > 0) return { end: i + eoh, startLine, headers };
  }
}

/** A status line read as libhtp reads it: blanks and NULs, protocol, blanks, status, blanks, message. */
export function parseStatusLineLoose(
  line: string,
): { version: string; status?: number; msg?: string } | undefined {
  const m = /^[\s\0]*(\S+)(?:[ \t]+(\S+))?(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return undefined;
  const code = m[2] !== undefined && /^\d{3}$/.test(m[2]) ? Number(m[2]) : undefined;
  return { version: m[1], status: code, msg: m[3] };
}
