/**
 * ClientHellos of the TLS stacks a network sees most: curl (OpenSSL 3), a Chromium browser (GREASE,
 * shuffled extensions, padding), Python (OpenSSL 3 via ssl/urllib3) and an embedded TLS-1.2-only device
 * stack. Cipher and extension lists follow those stacks' defaults, so JA3/JA4 of the capture look real.
 */
import { clientHello } from './client-hello.js';
import * as C from './constants.js';
import { TLS10, TLS12 } from './constants.js';
import * as X from './extensions.js';
import type { Prng } from '../prng.js';

export type ClientProfile = 'curl' | 'browser' | 'python' | 'iot';

export const CLIENT_PROFILES: readonly ClientProfile[] = ['curl', 'browser', 'python', 'iot'];

export interface HelloOptions {
  /** Omitted: no server_name extension (a client connecting to a bare address). */
  sni?: string;
  /** TLS 1.2 resumption: the session id of an earlier full handshake. */
  sessionId?: Buffer;
  alpn?: readonly string[];
  /** Only offer this key share group (to provoke a HelloRetryRequest, or answer one). */
  keyShareGroup?: number;
  /** TLS 1.3 resumption: offer this ticket as a pre-shared key identity. */
  psk?: { identity: Buffer; age: number };
  /** TLS 1.2 resumption with a session ticket (RFC 5077) received earlier. */
  ticket?: Buffer;
  /** The second ClientHello after a HelloRetryRequest repeats the first one's random. */
  random?: Buffer;
}

export interface BuiltClientHello {
  profile: ClientProfile;
  message: Buffer;
  ciphers: readonly number[];
  groups: readonly number[];
  sessionId: Buffer;
  offersTls13: boolean;
  alpn: readonly string[];
  signatureSchemes: readonly number[];
  random: Buffer;
  /** Record-layer version of the first flight: 0x0301 for OpenSSL/BoringSSL, 0x0303 for small stacks. */
  recordVersion: number;
}

type HelloParts = Omit<BuiltClientHello, 'message' | 'random' | 'recordVersion'> & { extensions: Buffer[] };

const OPENSSL_SIGALGS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
  0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
];
const OPENSSL_GROUPS = [
  C.GROUP_X25519,
  C.GROUP_SECP256R1,
  C.GROUP_X448,
  C.GROUP_SECP521R1,
  C.GROUP_SECP384R1,
  0x0100,
  0x0101,
  0x0102,
  0x0103,
  0x0104,
];
const CURL_CIPHERS = [
  0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024,
  0xc028, 0x006b, 0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c,
  0x003d, 0x003c, 0x0035, 0x002f, 0x00ff,
];
const PYTHON_CIPHERS = [
  0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0x009f, 0x009e, 0xccaa, 0xc0af,
  0xc0ad, 0xc0ae, 0xc0ac, 0xc024, 0xc028, 0xc023, 0xc027, 0xc00a, 0xc014, 0xc009, 0xc013, 0xc0a3, 0xc09f,
  0xc0a2, 0xc09e, 0x006b, 0x0067, 0x0039, 0x0033, 0x009d, 0x009c, 0xc0a1, 0xc09d, 0xc0a0, 0xc09c, 0x003d,
  0x003c, 0x0035, 0x002f, 0x00ff,
];
const BROWSER_CIPHERS = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
  0x002f, 0x0035,
];
const BROWSER_SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const IOT_CIPHERS = [0xc02b, 0xc02f, 0xc0ad, 0xc0ac, 0xc023, 0xc027, 0x009c, 0x003c, 0x002f];
const IOT_SIGALGS = [0x0403, 0x0503, 0x0401, 0x0501, 0x0201];

/**
 * The F5 workaround OpenSSL (SSL_OP_ALL, which curl and CPython set) and BoringSSL share: a hello of
 * 256..511 bytes gets a padding extension that makes it 512 (RFC 7685).
 */
function padHello(ext: Buffer[], sessionIdLen: number, cipherCount: number): void {
  const len =
    4 + 2 + 32 + 1 + sessionIdLen + 2 + 2 * cipherCount + 2 + 2 + ext.reduce((n, e) => n + e.length, 0);
  if (len > 0xff && len < 0x200) {
    const pad = 0x200 - len;
    ext.push(X.padding(pad >= 5 ? pad - 4 : 1));
  }
}

/** Padding, or — when resuming TLS 1.3 — the pre_shared_key, which must come last (RFC 8446 §4.2.11). */
function finishExtensions(
  rng: Prng,
  o: HelloOptions,
  ext: Buffer[],
  sessionIdLen: number,
  cipherCount: number,
): void {
  if (o.psk) ext.push(X.preSharedKeyClient(o.psk.identity, o.psk.age, rng.bytes(32)));
  else padHello(ext, sessionIdLen, cipherCount);
}

function keyShare(rng: Prng, group: number): X.KeyShareEntry {
  const size = group === C.GROUP_X25519 ? 32 : group === C.GROUP_SECP384R1 ? 97 : 65;
  const key = rng.bytes(size);
  if (group !== C.GROUP_X25519) key[0] = 4;
  return { group, key };
}

