/**
 * Each distinct certificate is parsed once per thread and the result — success or failure — kept in a
 * bounded LRU. Servers send the same chain on every handshake, so bench traffic with ~38k handshakes over a
 * handful of certificates parses only a handful.
 *
 * The lookup key is the length plus the last 20 bytes, which lie inside the signature value and so differ
 * between any two real certificates; a hit is then confirmed by comparing the whole DER (a memcmp, ~0.1 µs
 * for 2 KB) so a forged certificate that copies another's tail can never be reported as the other one. This
 * costs well under a microsecond per lookup, against ~5 µs for hashing the DER with SHA-1 first (measured on
 * a 2 KB certificate; a parse is ~80 µs).
 */
import { parseCertificate, type ParseResult } from './certificate.js';

interface Entry {
  der: Buffer;
  result: ParseResult;
}

const TAIL = 20;

export class CertificateCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  parse(buf: Buffer, off: number, len: number): ParseResult {
    if (off < 0 || len < 0 || off + len > buf.length) {
      return {
        ok: false,
        error: `x509: certificate slice ${off}+${len} outside a buffer of ${buf.length} bytes`,
      };
    }
    const slice = buf.subarray(off, off + len);
    const tailStart = Math.max(off, off + len - TAIL);
    const key = `${len}:${buf.toString('latin1', tailStart, off + len)}`;
    const found = this.entries.get(key);
    if (found !== undefined && found.der.equals(slice)) {
      this.hits++;
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.result;
    }
    this.misses++;
    const result = parseCertificate(slice);
    // A colliding tail replaces the older entry: both stay correct, the older one is just re-parsed later.
    if (found === undefined && this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { der: result.ok ? result.cert.der : Buffer.from(slice), result });
    return result;
  }

  clear(): void {
    this.entries.clear();
    this.hits = 0;
    this.misses = 0;
  }
}

/** The per-thread cache behind parseCertificateOnce. */
export const certificateCache = new CertificateCache();
