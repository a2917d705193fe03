/** HTTP/1.x: the protocol definition proto/'s registry lists for the flow layer. */
import type { AppContext, StreamProtocolDef } from '../app-layer.js';
import { HttpStreamParser } from './parser.js';
import { probeHttp } from './probe.js';

export const httpProtocol: StreamProtocolDef = {
  proto: 'http',
  probe: (_dir, buf, off, len) => probeHttp(buf, off, len),
  create: (ctx: AppContext) => new HttpStreamParser(ctx),
};

export { HttpStreamParser } from './parser.js';
export { probeHttp } from './probe.js';
export type { HttpTransaction } from './types.js';
