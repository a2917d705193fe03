/** HTTP/1.x framing cases that a well-behaved Node exchange does not produce, written as exact wire bytes. */
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { httpProtocol } from '../../../src/proto/http/index.js';
import { TO_CLIENT, TO_SERVER, type Direction } from '../../../src/flow/index.js';
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../../src/flow/index.js';
import type { HttpTransaction } from '../../../src/proto/http/types.js';
import { RecordCollector } from '../dns/collect-records.js';

type Step = [Direction, string | Buffer] | ['gap', Direction, number];

function run(steps: Step[], chunk = 0): { txs: HttpTransaction[]; anomalies: string[]; ts: number[] } {
  const c = new RecordCollector();
  const p = httpProtocol.create(c);
  let ts = 0;
  for (const s of steps) {
    if (s[0] === 'gap') {
      p.onGap(s[1], s[2], ++ts);
      continue;
    }
    const b = Buffer.isBuffer(s[1]) ? s[1] : Buffer.from(s[1], 'latin1');
    const n = chunk || b.length;
    for (let o = 0; o < b.length; o += n) p.onData(s[0], b, o, Math.min(n, b.length - o), ++ts);
  }
  p.onEnd(ts + 1);
  return {
    txs: c.of('http').map((r) => r.http),
    anomalies: c.of('anomaly').map((r) => r.anomaly.event),
    ts: c.records.filter((r) => r.record.type === 'http').map((r) => r.tsUs),
  };
}

const GET = (uri: string, extra = '') => `GET ${uri} HTTP/1.1\r\nHost: h.test\r\n${extra}\r\n`;
const OK = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

test('probe: request lines and status lines on any port; other protocols are not HTTP', () => {
  const probe = (s: string) =>
    httpProtocol.probe(TO_SERVER, Buffer.from(s, 'latin1'), 0, s.length, 40000, 8081);
  assert.equal(probe('GET / HTTP/1.1\r\n'), PROBE_MATCH);
  assert.equal(probe('get /lower HTTP/1.0\r\n'), PROBE_MATCH);
  assert.equal(probe('HTTP/1.1 200 OK\r\n'), PROBE_MATCH);
  assert.equal(probe('FOOBAR /x HTTP/1.1\r\n'), PROBE_MATCH);
  assert.equal(probe('GE'), PROBE_NEED_MORE);
  assert.equal(probe('HTTP/'), PROBE_NEED_MORE);
  assert.equal(probe('FOOBAR /x'), PROBE_MATCH);
  assert.equal(probe('FOOBAR x'), PROBE_NEED_MORE);
  assert.equal(probe('EHLO mail.example.com\r\n'), PROBE_NO);
  assert.equal(probe('SSH-2.0-OpenSSH_9.6\r\n'), PROBE_NO);
  assert.equal(probe('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'), PROBE_NO);
  assert.equal(probe('HTTP/2.0 200'), PROBE_NO);
});

