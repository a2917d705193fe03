/**
 * Small programs the gateway tests run inside namespaces: a TCP responder that says who it is and who called
 * (standing in for the honeypot, the IoT device, the WAN echo), a slow HTTP download, and a TCP client that
 * reports what it got or why it failed. Written to the test's temporary directory and run with node.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology, Role } from './topology.js';

const SERVER = String.raw`
const net = require('net'), http = require('http'), dgram = require('dgram');
const spec = JSON.parse(process.argv[2]);
let pending = spec.tcp.length + (spec.udp || []).length + (spec.slowHttp ? 1 : 0);
const ready = () => { if (--pending === 0) console.log('listening'); };
for (const port of spec.tcp) {
  net.createServer((s) => {
    const line = spec.label + ' ' + s.remoteAddress + ':' + s.remotePort + ' -> ' + s.localPort;
    console.log(line);
    s.on('error', () => {});
    if (spec.echo) s.on('data', (d) => s.write(line + ' echo ' + d));
    else s.end(line + '\n');
  }).listen(port, '0.0.0.0', ready);
}
// UDP: logs each datagram; with echo, answers 'pong' and, for 'ping:MS', sends 'late' MS later from the same port.
for (const port of spec.udp || []) {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => {
    const text = String(m);
    console.log(spec.label + ' udp ' + r.address + ':' + r.port + ' -> ' + port + ' ' + text);
    if (!spec.echo) return;
    u.send('pong', r.port, r.address);
    const later = /^ping:(\d+)$/.exec(text);
    if (later) setTimeout(() => u.send('late', r.port, r.address), Number(later[1]));
  });
  u.bind(port, '0.0.0.0', ready);
}
if (spec.slowHttp) {
  const { port, bytes, chunk, everyMs } = spec.slowHttp;
  http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': bytes, 'content-type': 'application/octet-stream' });
    let sent = 0;
    const buf = Buffer.alloc(chunk, 0x61);
    const t = setInterval(() => {
      const n = Math.min(chunk, bytes - sent);
      res.write(buf.subarray(0, n));
      sent += n;
      if (sent >= bytes) { clearInterval(t); res.end(); console.log('slow download done'); }
    }, everyMs);
    res.on('close', () => clearInterval(t));
  }).listen(port, '0.0.0.0', ready);
}
`;

const CLIENT = String.raw`
const net = require('net');
const o = JSON.parse(process.argv[2]);
const s = net.connect({ host: o.host, port: o.port, localPort: o.localPort });
let data = '';
const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
s.setTimeout(o.timeoutMs, () => { s.destroy(); done({ error: 'TIMEOUT', data }); });
s.on('connect', () => { if (o.send) s.write(o.send); });
s.on('data', (d) => { data += d; if (o.send && data.includes('echo')) { s.end(); } });
s.on('end', () => done({ ok: true, data, localPort: s.localPort }));
s.on('error', (e) => done({ error: e.code, data }));
`;

const UDP_CLIENT = String.raw`
const dgram = require('dgram');
const o = JSON.parse(process.argv[2]);
const u = dgram.createSocket('udp4');
const got = [];
u.on('message', (m) => got.push(String(m)));
u.bind(o.localPort, () => {
  u.send(o.send, o.port, o.host);
  setTimeout(() => { console.log(JSON.stringify(got)); u.close(); }, o.listenMs);
});
`;

export interface NetTools {
  serverJs: string;
  clientJs: string;
  udpClientJs: string;
}

export function writeNetTools(dir: string): NetTools {
  const serverJs = join(dir, 'netserve.cjs');
  const clientJs = join(dir, 'netclient.cjs');
  const udpClientJs = join(dir, 'udpclient.cjs');
  writeFileSync(serverJs, SERVER);
  writeFileSync(clientJs, CLIENT);
  writeFileSync(udpClientJs, UDP_CLIENT);
  return { serverJs, clientJs, udpClientJs };
}

export interface ServerSpec {
  label: string;
  tcp: number[];
  udp?: number[];
  echo?: boolean;
  slowHttp?: { port: number; bytes: number; chunk: number; everyMs: number };
}

export interface ConnectResult {
  ok?: boolean;
  error?: string;
  data: string;
  localPort?: number;
}

/** One TCP connection from a namespace: what the far end said, or the error (TIMEOUT when packets vanish). */
export function connectFrom(
  topo: Topology,
  tools: NetTools,
  role: Role,
  host: string,
  port: number,
  opts: { localPort?: number; timeoutMs?: number; send?: string } = {},
): ConnectResult {
  const r = topo.exec(role, process.execPath, [
    tools.clientJs,
    JSON.stringify({
      host,
      port,
      localPort: opts.localPort,
      timeoutMs: opts.timeoutMs ?? 1500,
      send: opts.send,
    }),
  ]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ConnectResult;
  } catch {
    return { error: `no result (status ${r.status}): ${r.stderr}`, data: '' };
  }
}

/** Sends one UDP datagram from `localPort` and returns every datagram received on that port within `listenMs`. */
export function udpExchange(
  topo: Topology,
  tools: NetTools,
  role: Role,
  host: string,
  port: number,
  o: { localPort: number; send: string; listenMs: number },
): string[] {
  const r = topo.exec(role, process.execPath, [tools.udpClientJs, JSON.stringify({ host, port, ...o })]);
  return JSON.parse(r.stdout.trim() || '[]') as string[];
}
