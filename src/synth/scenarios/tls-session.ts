/**
 * Plays TLS sessions over a TcpConversation: a TLS 1.2 full handshake (certificate chain, optional stapled
 * OCSP, ECDHE key exchange), a TLS 1.2 abbreviated handshake resuming a session id, and a TLS 1.3
 * handshake (optionally after a HelloRetryRequest). Everything after ChangeCipherSpec is random bytes of
 * the sizes real AEAD records have.
 */
import type { TcpConversation } from '../net/tcp-conversation.js';
import type { Prng } from '../prng.js';
import type { BuiltClientHello } from '../tls/client-profiles.js';
import { buildClientHello } from '../tls/client-profiles.js';
import type { ServerCredential } from '../pki/certificates.js';
import * as C from '../tls/constants.js';
import * as X from '../tls/extensions.js';
import { applicationData, changeCipherSpec, encryptedRecord, records } from '../tls/record.js';
import { serverHello, helloRetryRequest } from '../tls/server-hello.js';
import { certificateMessage } from '../tls/certificate.js';
import { certificateStatus } from '../tls/certificate-status.js';
import { serverKeyExchangeEcdhe, ecPublicKey } from '../tls/server-key-exchange.js';
import { serverHelloDone } from '../tls/server-hello-done.js';
import { clientKeyExchangeEcdhe } from '../tls/client-key-exchange.js';
import { newSessionTicket } from '../tls/new-session-ticket.js';
import { LEGACY_SSLV2_CIPHERS, sslv2ClientHello } from '../tls/sslv2-client-hello.js';
import { handshake } from '../tls/record.js';
import { vec16 } from '../tls/wire.js';

export interface Tls12Options {
  credential: ServerCredential;
  /**
   * How the server cuts its flight into records: one record for all of it (default), one record per
   * handshake message, or small records (`fragment` bytes) so the Certificate message spans several.
   */
  flightRecords?: 'one' | 'per-message' | { fragment: number };
  /** A DER OCSP response to staple when the client asked with status_request. */
  ocspResponse?: Buffer;
  /** The server hands out a session ticket. */
  ticket?: boolean;
  /** The server supports h2 (otherwise http/1.1 if offered). */
  h2?: boolean;
}

export interface Tls12Result {
  cipher: number;
  sessionId: Buffer;
  alpn?: string;
  stapled: boolean;
  /** The session ticket issued, if any. */
  ticket?: Buffer;
}

const ECDSA_PREFERENCE = [
  C.CIPHER_ECDHE_ECDSA_AES128_GCM_SHA256,
  C.CIPHER_ECDHE_ECDSA_AES256_GCM_SHA384,
  0xcca9,
];
const RSA_PREFERENCE = [C.CIPHER_ECDHE_RSA_AES128_GCM_SHA256, C.CIPHER_ECDHE_RSA_AES256_GCM_SHA384, 0xcca8];

function chooseCipher(hello: BuiltClientHello, prefs: readonly number[]): number {
  const chosen = prefs.find((c) => hello.ciphers.includes(c));
  if (chosen === undefined) throw new Error(`synth: ${hello.profile} offers none of the server's ciphers`);
  return chosen;
}

function chooseAlpn(hello: BuiltClientHello, h2: boolean): string | undefined {
  if (h2 && hello.alpn.includes('h2')) return 'h2';
  return hello.alpn.includes('http/1.1') ? 'http/1.1' : undefined;
}

/** Hello record as the client sends it (record version differs by stack). */
function helloRecord(hello: BuiltClientHello): Buffer {
  return records(C.CONTENT_HANDSHAKE, hello.recordVersion, hello.message);
}

