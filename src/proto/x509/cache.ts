/**
 * Each distinct certificate is parsed once per thread: the DER slice is hashed (SHA-1, a few µs, against
 * ~100 µs+ for a parse) and the result — success or failure — is kept in a bounded LRU keyed by the digest
 * and length. Servers send the same chain on every handshake, so bench traffic with ~38k handshakes over a
 * handful of certificates parses only a handful.
 */
import { createHash } from 'node:crypto';
import { parseCertificate, type ParseResult } from './certificate.js';

export class CertificateCache {
  private readonly entries = new Map<string, ParseResult>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  parse(buf: Uint8Array, off: number, len: number): ParseResult {
    if (off < 0 || len < 0 || off + len > buf.length) {
      return {
        ok: false,
        error: `x509: certificate slice ${off}+${len} outside a buffer of ${buf.length} bytes`,
      };
    }
    const slice = buf.subarray(off, off + len);
    const digest = createHash('sha1').update(slice).digest();
    const key = digest.toString('latin1') + len;
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits++;
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const result = parseCertificate(slice, digest);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, result);
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
