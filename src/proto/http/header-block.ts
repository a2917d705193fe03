/**
 * A complete message head (start line + header fields, RFC 9112 §2.1, §5) split into its start line and
 * header fields. Obsolete line folding (§5.2: a line starting with SP/HTAB continues the previous field)
 * is joined with one space. Bytes are read as latin1 so every octet survives one-to-one into the text.
 */
export interface MessageHead {
  startLine: string;
  headers: Array<[string, string]>;
}

export function splitHead(buf: Buffer, len: number): MessageHead {
  const text = buf.toString('latin1', 0, len);
  const lines = text.split('\n');
  let startLine = '';
  const headers: Array<[string, string]> = [];
  let first = true;
  for (let raw of lines) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (first) {
      if (raw.length === 0) continue;
      startLine = raw;
      first = false;
      continue;
    }
    if (raw.length === 0) continue;
    const c = raw.charCodeAt(0);
    if ((c === 0x20 || c === 0x09) && headers.length > 0) {
      const last = headers[headers.length - 1];
      last[1] = `${last[1]} ${raw.trim()}`.trim();
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    headers.push([raw.slice(0, colon).trim(), raw.slice(colon + 1).trim()]);
  }
  return { startLine, headers };
}

/** First value of a header, by case-insensitive name. */
export function headerValue(headers: Array<[string, string]>, lowerName: string): string | undefined {
  for (const [n, v] of headers) if (n.length === lowerName.length && n.toLowerCase() === lowerName) return v;
  return undefined;
}

/** All values of a header joined with ", " (RFC 9110 §5.3). */
export function headerValues(headers: Array<[string, string]>, lowerName: string): string | undefined {
  let out: string | undefined;
  for (const [n, v] of headers) {
    if (n.length === lowerName.length && n.toLowerCase() === lowerName)
      out = out === undefined ? v : `${out}, ${v}`;
  }
  return out;
}

/**
 * A header's value as libhtp looks it up: names compared without case and without NUL bytes, repeated fields joined
 * with ", " (Content-Length: the first).
 */
export function headerValueNoNul(headers: Array<[string, string]>, lowerName: string): string | undefined {
  let out: string | undefined;
  for (const [n, v] of headers) {
    const name = n.includes('\0') ? n.replace(/\0/g, '') : n;
    if (name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
    if (out === undefined) out = v;
    else if (lowerName !== 'content-length') out = `${out}, ${v}`;
  }
  return out;
}
