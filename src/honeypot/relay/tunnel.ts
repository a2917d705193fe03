/**
 * Both ends of the dedicated protocol. The honeypot (`RelayClient`) pins the device end's certificate and
 * authenticates with an HMAC over a fresh nonce and timestamp under a pre-shared key; the device end
 * (`DeviceEndServer`) verifies it, records the registration with the security component (A-53; an
 * interface, logged for now) and forwards each Data frame's original bytes to the device the
 * selector picks, returning its reply. Requests carry ids, so many honeypot sessions share
 * one tunnel and slow devices do not hold up the others.
 */
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket, type Server } from 'node:tls';
import { connect as tcpConnect } from 'node:net';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeTagged, encodeFrame, encodeTagged, FrameReader, FrameType, MAGIC } from './frame.js';
import type { DeviceEndCert } from './tls.js';
import { DeviceSelector, type DeviceEndpoint, type DeviceProtocol } from './select.js';
import { listenFailure } from '../../framework/errors.js';

export type { DeviceEndpoint } from './select.js';

export interface Registration {
  honeypot: string;
  peer: string;
  at: string;
  accepted: boolean;
  reason?: string;
}

/** One forwarded request as the device end logs it (which device answered which session). */
export interface Forwarded {
  session: string;
  device: string;
  command?: string;
  ok: boolean;
}

function mac(key: Buffer, id: string, ts: number, nonce: string): Buffer {
  return createHmac('sha256', key).update(`${MAGIC}|${id}|${ts}|${nonce}`).digest();
}

/** The device end (`moat relay`): next to the real devices. */
export class DeviceEndServer {
  private server?: Server;
  private readonly sockets = new Set<TLSSocket>();
  readonly registrations: Registration[] = [];
  readonly selector: DeviceSelector;
  forwarded = 0;

  constructor(
    private readonly cert: DeviceEndCert,
    private readonly key: Buffer,
    devices: DeviceEndpoint[],
    private readonly onRegister: (r: Registration) => void = () => {},
    private readonly onForward: (f: Forwarded) => void = () => {},
  ) {
    this.selector = new DeviceSelector(devices);
  }

  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = tlsServer({ key: this.cert.key, cert: this.cert.cert, minVersion: 'TLSv1.3' }, (sock) =>
      this.serve(sock),
    );
    return new Promise((resolve, reject) => {
      this.server!.once('error', (err) => reject(listenFailure('relay device end', host, port, err)));
      this.server!.listen(port, host, () => resolve((this.server!.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private serve(sock: TLSSocket): void {
    this.sockets.add(sock);
    const reader = new FrameReader();
    let authed = false;
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => {
      let frames;
      try {
        frames = reader.push(d);
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) {
        if (!authed) {
          authed = this.register(sock, f.type, f.payload);
          if (!authed) return;
          continue;
        }
        if (f.type !== FrameType.Data) continue;
        let req;
        try {
          req = decodeTagged(f.payload);
        } catch (e) {
          sock.write(encodeFrame(FrameType.Error, (e as Error).message));
          continue;
        }
        void this.forward(sock, req.meta, req.bytes);
      }
    });
  }

  private register(sock: TLSSocket, type: FrameType, payload: Buffer): boolean {
    const reg: Registration = {
      honeypot: '?',
      peer: sock.remoteAddress ?? '?',
      at: new Date().toISOString(),
      accepted: false,
    };
    try {
      const text = payload.toString();
      if (type !== FrameType.Hello || !text.startsWith(MAGIC + ' '))
        throw new Error('not a MOAT-HPGW/1 hello');
      const h = JSON.parse(text.slice(MAGIC.length + 1)) as {
        id: string;
        ts: number;
        nonce: string;
        mac: string;
      };
      reg.honeypot = String(h.id);
      if (Math.abs(Date.now() - h.ts) > 60_000) throw new Error('stale hello');
      const want = mac(this.key, h.id, h.ts, h.nonce);
      const got = Buffer.from(String(h.mac), 'hex');
      if (got.length !== want.length || !timingSafeEqual(got, want)) throw new Error('bad authenticator');
      reg.accepted = true;
      sock.write(
        encodeFrame(
          FrameType.Welcome,
          JSON.stringify({
            devices: this.selector.devices.map((x) => ({ name: x.name, protocol: x.protocol })),
          }),
        ),
      );
    } catch (e) {
      reg.reason = (e as Error).message;
      sock.write(encodeFrame(FrameType.Error, reg.reason));
      sock.end();
    }
    this.registrations.push(reg);
    this.onRegister(reg);
    return reg.accepted;
  }

  private async forward(
    sock: TLSSocket,
    meta: { id: number; p?: string; s?: string; c?: string },
    bytes: Buffer,
  ): Promise<void> {
    const session = String(meta.s ?? '?');
    const dev = this.selector.acquire({
      protocol: (meta.p ?? 'shell') as DeviceProtocol,
      session,
      commands: meta.c ? meta.c.split(' ') : undefined,
    });
    if (!dev) {
      sock.write(encodeTagged(FrameType.Error, { id: meta.id }, 'no device for this request'));
      return;
    }
    this.forwarded++;
    try {
      const reply = await askDevice(dev, bytes);
      sock.write(encodeTagged(FrameType.Reply, { id: meta.id }, reply));
      this.onForward({ session, device: dev.name, command: meta.c, ok: true });
    } catch (e) {
      sock.write(encodeTagged(FrameType.Error, { id: meta.id }, (e as Error).message));
      this.onForward({ session, device: dev.name, command: meta.c, ok: false });
    } finally {
      this.selector.done(dev);
    }
  }
}

const END = '\n#MOAT-END#\n';
const MAX_REPLY = 256 << 10;

/**
 * Talks to the device in its own protocol. `shell`: the maintenance port, one line in, output until
 * the end marker. `http`/`mqtt`: the original bytes go out as they are and the reply is what the
 * device sends until it closes or pauses.
 */
function askDevice(dev: DeviceEndpoint, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(dev.port, dev.host);
    let buf = Buffer.alloc(0);
    let idle: NodeJS.Timeout | undefined;
    const finish = (b: Buffer): void => {
      clearTimeout(t);
      clearTimeout(idle);
      s.destroy();
      resolve(b);
    };
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`device ${dev.name} timeout`));
    }, 5000);
    s.on('connect', () =>
      s.write(dev.protocol === 'shell' ? Buffer.concat([payload, Buffer.from('\n')]) : payload),
    );
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > MAX_REPLY) return finish(buf.subarray(0, MAX_REPLY));
      if (dev.protocol === 'shell') {
        const i = buf.indexOf(END);
        if (i >= 0) finish(buf.subarray(0, i));
      } else {
        clearTimeout(idle);
        idle = setTimeout(() => finish(buf), 300);
      }
    });
    s.on('end', () => {
      if (dev.protocol !== 'shell') finish(buf);
    });
    s.on('error', (e) => {
      clearTimeout(t);
      clearTimeout(idle);
      reject(e);
    });
  });
}

