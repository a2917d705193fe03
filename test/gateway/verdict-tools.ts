/**
 * Programs the verdict tests run inside namespaces: a TCP client that binds a given source address, a connection
 * held open that reports how it ended, a UDP sender at a fixed rate with a counting receiver, and a webhook receiver
 * that prints each POST body. Written to the test's temporary directory and run with node.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CONNECT = String.raw`
const net = require('net');
const o = JSON.parse(process.argv[2]);
const s = net.connect({ host: o.host, port: o.port, localAddress: o.from });
let data = '';
const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
s.setTimeout(o.timeoutMs, () => { s.destroy(); done({ error: 'TIMEOUT', data }); });
s.on('connect', () => { if (o.send) s.write(o.send); if (o.endAfterMs) setTimeout(() => done({ ok: true, data }), o.endAfterMs); });
s.on('data', (d) => { data += d; });
s.on('end', () => done({ ok: true, data }));
s.on('error', (e) => done({ error: e.code, data }));
`;

// Holds a connection, writing a line every 100 ms; prints 'connected', then how it ended.
const HOLD = String.raw`
const net = require('net');
const o = JSON.parse(process.argv[2]);
const s = net.connect({ host: o.host, port: o.port, localAddress: o.from });
let data = '';
s.on('connect', () => { console.log('connected'); setInterval(() => s.write('ping\n'), 100); });
s.on('data', (d) => { data += d; });
s.on('error', (e) => { console.log(JSON.stringify({ error: e.code, data: data.slice(0, 200) })); process.exit(0); });
s.on('end', () => { console.log(JSON.stringify({ end: true, data: data.slice(0, 200) })); process.exit(0); });
`;

// UDP: sends o.count datagrams evenly over o.ms from o.from.
const BLAST = String.raw`
const dgram = require('dgram');
const o = JSON.parse(process.argv[2]);
const u = dgram.createSocket('udp4');
u.bind(0, o.from, () => {
  let n = 0;
  const every = o.ms / o.count;
  const t0 = Date.now();
  const tick = () => {
    const due = Math.min(o.count, Math.floor((Date.now() - t0) / every) + 1);
    while (n < due) { u.send('x' + n, o.port, o.host); n++; }
    if (n < o.count) setTimeout(tick, 2); else setTimeout(() => { console.log(JSON.stringify({ sent: n, ms: Date.now() - t0 })); u.close(); }, 100);
  };
  tick();
});
`;

// Counts datagrams per port; prints 'listening', then on SIGUSR2 (or each second) the counts.
const UDP_COUNT = String.raw`
const dgram = require('dgram');
const u = dgram.createSocket('udp4');
let n = 0;
u.on('message', () => { n++; });
u.bind(Number(process.argv[2]), '0.0.0.0', () => console.log('listening'));
setInterval(() => console.log('count ' + n), 250);
`;

const WEBHOOK = String.raw`
const http = require('http');
http.createServer((req, res) => {
  let b = '';
  req.on('data', (d) => (b += d));
  req.on('end', () => { console.log('POST ' + b.replace(/\n/g, ' ')); res.writeHead(204); res.end(); });
}).listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
`;

export interface VerdictTools {
  connectJs: string;
  holdJs: string;
  blastJs: string;
  udpCountJs: string;
  webhookJs: string;
}

export function writeVerdictTools(dir: string): VerdictTools {
  const t: VerdictTools = {
    connectJs: join(dir, 'vconnect.cjs'),
    holdJs: join(dir, 'vhold.cjs'),
    blastJs: join(dir, 'vblast.cjs'),
    udpCountJs: join(dir, 'vudpcount.cjs'),
    webhookJs: join(dir, 'vwebhook.cjs'),
  };
  writeFileSync(t.connectJs, CONNECT);
  writeFileSync(t.holdJs, HOLD);
  writeFileSync(t.blastJs, BLAST);
  writeFileSync(t.udpCountJs, UDP_COUNT);
  writeFileSync(t.webhookJs, WEBHOOK);
  return t;
}
