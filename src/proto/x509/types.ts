/**
 * What moat extracts from one X.509 certificate. Parsed once per distinct DER (cache by hash). Fields added
 * after the first contract are optional so hand-made test certificates elsewhere keep compiling; the parser
 * always fills them.
 */
import type { Rdns } from './name.js';

export type { DnAttribute, Rdns } from './name.js';

export interface CertificateInfo {
  /** Distinguished names in OpenSSL's one-line order as Suricata prints them: "C=US, O=Org, CN=host". */
  subject: string;
  issuer: string;
  /** The same names as structured RDNs (encoding order), for other renderings (Zeek/RFC 2253) and matching. */
  subjectRdns?: Rdns;
  issuerRdns?: Rdns;
  /** Common names, for quick matching. */
  subjectCN?: string;
  issuerCN?: string;
  /** Serial as colon-separated upper-case hex, as Suricata prints it. */
  serial: string;
  /** SHA-1 of the DER, colon-separated lower-case hex (Suricata's `tls.fingerprint`). */
  sha1: string;
  /** SHA-256 of the DER, lower-case hex without separators (Zeek's x509 `fingerprint`, JA4X tooling). */
  sha256: string;
  /** Validity bounds, milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  sanDns: string[];
  /** IP address SANs: dotted IPv4, RFC 5952 IPv6. */
  sanIp: string[];
  sanEmail?: string[];
  sanUri?: string[];
  /** 'RSA' | 'EC' | 'DSA' | 'Ed25519' | 'Ed448' | 'X25519' | 'X448' | 'DH' | 'ML-DSA-44' | … | 'unknown' */
  keyType: string;
  keyBits: number;
  /**
   * Named curve for EC keys (OpenSSL short name, e.g. prime256v1), the dotted OID of an unknown one, or
   * 'explicit' when the key carries its own curve parameters (as CVE-2020-0601 forgeries do).
   */
  curve?: string;
  /** RSA public exponent (decimal). */
  exponent?: string;
  /** Signature algorithm name, e.g. 'sha256WithRSAEncryption' (dotted OID when unknown). */
  signatureAlgorithm: string;
  isCA: boolean;
  /** basicConstraints extension present. */
  hasBasicConstraints?: boolean;
  pathLength?: number;
  /** RFC 5280 names: digitalSignature, keyEncipherment, keyCertSign, … */
  keyUsage: string[];
  /** serverAuth, clientAuth, … ; dotted OID for other purposes. */
  extKeyUsage: string[];
  /** Certificate policy OIDs (EV/OV/DV classification uses them). */
  policies: string[];
  ocspUrls: string[];
  caIssuerUrls: string[];
  crlUrls: string[];
  /** Key identifiers (lower-case hex), for building chains without comparing names. */
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** Embedded Certificate Transparency SCTs (RFC 6962). */
  sctCount?: number;
  /** OCSP must-staple requested (RFC 7633 TLS Feature with status_request). */
  mustStaple?: boolean;
  /** Every extension OID present, in certificate order. */
  extensionOids?: string[];
  /** Extensions that were present but could not be decoded (the rest of the certificate still is). */
  extensionErrors?: string[];
  /** The subject public key could not be decoded (key type 'unknown', 0 bits); every other field still is. */
  publicKeyError?: string;
  selfIssued: boolean;
  version: number;
  /** The DER itself, kept for chain verification and blocklists. */
  der: Buffer;
}