export interface RelayRequestMeta {
  protocol: DeviceProtocol;
  session: string;
  /** Command names the bytes run, for the device end's device choice. */
  commands?: string[];
}

/** What the command gate needs from a relay: one request, null when no device answered. */
export interface RelayTransport {
  request(bytes: Buffer, meta: RelayRequestMeta): Promise<Buffer | null>;
}

/** The honeypot end. */
export class RelayClient implements RelayTransport {
  private sock?: TLSSocket;
  private readonly reader = new FrameReader();
  private handshake?: (f: { type: FrameType; payload: Buffer }) => void;
  private readonly pending = new Map<number, (f: { type: FrameType; bytes: Buffer }) => void>();
  private nextId = 1;
  /** Devices the device end offered at registration. */
  devices: Array<{ name: string; protocol: string }> = [];

  constructor(
    private readonly id: string,
    private readonly key: Buffer,
    private readonly pinnedFingerprint: string,
  ) {}

  get connected(): boolean {
    return this.sock !== undefined && !this.sock.destroyed;
  }

  async connect(port: number, host = '127.0.0.1'): Promise<void> {
    const sock = tlsConnect({ port, host, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    if (sock.getPeerCertificate().fingerprint256 !== this.pinnedFingerprint.toUpperCase()) {
      sock.destroy();
      throw new Error("the device end's certificate does not match the pinned fingerprint");
    }
    sock.on('data', (d: Buffer) => {
      let frames;
      try {
        frames = this.reader.push(d);
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) {
        if (this.handshake) {
          const h = this.handshake;
          this.handshake = undefined;
          h(f);
          continue;
        }
        if (f.type !== FrameType.Reply && f.type !== FrameType.Error) continue;
        try {
          const { meta, bytes } = decodeTagged(f.payload);
          const w = this.pending.get(meta.id);
          this.pending.delete(meta.id);
          w?.({ type: f.type, bytes });
        } catch {
          /* an untagged error: the request it belongs to times out */
        }
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      for (const w of this.pending.values())
        w({ type: FrameType.Error, bytes: Buffer.from('tunnel closed') });
      this.pending.clear();
    });
    this.sock = sock;
    const ts = Date.now();
    const nonce = randomBytes(16).toString('hex');
    const reply = await new Promise<{ type: FrameType; payload: Buffer }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the device end did not answer the hello')), 8000);
      this.handshake = (f) => {
        clearTimeout(t);
        resolve(f);
      };
      sock.write(
        encodeFrame(
          FrameType.Hello,
          `${MAGIC} ${JSON.stringify({ id: this.id, ts, nonce, mac: mac(this.key, this.id, ts, nonce).toString('hex') })}`,
        ),
      );
    });
    if (reply.type !== FrameType.Welcome) {
      sock.destroy();
      throw new Error(`the device end refused registration: ${reply.payload.toString()}`);
    }
    try {
      this.devices =
        (JSON.parse(reply.payload.toString()) as { devices?: RelayClient['devices'] }).devices ?? [];
    } catch {
      this.devices = [];
    }
  }

  /** Carries the original protocol bytes (here a shell line) to a device; null on failure. */
  request(
    bytes: Buffer,
    meta: RelayRequestMeta = { protocol: 'shell', session: '?' },
  ): Promise<Buffer | null> {
    const sock = this.sock;
    if (!sock || sock.destroyed) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, 8000);
      this.pending.set(id, (f) => {
        clearTimeout(t);
        resolve(f.type === FrameType.Reply ? f.bytes : null);
      });
      sock.write(
        encodeTagged(
          FrameType.Data,
          { id, p: meta.protocol, s: meta.session, c: meta.commands?.join(' ') },
          bytes,
        ),
      );
    });
  }

  close(): void {
    this.sock?.destroy();
  }
}