test('response without framing ends with the connection; emitted at the end', () => {
  const r = run([
    [TO_SERVER, GET('/old')],
    [TO_CLIENT, 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nline one\nline two\n'],
  ]);
  assert.equal(r.txs.length, 1);
  assert.equal(r.txs[0].responseBodyLength, 18);
  assert.equal(r.txs[0].responseProtocol, 'HTTP/1.0');
});

test('Expect: 100-continue — the interim response does not end the transaction', () => {
  const body = 'a=1&b=2';
  const r = run(
    [
      [
        TO_SERVER,
        `POST /form HTTP/1.1\r\nHost: h.test\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
      ],
      [TO_CLIENT, 'HTTP/1.1 100 Continue\r\n\r\n'],
      [TO_SERVER, body],
      [TO_CLIENT, OK('done')],
      [TO_SERVER, GET('/next')],
      [TO_CLIENT, OK('n')],
    ],
    2,
  );
  assert.deepEqual(
    r.txs.map((t) => [t.uri, t.status, t.infoCode, t.requestBodyLength, t.responseBodyLength]),
    [
      ['/form', 200, 100, 7, 4],
      ['/next', 200, undefined, 0, 1],
    ],
  );
});

test('CONNECT accepted: one transaction, then the tunnel is not parsed', () => {
  const tls = Buffer.from('160301020001000200030300ffee', 'hex');
  const r = run([
    [TO_SERVER, 'CONNECT secure.test:443 HTTP/1.1\r\nHost: secure.test:443\r\n\r\n'],
    [TO_CLIENT, 'HTTP/1.1 200 Connection established\r\n\r\n'],
    [TO_SERVER, tls],
    [TO_CLIENT, tls],
    [TO_SERVER, 'GET /not-http-any-more HTTP/1.1\r\n\r\n'],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.method, t.uri, t.status, t.hostname, t.port]),
    [['CONNECT', 'secure.test:443', 200, 'secure.test', 443]],
  );
  assert.deepEqual(r.anomalies, []);
});

test('CONNECT refused: the connection goes on as HTTP', () => {
  const r = run([
    [TO_SERVER, 'CONNECT secure.test:443 HTTP/1.1\r\nHost: secure.test\r\n\r\n'],
    [TO_CLIENT, 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'],
    [TO_SERVER, GET('/after')],
    [TO_CLIENT, OK('ok')],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.method, t.status]),
    [
      ['CONNECT', 407],
      ['GET', 200],
    ],
  );
});

test('101 Switching Protocols: the upgrade is logged, websocket frames are not parsed', () => {
  const r = run([
    [TO_SERVER, GET('/chat', 'Upgrade: websocket\r\nConnection: Upgrade\r\n')],
    [TO_CLIENT, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    [TO_CLIENT, Buffer.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])],
    [TO_SERVER, Buffer.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.uri, t.status]),
    [['/chat', 101]],
  );
  assert.deepEqual(r.anomalies, []);
});

test('obsolete line folding joins the continuation; names and values are trimmed', () => {
  const r = run([
    [
      TO_SERVER,
      'GET /f HTTP/1.1\r\nHost:  fold.test \r\nUser-Agent: Mozilla/5.0\r\n  (folded; part)\r\n\tand more\r\n\r\n',
    ],
    [TO_CLIENT, OK('x')],
  ]);
  assert.equal(r.txs[0].userAgent, 'Mozilla/5.0 (folded; part) and more');
  assert.equal(r.txs[0].hostname, 'fold.test');
});

test('a head over 64 KiB is an anomaly; the parser resynchronises on the next request', () => {
  const huge = `GET /big HTTP/1.1\r\nHost: h.test\r\nX-Pad: ${'a'.repeat(70 * 1024)}\r\n\r\n`;
  const r = run(
    [
      [TO_SERVER, huge + GET('/small')],
      [TO_CLIENT, OK('small')],
    ],
    1500,
  );
  assert.ok(r.anomalies.includes('http.request_header_too_long'));
  assert.deepEqual(
    r.txs.map((t) => [t.uri, t.status]),
    [['/small', 200]],
  );
});

test('a gap inside a Content-Length body keeps framing; a gap in a head resynchronises', () => {
  const body = 'b'.repeat(1000);
  const r = run([
    [TO_SERVER, GET('/one') + GET('/two')],
    [TO_CLIENT, `HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${body.slice(0, 300)}`],
    ['gap', TO_CLIENT, 400],
    [TO_CLIENT, body.slice(700) + OK('second')],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.uri, t.status, t.responseBodyLength]),
    [
      ['/one', 200, 600],
      ['/two', 200, 6],
    ],
  );
  const r2 = run([
    [TO_SERVER, 'GET /cut HTTP/1.1\r\nHost: h'],
    ['gap', TO_SERVER, 30],
    [TO_SERVER, 'ost-tail\r\n\r\n' + GET('/resync')],
    [TO_CLIENT, OK('1') + OK('2')],
  ]);
  assert.deepEqual(
    r2.txs.map((t) => t.uri),
    ['/cut', '/resync'],
  );
});

test('HTTP/0.9: a simple request answered by the bare document', () => {
  const r = run([
    [TO_SERVER, 'GET /\r\n'],
    [TO_CLIENT, '<html>plain old document</html>\n'],
  ]);
  assert.equal(r.txs.length, 1);
  assert.equal(r.txs[0].protocol, undefined);
  assert.equal(r.txs[0].status, undefined);
  assert.equal(r.txs[0].responseBodyLength, 32);
  assert.deepEqual(r.anomalies, []);
});

test('unanswered requests, a response with no request, a head without its final CRLF', () => {
  const r = run([
    [TO_SERVER, GET('/a') + GET('/b')],
    [TO_CLIENT, OK('a')],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.uri, t.status]),
    [
      ['/a', 200],
      ['/b', undefined],
    ],
  );
  const mid = run([[TO_CLIENT, OK('midstream')]]);
  assert.deepEqual(
    mid.txs.map((t) => [t.method, t.status, t.responseBodyLength]),
    [[undefined, 200, 9]],
  );
  const nocrlf = run([[TO_SERVER, 'GET /no-crlf HTTP/1.1\r\nHost: h.test']]);
  assert.deepEqual(
    nocrlf.txs.map((t) => [t.uri, t.hostname]),
    [['/no-crlf', 'h.test']],
  );
});

test('chunked with extensions and trailers, chunked request bodies, a bad chunk size', () => {
  const chunked =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
  const reqChunked =
    'POST /up HTTP/1.1\r\nHost: h.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
  for (const step of [0, 1, 4]) {
    const r = run(
      [
        [TO_SERVER, reqChunked + GET('/after')],
        [TO_CLIENT, chunked + OK('z')],
      ],
      step,
    );
    assert.deepEqual(
      r.txs.map((t) => [t.uri, t.requestBodyLength, t.responseBodyLength]),
      [
        ['/up', 3, 15],
        ['/after', 0, 1],
      ],
      `step ${step}`,
    );
    assert.deepEqual(r.anomalies, []);
  }
  const bad = run([
    [TO_SERVER, GET('/bad')],
    [TO_CLIENT, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nrest of it'],
  ]);
  assert.deepEqual(bad.anomalies, ['http.invalid_response_chunk_len']);
  // The line that is no size is body too, and so is the rest of the connection (libhtp's reading).
  assert.equal(bad.txs[0].responseBodyLength, 14);
});

test('lower-case methods, absolute-form targets, missing URI, invalid Content-Length', () => {
  const r = run([
    [TO_SERVER, 'get http://proxy.test:8080/p?q HTTP/1.1\r\nUser-Agent: u\r\n\r\n'],
    [TO_CLIENT, OK('p')],
    [TO_SERVER, 'GET HTTP/1.1\r\nHost: h.test\r\n\r\n'],
    [TO_CLIENT, 'HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabc'],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.method, t.uri, t.hostname, t.port, t.responseBodyLength]),
    [
      ['get', 'http://proxy.test:8080/p?q', 'proxy.test', 8080, 1],
      ['GET', '', 'h.test', undefined, 3],
    ],
  );
  // libhtp takes the digits amid junk ("-5" is 5) and says so.
  assert.ok(r.anomalies.includes('http.response_framing'));
});

test('garbage on the request side is reported and skipped until a request line', () => {
  const r = run([
    [TO_SERVER, '\x00\x01\x02binary junk\r\nmore junk\r\n' + GET('/real')],
    [TO_CLIENT, OK('r')],
  ]);
  assert.deepEqual(
    r.txs.map((t) => t.uri),
    ['/real'],
  );
  assert.deepEqual(r.anomalies, ['http.invalid_request_line']);
});

test('a version-less request line followed by header fields is read as HTTP/1.x (libhtp, Zeek)', () => {
  const r = run([
    [TO_SERVER, 'GET /\nFakeHeader\nHost: localhost\nUser-Agent: myscript\n\n'],
    [TO_CLIENT, '<!DOCTYPE HTML>\n<html>listing</html>\n'],
  ]);
  assert.equal(r.txs.length, 1);
  assert.equal(r.txs[0].userAgent, 'myscript');
  assert.equal(r.txs[0].hostname, 'localhost');
  assert.equal(r.txs[0].responseBodyLength, 37);
});

test('IPv6 literal hosts keep their brackets, as Suricata logs them', () => {
  const r = run([[TO_SERVER, 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n']]);
  assert.equal(r.txs[0].hostname, '[::1]');
  assert.equal(r.txs[0].port, 8080);
});

test('a capture starting mid-connection with the server seen as initiator is read the right way round', () => {
  const r = run([
    [TO_SERVER, OK('from the server')],
    [TO_CLIENT, GET('/second')],
    [TO_SERVER, OK('2')],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.uri, t.status, t.responseBodyLength]),
    [
      [undefined, 200, 15],
      ['/second', 200, 1],
    ],
  );
  // The first response has no request: libhtp's event, as Suricata logs it (suricata-verify tcp-stream-after-swap).
  assert.deepEqual(r.anomalies, ['UNABLE_TO_MATCH_RESPONSE_TO_REQUEST']);
});

test('request smuggling shapes: the hidden request is surfaced (Zeek 261 traces)', () => {
  const cases = [
    'POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: target\r\n\r\n',
    `POST / HTTP/1.1\r\nHost: target\r\nContent-Length: 000000000000000000000000000050\r\n\r\n${'X'.repeat(50)}GET /smuggled HTTP/1.1\r\nHost: target\r\n\r\n`,
    'POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: target\r\n\r\n',
  ];
  for (const c of cases) {
    const r = run([[TO_SERVER, c]], 7);
    assert.deepEqual(
      r.txs.map((t) => [t.method, t.uri]),
      [
        ['POST', '/'],
        ['GET', '/smuggled'],
      ],
      c.slice(0, 80),
    );
  }
});

test('HTTP spoken through an accepted CONNECT tunnel is read on (Suricata http-connect)', () => {
  const r = run([
    [TO_SERVER, 'CONNECT abc:443 HTTP/1.1\r\nUser-Agent: V/1.0\r\n\r\n\n'],
    [TO_CLIENT, 'HTTP/1.1 200 OK\r\nServer: S/1.0\r\n\r\n\n'],
    [TO_SERVER, 'GET / HTTP/1.1\r\nUser-Agent: V/1.0\r\n\r\n\n'],
    [TO_CLIENT, 'HTTP/1.1 200 OK\r\nServer: S/1.0\r\n\r\n'],
  ]);
  assert.deepEqual(
    r.txs.map((t) => [t.method, t.uri, t.status]),
    [
      ['CONNECT', 'abc:443', 200],
      ['GET', '/', 200],
    ],
  );
});

test('TLS inside an accepted CONNECT tunnel goes to the TLS parser (real capture https-connect.pcap)', async (t) => {
  const pcap = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'ja4', 'pcap', 'https-connect.pcap');
  if (!existsSync(pcap)) {
    t.skip('../shared/corpus/tls/ja4 absent');
    return;
  }
  const { readPayloads } = await import('../dns/pcap-payloads.js');
  const c = new RecordCollector();
  const p = httpProtocol.create(c);
  const next = new Map<string, number>();
  let client = '';
  for (const pl of readPayloads(pcap)) {
    if (pl.proto !== 6) continue;
    const from = `${pl.src}:${pl.srcPort}`;
    client ||= from;
    // In-order capture: drop retransmitted bytes only.
    const exp = next.get(from);
    let data = pl.payload;
    if (exp !== undefined) {
      const d = (pl.seq - exp) | 0;
      if (d < 0) data = -d >= data.length ? data.subarray(0, 0) : data.subarray(-d);
    }
    next.set(from, (pl.seq + pl.payload.length) >>> 0);
    if (data.length > 0) p.onData(from === client ? TO_SERVER : TO_CLIENT, data, 0, data.length, pl.tsUs);
  }
  p.onEnd(0);
  assert.deepEqual(
    c.of('http').map((r) => [r.http.method, r.http.uri, r.http.status]),
    [['CONNECT', 'ts01-b.cloudsink.net:443', 200]],
  );
  const tls = c.of('tls');
  assert.equal(tls.length, 1);
  // The JA4 reference tools' answer for this stream (expected-rust/https-connect snapshot).
  assert.equal(tls[0].tls.ja4, 't12i860500_e18388e7f3a3_a1e935682795');
});
