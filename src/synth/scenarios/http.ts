/**
 * HTTP/1.1: browsers, curl and scripts fetching pages, JSON, a form POST with a redirect, a chunked
 * download, a 404, and keep-alive connections carrying several exchanges — on ports 80 and 8080.
 */
import { host, type Host } from '../net/address.js';
import { serverHost } from '../net/directory.js';
import { TcpConversation } from '../net/tcp-conversation.js';
import type { Prng } from '../prng.js';
import type { ScenarioContext } from './context.js';
import { EphemeralPorts } from './context.js';

const AGENTS: { client: Host; ua: string }[] = [
  {
    client: host('192.168.1.23', 128),
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  },
  { client: host('10.0.0.15'), ua: 'curl/8.5.0' },
  { client: host('10.0.0.42'), ua: 'python-requests/2.31.0' },
  { client: host('192.168.1.77', 255), ua: 'Wget/1.21.4' },
  {
    client: host('2001:db8:ffff:1::23', 128),
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0',
  },
];

const SERVERS = {
  www: { host: serverHost('www.example.org', false), name: 'www.example.org', port: 80 },
  intranet: { host: serverHost('intranet.example', false), name: 'intranet.example', port: 8080 },
  v6: { host: serverHost('www.example.org', true), name: 'www.example.org', port: 80 },
};

const WORDS = [
  'moat',
  'packet',
  'flow',
  'gateway',
  'device',
  'sensor',
  'camera',
  'router',
  'update',
  'status',
];

function text(rng: Prng, words: number): string {
  return Array.from({ length: words }, () => rng.pick(WORDS)).join(' ');
}

function html(rng: Prng, paragraphs: number): Buffer {
  const body = Array.from({ length: paragraphs }, () => `<p>${text(rng, rng.int(20, 60))}</p>`).join('\n');
  return Buffer.from(
    `<!doctype html>\n<html><head><title>${text(rng, 3)}</title></head>\n<body>\n${body}\n</body></html>\n`,
  );
}

interface Exchange {
  method: 'GET' | 'POST' | 'HEAD';
  uri: string;
  body?: Buffer;
  contentType?: string;
  status: number;
  reason: string;
  responseType?: string;
  responseBody: Buffer;
  chunked?: boolean;
  location?: string;
}

function request(ex: Exchange, hostName: string, ua: string, keepAlive: boolean): Buffer {
  const lines = [`${ex.method} ${ex.uri} HTTP/1.1`, `Host: ${hostName}`, `User-Agent: ${ua}`, 'Accept: */*'];
  if (ua.startsWith('Mozilla'))
    lines.push('Accept-Language: en-US,en;q=0.9', 'Accept-Encoding: gzip, deflate');
  lines.push(`Connection: ${keepAlive ? 'keep-alive' : 'close'}`);
  if (ex.body)
    lines.push(
      `Content-Type: ${ex.contentType ?? 'application/octet-stream'}`,
      `Content-Length: ${ex.body.length}`,
    );
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), ex.body ?? Buffer.alloc(0)]);
}

function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}

