/** HTTP/1.x: the protocol definition proto/'s registry lists for the flow layer. */
import type { AppContext, StreamProtocolDef } from '../app-layer.js';
import { HttpStreamParser, type HttpParseOptions } from './parser.js';
import { probeHttp } from './probe.js';
import { DEFAULT_RANGE_SETTINGS, RangeTable } from './range-table.js';

export const httpProtocol: StreamProtocolDef = {
  proto: 'http',
  probe: (_dir, buf, off, len) => probeHttp(buf, off, len),
  create: (ctx: AppContext) => new HttpStreamParser(ctx),
};

/**
 * HTTP/1.x parsed under `opts`. The flows this definition parses share one byte-range table, so ranges of a file
 * fetched over several connections are joined (one table per analysis, as Suricata keeps one per engine).
 */
export function httpProtocolWith(opts: HttpParseOptions): StreamProtocolDef {
  const ranges = new RangeTable(opts.fileHashes, { ...DEFAULT_RANGE_SETTINGS, ...opts.byterange });
  return { ...httpProtocol, create: (ctx: AppContext) => new HttpStreamParser(ctx, opts, ranges) };
}

export { DEFAULT_BODY_LIMIT, HttpStreamParser, type HttpParseOptions } from './parser.js';
export type { FileHashName } from './file-hash.js';
export { probeHttp } from './probe.js';
export type { HttpTransaction } from './types.js';
