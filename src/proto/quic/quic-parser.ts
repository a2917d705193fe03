/**
 * QUIC Initial inspection for one UDP flow. IETF QUIC (v1, v2, drafts 23–34) and Google's T050/T051 carry a TLS
 * ClientHello in encrypted Initials: the client's and the server's Initial packets are opened with keys derived
 * from the client's first Destination Connection ID and the version's salt, CRYPTO frames reassembled, and the
 * ClientHello and ServerHello parsed with the TLS module's readers. Google QUIC Q050 carries a CHLO message there
 * instead; Q043/Q046 send the CHLO in clear.
 *
 * Records: one `quic` record per hello (the client's, with SNI, UA, JA3, JA4 'q', extensions, CYU; the server's,
 * with JA3S), as Suricata's quic events log them; and one `tls` record for the TLS handshake (when the ServerHello
 * is seen, or at the end) for the TLS monitor. Anything else in the flow (Handshake, 1-RTT) is skipped unread.
 */
import { createHash } from 'node:crypto';
import type { DatagramParser, Direction } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import type { ClientHello, ServerHello, TlsHandshake } from '../tls/types.js';
import { HS_CLIENT_HELLO, HS_SERVER_HELLO, versionName } from '../tls/constants.js';
import { parseClientHello } from '../tls/client-hello.js';
import { parseServerHello } from '../tls/server-hello.js';
import { TlsParseError, Wire } from '../tls/wire.js';
import { computeJa3, computeJa3s } from '../tls/ja3.js';
import { computeJa4 } from '../tls/ja4.js';
import { initialKeys, type InitialKeys } from './initial-keys.js';
import { openInitial, readLongHeader } from './initial-packet.js';
import { CryptoStream } from './crypto-stream.js';
import { parseChlo, readGquicHello, type Chlo } from './gquic.js';
import { Q046, versionInfo, versionName as quicVersionName } from './versions.js';
import type { QuicRecord } from './types.js';

/** Initial packets looked at per direction before giving up (a ClientHello takes one to three). */
const MAX_INITIALS = 16;
const EXT_SNI = 0;
const EXT_ALPN = 16;

export class QuicInitialParser implements DatagramParser {
  readonly proto = 'quic' as const;
  private keys: [InitialKeys, InitialKeys] | undefined;
  private version = 0;
  private readonly streams: [CryptoStream, CryptoStream] = [new CryptoStream(), new CryptoStream()];
  private readonly seen = [0, 0];
  private readonly stopped = [false, false];
  private client?: ClientHello;
  private server?: ServerHello;
  private emitted = false;

  constructor(private readonly ctx: AppContext) {}

  onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.stopped[dir]) return;
    const end = off + len;
    if (dir === 0 && len >= 14 && ((buf[off] & 0x80) === 0 || buf.readUInt32BE(off + 1) === Q046)) {
      if (this.gquic(dir, buf, off, end, tsUs)) return;
    }
    let p = off;
    // Coalesced packets (RFC 9000 §12.2): Initial, then usually Handshake; each long header says its length.
    while (p < end && !this.stopped[dir]) {
      const h = readLongHeader(buf, p, end);
      if (!h) return;
      if (h.initial) {
        if (!this.keys) {
          if (dir !== 0) return; // keys come from the client's first Initial
          this.version = h.version;
          const dcid = Buffer.from(h.dcid);
          this.keys = [initialKeys(dcid, false, h.version), initialKeys(dcid, true, h.version)];
        }
        if (++this.seen[dir] > MAX_INITIALS)
          return this.stop(dir, 'quic.too_many_initials', `over ${MAX_INITIALS}`, tsUs);
        const r = openInitial(buf, p, h, this.keys[dir]);
        if (!r.ok) return this.stop(dir, 'quic.initial_decryption_failed', r.error, tsUs);
        const err = this.streams[dir].addFrames(r.payload);
        if (err) return this.stop(dir, 'quic.invalid_initial_frames', err, tsUs);
        if (versionInfo(h.version)?.gquicCrypto) this.cryptoChlo(dir, tsUs);
        else this.handshake(dir, tsUs);
      }
      p = h.end;
    }
  }

  /** Q043/Q046: the client's CHLO in clear. True when the datagram was one. */
  private gquic(dir: Direction, buf: Buffer, off: number, end: number, tsUs: number): boolean {
    if (dir !== 0 || end - off < 14) return false;
    const g = readGquicHello(buf, off, end);
    if (!g) return false;
    if (g.chlo) {
      if (++this.seen[0] > MAX_INITIALS) this.stop(0, 'quic.too_many_initials', `over ${MAX_INITIALS}`, tsUs);
      else this.emitChlo(g.version, g.chlo, tsUs);
    }
    return true;
  }

  /** Q050: the CRYPTO stream holds a CHLO; read it once its values are all in. */
  private cryptoChlo(dir: Direction, tsUs: number): void {
    if (dir !== 0 || this.stopped[0]) return;
    const s = this.streams[0];
    const have = s.contiguous;
    const b = s.bytes;
    if (have < 8) return;
    const n = b.readUInt16LE(4);
    const index = 8 + n * 8;
    if (have < index) return;
    const need = index + (n > 0 ? b.readUInt32LE(index - 4) : 0);
    if (have < need) return;
    const chlo = parseChlo(b, 0, need);
    if (!chlo) return this.stop(0, 'quic.invalid_chlo', 'CHLO message damaged', tsUs);
    this.stopped[0] = true;
    this.emitChlo(this.version, chlo, tsUs);
  }

  private emitChlo(version: number, chlo: Chlo, tsUs: number): void {
    // CYU (Salesforce): the version's number ("46" of Q046), then the CHLO's tags in order.
    const cyuString = `${Number(quicVersionName(version).slice(1))},${chlo.tags.join('-')}`;
    const q: QuicRecord = {
      version,
      client: true,
      sni: chlo.sni,
      ua: chlo.ua,
      extensions: [],
      cyu: { string: cyuString, hash: createHash('md5').update(cyuString).digest('hex') },
    };
    this.ctx.emit({ type: 'quic', quic: q }, tsUs);
  }

  /** Parses the first handshake message of the direction's CRYPTO stream once it is whole. */
  private handshake(dir: Direction, tsUs: number): void {
    if (dir === 0 ? this.client : this.server) return;
    const s = this.streams[dir];
    const have = s.contiguous;
    if (have < 4) return;
    const b = s.bytes;
    const mlen = (b[1] << 16) | (b[2] << 8) | b[3];
    if (have < 4 + mlen) return;
    try {
      const w = new Wire(b, 4, 4 + mlen);
      if (dir === 0 && b[0] === HS_CLIENT_HELLO) {
        this.client = parseClientHello(w);
        this.emitHello(this.client, undefined, tsUs);
      } else if (dir === 1 && b[0] === HS_SERVER_HELLO) {
        this.server = parseServerHello(w);
        this.emitHello(undefined, this.server, tsUs);
        this.finish(tsUs);
      } else this.stop(dir, 'quic.unexpected_handshake_message', `message type ${b[0]}`, tsUs);
    } catch (e) {
      if (!(e instanceof TlsParseError)) throw e;
      this.stop(dir, 'tls.invalid_handshake_message', e.message, tsUs);
    }
  }

  private emitHello(ch: ClientHello | undefined, sh: ServerHello | undefined, tsUs: number): void {
    let q: QuicRecord;
    if (ch) {
      q = {
        version: this.version,
        client: true,
        sni: ch.sni,
        ja3: computeJa3(ch),
        ja4: computeJa4(ch, 'q'),
        extensions: ch.extensions.map((type) =>
          type === EXT_SNI && ch.sni !== undefined
            ? { type, values: [ch.sni] }
            : type === EXT_ALPN && ch.alpns.length > 0
              ? { type, values: ch.alpns }
              : { type },
        ),
      };
    } else {
      const s = sh as ServerHello;
      q = {
        version: this.version,
        client: false,
        ja3: computeJa3s(s),
        extensions: s.extensions.map((type) =>
          type === EXT_ALPN && s.alpn !== undefined ? { type, values: [s.alpn] } : { type },
        ),
      };
    }
    this.ctx.emit({ type: 'quic', quic: q }, tsUs);
  }

  private stop(dir: Direction, event: string, detail: string, tsUs: number): void {
    this.stopped[dir] = true;
    this.ctx.emit({ type: 'anomaly', anomaly: { event, detail } }, tsUs);
  }

  private finish(tsUs: number): void {
    if (this.emitted || !this.client) return;
    this.emitted = true;
    // Both hellos are in: the rest of the flow is under keys moat does not have.
    this.stopped[0] = true;
    this.stopped[1] = true;
    const sh = this.server;
    const h: TlsHandshake = {
      client: this.client,
      server: sh,
      helloRetryRequest: false,
      serverCertificates: [],
      clientCertificates: [],
      resumed: sh?.extensions.includes(41) ?? false,
      versionName: sh ? versionName(sh.version) : 'UNDETERMINED',
      ja3: computeJa3(this.client),
      ja3s: sh ? computeJa3s(sh) : undefined,
      ja4: computeJa4(this.client, 'q'),
      complete: sh !== undefined,
    };
    this.ctx.emit({ type: 'tls', tls: h }, tsUs);
  }

  onEnd(tsUs: number): void {
    this.finish(tsUs);
  }
}
