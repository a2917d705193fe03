/**
 * Every application protocol moat detects, in probe order. The pipeline hands this list to the flow tracker, which
 * asks these probes on the first payload bytes of a flow and keeps the first match (detection by content; ports
 * only break ties). Adding a protocol is one module exporting a definition and one line here.
 */
import type { AppProtocols, DatagramProtocolDef, StreamProtocolDef } from './app-layer.js';
import { tlsProtocol } from './tls/index.js';
import { httpProtocol, httpProtocolWith, type HttpParseOptions } from './http/index.js';
import { http2Protocol } from './http2/index.js';
import { dnsDatagramProtocol, dnsStreamProtocol } from './dns/index.js';
import { socksProtocol } from './socks/index.js';
import { startTlsProtocol } from './starttls/index.js';
import { quicProtocol } from './quic/index.js';
import { dtlsProtocol } from './dtls/index.js';
import { ldapProtocol } from './ldap/index.js';
import { rdpProtocol } from './rdp/index.js';

/** TCP: TLS first (its record header is the most specific), HTTP/2's preface before HTTP/1.x (whose request
 * line probe would take "PRI * HTTP/2.0"), then LDAP and RDP (followed into the TLS they upgrade to; their openings
 * are specific, so they go before DNS's looser length-prefixed probe), DNS over TCP, SOCKS proxies, and plaintext
 * protocols that upgrade with STARTTLS (the server greets first). */
export const streamProtocols: StreamProtocolDef[] = [
  tlsProtocol,
  http2Protocol,
  httpProtocol,
  ldapProtocol,
  rdpProtocol,
  dnsStreamProtocol,
  socksProtocol,
  startTlsProtocol,
];

/** UDP: QUIC Initials (a long header with a version moat decrypts) and DTLS ClientHellos before DNS. */
export const datagramProtocols: DatagramProtocolDef[] = [quicProtocol, dtlsProtocol, dnsDatagramProtocol];

/** Both lists, as the flow tracker takes them. */
export const appProtocols: AppProtocols = { stream: streamProtocols, datagram: datagramProtocols };

/** The lists with HTTP parsed under `http`'s settings (Suricata's libhtp options: the decompression limits). */
export function appProtocolsWith(opts: { http?: HttpParseOptions }): AppProtocols {
  // A fresh HTTP definition per analysis: it owns the byte-range table its flows share.
  const http = httpProtocolWith(opts.http ?? {});
  return { stream: streamProtocols.map((d) => (d === httpProtocol ? http : d)), datagram: datagramProtocols };
}
