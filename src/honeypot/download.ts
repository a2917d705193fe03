/**
 * Fetches what attackers ask for — HTTP, FTP (passive) and TFTP — only inside the allowed scope,
 * bounded in size and time, connecting to the address that was checked (no second DNS lookup that
 * could point elsewhere).
 */
import { lookup } from 'node:dns/promises';
import { request } from 'node:http';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { tryParseIp } from '../address/index.js';
import type { DownloadScope } from './scope.js';

export interface FetchResult {
  status: 'fetched' | 'out-of-scope' | 'failed' | 'too-large';
  data?: Buffer;
  address?: string;
}

export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
}

async function resolve(host: string): Promise<string | null> {
  const h = host.replace(/^\[|\]$/g, '');
  if (tryParseIp(h)) return h;
  try {
    return (await lookup(h)).address;
  } catch {
    return null;
  }
}

export class Downloader {
  constructor(
    private readonly scope: DownloadScope,
    private readonly limits: DownloadLimits = { maxBytes: 16 << 20, timeoutMs: 10_000 },
  ) {}

  async fetch(url: string): Promise<FetchResult> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { status: 'failed' };
    }
    const proto = u.protocol.replace(':', '');
    const port = Number(u.port || (proto === 'ftp' ? 21 : proto === 'https' ? 443 : 80));
    const address = await resolve(u.hostname);
    if (!address || !this.scope.allows(address, port))
      return { status: 'out-of-scope', address: address ?? undefined };
    try {
      if (proto === 'http') return await this.http(u, address, port);
      if (proto === 'ftp') return await this.ftp(u, address, port);
    } catch {
      return { status: 'failed', address };
    }
    return { status: 'failed', address };
  }

  private http(u: URL, address: string, port: number): Promise<FetchResult> {
    return new Promise((done) => {
      const req = request(
        {
          host: address,
          port,
          path: u.pathname + u.search,
          headers: { host: u.host, 'user-agent': 'Wget' },
          timeout: this.limits.timeoutMs,
        },
        (res) => {
          const parts: Buffer[] = [];
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
            if (n > this.limits.maxBytes) {
              req.destroy();
              done({ status: 'too-large', address });
            } else parts.push(c);
          });
          res.on('end', () =>
            done(
              res.statusCode === 200
                ? { status: 'fetched', data: Buffer.concat(parts), address }
                : { status: 'failed', address },
            ),
          );
          res.on('error', () => done({ status: 'failed', address }));
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => done({ status: 'failed', address }));
      req.end();
    });
  }

  /** Passive-mode FTP RETR: enough for BusyBox ftpget against a loader's FTP server. */
  private ftp(u: URL, address: string, port: number): Promise<FetchResult> {
    return new Promise((done) => {
      const ctl = connect(port, address);
      const timer = setTimeout(() => finish({ status: 'failed', address }), this.limits.timeoutMs);
      let buf = '';
      let stage = 0;
      const parts: Buffer[] = [];
      let size = 0;
      let finished = false;
      const finish = (r: FetchResult): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        ctl.destroy();
        done(r);
      };
      ctl.on('error', () => finish({ status: 'failed', address }));
      ctl.on('data', (d) => {
        buf += d.toString('latin1');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (/^\d{3}-/.test(line)) continue;
          const code = Number(line.slice(0, 3));
          const send = (cmd: string, next: number): void => {
            ctl.write(cmd + '\r\n');
            stage = next;
          };
          if (stage === 0 && code === 220) send(`USER ${decodeURIComponent(u.username || 'anonymous')}`, 1);
          else if (stage === 1 && code === 331)
            send(`PASS ${decodeURIComponent(u.password || 'anonymous')}`, 2);
          else if ((stage === 1 || stage === 2) && code === 230) send('TYPE I', 3);
          else if (stage === 3 && code === 200) send('PASV', 4);
          else if (stage === 4 && code === 227) {
            const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(line);
            if (!m) return finish({ status: 'failed', address });
            // The data connection goes to the checked address, whatever the server says (FTP bounce).
            const data = connect(Number(m[5]) * 256 + Number(m[6]), address);
            data.on('data', (c: Buffer) => {
              size += c.length;
              if (size > this.limits.maxBytes) return finish({ status: 'too-large', address });
              parts.push(c);
            });
            data.on('end', () => finish({ status: 'fetched', data: Buffer.concat(parts), address }));
            data.on('error', () => finish({ status: 'failed', address }));
            ctl.write(`RETR ${decodeURIComponent(u.pathname.replace(/^\//, ''))}\r\n`);
            stage = 5;
          } else if (code >= 400) finish({ status: 'failed', address });
        }
      });
    });
  }

  /** TFTP RRQ (octet mode), one block at a time with ACKs (RFC 1350). */
  async tftp(host: string, port: number, file: string): Promise<FetchResult> {
    const address = await resolve(host);
    if (!address || !this.scope.allows(address, port))
      return { status: 'out-of-scope', address: address ?? undefined };
    return new Promise((done) => {
      // The socket family follows the text it will send to (scope.allows has checked it is an address).
      const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
      const parts: Buffer[] = [];
      let size = 0;
      let expected = 1;
      const timer = setTimeout(() => finish({ status: 'failed', address }), this.limits.timeoutMs);
      let finished = false;
      const finish = (r: FetchResult): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        sock.close();
        done(r);
      };
      sock.on('error', () => finish({ status: 'failed', address }));
      sock.on('message', (msg, rinfo) => {
        if (rinfo.address !== address || msg.length < 4) return;
        const op = msg.readUInt16BE(0);
        if (op === 5) return finish({ status: 'failed', address });
        if (op !== 3) return;
        const block = msg.readUInt16BE(2);
        const ack = Buffer.from([0, 4, msg[2], msg[3]]);
        sock.send(ack, rinfo.port, rinfo.address);
        if (block !== expected) return;
        expected = (expected + 1) & 0xffff;
        const payload = msg.subarray(4);
        size += payload.length;
        if (size > this.limits.maxBytes) return finish({ status: 'too-large', address });
        parts.push(Buffer.from(payload));
        if (payload.length < 512) finish({ status: 'fetched', data: Buffer.concat(parts), address });
      });
      const rrq = Buffer.concat([
        Buffer.from([0, 1]),
        Buffer.from(file),
        Buffer.from([0]),
        Buffer.from('octet'),
        Buffer.from([0]),
      ]);
      sock.send(rrq, port, address);
    });
  }
}
