/**
 * Facts a TLS handshake yields, as the TLS parser extracts them. Numbers are the wire values (IANA
 * registries); GREASE values are kept here and dropped only where a fingerprint's definition says so.
 */
import type { CertificateInfo } from '../x509/types.js';

export interface ClientHello {
  /** legacy_version of the ClientHello (0x0303 for TLS 1.2 and 1.3). */
  version: number;
  /** Cipher suites in wire order. */
  ciphers: number[];
  /** Extension types in wire order. */
  extensions: number[];
  sni?: string;
  /** The 32-byte client random (rules: tls.random); absent in SSLv2-format hellos, whose challenge differs. */
  random?: Buffer;
  alpns: string[];
  /** supported_versions extension, wire order (empty when absent). */
  supportedVersions: number[];
  /** supported_groups (elliptic curves), wire order. */
  groups: number[];
  ecPointFormats: number[];
  /** signature_algorithms, wire order. */
  signatureAlgorithms: number[];
  sessionIdLength: number;
  /** The session id offered (hex), when non-empty: a TLS ≤ 1.2 session to resume. */
  sessionId?: string;
  /** session_ticket extension carried a non-empty ticket, or a pre_shared_key was offered. */
  offersResumption: boolean;
  /** SHA-256 (hex) of the session ticket offered, when non-empty. */
  ticketHash?: string;
  /** encrypted_client_hello offered (the SNI seen is the outer, public name). */
  ech?: boolean;
  /** Hello arrived in SSLv2-compatible framing. */
  sslv2Compat: boolean;
}

export interface ServerHello {
  /** legacy_version field of the ServerHello. */
  legacyVersion: number;
  /** The negotiated version: supported_versions when present, else legacyVersion. */
  version: number;
  cipher: number;
  extensions: number[];
  /** The 32-byte server random (rules: tls.random to the client). */
  random?: Buffer;
  alpn?: string;
  /** key_share group (TLS 1.3) when present. */
  selectedGroup?: number;
  /** Server echoed the client's non-empty session id (TLS ≤1.2 resumption). */
  sessionIdEchoed: boolean;
  isHelloRetryRequest: boolean;
  /** A TLS 1.3 draft before 16: server_version 0x0304, no session id or compression method. */
  draftBefore16?: boolean;
}

export interface TlsHandshake {
  client?: ClientHello;
  /** The final ServerHello (after any HelloRetryRequest). */
  server?: ServerHello;
  helloRetryRequest: boolean;
  /** Server certificate chain as sent (leaf first), parsed once per distinct DER. */
  serverCertificates: CertificateInfo[];
  clientCertificates: CertificateInfo[];
  /** DER of a stapled OCSP response (CertificateStatus), if any. */
  ocspResponse?: Buffer;
  /** Session id the server gave (hex), when non-empty (TLS ≤ 1.2). */
  serverSessionId?: string;
  /** SHA-256 (hex) of the ticket a TLS ≤ 1.2 server issued in NewSessionTicket. */
  newTicketHash?: string;
  /**
   * A full TLS ≤ 1.2 handshake whose server promised a ticket: the record goes out at ServerHelloDone (as Suricata
   * logs it), before the NewSessionTicket; `hash` is filled in here when it arrives (`newTicketHash` stays unset),
   * and set to '' when the server's side went on without one.
   */
  lateTicket?: { hash?: string };
  /** Session resumed (abbreviated handshake, or TLS 1.3 PSK accepted). */
  resumed: boolean;
  /** Negotiated version as Suricata prints it: "TLS 1.2", "TLS 1.3", "SSLv3", "UNDETERMINED". */
  versionName: string;
  ja3?: { string: string; hash: string };
  ja3s?: { string: string; hash: string };
  ja4?: string;
  /**
   * After a HelloRetryRequest: the JA4 of the client's second ClientHello. `ja4` stays the first hello's — the one
   * detections match — and FoxIO's reference lists both (JA4.1, JA4.2).
   */
  ja4Retry?: string;
  /** Both hellos seen and (for TLS ≤1.2) the server's handshake flight finished. */
  complete: boolean;
}
