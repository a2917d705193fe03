/**
 * QUIC v1 Initial inspection for one UDP flow: the client's and the server's Initial packets are opened with
 * keys derived from the client's first Destination Connection ID, CRYPTO frames reassembled, and the
 * ClientHello and ServerHello inside parsed with the TLS module's own readers. One `tls` record is emitted
 * when the ServerHello is seen (the rest of the handshake is in Handshake packets under secret keys) or at the
 * end; JA4 carries the 'q' protocol mark. Anything else in the flow (Handshake, 1-RTT) is skipped unread.
 */
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

/** Initial packets looked at per direction before giving up (a ClientHello takes one to three). */
const MAX_INITIALS = 16;

export class QuicInitialParser implements DatagramParser {
  readonly proto = 'quic' as const;
  private keys: [InitialKeys, InitialKeys] | undefined;
  private readonly streams: [CryptoStream, CryptoStream] = [new CryptoStream(), new CryptoStream()];
  private readonly seen = [0, 0];
  private readonly stopped = [false, false];
  private client?: ClientHello;
  private server?: ServerHello;
  private emitted = false;

  constructor(private readonly ctx: AppContext) {}

  onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.emitted || this.stopped[dir]) return;
    const end = off + len;
    let p = off;
    // Coalesced packets (RFC 9000 §12.2): Initial, then usually Handshake; each long header says its length.
    while (p < end && !this.stopped[dir] && !this.emitted) {
      const h = readLongHeader(buf, p, end);
      if (!h) return;
      if (h.initialV1) {
        if (!this.keys) {
          if (dir !== 0) return; // keys come from the client's first Initial
          this.keys = [initialKeys(Buffer.from(h.dcid), false), initialKeys(Buffer.from(h.dcid), true)];
        }
        if (++this.seen[dir] > MAX_INITIALS)
          return this.stop(dir, 'quic.too_many_initials', `over ${MAX_INITIALS}`, tsUs);
        const r = openInitial(buf, p, h, this.keys[dir]);
        if (!r.ok) return this.stop(dir, 'quic.initial_decryption_failed', r.error, tsUs);
        const err = this.streams[dir].addFrames(r.payload);
        if (err) return this.stop(dir, 'quic.invalid_initial_frames', err, tsUs);
        this.handshake(dir, tsUs);
      }
      p = h.end;
    }
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
      if (dir === 0 && b[0] === HS_CLIENT_HELLO) this.client = parseClientHello(w);
      else if (dir === 1 && b[0] === HS_SERVER_HELLO) {
        this.server = parseServerHello(w);
        this.finish(tsUs);
      } else this.stop(dir, 'quic.unexpected_handshake_message', `message type ${b[0]}`, tsUs);
    } catch (e) {
      if (!(e instanceof TlsParseError)) throw e;
      this.stop(dir, 'tls.invalid_handshake_message', e.message, tsUs);
    }
  }

  private stop(dir: Direction, event: string, detail: string, tsUs: number): void {
    this.stopped[dir] = true;
    this.ctx.emit({ type: 'anomaly', anomaly: { event, detail } }, tsUs);
  }

  private finish(tsUs: number): void {
    if (this.emitted || !this.client) return;
    this.emitted = true;
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
