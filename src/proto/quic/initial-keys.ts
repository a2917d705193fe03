/**
 * QUIC v1 Initial packet protection keys (RFC 9001 §5.2): derived from the client's first Destination
 * Connection ID with HKDF-SHA256 and a public salt, so any observer can remove them — that is the point of
 * inspecting Initials: the ClientHello inside is as visible as TLS over TCP.
 */
import { createHmac } from 'node:crypto';

/** RFC 9001 §5.2 initial_salt for QUIC version 1. */
const INITIAL_SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

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

/** Keys protecting the client's (`server` false) or the server's Initial packets of the connection. */
export function initialKeys(dcid: Buffer, server: boolean): InitialKeys {
  const initialSecret = createHmac('sha256', INITIAL_SALT_V1).update(dcid).digest();
  const secret = expandLabel(initialSecret, server ? 'server in' : 'client in', 32);
  return {
    key: expandLabel(secret, 'quic key', 16),
    iv: expandLabel(secret, 'quic iv', 12),
    hp: expandLabel(secret, 'quic hp', 16),
  };
}
