/**
 * Real HTTP/1.1 bytes: Node's http server and client talk on 127.0.0.1 through a recording TCP proxy; the
 * recorded segments (as the wire cut them, then re-cut into tiny pieces) go through the HTTP parser.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpProtocol } from '../../../src/proto/http/index.js';
import { TO_CLIENT, TO_SERVER, type Direction } from '../../../src/flow/index.js';
import { PROBE_MATCH } from '../../../src/flow/index.js';
import type { HttpTransaction } from '../../../src/proto/http/types.js';
import { RecordCollector } from '../dns/collect-records.js';

interface Segment {
  dir: Direction;
  data: Buffer;
}

let server: http.Server;
let proxy: net.Server;
let proxyPort = 0;
/** Recorded connections, in the order they were accepted. */
const connections: Segment[][] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = 0;
    req.on('data', (d: Buffer) => (body += d.length));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first chunk\n');
        res.write('second, longer chunk\n');
        res.end('last');
      } else if (url === '/redirect') {
        res.writeHead(302, { Location: 'http://example.test/next' });
        res.end();
      } else if (url === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (url === '/cached') {
        res.writeHead(304, { ETag: '"x"' });
        res.end();
      } else if (url === '/upload') {
        res.writeHead(201, {
          'Content-Type': 'application/json',
          'Content-Length': String(`{"got":${body}}`.length),
        });
        res.end(`{"got":${body}}`);
      } else {
        const text = `hello from ${url}`;
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': String(text.length),
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = (server.address() as AddressInfo).port;
  proxy = net.createServer((client) => {
    const segs: Segment[] = [];
    connections.push(segs);
    const upstream = net.connect(target, '127.0.0.1');
    client.on('data', (d: Buffer) => {
      segs.push({ dir: TO_SERVER, data: Buffer.from(d) });
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      segs.push({ dir: TO_CLIENT, data: Buffer.from(d) });
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyPort = (proxy.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((r) => proxy.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

function request(agent: http.Agent, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        method,
        path,
        agent,
        headers: {
          'User-Agent': 'moat-test/1.0',
          Referer: 'http://ref.test/',
          Host: `Web.Example.TEST:${proxyPort}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** Feeds recorded segments, optionally re-cut into pieces of `step` bytes. */
function parse(segs: Segment[], step = 0): { txs: HttpTransaction[]; anomalies: string[] } {
  const c = new RecordCollector();
  const p = httpProtocol.create(c);
  let ts = 0;
  for (const s of segs) {
    const n = step || s.data.length;
    for (let o = 0; o < s.data.length; o += n)
      p.onData(s.dir, s.data, o, Math.min(n, s.data.length - o), ++ts);
  }
  p.onEnd(ts + 1);
  return { txs: c.of('http').map((r) => r.http), anomalies: c.of('anomaly').map((r) => r.anomaly.event) };
}

test('keep-alive connection: GET, chunked, HEAD, POST, 204, 304, redirect — every field right', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await request(agent, 'GET', '/index.html?q=1');
  await request(agent, 'GET', '/chunked');
  await request(agent, 'HEAD', '/index.html');
  await request(agent, 'POST', '/upload', 'x'.repeat(1234));
  await request(agent, 'GET', '/empty');
  await request(agent, 'GET', '/cached');
  await request(agent, 'GET', '/redirect');
  agent.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const segs = connections[connections.length - 1];
  assert.equal(
    httpProtocol.probe(TO_SERVER, segs[0].data, 0, segs[0].data.length, 50000, proxyPort),
    PROBE_MATCH,
  );
  for (const step of [0, 1, 3, 64]) {
    const { txs, anomalies } = parse(segs, step);
    assert.deepEqual(anomalies, [], `step ${step}`);
    const rows = txs.map((t) => [
      t.method,
      t.uri,
      t.status,
      t.responseBodyLength,
      t.requestBodyLength,
      t.depth,
    ]);
    assert.deepEqual(
      rows,
      [
        ['GET', '/index.html?q=1', 200, 'hello from /index.html?q=1'.length, 0, 1],
        ['GET', '/chunked', 200, 'first chunk\nsecond, longer chunk\nlast'.length, 0, 2],
        ['HEAD', '/index.html', 200, 0, 0, 3],
        ['POST', '/upload', 201, '{"got":1234}'.length, 1234, 4],
        ['GET', '/empty', 204, 0, 0, 5],
        ['GET', '/cached', 304, 0, 0, 6],
        ['GET', '/redirect', 302, 0, 0, 7],
      ],
      `step ${step}`,
    );
    const t0 = txs[0];
    assert.equal(t0.hostname, 'Web.Example.TEST');
    assert.equal(t0.port, proxyPort);
    assert.equal(t0.userAgent, 'moat-test/1.0');
    assert.equal(t0.referer, 'http://ref.test/');
    assert.equal(t0.protocol, 'HTTP/1.1');
    assert.equal(t0.contentType, 'text/html; charset=utf-8');
    assert.equal(txs[6].redirect, 'http://example.test/next');
  }
});

test('pipelined requests on one connection are answered in order', async () => {
  const sock = net.connect(proxyPort, '127.0.0.1');
  const paths = ['/a', '/bb', '/chunked', '/ccc'];
  const wire = paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: pipe.test\r\nUser-Agent: raw\r\n\r\n`).join('');
  let received = '';
  await new Promise<void>((resolve) => {
    sock.on('data', (d) => {
      received += d.toString('latin1');
      // Responses come in request order: the last one's body closes the exchange.
      if (received.includes('hello from /ccc')) resolve();
    });
    sock.write(wire);
  });
  sock.end();
  await new Promise((r) => setTimeout(r, 50));
  const segs = connections[connections.length - 1];
  for (const step of [0, 1, 7]) {
    const { txs } = parse(segs, step);
    assert.deepEqual(
      txs.map((t) => [t.uri, t.status, t.hostname, t.responseBodyLength]),
      [
        ['/a', 200, 'pipe.test', 'hello from /a'.length],
        ['/bb', 200, 'pipe.test', 'hello from /bb'.length],
        ['/chunked', 200, 'pipe.test', 'first chunk\nsecond, longer chunk\nlast'.length],
        ['/ccc', 200, 'pipe.test', 'hello from /ccc'.length],
      ],
    );
  }
  // All requests first, then all responses: the same pairing.
  const reordered = [...segs.filter((s) => s.dir === TO_SERVER), ...segs.filter((s) => s.dir === TO_CLIENT)];
  assert.deepEqual(
    parse(reordered).txs.map((t) => t.uri),
    paths,
  );
});
