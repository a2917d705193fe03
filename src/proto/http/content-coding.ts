/**
 * Content codings of an HTTP response body (RFC 9110 §8.4) undone as libhtp undoes them for Suricata, since what it
 * decodes is what Suricata's `file_data` and file events see:
 *
 * - one `Content-Encoding` value naming gzip, x-gzip, deflate, x-deflate (or identity/none/inflate: nothing) is one
 *   layer; anything else is a list split at commas and spaces, each token one layer — a token containing "gzip" is
 *   gzip, one containing "deflate" is deflate, "lzma" is LZMA, others decode nothing — and only the first
 *   `layerLimit` tokens count (Suricata's `response-body-decompress-layer-limit`, 2 by default);
 * - layers are undone last-named first;
 * - a layer whose data is not what it names is retried as raw DEFLATE, zlib, then gzip; when none fits, its bytes
 *   pass through unchanged;
 * - a layer's output stops at the end of its first stream, at an error (what came before it is kept), and at the
 *   decompression-bomb bound: more than `bombLimit` bytes out and more than `bombRatio` times the bytes in.
 *
 * NUL bytes inside the header value are ignored, as libhtp compares it.
 */
import {
  INFLATE_ERROR,
  INFLATE_LIMIT,
  inflateGzip,
  inflateRaw,
  inflateZlib,
  type InflateResult,
} from './inflate.js';

export type Coding = 'gzip' | 'deflate' | 'zlib' | 'lzma';

export interface DecodeLimits {
  /** Content-Encoding tokens decoded at most; Suricata's default is 2. */
  layerLimit: number;
  /** Output beyond this many bytes … */
  bombLimit: number;
  /** … and beyond this many times the encoded size is a bomb. */
  bombRatio: number;
  /** Hard cap on any layer's output whatever the ratio: what one body may cost in memory. */
  maxOutput: number;
}

/** libhtp's defaults (1 MiB, ratio 2048), Suricata's layer limit 2, and 16 MiB per body at most. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  layerLimit: 2,
  bombLimit: 1 << 20,
  bombRatio: 2048,
  maxOutput: 16 << 20,
};

export interface CodingPlan {
  /** Layers in the order they are undone (the last named first). */
  layers: Coding[];
  /** More tokens were named than the layer limit allows. */
  overLimit: boolean;
}

const SINGLE: Record<string, Coding | null> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  'x-deflate': 'deflate',
  lzma: 'lzma',
  inflate: null,
  none: null,
};

/** The layers a Content-Encoding value (repeated headers joined with ", ") asks for. */
export function planCodings(value: string | undefined, layerLimit: number): CodingPlan {
  if (value === undefined) return { layers: [], overLimit: false };
  // NUL bytes are not compared (libhtp's "nozero" comparisons).
  const v = value.replace(/\0/g, '');
  const single = SINGLE[v.toLowerCase()];
  if (single !== undefined) return { layers: single ? [single] : [], overLimit: false };
  const named: Coding[] = [];
  let tokens = 0;
  let overLimit = false;
  for (const tok of v.split(/[, ]/)) {
    if (tok === '') continue;
    if (++tokens > layerLimit) {
      overLimit = true;
      break;
    }
    const low = tok.toLowerCase();
    if (low.includes('gzip')) named.push('gzip');
    else if (low.includes('deflate')) named.push('deflate');
    else if (tok === 'lzma') named.push('lzma');
  }
  return { layers: named.reverse(), overLimit };
}

/** The next coding tried when data is not what its layer names (libhtp's restart order). */
const RETRY: Record<Coding, Coding> = { gzip: 'deflate', deflate: 'zlib', zlib: 'gzip', lzma: 'deflate' };

function inflateAs(c: Coding, input: Buffer, limit: number): InflateResult {
  switch (c) {
    case 'gzip':
      return inflateGzip(input, limit);
    case 'deflate':
      return inflateRaw(input, limit);
    case 'zlib':
      return inflateZlib(input, limit);
    case 'lzma':
      // Node has no LZMA decoder: the layer fails and is retried as the zlib family, as libhtp does on a bad stream.
      return { out: Buffer.alloc(0), status: INFLATE_ERROR };
  }
}

/** Output kept from a failed attempt when libhtp would already have handed it on (its 8 KiB output buffer). */
const FLUSHED = 8192;

export interface DecodedBody {
  data: Buffer;
  /** The bomb bound or the memory cap stopped decoding. */
  bomb: boolean;
}

/** One layer, with libhtp's retries: its output, or its input unchanged when no coding fits. */
function undoLayer(c: Coding, input: Buffer, limit: number): { out: Buffer; limited: boolean } {
  let coding = c;
  for (let restarts = 0; ; restarts++) {
    const r = inflateAs(coding, input, limit);
    if (r.status === INFLATE_LIMIT) return { out: r.out, limited: true };
    // An error after output: the first attempt keeps what it made, later ones only what was already flushed on.
    if (r.status !== INFLATE_ERROR || (r.out.length > 0 && (restarts === 0 || r.out.length >= FLUSHED)))
      return { out: r.out, limited: false };
    if (restarts >= 3) return { out: input, limited: false };
    coding = RETRY[coding];
  }
}

/** Undoes `plan` on a whole body (de-chunked). Time and memory are bounded by the limits. */
export function decodeBody(raw: Buffer, plan: CodingPlan, limits: DecodeLimits): DecodedBody {
  const limit = Math.min(limits.maxOutput, Math.max(limits.bombLimit, raw.length * limits.bombRatio));
  let data = raw;
  let bomb = false;
  for (const c of plan.layers) {
    const r = undoLayer(c, data, limit);
    data = r.out;
    if (r.limited) {
      bomb = true;
      break;
    }
  }
  return { data, bomb };
}
