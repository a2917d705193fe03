/**
 * The fake Internet inside the sandbox namespace: answers every DNS A query with the sink
 * address and every HTTP request with a small 200, logging both as JSON lines so the report can say
 * what the sample looked up and fetched. Run as its own process: `node sink.js LOGFILE SINK_IP`.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';
import { ipBytes, parseIp } from '../address/index.js';

const [logPath, sinkIp = '10.66.0.2'] = process.argv.slice(2);
const sink = parseIp(sinkIp);
if (sink.version !== 4) throw new Error(`sink address '${sinkIp}' must be IPv4 (it answers A queries)`);
const sinkBytes = ipBytes(sink.words, 4);
const log = (o: Record<string, unknown>): void =>
  appendFileSync(logPath, JSON.stringify({ t: Date.now(), ...o }) + '\n');

function qname(msg: Buffer): { name: string; end: number } | null {
  const labels: string[] = [];
  let o = 12;
  while (o < msg.length && labels.length < 64) {
    const len = msg[o];
    if (len === 0) return { name: labels.join('.'), end: o + 1 };
    if (len > 63 || o + 1 + len > msg.length) return null;
    labels.push(msg.toString('latin1', o + 1, o + 1 + len));
    o += 1 + len;
  }
  return null;
}

const dns = createSocket('udp4');
dns.on('message', (msg, r) => {
  if (msg.length < 17) return;
  const q = qname(msg);
  if (!q || q.end + 4 > msg.length) return;
  const qtype = msg.readUInt16BE(q.end);
  log({ kind: 'dns', name: q.name, qtype, from: r.address });
  const question = msg.subarray(12, q.end + 4);
  const isA = qtype === 1;
  const head = Buffer.alloc(12);
  msg.copy(head, 0, 0, 2);
  head.writeUInt16BE(0x8180, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(isA ? 1 : 0, 6);
  const answer = isA
    ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), sinkBytes])
    : Buffer.alloc(0);
  dns.send(Buffer.concat([head, question, answer]), r.port, r.address);
});
dns.bind(53, '0.0.0.0');

const http = createServer((req, res) => {
  log({
    kind: 'http',
    method: req.method,
    host: req.headers.host,
    url: req.url,
    ua: req.headers['user-agent'],
  });
  res.setHeader('content-type', 'application/octet-stream');
  res.end('#!/bin/sh\nexit 0\n');
});
http.listen(80, '0.0.0.0', () => process.stdout.write('ready\n'));
