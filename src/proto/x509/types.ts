/** What moat extracts from one X.509 certificate. Parsed once per distinct DER (cache by hash). */
export interface CertificateInfo {
  /** Distinguished names in OpenSSL's one-line order as Suricata prints them: "C=US, O=Org, CN=host". */
  subject: string;
  issuer: string;
  /** Common names, for quick matching. */
  subjectCN?: string;
  issuerCN?: string;
  /** Serial as colon-separated upper-case hex, as Suricata prints it. */
  serial: string;
  /** SHA-1 of the DER, colon-separated lower-case hex (Suricata's `tls.fingerprint`). */
  sha1: string;
  sha256: string;
  /** Validity bounds, milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  sanDns: string[];
  sanIp: string[];
  /** 'RSA' | 'EC' | 'DSA' | 'Ed25519' | 'Ed448' | 'unknown' */
  keyType: string;
  keyBits: number;
  /** Named curve for EC keys. */
  curve?: string;
  /** Signature algorithm name, e.g. 'sha256WithRSAEncryption'. */
  signatureAlgorithm: string;
  isCA: boolean;
  pathLength?: number;
  keyUsage: string[];
  extKeyUsage: string[];
  /** Certificate policy OIDs (EV/OV/DV classification uses them). */
  policies: string[];
  ocspUrls: string[];
  caIssuerUrls: string[];
  crlUrls: string[];
  selfIssued: boolean;
  version: number;
  /** The DER itself, kept for chain verification and blocklists. */
  der: Buffer;
}
