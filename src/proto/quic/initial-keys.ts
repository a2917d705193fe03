/**
 * QUIC Initial packet protection keys (RFC 9001 §5.2, RFC 9369 §3.3): derived from the client's first Destination
 * Connection ID with HKDF-SHA256 and the version's public salt, so any observer can remove them — that is the point
 * of inspecting Initials: the ClientHello inside is as visible as TLS over TCP.
 */
import { createHmac } from 'node:crypto';
import { QUIC_V1, versionInfo } from './versions.js';

export interface InitialKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, for outputs of at most one SHA-256 block. */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.alloc(2 + 1 + full.length + 1 + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  full.copy(info, 3);
  info[3 + full.length] = 0; // empty context
  info[4 + full.length] = 1; // HKDF-Expand block counter T(1)
  return createHmac('sha256', secret).update(info).digest().subarray(0, length);
}

/**
 * Keys protecting the client's (`server` false) or the server's Initial packets of a connection of `version`
 * (one moat knows: see versions.ts; version 1 when omitted).
 */
export function initialKeys(dcid: Buffer, server: boolean, version = QUIC_V1): InitialKeys {
  const info = versionInfo(version) ?? (versionInfo(QUIC_V1) as NonNullable<ReturnType<typeof versionInfo>>);
  const initialSecret = createHmac('sha256', info.salt).update(dcid).digest();
  const secret = expandLabel(initialSecret, server ? 'server in' : 'client in', 32);
  return {
    key: expandLabel(secret, `${info.labels} key`, 16),
    iv: expandLabel(secret, `${info.labels} iv`, 12),
    hp: expandLabel(secret, `${info.labels} hp`, 16),
  };
}
