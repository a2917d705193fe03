/**
 * Both ends of the dedicated protocol. The honeypot (`RelayClient`) pins the gateway certificate and
 * authenticates with an HMAC over a fresh nonce and timestamp under a pre-shared key; the gateway
 * (`GatewayServer`) verifies it, records the registration with the security component (A-53; an
 * interface, logged for now) and forwards each Data frame's original bytes to the chosen device,
 * returning its reply. Requests are answered in order, one at a time per tunnel.
 */
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket, type Server } from 'node:tls';
import { connect as tcpConnect } from 'node:net';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeFrame, FrameReader, FrameType, MAGIC } from './frame.js';
import type { GatewayCert } from './tls.js';

export interface Registration {
  honeypot: string;
  peer: string;
  at: string;
  accepted: boolean;
  reason?: string;
}

export interface DeviceEndpoint {
  name: string;
  protocol: 'shell';
  host: string;
  port: number;
}

function mac(key: Buffer, id: string, ts: number, nonce: string): Buffer {
  return createHmac('sha256', key).update(`${MAGIC}|${id}|${ts}|${nonce}`).digest();
}

/** The IoT-gateway end. */
export class GatewayServer {
  private server?: Server;
  readonly registrations: Registration[] = [];
  forwarded = 0;

  constructor(
    private readonly cert: GatewayCert,
    private readonly key: Buffer,
    /** pick a device by protocol (and load: least-used first). */
    private readonly devices: DeviceEndpoint[],
    private readonly onRegister: (r: Registration) => void = () => {},
  ) {}

  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = tlsServer({ key: this.cert.key, cert: this.cert.cert, minVersion: 'TLSv1.3' }, (sock) =>
      this.serve(sock),
    );
    return new Promise((r) =>
      this.server!.listen(port, host, () => r((this.server!.address() as { port: number }).port)),
    );
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private serve(sock: TLSSocket): void {
    const reader = new FrameReader();
    let authed = false;
    let chain = Promise.resolve();
    const load = new Map<string, number>();
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
          const reg: Registration = {
            honeypot: '?',
            peer: sock.remoteAddress ?? '?',
            at: new Date().toISOString(),
            accepted: false,
          };
          try {
            const text = f.payload.toString();
            if (f.type !== FrameType.Hello || !text.startsWith(MAGIC + ' '))
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
            const got = Buffer.from(h.mac, 'hex');
            if (got.length !== want.length || !timingSafeEqual(got, want))
              throw new Error('bad authenticator');
            authed = true;
            reg.accepted = true;
            sock.write(
              encodeFrame(FrameType.Welcome, JSON.stringify({ devices: this.devices.map((x) => x.name) })),
            );
          } catch (e) {
            reg.reason = (e as Error).message;
            sock.write(encodeFrame(FrameType.Error, reg.reason));
            sock.end();
          }
          this.registrations.push(reg);
          this.onRegister(reg);
          continue;
        }
        if (f.type !== FrameType.Data) continue;
        chain = chain.then(async () => {
          const dev = [...this.devices].sort((a, b) => (load.get(a.name) ?? 0) - (load.get(b.name) ?? 0))[0];
          if (!dev) return void sock.write(encodeFrame(FrameType.Error, 'no device'));
          load.set(dev.name, (load.get(dev.name) ?? 0) + 1);
          this.forwarded++;
          try {
            sock.write(encodeFrame(FrameType.Reply, await askDevice(dev, f.payload)));
          } catch (e) {
            sock.write(encodeFrame(FrameType.Error, (e as Error).message));
          }
        });
      }
    });
  }
}

const END = '\n#MOAT-END#\n';

/** The device stand-in's maintenance port: one line in, output until the end marker. */
function askDevice(dev: DeviceEndpoint, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(dev.port, dev.host);
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('device timeout'));
    }, 5000);
    s.on('connect', () => s.write(Buffer.concat([payload, Buffer.from('\n')])));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf(END);
      if (i >= 0) {
        clearTimeout(t);
        s.end();
        resolve(buf.subarray(0, i));
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** The honeypot end. */
export class RelayClient {
  private sock?: TLSSocket;
  private readonly reader = new FrameReader();
  private waiting: Array<(f: { type: FrameType; payload: Buffer }) => void> = [];

  constructor(
    private readonly id: string,
    private readonly key: Buffer,
    private readonly pinnedFingerprint: string,
  ) {}

  async connect(port: number, host = '127.0.0.1'): Promise<void> {
    const sock = tlsConnect({ port, host, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    if (sock.getPeerCertificate().fingerprint256 !== this.pinnedFingerprint) {
      sock.destroy();
      throw new Error('gateway certificate does not match the pinned fingerprint');
    }
    sock.on('data', (d: Buffer) => {
      for (const f of this.reader.push(d)) this.waiting.shift()?.(f);
    });
    sock.on('error', () => sock.destroy());
    this.sock = sock;
    const ts = Date.now();
    const nonce = randomBytes(16).toString('hex');
    const reply = await this.send(
      FrameType.Hello,
      `${MAGIC} ${JSON.stringify({ id: this.id, ts, nonce, mac: mac(this.key, this.id, ts, nonce).toString('hex') })}`,
    );
    if (reply.type !== FrameType.Welcome)
      throw new Error(`gateway refused registration: ${reply.payload.toString()}`);
  }

  private send(type: FrameType, payload: Buffer | string): Promise<{ type: FrameType; payload: Buffer }> {
    if (!this.sock) return Promise.reject(new Error('relay not connected'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('relay timeout')), 8000);
      this.waiting.push((f) => {
        clearTimeout(t);
        resolve(f);
      });
      this.sock!.write(encodeFrame(type, payload));
    });
  }

  /** Carries the original protocol bytes (here a shell line) to a device; null on failure. */
  async request(bytes: Buffer): Promise<Buffer | null> {
    const r = await this.send(FrameType.Data, bytes);
    return r.type === FrameType.Reply ? r.payload : null;
  }

  close(): void {
    this.sock?.destroy();
  }
}
