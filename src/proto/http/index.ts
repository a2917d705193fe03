/** HTTP/1.x: the protocol definition proto/'s registry lists for the flow layer. */
import type { AppContext, StreamProtocolDef } from '../app-layer.js';
import { HttpStreamParser, type HttpParseOptions } from './parser.js';
import { probeHttp } from './probe.js';

export const httpProtocol: StreamProtocolDef = {
  proto: 'http',
  probe: (_dir, buf, off, len) => probeHttp(buf, off, len),
  create: (ctx: AppContext) => new HttpStreamParser(ctx),
};

/** HTTP/1.x parsed under other settings than the defaults. */
export function httpProtocolWith(opts: HttpParseOptions): StreamProtocolDef {
  return { ...httpProtocol, create: (ctx: AppContext) => new HttpStreamParser(ctx, opts) };
}

export { HttpStreamParser, type HttpParseOptions } from './parser.js';
export { probeHttp } from './probe.js';
export type { HttpTransaction } from './types.js';
