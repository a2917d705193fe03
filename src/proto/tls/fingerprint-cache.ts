/**
 * JA3/JA3S/JA4 memoised by the hello fields they are computed from. A network's clients use a handful of TLS stacks,
 * so after warm-up a handshake's fingerprints cost one hash over a few integer lists and one comparison, instead of
 * two digests and several sorts. The key is numeric (no string built per handshake); an entry keeps the fields it
 * was computed from, so a hash collision is detected by comparing them and never returns another stack's values.
 */
import type { ClientHello, ServerHello } from './types.js';
import { computeJa3, computeJa3s } from './ja3.js';
import { computeJa4 } from './ja4.js';

const MAX = 4096;

interface ClientEntry {
  lists: readonly (readonly number[])[];
  version: number;
  alpn: string;
  value: { ja3: { string: string; hash: string }; ja4: string };
}

interface ServerEntry {
  legacyVersion: number;
  cipher: number;
  extensions: readonly number[];
  value: { string: string; hash: string };
}

const client = new Map<number, ClientEntry>();
const server = new Map<number, ServerEntry>();

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

function hashList(h: number, list: readonly number[]): number {
  h = mix(h, list.length + 0x9e37);
  for (let i = 0; i < list.length; i++) h = mix(h, list[i]);
  return h;
}

function hashString(h: number, s: string): number {
  h = mix(h, s.length + 0x79b9);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function remember<V>(m: Map<number, V>, k: number, v: V): void {
  if (m.size >= MAX) m.delete(m.keys().next().value as number);
  m.set(k, v);
}

function clientLists(h: ClientHello): readonly (readonly number[])[] {
  return [h.ciphers, h.extensions, h.groups, h.ecPointFormats, h.signatureAlgorithms, h.supportedVersions];
}

export function clientFingerprints(h: ClientHello): { ja3: { string: string; hash: string }; ja4: string } {
  const alpn = h.alpns[0] ?? '';
  let k = mix(0x811c9dc5, h.version);
  k = hashList(k, h.ciphers);
  k = hashList(k, h.extensions);
  k = hashList(k, h.groups);
  k = hashList(k, h.ecPointFormats);
  k = hashList(k, h.signatureAlgorithms);
  k = hashList(k, h.supportedVersions);
  k = hashString(k, alpn);
  const e = client.get(k);
  if (
    e !== undefined &&
    e.version === h.version &&
    e.alpn === alpn &&
    sameList(e.lists[0], h.ciphers) &&
    sameList(e.lists[1], h.extensions) &&
    sameList(e.lists[2], h.groups) &&
    sameList(e.lists[3], h.ecPointFormats) &&
    sameList(e.lists[4], h.signatureAlgorithms) &&
    sameList(e.lists[5], h.supportedVersions)
  ) {
    return e.value;
  }
  const value = { ja3: computeJa3(h), ja4: computeJa4(h) };
  // A collision replaces the older entry: rare, and both stay correct.
  remember(client, k, { lists: clientLists(h), version: h.version, alpn, value });
  return value;
}

export function serverFingerprint(s: ServerHello): { string: string; hash: string } {
  let k = mix(0x811c9dc5, s.legacyVersion);
  k = mix(k, s.cipher);
  k = hashList(k, s.extensions);
  const e = server.get(k);
  if (
    e !== undefined &&
    e.legacyVersion === s.legacyVersion &&
    e.cipher === s.cipher &&
    sameList(e.extensions, s.extensions)
  ) {
    return e.value;
  }
  const value = computeJa3s(s);
  remember(server, k, { legacyVersion: s.legacyVersion, cipher: s.cipher, extensions: s.extensions, value });
  return value;
}
