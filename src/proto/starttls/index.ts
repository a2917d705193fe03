/** STARTTLS-capable plaintext protocols, recognised by the server's greeting (it speaks first). */
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../flow/index.js';
import type { StreamProtocolDef } from '../app-layer.js';
import { tlsProtocol } from '../tls/index.js';
import { StartTlsParser } from './starttls-parser.js';

/** SMTP/FTP "220 " or "220-", POP3 "+OK", IMAP "* OK" / "* PREAUTH". */
function greeting(buf: Buffer, off: number, len: number): number {
  if (len < 4) return PROBE_NEED_MORE;
  const s = buf.toString('latin1', off, off + Math.min(len, 12));
  if (/^220[ -]/.test(s) || s.startsWith('+OK') || /^\* (OK|PREAUTH)/i.test(s)) return PROBE_MATCH;
  return PROBE_NO;
}

/** Client-first protocols: XMPP opens a stream element, IRC registers or asks for STARTTLS/CAP at once. */
function clientOpening(buf: Buffer, off: number, len: number): 'xmpp' | 'irc' | 'no' | 'more' {
  if (len < 4) return 'more';
  const s = buf.toString('latin1', off, off + Math.min(len, 64));
  if (/^<\?xml|^<stream:stream/.test(s)) return 'xmpp';
  if (/^(STARTTLS|CAP (LS|REQ)|NICK |PASS |USER )/.test(s)) return 'irc';
  return 'no';
}

export const startTlsProtocol: StreamProtocolDef = {
  proto: 'unknown',
  probe(dir, buf, off, len) {
    if (dir === 1) return greeting(buf, off, len) as -1 | 0 | 1;
    const c = clientOpening(buf, off, len);
    return c === 'more' ? PROBE_NEED_MORE : c === 'no' ? PROBE_NO : PROBE_MATCH;
  },
  create: (ctx) => new StartTlsParser(ctx, tlsProtocol),
};
