/**
 * The QUIC versions whose Initial packets moat opens, with what differs between them: the Initial salt
 * (RFC 9001 §5.2, draft-ietf-quic-tls-23…32, RFC 9369 §3.3.1, and Google's Q050/T050/T051), the HKDF labels
 * (RFC 9369 §3.3.2: "quicv2 key/iv/hp"), the long-header packet type bits (RFC 9369 §3.2 rotates them), and what
 * the CRYPTO stream carries (a TLS ClientHello, or a Google QUIC CHLO message for Q050).
 */

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
export const Q043 = 0x51303433;
export const Q046 = 0x51303436;
export const Q050 = 0x51303530;
export const T050 = 0x54303530;
export const T051 = 0x54303531;

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');
const SALT_DRAFT_29 = Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex');
const SALT_DRAFT_23 = Buffer.from('c3eef712c72ebb5a11a7d2432bb46365bef9f502', 'hex');
const SALT_Q050 = Buffer.from('504574efd066fe2f9d945cfcdbd3a7f0d3b56b45', 'hex');
const SALT_T050 = Buffer.from('7ff579e5acd072915580304c43a2367c60488310', 'hex');
const SALT_T051 = Buffer.from('7a4edef4e7ccee5fa4506c19124fc8ccda6e033d', 'hex');

/** Long-header packet types by their meaning. */
export const PT_INITIAL = 0;
export const PT_0RTT = 1;
export const PT_HANDSHAKE = 2;
export const PT_RETRY = 3;

export interface QuicVersionInfo {
  salt: Buffer;
  /** HKDF-Expand-Label prefix of the packet protection labels: "quic" or "quicv2". */
  labels: 'quic' | 'quicv2';
  /** Meaning of the two type bits of the first byte, indexed by their value. */
  types: readonly number[];
  /** The CRYPTO stream holds a Google QUIC handshake message (CHLO) rather than TLS. */
  gquicCrypto: boolean;
}

const V1_TYPES = [PT_INITIAL, PT_0RTT, PT_HANDSHAKE, PT_RETRY];
/** RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00. */
const V2_TYPES = [PT_RETRY, PT_INITIAL, PT_0RTT, PT_HANDSHAKE];

/** The facts of a version whose Initials moat can open, or undefined. */
export function versionInfo(v: number): QuicVersionInfo | undefined {
  if (v === QUIC_V1 || v === 0xff000021 || v === 0xff000022)
    return { salt: SALT_V1, labels: 'quic', types: V1_TYPES, gquicCrypto: false };
  if (v === QUIC_V2) return { salt: SALT_V2, labels: 'quicv2', types: V2_TYPES, gquicCrypto: false };
  if (v >= 0xff00001d && v <= 0xff000020)
    return { salt: SALT_DRAFT_29, labels: 'quic', types: V1_TYPES, gquicCrypto: false };
  if ((v >= 0xff000017 && v <= 0xff00001c) || v === 0xfaceb002)
    return { salt: SALT_DRAFT_23, labels: 'quic', types: V1_TYPES, gquicCrypto: false };
  if (v === Q050) return { salt: SALT_Q050, labels: 'quic', types: V1_TYPES, gquicCrypto: true };
  if (v === T050) return { salt: SALT_T050, labels: 'quic', types: V1_TYPES, gquicCrypto: false };
  if (v === T051) return { salt: SALT_T051, labels: 'quic', types: V1_TYPES, gquicCrypto: false };
  return undefined;
}

/** The version as Suricata's EVE writes it: Google's as their tag ("Q046"), others in hex ("1", "ff00001d"). */
export function versionName(v: number): string {
  const tag = String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  if (/^[QT]0\d\d$/.test(tag)) return tag;
  return v.toString(16);
}
