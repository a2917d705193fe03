/**
 * The node features of one TLS connection (T-2): the 4-tuple, the certificate chain, the server name, the time —
 * everything a policy may score, taken from the handshake alone (T-3).
 */
import type { CertificateInfo } from '../proto/index.js';

export interface HandshakeFeatures {
  /** Time of extraction (the packet time the handshake completed), µs since the epoch. */
  tsUs: number;
  ipVersion: number;
  /** Initiator (source, T-1) and acceptor (destination) as address words and text. */
  src: Uint32Array;
  dst: Uint32Array;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  sni?: string;
  /** "TLS 1.2", "TLS 1.3" … */
  version: string;
  resumed: boolean;
  /** Server chain as sent, leaf first; empty when the handshake hid it (TLS 1.3) or skipped it (resumption). */
  chain: CertificateInfo[];
  ocspResponse?: Buffer;
  ja3?: string;
  ja4?: string;
  /** The client offered Encrypted Client Hello (the visible SNI is the outer, public name). */
  ech?: boolean;
  /** TLS ≤ 1.2 session the handshake resumes or establishes, to take a resumed session's chain from its original. */
  session?: SessionRefs;
  /** Named business scenario when the deployment tags the connection (T-63), e.g. "transfer". */
  scenario?: string;
  /** The connection's flow as it stands at the handshake (traffic features for the identification model). */
  flow?: FlowCounters;
}

/** A flow's counters at one moment: index 0 is the initiator's side (to server), 1 the responder's. */
export interface FlowCounters {
  id: number;
  proto: number;
  startUs: number;
  lastUs: number;
  pkts: [number, number];
  bytes: [number, number];
}

export interface SessionRefs {
  /** Session id the client offered (hex), and the one the server gave. */
  clientSessionId?: string;
  serverSessionId?: string;
  /** SHA-256 (hex) of the ticket the client offered, and of the ticket the server issued. */
  clientTicket?: string;
  newTicket?: string;
  /** The ticket a server promised, filled in after the handshake was scored (see TlsHandshake.lateTicket). */
  lateTicket?: { hash?: string };
}

/** Why certificate dimensions may have nothing to look at: the realisation notes' TLS 1.3 rule. */
export function certificateUnavailableReason(f: HandshakeFeatures): string | undefined {
  if (f.chain.length > 0) return undefined;
  if (f.resumed) return 'session resumed: no certificate sent';
  if (f.version.startsWith('TLS 1.3')) return 'TLS 1.3: certificate encrypted';
  return 'no certificate seen';
}
