/** QUIC: Initial packets opened to read the hellos (SNI, UA, ALPN, JA3, JA4 'q'); registered as `quicProtocol`. */
import type { DatagramProtocolDef } from '../app-layer.js';
import { probeQuic } from './probe.js';
import { QuicInitialParser } from './quic-parser.js';

export const quicProtocol: DatagramProtocolDef = {
  proto: 'quic',
  probe: (dir, buf, off, len) => probeQuic(dir, buf, off, len),
  create: (ctx) => new QuicInitialParser(ctx),
};

export { QuicInitialParser, probeQuic };
export { initialKeys } from './initial-keys.js';
export { versionName as quicVersionName } from './versions.js';
export type { QuicRecord } from './types.js';
