/** TLS: the stream parser and its content probe, registered with the flow layer as `tlsProtocol`. */
import type { StreamProtocolDef } from '../app-layer.js';
import { probeTls } from './probe.js';
import { TlsFramer } from './framer.js';
import { TlsStreamParser } from './tls-parser.js';

export const tlsProtocol: StreamProtocolDef = {
  proto: 'tls',
  probe: (dir, buf, off, len) => probeTls(dir, buf, off, len),
  create: (ctx) => new TlsStreamParser(ctx),
  framer: (ctx) => new TlsFramer(ctx),
};

export { TlsStreamParser, probeTls };
export { computeJa3, computeJa3s, ja3String, ja3sString } from './ja3.js';
export { computeJa4 } from './ja4.js';
export { versionName, isGrease } from './constants.js';
export type { ClientHello, ServerHello, TlsHandshake } from './types.js';