function tls12ServerExtensions(
  hello: BuiltClientHello,
  alpn: string | undefined,
  o: { ticket: boolean; staple: boolean; sniAck: boolean },
): Buffer[] {
  const ext: Buffer[] = [];
  if (o.sniAck) ext.push(X.serverNameAck());
  if (hello.profile !== 'iot') ext.push(X.renegotiationInfo());
  ext.push(X.ecPointFormats([0]));
  if (o.ticket) ext.push(X.sessionTicket());
  if (o.staple) ext.push(X.extension(C.EXT_STATUS_REQUEST));
  if (alpn) ext.push(X.alpn([alpn]));
  ext.push(X.extendedMasterSecret());
  return ext;
}

/** Full TLS 1.2 handshake: hello, server flight with certificates, key exchange, both Finished. */
export function playTls12Full(
  conv: TcpConversation,
  rng: Prng,
  hello: BuiltClientHello,
  o: Tls12Options,
): Tls12Result {
  const cred = o.credential;
  const cipher = chooseCipher(hello, cred.keyKind === 'ec' ? ECDSA_PREFERENCE : RSA_PREFERENCE);
  const alpn = chooseAlpn(hello, o.h2 ?? false);
  const ticket = o.ticket ?? false;
  const staple = o.ocspResponse !== undefined && hello.profile === 'browser';
  const sessionId = rng.bytes(32);
  const group = hello.groups.includes(C.GROUP_X25519) ? C.GROUP_X25519 : C.GROUP_SECP256R1;
  const scheme = cred.keyKind === 'ec' ? 0x0403 : hello.signatureSchemes.includes(0x0804) ? 0x0804 : 0x0401;
  const sigLen = cred.keyKind === 'ec' ? rng.int(70, 73) : cred.keyBits / 8;

  conv.send('c2s', helloRecord(hello));
  const flight = [
    serverHello({
      random: rng.bytes(32),
      sessionId,
      cipher,
      extensions: tls12ServerExtensions(hello, alpn, {
        ticket,
        staple,
        sniAck: cred.case !== 'sni-mismatch',
      }),
    }),
    certificateMessage(cred.chain),
    ...(staple && o.ocspResponse ? [certificateStatus(o.ocspResponse)] : []),
    serverKeyExchangeEcdhe(rng, group, scheme, sigLen),
    serverHelloDone(),
  ];
  const cut = o.flightRecords ?? 'one';
  const serverFlight =
    cut === 'per-message'
      ? Buffer.concat(flight.map((m) => records(C.CONTENT_HANDSHAKE, C.TLS12, m)))
      : records(C.CONTENT_HANDSHAKE, C.TLS12, Buffer.concat(flight), cut === 'one' ? 16384 : cut.fragment);
  conv.send('s2c', serverFlight, 600);
  // Client: key exchange, ChangeCipherSpec, encrypted Finished (12-byte verify_data + 4-byte header).
  conv.send(
    'c2s',
    Buffer.concat([
      records(C.CONTENT_HANDSHAKE, C.TLS12, clientKeyExchangeEcdhe(rng, group)),
      changeCipherSpec(),
      encryptedRecord(rng, C.CONTENT_HANDSHAKE, 16),
    ]),
  );
  const serverFinish: Buffer[] = [];
  const ticketBytes = ticket ? rng.bytes(rng.int(160, 200)) : undefined;
  if (ticketBytes)
    serverFinish.push(records(C.CONTENT_HANDSHAKE, C.TLS12, newSessionTicket(7200, ticketBytes)));
  serverFinish.push(changeCipherSpec(), encryptedRecord(rng, C.CONTENT_HANDSHAKE, 16));
  conv.send('s2c', Buffer.concat(serverFinish));
  return { cipher, sessionId, alpn, stapled: staple, ticket: ticketBytes };
}

