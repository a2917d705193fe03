/** HTTP/2 in clear text (h2c): registered as `http2Protocol`; the HTTP/1 parser hands over on `Upgrade: h2c`. */
import type { StreamProtocolDef } from '../app-layer.js';
import { Http2StreamParser } from './parser.js';
import { probeHttp2 } from './probe.js';

export const http2Protocol: StreamProtocolDef = {
  proto: 'http2',
  probe: (dir, buf, off, len) => probeHttp2(dir, buf, off, len),
  create: (ctx) => new Http2StreamParser(ctx),
};

export { Http2StreamParser, probeHttp2 };
export type { Http2Options } from './parser.js';
export { HpackDecoder, isField, type HeaderEntry } from './hpack.js';
export { huffmanDecode } from './huffman.js';
export { ERROR_NAMES, SETTING_NAMES } from './frames.js';
export type { Http2Details, Http2Setting, Http2Side } from './types.js';