function response(rng: Prng, ex: Exchange, keepAlive: boolean): Buffer {
  const lines = [
    `HTTP/1.1 ${ex.status} ${ex.reason}`,
    'Date: Fri, 01 Mar 2024 12:00:00 GMT',
    'Server: nginx/1.24.0',
  ];
  if (ex.responseType) lines.push(`Content-Type: ${ex.responseType}`);
  if (ex.location) lines.push(`Location: ${ex.location}`);
  let body = ex.responseBody;
  if (ex.chunked) {
    lines.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    for (let off = 0; off < body.length;) {
      const n = Math.min(body.length - off, rng.int(2000, 9000));
      parts.push(chunk(body.subarray(off, off + n)));
      off += n;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    body = Buffer.concat(parts);
  } else {
    lines.push(`Content-Length: ${body.length}`);
  }
  lines.push(`Connection: ${keepAlive ? 'keep-alive' : 'close'}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n');
  return ex.method === 'HEAD' ? head : Buffer.concat([head, body]);
}

export function httpScenario(ctx: ScenarioContext): void {
  const { rng, cap } = ctx;
  const ports = new EphemeralPorts(rng.fork('ports'));
  let clock = ctx.baseUs + rng.int(0, 500_000);

  const page = (): Exchange => ({
    method: 'GET',
    uri: rng.pick(['/', '/index.html', '/news/2024/03/update.html', '/about']),
    status: 200,
    reason: 'OK',
    responseType: 'text/html; charset=utf-8',
    responseBody: html(rng, rng.int(3, 30)),
  });
  const json = (): Exchange => ({
    method: 'GET',
    uri: `/api/v1/devices?id=${rng.int(1, 500)}&fields=status`,
    status: 200,
    reason: 'OK',
    responseType: 'application/json',
    responseBody: Buffer.from(
      JSON.stringify({ id: rng.int(1, 500), status: text(rng, 1), seen: 1709294400 }),
    ),
  });
  const login = (): Exchange => ({
    method: 'POST',
    uri: '/login',
    body: Buffer.from(
      `username=${rng.pick(['alice', 'bob', 'admin'])}&password=${rng.bytes(6).toString('hex')}`,
    ),
    contentType: 'application/x-www-form-urlencoded',
    status: 302,
    reason: 'Found',
    location: '/dashboard',
    responseType: 'text/html',
    responseBody: Buffer.from('<a href="/dashboard">Found</a>\n'),
  });
  const download = (): Exchange => ({
    method: 'GET',
    uri: '/firmware/cam-2.4.1.bin',
    status: 200,
    reason: 'OK',
    responseType: 'application/octet-stream',
    responseBody: rng.bytes(rng.int(20_000, 60_000)),
    chunked: true,
  });
  const missing = (): Exchange => ({
    method: 'GET',
    uri: '/wp-login.php',
    status: 404,
    reason: 'Not Found',
    responseType: 'text/html',
    responseBody: Buffer.from('<html><body><h1>404 Not Found</h1></body></html>\n'),
  });
  const upload = (): Exchange => ({
    method: 'POST',
    uri: '/api/v1/telemetry',
    body: Buffer.from(JSON.stringify({ readings: Array.from({ length: 40 }, () => rng.int(0, 1000)) })),
    contentType: 'application/json',
    status: 201,
    reason: 'Created',
    responseType: 'application/json',
    responseBody: Buffer.from('{"ok":true}'),
  });

  const connection = (
    agent: (typeof AGENTS)[number],
    server: (typeof SERVERS)['www'],
    exchanges: Exchange[],
  ): void => {
    const start = (clock += rng.int(100_000, Math.max(120_000, ctx.spanUs / (10 + ctx.flows))));
    const conv = new TcpConversation(
      cap,
      rng,
      agent.client,
      ports.take(agent.client),
      server.host,
      server.port,
      start,
    );
    conv.connect();
    exchanges.forEach((ex, i) => {
      const keepAlive = i < exchanges.length - 1;
      conv.send(
        'c2s',
        request(ex, server.port === 80 ? server.name : `${server.name}:${server.port}`, agent.ua, keepAlive),
        rng.int(100, 3000),
      );
      conv.send(
        's2c',
        response(rng, ex, keepAlive),
        rng.int(300, 20_000),
        i === exchanges.length - 1 ? false : true,
      );
    });
    // With "Connection: close" the server closes after its last response.
    conv.close('s2c');
    ctx.manifest.push({
      scenario: 'http',
      transport: 'tcp',
      client: agent.client.text,
      clientPort: conv.clientPort,
      server: server.host.text,
      serverPort: server.port,
      startUs: start,
      packets: conv.packets,
      facts: {
        app: 'http',
        host: server.name,
        userAgent: agent.ua,
        requests: exchanges.map((e) => `${e.method} ${e.uri} ${e.status}`),
      },
    });
  };

  connection(AGENTS[0], SERVERS.www, [page(), json(), missing()]);
  connection(AGENTS[1], SERVERS.www, [login()]);
  connection(AGENTS[3], SERVERS.intranet, [download()]);
  connection(AGENTS[2], SERVERS.intranet, [upload(), json()]);
  connection(AGENTS[4], SERVERS.v6, [page()]);
  for (let i = 0; i < ctx.flows; i++) {
    const kinds = [page, json, missing, login, upload];
    const n = rng.int(1, 4);
    connection(
      rng.pick(AGENTS.slice(0, 4)),
      rng.pick([SERVERS.www, SERVERS.intranet]),
      Array.from({ length: n }, () => rng.pick(kinds)()),
    );
  }
}