/** Abbreviated TLS 1.2 handshake: the server echoes the client's session id and both go to Finished. */
export function playTls12Resumed(
  conv: TcpConversation,
  rng: Prng,
  hello: BuiltClientHello,
  earlier: Tls12Result,
  sniAck: boolean,
): void {
  conv.send('c2s', helloRecord(hello));
  const sh = serverHello({
    random: rng.bytes(32),
    sessionId: hello.sessionId,
    cipher: earlier.cipher,
    extensions: tls12ServerExtensions(hello, earlier.alpn, { ticket: false, staple: false, sniAck }),
  });
  conv.send(
    's2c',
    Buffer.concat([
      records(C.CONTENT_HANDSHAKE, C.TLS12, sh),
      changeCipherSpec(),
      encryptedRecord(rng, C.CONTENT_HANDSHAKE, 16),
    ]),
    300,
  );
  conv.send('c2s', Buffer.concat([changeCipherSpec(), encryptedRecord(rng, C.CONTENT_HANDSHAKE, 16)]));
}

export interface Tls13Options {
  /** Server certificate chain size, for the size of the encrypted flight. */
  chainBytes: number;
  h2?: boolean;
  /** The server only accepts this group: a client that shared another one gets a HelloRetryRequest. */
  serverGroup?: number;
  /** The client offered a ticket as PSK and the server accepts it: no Certificate/CertificateVerify. */
  pskAccepted?: boolean;
}

export interface Tls13Result {
  cipher: number;
  alpn?: string;
  helloRetry: boolean;
  finalHello: BuiltClientHello;
}

/** TLS 1.3: hello (maybe a retry), ServerHello, CCS, the encrypted flight, client Finished, tickets. */
export function playTls13(
  conv: TcpConversation,
  rng: Prng,
  hello: BuiltClientHello,
  sni: string | undefined,
  o: Tls13Options,
): Tls13Result {
  const cipher = hello.ciphers.includes(C.CIPHER_TLS_AES_128_GCM_SHA256)
    ? C.CIPHER_TLS_AES_128_GCM_SHA256
    : C.CIPHER_TLS_AES_256_GCM_SHA384;
  const alpn = chooseAlpn(hello, o.h2 ?? true);
  let final = hello;
  let retry = false;
  conv.send('c2s', helloRecord(hello));
  if (o.serverGroup !== undefined && o.serverGroup !== C.GROUP_X25519) {
    // HelloRetryRequest: the server names the group it wants; the client sends a second hello with
    // the same random and session id and only that key share (RFC 8446 §4.1.4).
    retry = true;
    const hrr = helloRetryRequest({
      sessionId: hello.sessionId,
      cipher,
      extensions: [X.supportedVersionsServer(C.TLS13), X.keyShareRetry(o.serverGroup)],
    });
    conv.send('s2c', Buffer.concat([records(C.CONTENT_HANDSHAKE, C.TLS12, hrr), changeCipherSpec()]), 400);
    final = buildClientHello(hello.profile, rng, {
      sni,
      sessionId: hello.sessionId,
      random: hello.random,
      alpn: hello.alpn,
      keyShareGroup: o.serverGroup,
    });
    conv.send(
      'c2s',
      Buffer.concat([changeCipherSpec(), records(C.CONTENT_HANDSHAKE, C.TLS12, final.message)]),
    );
  }
  const group = o.serverGroup ?? C.GROUP_X25519;
  const sh = serverHello({
    random: rng.bytes(32),
    sessionId: hello.sessionId,
    cipher,
    extensions: [
      X.keyShareServer({ group, key: ecPublicKey(rng, group) }),
      ...(o.pskAccepted ? [X.preSharedKeyServer(0)] : []),
      X.supportedVersionsServer(C.TLS13),
    ],
  });
  // EncryptedExtensions, Certificate, CertificateVerify, Finished: sizes as a server with this chain sends.
  const flight = [
    records(C.CONTENT_HANDSHAKE, C.TLS12, sh),
    ...(retry ? [] : [changeCipherSpec()]),
    encryptedRecord(rng, C.CONTENT_HANDSHAKE, alpn ? 6 + alpn.length + 7 : 6, true),
    ...(o.pskAccepted
      ? []
      : [
          encryptedRecord(rng, C.CONTENT_HANDSHAKE, o.chainBytes + 15, true),
          encryptedRecord(rng, C.CONTENT_HANDSHAKE, rng.pick([79, 264]), true),
        ]),
    encryptedRecord(rng, C.CONTENT_HANDSHAKE, 36, true),
  ];
  conv.send('s2c', Buffer.concat(flight), 700);
  const clientFinish = [encryptedRecord(rng, C.CONTENT_HANDSHAKE, 36, true)];
  if (!retry) clientFinish.unshift(changeCipherSpec());
  conv.send('c2s', Buffer.concat(clientFinish));
  return { cipher, alpn, helloRetry: retry, finalHello: final };
}

