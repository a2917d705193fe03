/**
 * The deception service moat runs on the gateway (A-37 deceive): flows a verdict deceives are redirected here by the
 * kernel. A DNS responder answers every A query with the sinkhole address (other types: an empty answer), and a web
 * server answers every request with the same decoy page. Both listen on every address of the gateway, on ports the
 * router's input policy opens only to diverted connections (LURED_MARK).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { Component, Health } from '../../framework/index.js';
import { parseIpv4 } from '../ipv4.js';

export interface DeceptionConfig {
  dnsPort: number;
  httpPort: number;
  sinkhole: string;
  log: (line: string) => void;
}

export const DECOY_PAGE = `<!doctype html>
<html><head><title>Sign in</title></head>
<body><h1>Sign in</h1><form method="post" action="/login"><input name="user"><input name="password" type="password">
<button>Sign in</button></form></body></html>
`;

/** The DNS answer to `query`: the question echoed, one A record with `sinkhole` for A/IN; undefined for junk. */
export function sinkholeAnswer(query: Buffer, sinkhole: Buffer): Buffer | undefined {
  if (query.length < 12 || query.length > 512) return undefined;
  const flags = query.readUInt16BE(2);
  if (flags & 0x8000 || query.readUInt16BE(4) !== 1) return undefined;
  // The question's name: labels up to a zero byte, no compression in a question.
  let o = 12;
  while (o < query.length && query[o] !== 0) {
    if (query[o] > 63) return undefined;
    o += query[o] + 1;
  }
  if (o + 5 > query.length) return undefined;
  const qEnd = o + 5;
  const qtype = query.readUInt16BE(o + 1);
  const qclass = query.readUInt16BE(o + 3);
  const isA = qtype === 1 && qclass === 1;
  const head = Buffer.alloc(12);
  query.copy(head, 0, 0, 2);
  // QR, opcode copied, AA, RD copied, RA; NOERROR.
  head.writeUInt16BE(0x8400 | (flags & 0x7900) | 0x0080, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(isA ? 1 : 0, 6);
  const answer = isA
    ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), sinkhole])
    : Buffer.alloc(0);
  return Buffer.concat([head, query.subarray(12, qEnd), answer]);
}

export class DeceptionService implements Component<DeceptionConfig> {
  readonly name = 'deception';
  readonly dependsOn = ['router'];
  private dns?: Socket;
  private http?: Server;
  answered = { dns: 0, http: 0 };

  constructor(readonly config: DeceptionConfig) {}

  async start(): Promise<void> {
    const ip = parseIpv4(this.config.sinkhole);
    if (!ip) throw new Error(`deception: sinkhole ${this.config.sinkhole} is not an IPv4 address`);
    const sink = Buffer.from(ip.text.split('.').map(Number));
    const dns = createSocket('udp4');
    dns.on('message', (m, r) => {
      const a = sinkholeAnswer(m, sink);
      if (!a) return;
      this.answered.dns++;
      dns.send(a, r.port, r.address);
    });
    await new Promise<void>((resolve, reject) => {
      dns.once('error', reject);
      dns.bind(this.config.dnsPort, '0.0.0.0', () => {
        dns.off('error', reject);
        resolve();
      });
    });
    dns.on('error', (e) => this.config.log(`deception DNS: ${e.message}`));
    this.dns = dns;
    const http = createServer((req, res) => {
      this.answered.http++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', server: 'nginx' });
      res.end(DECOY_PAGE);
    });
    http.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.config.httpPort, '0.0.0.0', () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.http = http;
  }

  async stop(): Promise<void> {
    this.dns?.close();
    const http = this.http;
    if (!http) return;
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }

  health(): Health {
    return {
      ok: Boolean(this.dns && this.http),
      detail: `DNS :${this.config.dnsPort} (${this.answered.dns} answered), web :${this.config.httpPort} (${this.answered.http})`,
    };
  }
}
