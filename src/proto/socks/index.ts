/** SOCKS: detected from the client's opening bytes; the stream behind it goes to TLS or HTTP. */
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../flow/index.js';
import type { StreamProtocolDef } from '../app-layer.js';
import { tlsProtocol } from '../tls/index.js';
import { httpProtocol } from '../http/index.js';
import { SocksStreamParser } from './socks-parser.js';

/** SOCKS5 greeting: 05, 1–9 methods from the registered set; SOCKS4: 04 CONNECT/BIND and a NUL-ended user id. */
function version(buf: Buffer, off: number, len: number): 4 | 5 | 0 | -1 {
  if (len < 3) return 0;
  if (buf[off] === 5) {
    const n = buf[off + 1];
    if (n < 1 || n > 9 || len > 2 + n + 262) return -1;
    for (let i = 0; i < Math.min(n, len - 2); i++)
      if (buf[off + 2 + i] > 0x09 && buf[off + 2 + i] < 0x80) return -1;
    return 5;
  }
  if (buf[off] === 4 && (buf[off + 1] === 1 || buf[off + 1] === 2)) {
    if (len < 9) return 0;
    return buf.indexOf(0, off + 8) >= 0 && buf.indexOf(0, off + 8) < off + len ? 4 : 0;
  }
  return -1;
}

export const socksProtocol: StreamProtocolDef = {
  proto: 'unknown',
  probe(dir, buf, off, len) {
    if (dir !== 0) return PROBE_NO;
    const v = version(buf, off, len);
    return v === 0 ? PROBE_NEED_MORE : v === -1 ? PROBE_NO : PROBE_MATCH;
  },
  create: (ctx) => new SocksStreamParser(ctx, [tlsProtocol, httpProtocol]),
};