/** Request/response exchanges inside the tunnel; TLS 1.3 servers also send two session tickets. */
export function playApplicationData(
  conv: TcpConversation,
  rng: Prng,
  tls13: boolean,
  exchanges: number,
): void {
  for (let i = 0; i < exchanges; i++) {
    conv.send('c2s', applicationData(rng, rng.int(90, 700), tls13), rng.int(200, 5000));
    let response = applicationData(rng, rng.pick([600, 2400, 9000, 24000, 70000]) + rng.int(0, 900), tls13);
    if (tls13 && i === 0) {
      const tickets = Buffer.concat([
        encryptedRecord(rng, C.CONTENT_HANDSHAKE, 250, true),
        encryptedRecord(rng, C.CONTENT_HANDSHAKE, 250, true),
      ]);
      response = Buffer.concat([tickets, response]);
    }
    conv.send('s2c', response, rng.int(2000, 40000));
  }
}

/** Encrypted close_notify alert (2 bytes of plaintext). */
export function closeNotify(rng: Prng, tls13: boolean): Buffer {
  return encryptedRecord(rng, C.CONTENT_ALERT, 2, tls13);
}

/**
 * A legacy client: SSLv2-format hello offering TLS 1.0, RSA key exchange (no ServerKeyExchange),
 * AES-CBC-SHA records (length = 16·⌈(plain + 20 MAC + 1)/16⌉, no explicit IV in TLS 1.0).
 */
export function playLegacyTls10(conv: TcpConversation, rng: Prng, credential: ServerCredential): number {
  const cbc = (plain: number): number => 16 * Math.ceil((plain + 20 + 1) / 16);
  const cipher = 0x002f; // TLS_RSA_WITH_AES_128_CBC_SHA
  conv.send('c2s', sslv2ClientHello(LEGACY_SSLV2_CIPHERS, rng.bytes(16)));
  const flight = Buffer.concat([
    serverHello({
      version: C.TLS10,
      random: rng.bytes(32),
      sessionId: rng.bytes(32),
      cipher,
      extensions: [],
    }),
    certificateMessage(credential.chain),
    serverHelloDone(),
  ]);
  conv.send('s2c', records(C.CONTENT_HANDSHAKE, C.TLS10, flight), 500);
  const premaster = handshake(C.HS_CLIENT_KEY_EXCHANGE, vec16(rng.bytes(credential.keyBits / 8)));
  conv.send(
    'c2s',
    Buffer.concat([
      records(C.CONTENT_HANDSHAKE, C.TLS10, premaster),
      records(C.CONTENT_CHANGE_CIPHER_SPEC, C.TLS10, Buffer.from([1])),
      records(C.CONTENT_HANDSHAKE, C.TLS10, rng.bytes(cbc(16))),
    ]),
  );
  conv.send(
    's2c',
    Buffer.concat([
      records(C.CONTENT_CHANGE_CIPHER_SPEC, C.TLS10, Buffer.from([1])),
      records(C.CONTENT_HANDSHAKE, C.TLS10, rng.bytes(cbc(16))),
    ]),
  );
  conv.send('c2s', records(C.CONTENT_APPLICATION_DATA, C.TLS10, rng.bytes(cbc(rng.int(200, 400)))));
  conv.send('s2c', records(C.CONTENT_APPLICATION_DATA, C.TLS10, rng.bytes(cbc(rng.int(1500, 4000)))), 3000);
  return cipher;
}
