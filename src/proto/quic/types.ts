/** What one QUIC hello yields, as Suricata's `quic` event logs it. */
export interface QuicRecord {
  /** The packet's version number (EVE writes Google's as "Q046", others in hex: "1", "ff00001d", "6b3343cf"). */
  version: number;
  /** A client hello (ClientHello or CHLO) or the server's ServerHello. */
  client: boolean;
  sni?: string;
  /** Google QUIC's UAID tag. */
  ua?: string;
  /** JA3 of a ClientHello, JA3S of a ServerHello. */
  ja3?: { string: string; hash: string };
  ja4?: string;
  /** The hello's TLS extensions in order, with SNI and ALPN values. */
  extensions: { type: number; values?: string[] }[];
  /** Google QUIC CHLO fingerprint (CYU: "version,tag-tag-…" and its MD5). */
  cyu?: { string: string; hash: string };
}
