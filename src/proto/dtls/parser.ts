/**
 * DTLS 1.0/1.2 handshakes over one UDP flow (RFC 6347; DTLS 1.3's ServerHello too, RFC 9147): records of epoch 0
 * are read from each datagram, handshake fragments reassembled per message, and the ClientHello (its cookie
 * removed, it is a TLS ClientHello), ServerHello and the server's Certificate parsed with the TLS and X.509
 * modules. One `tls` record is emitted when the server's flight is over (ServerHelloDone, its ChangeCipherSpec, or
 * a DTLS 1.3 ServerHello), or at the end: SNI, version ("DTLS 1.0" / "DTLS 1.2"), JA3/JA3S, JA4 with FoxIO's 'd'
 * protocol mark, certificates. Suricata has no DTLS parser; moat logs DTLS as it logs TLS, under app_proto `dtls`.
 * After a HelloVerifyRequest the client's second ClientHello (with the cookie) is the one kept. Damage is an
 * anomaly, never a throw.
 */
import type { DatagramParser, Direction } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import type { ClientHello, ServerHello, TlsHandshake } from '../tls/types.js';
import { parseClientHello } from '../tls/client-hello.js';
import { parseServerHello } from '../tls/server-hello.js';
import { TlsParseError, Wire } from '../tls/wire.js';
import { computeJa3, computeJa3s } from '../tls/ja3.js';
import { computeJa4 } from '../tls/ja4.js';
import { parseCertificateOnce } from '../x509/index.js';
import type { CertificateInfo } from '../x509/types.js';
import { MessageAssembler } from './messages.js';
import { isDtlsVersion } from './probe.js';

const CT_CHANGE_CIPHER_SPEC = 20;
const CT_HANDSHAKE = 22;
const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;
const MAX_CERTS = 16;
/** Datagrams looked at per direction before the flow is left alone (a handshake takes a handful). */
const MAX_DATAGRAMS = 64;

/** DTLS version names, beside Suricata's TLS ones. */
export function dtlsVersionName(v: number): string {
  if (v === 0xfeff) return 'DTLS 1.0';
  if (v === 0xfefd) return 'DTLS 1.2';
  if (v === 0xfefc) return 'DTLS 1.3';
  return 'UNDETERMINED';
}

/** A DTLS ClientHello body in TLS form: the cookie vector after the session id taken out. */
function withoutCookie(b: Buffer): Buffer {
  const sidAt = 34;
  if (b.length < sidAt + 1) throw new TlsParseError('ClientHello: cut before the session id');
  const cookieAt = sidAt + 1 + b[sidAt];
  if (b.length < cookieAt + 1) throw new TlsParseError('ClientHello: cut before the cookie');
  const after = cookieAt + 1 + b[cookieAt];
  if (b.length < after) throw new TlsParseError('ClientHello: cookie beyond the message');
  return Buffer.concat([b.subarray(0, cookieAt), b.subarray(after)]);
}

export class DtlsParser implements DatagramParser {
  readonly proto = 'dtls' as const;
  private readonly assemblers: [MessageAssembler, MessageAssembler] = [
    new MessageAssembler(),
    new MessageAssembler(),
  ];
  private readonly stopped = [false, false];
  private readonly datagrams = [0, 0];
  private client?: ClientHello;
  private server?: ServerHello;
  private readonly certs: CertificateInfo[] = [];
  private emitted = false;

  constructor(private readonly ctx: AppContext) {}

  onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.emitted || this.stopped[dir]) return;
    if (++this.datagrams[dir] > MAX_DATAGRAMS) {
      this.stopped[dir] = true;
      return;
    }
    let p = off;
    const end = off + len;
    // Several records may share a datagram (RFC 6347 §4.1.1).
    while (p + 13 <= end && !this.emitted && !this.stopped[dir]) {
      const type = buf[p];
      const version = buf.readUInt16BE(p + 1);
      const epoch = buf.readUInt16BE(p + 3);
      const rlen = buf.readUInt16BE(p + 11);
      const body = p + 13;
      if (!isDtlsVersion(version) || body + rlen > end)
        return this.stop(
          dir,
          'dtls.invalid_record',
          `record of version 0x${version.toString(16)}, ${rlen} bytes`,
          tsUs,
        );
      p = body + rlen;
      if (epoch !== 0) continue; // encrypted: nothing to read
      if (type === CT_CHANGE_CIPHER_SPEC) {
        if (dir === 1 && this.server) this.finish(tsUs);
        continue;
      }
      if (type !== CT_HANDSHAKE) continue;
      this.handshakeRecord(dir, buf, body, body + rlen, tsUs);
    }
  }

  private handshakeRecord(dir: Direction, buf: Buffer, p: number, end: number, tsUs: number): void {
    while (p + 12 <= end && !this.stopped[dir] && !this.emitted) {
      const type = buf[p];
      const length = buf.readUIntBE(p + 1, 3);
      const seq = buf.readUInt16BE(p + 4);
      const fragOff = buf.readUIntBE(p + 6, 3);
      const fragLen = buf.readUIntBE(p + 9, 3);
      const at = p + 12;
      if (at + fragLen > end)
        return this.stop(
          dir,
          'dtls.invalid_handshake_fragment',
          `fragment of ${fragLen} bytes beyond its record`,
          tsUs,
        );
      p = at + fragLen;
      const r = this.assemblers[dir].add(type, length, seq, fragOff, buf.subarray(at, at + fragLen));
      if (r === undefined) continue;
      if ('error' in r) return this.stop(dir, 'dtls.invalid_handshake_fragment', r.error, tsUs);
      try {
        this.message(dir, r.type, r.body, tsUs);
      } catch (e) {
        if (!(e instanceof TlsParseError)) throw e;
        this.stop(dir, 'tls.invalid_handshake_message', e.message, tsUs);
      }
    }
  }

  private message(dir: Direction, type: number, body: Buffer, tsUs: number): void {
    if (dir === 0 && type === HS_CLIENT_HELLO) {
      const b = withoutCookie(body);
      this.client = parseClientHello(new Wire(b, 0, b.length));
      return;
    }
    if (dir !== 1) return;
    if (type === HS_SERVER_HELLO) {
      this.server = parseServerHello(new Wire(body, 0, body.length));
      // DTLS 1.3: the rest of the server's flight is encrypted.
      if (this.server.version === 0xfefc) this.finish(tsUs);
    } else if (type === HS_CERTIFICATE) {
      const w = new Wire(body, 0, body.length);
      const list = w.sub(w.u24('certificate list length'), 'certificate list');
      while (list.left >= 3 && this.certs.length < MAX_CERTS) {
        const n = list.u24('certificate length');
        list.need(n, 'certificate');
        const c = parseCertificateOnce(list.buf, list.pos, n);
        if (c.ok) this.certs.push(c.cert);
        else
          this.anomaly(
            'x509.malformed_certificate',
            `certificate ${this.certs.length} of the server: ${c.error}`,
            tsUs,
          );
        list.pos += n;
      }
    } else if (type === HS_SERVER_HELLO_DONE) this.finish(tsUs);
  }

  private anomaly(event: string, detail: string, tsUs: number): void {
    this.ctx.emit({ type: 'anomaly', anomaly: { event, detail } }, tsUs);
  }

  private stop(dir: Direction, event: string, detail: string, tsUs: number): void {
    this.stopped[dir] = true;
    this.anomaly(event, detail, tsUs);
  }

  private finish(tsUs: number): void {
    if (this.emitted || !this.client) return;
    this.emitted = true;
    const sh = this.server;
    const h: TlsHandshake = {
      client: this.client,
      server: sh,
      helloRetryRequest: false,
      serverCertificates: this.certs,
      clientCertificates: [],
      resumed: false,
      versionName: sh ? dtlsVersionName(sh.version) : 'UNDETERMINED',
      ja3: computeJa3(this.client),
      ja3s: sh ? computeJa3s(sh) : undefined,
      ja4: computeJa4(this.client, 'd'),
      complete: sh !== undefined,
    };
    this.ctx.emit({ type: 'tls', tls: h }, tsUs);
  }

  onEnd(tsUs: number): void {
    this.finish(tsUs);
  }
}