function openSslHello(profile: 'curl' | 'python', rng: Prng, o: HelloOptions, sessionId: Buffer): HelloParts {
  const alpnList = o.alpn ?? (profile === 'curl' ? ['h2', 'http/1.1'] : ['http/1.1']);
  const share = o.keyShareGroup ?? C.GROUP_X25519;
  const ext: Buffer[] = [];
  if (o.sni) ext.push(X.serverName(o.sni));
  ext.push(X.ecPointFormats([0, 1, 2]), X.supportedGroups(OPENSSL_GROUPS), X.sessionTicket(o.ticket));
  if (alpnList.length > 0) ext.push(X.alpn(alpnList));
  ext.push(X.encryptThenMac(), X.extendedMasterSecret());
  // OpenSSL's fixed extension order puts post_handshake_auth just before signature_algorithms.
  if (profile === 'python') ext.push(X.postHandshakeAuth());
  ext.push(X.signatureAlgorithms(OPENSSL_SIGALGS));
  ext.push(X.supportedVersionsClient([C.TLS13, C.TLS12]), X.pskKeyExchangeModes([1]));
  ext.push(X.keyShareClient([keyShare(rng, share)]));
  const ciphers = profile === 'curl' ? CURL_CIPHERS : PYTHON_CIPHERS;
  finishExtensions(rng, o, ext, sessionId.length, ciphers.length);
  return {
    profile,
    ciphers,
    groups: OPENSSL_GROUPS,
    sessionId,
    offersTls13: true,
    alpn: alpnList,
    signatureSchemes: OPENSSL_SIGALGS,
    extensions: ext,
  };
}

function browserHello(rng: Prng, o: HelloOptions, sessionId: Buffer): HelloParts {
  // Chromium picks GREASE values per connection; the first and last extensions are GREASE and the rest
  // are shuffled (since Chrome 110), which is why JA4 sorts them.
  const g = rng.shuffle([...C.GREASE]);
  const [gCipher, gExt1, gExt2, gGroup, gVersion] = g;
  const alpnList = o.alpn ?? ['h2', 'http/1.1'];
  const groups = [gGroup, C.GROUP_X25519, C.GROUP_SECP256R1, C.GROUP_SECP384R1];
  const middle: Buffer[] = [
    X.extendedMasterSecret(),
    X.renegotiationInfo(),
    X.supportedGroups(groups),
    X.ecPointFormats([0]),
    X.sessionTicket(o.ticket),
    X.statusRequest(),
    X.signatureAlgorithms(BROWSER_SIGALGS),
    X.signedCertificateTimestamp(),
    X.keyShareClient([
      { group: gGroup, key: Buffer.from([0]) },
      keyShare(rng, o.keyShareGroup ?? C.GROUP_X25519),
    ]),
    X.pskKeyExchangeModes([1]),
    X.supportedVersionsClient([gVersion, C.TLS13, C.TLS12]),
    X.compressCertificate(),
  ];
  if (o.sni) middle.push(X.serverName(o.sni));
  if (alpnList.length > 0) middle.push(X.alpn(alpnList), X.alps(['h2']));
  rng.shuffle(middle);
  const ext = [X.grease(gExt1), ...middle, X.grease(gExt2, true)];
  finishExtensions(rng, o, ext, sessionId.length, BROWSER_CIPHERS.length + 1);
  return {
    profile: 'browser',
    ciphers: [gCipher, ...BROWSER_CIPHERS],
    groups,
    sessionId,
    offersTls13: true,
    alpn: alpnList,
    signatureSchemes: BROWSER_SIGALGS,
    extensions: ext,
  };
}

function iotHello(o: HelloOptions, sessionId: Buffer): HelloParts {
  const groups = [C.GROUP_SECP256R1, C.GROUP_SECP384R1];
  const ext: Buffer[] = [];
  if (o.sni) ext.push(X.serverName(o.sni));
  ext.push(X.signatureAlgorithms(IOT_SIGALGS), X.supportedGroups(groups), X.ecPointFormats([0]));
  ext.push(X.extendedMasterSecret(), X.sessionTicket(o.ticket));
  if (o.alpn && o.alpn.length > 0) ext.push(X.alpn(o.alpn));
  return {
    profile: 'iot',
    ciphers: IOT_CIPHERS,
    groups,
    sessionId,
    offersTls13: false,
    alpn: o.alpn ?? [],
    signatureSchemes: IOT_SIGALGS,
    extensions: ext,
  };
}

export function buildClientHello(profile: ClientProfile, rng: Prng, o: HelloOptions = {}): BuiltClientHello {
  // TLS 1.3-capable OpenSSL and BoringSSL send a random 32-byte legacy session id (middlebox
  // compatibility, RFC 8446 D.4); mbedTLS-style stacks send none unless resuming.
  const sessionId = o.sessionId ?? (profile === 'iot' ? Buffer.alloc(0) : rng.bytes(32));
  const random = o.random ?? rng.bytes(32);
  const parts =
    profile === 'browser'
      ? browserHello(rng, o, sessionId)
      : profile === 'iot'
        ? iotHello(o, sessionId)
        : openSslHello(profile, rng, o, sessionId);
  const message = clientHello({ random, sessionId, ciphers: parts.ciphers, extensions: parts.extensions });
  const { extensions: _e, ...rest } = parts;
  return { ...rest, message, random, recordVersion: profile === 'iot' ? TLS12 : TLS10 };
}
