/**
 * JA3/JA3S/JA4 memoised by the hello fields they are computed from. A network's clients use a handful of TLS stacks,
 * so after warm-up a handshake's fingerprints cost one map lookup instead of two hashes and several sorts.
 */
import type { ClientHello, ServerHello } from './types.js';
import { computeJa3, computeJa3s } from './ja3.js';
import { computeJa4 } from './ja4.js';

const MAX = 4096;
const client = new Map<string, { ja3: { string: string; hash: string }; ja4: string }>();
const server = new Map<string, { string: string; hash: string }>();

function remember<V>(m: Map<string, V>, k: string, v: V): V {
  if (m.size >= MAX) m.delete(m.keys().next().value as string);
  m.set(k, v);
  return v;
}

export function clientFingerprints(h: ClientHello): { ja3: { string: string; hash: string }; ja4: string } {
  const key = `${h.version}|${h.ciphers.join(',')}|${h.extensions.join(',')}|${h.groups.join(',')}|${h.ecPointFormats.join(',')}|${h.signatureAlgorithms.join(',')}|${h.supportedVersions.join(',')}|${h.alpns[0] ?? ''}`;
  return client.get(key) ?? remember(client, key, { ja3: computeJa3(h), ja4: computeJa4(h) });
}

export function serverFingerprint(s: ServerHello): { string: string; hash: string } {
  const key = `${s.legacyVersion}|${s.cipher}|${s.extensions.join(',')}`;
  return server.get(key) ?? remember(server, key, computeJa3s(s));
}
