/** Hello extension bodies (RFC 6066, 7301, 8446 §4.2, 7627, 5746, 8879), each as type + vec16(body). */
import { cat, u16, u16list, u8, vec16, vec8 } from './wire.js';
import * as C from './constants.js';

export function extension(type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return cat(u16(type), vec16(body));
}

/** server_name with one host_name entry (RFC 6066 §3). */
export function serverName(host: string): Buffer {
  return extension(C.EXT_SERVER_NAME, vec16(u8(0), vec16(Buffer.from(host, 'ascii'))));
}

/** The server's empty server_name acknowledgement. */
export function serverNameAck(): Buffer {
  return extension(C.EXT_SERVER_NAME);
}

export function supportedGroups(groups: readonly number[]): Buffer {
  return extension(C.EXT_SUPPORTED_GROUPS, vec16(u16list(groups)));
}

export function ecPointFormats(formats: readonly number[] = [0]): Buffer {
  return extension(C.EXT_EC_POINT_FORMATS, vec8(Buffer.from(formats)));
}

export function signatureAlgorithms(schemes: readonly number[]): Buffer {
  return extension(C.EXT_SIGNATURE_ALGORITHMS, vec16(u16list(schemes)));
}

export function alpn(protocols: readonly string[]): Buffer {
  return extension(C.EXT_ALPN, vec16(...protocols.map((p) => vec8(Buffer.from(p, 'ascii')))));
}

export function supportedVersionsClient(versions: readonly number[]): Buffer {
  return extension(C.EXT_SUPPORTED_VERSIONS, vec8(u16list(versions)));
}

export function supportedVersionsServer(version: number): Buffer {
  return extension(C.EXT_SUPPORTED_VERSIONS, u16(version));
}

export interface KeyShareEntry {
  group: number;
  key: Buffer;
}

export function keyShareClient(entries: readonly KeyShareEntry[]): Buffer {
  return extension(C.EXT_KEY_SHARE, vec16(...entries.map((e) => cat(u16(e.group), vec16(e.key)))));
}

export function keyShareServer(entry: KeyShareEntry): Buffer {
  return extension(C.EXT_KEY_SHARE, cat(u16(entry.group), vec16(entry.key)));
}

/** HelloRetryRequest's key_share: only the group the server wants. */
export function keyShareRetry(group: number): Buffer {
  return extension(C.EXT_KEY_SHARE, u16(group));
}

export function pskKeyExchangeModes(modes: readonly number[] = [1]): Buffer {
  return extension(C.EXT_PSK_KEY_EXCHANGE_MODES, vec8(Buffer.from(modes)));
}

/** status_request asking for OCSP with empty responder list and request extensions. */
export function statusRequest(): Buffer {
  return extension(C.EXT_STATUS_REQUEST, cat(u8(1), u16(0), u16(0)));
}

export function sessionTicket(ticket: Buffer = Buffer.alloc(0)): Buffer {
  return extension(C.EXT_SESSION_TICKET, ticket);
}

export function extendedMasterSecret(): Buffer {
  return extension(C.EXT_EXTENDED_MASTER_SECRET);
}

export function encryptThenMac(): Buffer {
  return extension(C.EXT_ENCRYPT_THEN_MAC);
}

export function renegotiationInfo(): Buffer {
  return extension(C.EXT_RENEGOTIATION_INFO, u8(0));
}

export function signedCertificateTimestamp(): Buffer {
  return extension(C.EXT_SCT);
}

/** compress_certificate offering brotli (RFC 8879), as Chromium sends it. */
export function compressCertificate(): Buffer {
  return extension(C.EXT_COMPRESS_CERTIFICATE, vec8(u16(2)));
}

export function alps(protocols: readonly string[]): Buffer {
  return extension(C.EXT_ALPS, vec16(...protocols.map((p) => vec8(Buffer.from(p, 'ascii')))));
}

export function postHandshakeAuth(): Buffer {
  return extension(C.EXT_POST_HANDSHAKE_AUTH);
}

export function recordSizeLimit(limit: number): Buffer {
  return extension(C.EXT_RECORD_SIZE_LIMIT, u16(limit));
}

export function padding(len: number): Buffer {
  return extension(C.EXT_PADDING, Buffer.alloc(len));
}

/** A GREASE extension: a reserved type with an empty (or one zero byte) body, RFC 8701. */
export function grease(type: number, oneByte = false): Buffer {
  return extension(type, oneByte ? u8(0) : Buffer.alloc(0));
}

/**
 * TLS 1.3 pre_shared_key offered by the client (RFC 8446 §4.2.11): one ticket identity with its
 * obfuscated age, and one binder. Must be the last extension of the hello.
 */
export function preSharedKeyClient(identity: Buffer, obfuscatedAge: number, binder: Buffer): Buffer {
  const age = Buffer.alloc(4);
  age.writeUInt32BE(obfuscatedAge >>> 0);
  return extension(C.EXT_PRE_SHARED_KEY, cat(vec16(vec16(identity), age), vec16(vec8(binder))));
}

/** The server's pre_shared_key: the index of the identity it accepted. */
export function preSharedKeyServer(selected: number): Buffer {
  return extension(C.EXT_PRE_SHARED_KEY, u16(selected));
}
