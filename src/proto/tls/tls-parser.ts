/**
 * The TLS stream parser: records reassembled per direction (records spanning segments, handshake messages spanning
 * records, several messages per record), the hellos, Certificate and CertificateStatus of TLS ≤ 1.2, change-cipher-spec
 * and the abbreviated (resumed) handshake, TLS 1.3's plaintext ServerHello, HelloRetryRequest, and SSLv2-format
 * ClientHellos. One `tls` record is emitted per connection when the server's plaintext flight is over (or at the end
 * with what was seen); after that the parser ignores the encrypted bytes, so bulk transfer costs nothing here.
 * Buffers are bounded; damaged input becomes an anomaly and stops parsing that direction, never an exception.
 */
import { hash } from 'node:crypto';
import type { Direction, StreamParser } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import type { CertificateInfo } from '../x509/types.js';
import { parseCertificateOnce } from '../x509/index.js';
import type { ClientHello, ServerHello, TlsHandshake } from './types.js';
import {
  CT_ALERT,
  CT_APPLICATION_DATA,
  CT_CHANGE_CIPHER_SPEC,
  CT_HEARTBEAT,
  EXT_SESSION_TICKET,
  HS_CERTIFICATE,
  HS_CERTIFICATE_REQUEST,
  HS_CERTIFICATE_STATUS,
  HS_CLIENT_HELLO,
  HS_NEW_SESSION_TICKET,
  HS_SERVER_HELLO,
  HS_SERVER_HELLO_DONE,
  versionName,
} from './constants.js';
import { TlsParseError, Wire } from './wire.js';
import { parseClientHello, parseSslv2ClientHello } from './client-hello.js';
import { parseServerHello } from './server-hello.js';
import { parseSslv2ServerHello } from './sslv2-server-hello.js';
import { clientFingerprints, serverFingerprint } from './fingerprint-cache.js';
import { computeJa4 } from './ja4.js';

const MAX_RECORD = 16384 + 2048;
/**
 * A handshake message larger than this is refused (anomaly, that direction stops). Real chains stay far below;
 * 512 KiB still admits the 340 KB Certificate message of Zeek's fragmented-handshake trace while bounding what
 * one connection can make the parser hold.
 */
const MAX_HANDSHAKE = 512 * 1024;
const MAX_CERTS = 16;

interface Side {
  /** Bytes not yet forming a whole record. */
  pending: Buffer | null;
  /** Handshake bytes not yet forming a whole message. */
  hs: Buffer | null;
  /** Records seen in this direction (the first may be SSLv2-format). */
  records: number;
  /** After ChangeCipherSpec: handshake records are encrypted. */
  ccs: boolean;
  /** Parsing stopped (gap, damage). */
  stopped: boolean;
}

function side(): Side {
  return { pending: null, hs: null, records: 0, ccs: false, stopped: false };
}

export class TlsStreamParser implements StreamParser {
  readonly proto = 'tls' as const;
  private readonly sides: [Side, Side] = [side(), side()];
  private client?: ClientHello;
  /** The second ClientHello, after a HelloRetryRequest. */
  private retryClient?: ClientHello;
  private server?: ServerHello;
  private hrr = false;
  private serverSessionId?: Buffer;
  private pskAccepted = false;
  private readonly serverCerts: CertificateInfo[] = [];
  private readonly clientCerts: CertificateInfo[] = [];
  private ocsp?: Buffer;
  private newTicketHash?: string;
  private serverDone = false;
  private certificateRequested = false;
  private emitted = false;
  /** Set when the record went out at ServerHelloDone before a promised NewSessionTicket: filled when it comes. */
  private lateTicket?: { hash?: string };
  private awaitingTicket = false;
  /** Time of the bytes being parsed, so anomalies carry the packet time that revealed them. */
  private ts = 0;

  constructor(private readonly ctx: AppContext) {}

  /** Still reading: before the record went out, or the server's side while a promised ticket is awaited. */
  private reading(dir: Direction): boolean {
    return !this.emitted || (dir === 1 && this.awaitingTicket);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (!this.reading(dir)) return;
    const s = this.sides[dir];
    if (s.stopped) return;
    this.ts = tsUs;
    let data: Buffer;
    let p: number;
    let end: number;
    if (s.pending) {
      // `pending` is under one record (lengths are checked before waiting), so this copy is bounded by it
      // plus this segment, and happens only until the handshake is over.
      data = Buffer.concat([s.pending, buf.subarray(off, off + len)]);
      s.pending = null;
      p = 0;
      end = data.length;
    } else {
      data = buf;
      p = off;
      end = off + len;
    }
    while (this.reading(dir) && !s.stopped) {
      const left = end - p;
      if (left < 2) break;
      // SSLv2-format ClientHello: 2-byte header with the high bit set, message type 1 (RFC 5246 E.2).
      if (s.records === 0 && dir === 0 && data[p] & 0x80 && left >= 3 && data[p + 2] === 1) {
        const rlen = ((data[p] & 0x7f) << 8) | data[p + 1];
        if (left < 2 + rlen) break;
        s.records++;
        this.guard(dir, () => {
          this.client = parseSslv2ClientHello(new Wire(data, p + 2, p + 2 + rlen));
        });
        p += 2 + rlen;
        continue;
      }
      if (data[p] & 0x80 && this.client?.sslv2Compat) {
        const rlen = ((data[p] & 0x7f) << 8) | data[p + 1];
        if (dir === 0 || s.records > 0) {
          // The rest of an SSLv2 exchange (CLIENT-MASTER-KEY, then encrypted): nothing more to read.
          s.stopped = true;
          break;
        }
        if (left < 3) break;
        if (data[p + 2] !== 4) {
          this.stop(dir, 'tls.invalid_record_type', `SSLv2 message type ${data[p + 2]}`);
          break;
        }
        if (left < 2 + rlen) break;
        s.records++;
        this.guard(dir, () => this.sslv2ServerHello(new Wire(data, p + 2, p + 2 + rlen), tsUs));
        p += 2 + rlen;
        continue;
      }
      // A record whose first byte has either top bit set is SSLv2-framed to Suricata (2-byte header with bit 7,
      // else 3-byte with bit 6): a zero length there is its invalid_sslv2_header.
      if (data[p] & 0xc0 && (data[p] & 0x80 ? data[p] & 0x7f : data[p] & 0x3f) === 0 && data[p + 1] === 0) {
        this.stop(dir, 'tls.invalid_sslv2_header', 'SSLv2 record of length 0');
        break;
      }
      if (left < 5) break;
      const type = data[p];
      const major = data[p + 1];
      const rlen = (data[p + 3] << 8) | data[p + 4];
      if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) {
        this.stop(dir, 'tls.invalid_record_type', `record type ${type}`);
        break;
      }
      if (major !== 3) {
        this.stop(dir, 'tls.invalid_record_version', `record version ${major}.${data[p + 2]}`);
        break;
      }
      if (rlen > MAX_RECORD) {
        this.stop(dir, 'tls.invalid_record_length', `record length ${rlen}`);
        break;
      }
      if (left < 5 + rlen) break;
      s.records++;
      this.record(dir, type, data, p + 5, rlen, tsUs);
      p += 5 + rlen;
    }
    if (this.reading(dir) && !s.stopped && p < end) s.pending = Buffer.from(data.subarray(p, end));
  }

  private record(dir: Direction, type: number, data: Buffer, off: number, len: number, tsUs: number): void {
    const s = this.sides[dir];
    if (type === CT_CHANGE_CIPHER_SPEC) {
      // TLS 1.3 middlebox compatibility: after a HelloRetryRequest the client may send a dummy CCS before its
      // second, still plaintext, ClientHello (also when the server's side is missing from the capture; TLS 1.3's
      // encrypted handshake travels as application data, so nothing encrypted is read as a hello).
      if (dir === 0 && !this.retryClient && (this.hrr || (!this.server && this.offersTls13))) return;
      s.ccs = true;
      // A server CCS without the promised ticket: nothing more will come.
      if (this.emitted) {
        if (dir === 1) this.stopAwaiting();
        return;
      }
      // TLS ≤ 1.2 server CCS before ServerHelloDone: the abbreviated handshake of a resumed session.
      if (dir === 1 && this.server && this.server.version <= 0x0303) this.finish(tsUs, !this.serverDone);
      // The client's CCS ends its flight: after a CertificateRequest its certificates have been seen.
      else if (dir === 0 && this.serverDone && !this.ticketPromised) this.finish(tsUs, false);
      return;
    }
    if (type === CT_ALERT || type === CT_HEARTBEAT) return;
    if (type === CT_APPLICATION_DATA) {
      if (dir === 1 && this.emitted) this.stopAwaiting();
      if (dir === 1 && this.server) this.finish(tsUs, false);
      return;
    }
    if (s.ccs) return; // encrypted handshake (Finished)
    if (this.server && this.server.version >= 0x0304 && !this.server.isHelloRetryRequest) return;
    let hs: Buffer;
    let p: number;
    let end: number;
    if (s.hs) {
      hs = Buffer.concat([s.hs, data.subarray(off, off + len)]);
      s.hs = null;
      p = 0;
      end = hs.length;
    } else {
      hs = data;
      p = off;
      end = off + len;
    }
    while (end - p >= 4 && this.reading(dir) && !s.stopped) {
      const mtype = hs[p];
      const mlen = (hs[p + 1] << 16) | (hs[p + 2] << 8) | hs[p + 3];
      if (mlen > MAX_HANDSHAKE) {
        this.stop(dir, 'tls.handshake_message_too_long', `handshake message ${mtype} of ${mlen} bytes`);
        return;
      }
      if (end - p < 4 + mlen) break;
      this.message(dir, mtype, hs, p + 4, p + 4 + mlen, tsUs);
      p += 4 + mlen;
    }
    if (this.reading(dir) && !s.stopped && p < end) {
      if (end - p > MAX_HANDSHAKE + 4)
        this.stop(dir, 'tls.handshake_message_too_long', 'handshake reassembly beyond its bound');
      else s.hs = Buffer.from(hs.subarray(p, end));
    }
  }

  private message(dir: Direction, type: number, buf: Buffer, off: number, end: number, tsUs: number): void {
    this.guard(dir, () => {
      const w = new Wire(buf, off, end);
      if (dir === 0 && type === HS_CLIENT_HELLO) {
        // After a HelloRetryRequest the client sends a second hello; the fingerprint stays the first one's.
        const h = parseClientHello(w);
        if (!this.client) this.client = h;
        else if (!this.retryClient) this.retryClient = h;
        return;
      }
      if (dir === 1 && type === HS_SERVER_HELLO) {
        const sh = parseServerHello(w);
        this.serverSessionId = sh.sessionId;
        this.pskAccepted = sh.pskAccepted;
        if (sh.isHelloRetryRequest) {
          this.hrr = true;
          this.server = sh;
          return;
        }
        this.server = sh;
        if (sh.version >= 0x0304) this.finish(tsUs, sh.pskAccepted); // drafts 0x7fNN/0xfbNN too
        return;
      }
      // TLS 1.3 certificates (server's and client's) travel encrypted after the ServerHello: no visible case.
      if (type === HS_CERTIFICATE && (this.server?.version ?? 0x0303) <= 0x0303) {
        this.certificates(dir, w);
        return;
      }
      if (dir === 1 && type === HS_CERTIFICATE_STATUS) {
        if (w.u8('status type') === 1) {
          const n = w.u24('ocsp response length');
          w.need(n, 'ocsp response');
          this.ocsp = Buffer.from(w.buf.subarray(w.pos, w.pos + n));
        }
        return;
      }
      if (dir === 1 && type === HS_CERTIFICATE_REQUEST) {
        this.certificateRequested = true;
        return;
      }
      // TLS ≤ 1.2 NewSessionTicket travels in plaintext just before the server's CCS: the ticket a later resumption
      // will offer, so a monitor can take that session's chain from this handshake.
      if (dir === 1 && type === HS_NEW_SESSION_TICKET) {
        w.skip(4, 'ticket lifetime hint');
        const n = w.u16('ticket length');
        w.need(n, 'ticket');
        if (n > 0) this.newTicketHash = hash('sha256', w.buf.subarray(w.pos, w.pos + n), 'hex');
        if (this.lateTicket) {
          this.lateTicket.hash = this.newTicketHash;
          this.stopAwaiting();
        }
        return;
      }
      if (dir === 1 && type === HS_SERVER_HELLO_DONE) {
        this.serverDone = true;
        // With a CertificateRequest the client's certificates follow: the record waits for the client's CCS.
        // Otherwise it goes out now, as Suricata logs it; a promised ticket is handed on when it comes.
        if (!this.certificateRequested) {
          if (this.ticketPromised) {
            this.lateTicket = {};
            this.awaitingTicket = true;
          }
          this.finish(tsUs, false);
        }
      }
    });
  }

  private get offersTls13(): boolean {
    return this.client?.supportedVersions.includes(0x0304) === true;
  }

  /** A TLS ≤ 1.2 server that acknowledged the session_ticket extension sends a NewSessionTicket before its CCS. */
  private get ticketPromised(): boolean {
    const sh = this.server;
    return sh !== undefined && sh.version <= 0x0303 && sh.extensions.includes(EXT_SESSION_TICKET);
  }

  private sslv2ServerHello(w: Wire, tsUs: number): void {
    const r = parseSslv2ServerHello(w);
    this.server = r.hello;
    if (r.certLen > 0) this.certificate(1, w.buf, r.certOff, r.certLen, this.serverCerts);
    this.serverDone = true;
    this.finish(tsUs, r.hello.sessionIdEchoed);
  }

  private certificate(dir: Direction, buf: Buffer, off: number, len: number, out: CertificateInfo[]): void {
    const r = parseCertificateOnce(buf, off, len);
    if (r.ok) {
      out.push(r.cert);
      if (r.cert.publicKeyError !== undefined)
        this.anomaly(
          'x509.malformed_public_key',
          `certificate ${out.length - 1} of the ${dir === 1 ? 'server' : 'client'}: ${r.cert.publicKeyError}`,
        );
    } else
      this.anomaly(
        'x509.malformed_certificate',
        `certificate ${out.length} of the ${dir === 1 ? 'server' : 'client'}: ${r.error}`,
      );
  }

  private certificates(dir: Direction, w: Wire): void {
    const list = w.sub(w.u24('certificate list length'), 'certificate list');
    const out = dir === 1 ? this.serverCerts : this.clientCerts;
    while (list.left >= 3 && out.length < MAX_CERTS) {
      const n = list.u24('certificate length');
      list.need(n, 'certificate');
      this.certificate(dir, list.buf, list.pos, n, out);
      list.pos += n;
    }
  }

  private guard(dir: Direction, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof TlsParseError) this.stop(dir, 'tls.invalid_handshake_message', err.message);
      else throw err;
    }
  }

  private anomaly(event: string, detail: string): void {
    this.ctx.emit({ type: 'anomaly', anomaly: { event, detail } }, this.ts);
  }

  private stop(dir: Direction, event: string, detail: string): void {
    const s = this.sides[dir];
    s.stopped = true;
    s.pending = null;
    s.hs = null;
    this.anomaly(event, detail);
  }

  private finish(tsUs: number, resumedHint: boolean): void {
    if (this.emitted || !this.client) return;
    this.emitted = true;
    const sh = this.server;
    const echoed =
      sh !== undefined &&
      sh.version <= 0x0303 &&
      this.serverSessionId !== undefined &&
      this.serverSessionId.length > 0 &&
      this.client.sessionIdLength > 0 &&
      resumedHint;
    if (sh) sh.sessionIdEchoed = echoed;
    const resumed = sh !== undefined && (sh.version >= 0x0304 ? this.pskAccepted : resumedHint);
    const h: TlsHandshake = {
      client: this.client,
      server: sh,
      helloRetryRequest: this.hrr,
      serverCertificates: this.serverCerts,
      clientCertificates: this.clientCerts,
      ocspResponse: this.ocsp,
      serverSessionId:
        sh && sh.version <= 0x0303 && this.serverSessionId && this.serverSessionId.length > 0
          ? this.serverSessionId.toString('hex')
          : undefined,
      newTicketHash: this.newTicketHash,
      lateTicket: this.lateTicket,
      resumed,
      versionName: sh?.draftBefore16
        ? 'TLS 1.3 draft-<16'
        : versionName(sh ? sh.version : this.client.sslv2Compat ? 0x0002 : this.client.version),
      ...clientFingerprints(this.client),
      ja3s: sh ? serverFingerprint(sh) : undefined,
      ja4Retry: this.retryClient ? computeJa4(this.retryClient) : undefined,
      complete: sh !== undefined && (this.serverDone || resumed || sh.version >= 0x0304),
    };
    if (!sh) h.versionName = 'UNDETERMINED';
    this.sides[0].pending = this.sides[1].pending = null;
    this.sides[0].hs = this.sides[1].hs = null;
    this.ctx.emit({ type: 'tls', tls: h }, tsUs);
  }

  /** The ticket will not come (or came): the handshake object is final. */
  private stopAwaiting(): void {
    if (this.awaitingTicket && this.lateTicket && this.lateTicket.hash === undefined)
      this.lateTicket.hash = '';
    this.awaitingTicket = false;
    this.sides[1].pending = this.sides[1].hs = null;
    this.sides[1].stopped = true;
  }

  /** After the handshake record is out (and a promised ticket came) only ciphertext follows. */
  get finished(): boolean {
    return !this.reading(1);
  }

  onGap(dir: Direction, _len: number, _tsUs: number): void {
    if (this.emitted) {
      if (dir === 1) this.stopAwaiting();
      return;
    }
    const s = this.sides[dir];
    // Record boundaries are lost: this direction can't be parsed further.
    s.stopped = true;
    s.pending = null;
    s.hs = null;
  }

  onEnd(tsUs: number): void {
    if (!this.emitted && this.client) this.finish(tsUs, false);
  }
}
