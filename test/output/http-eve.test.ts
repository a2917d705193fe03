import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeHttpEve } from '../../src/output/eve/http.js';
import type { HttpTransaction } from '../../src/proto/http/types.js';
import { httpProtocol } from '../../src/proto/http/index.js';
import { TO_CLIENT, TO_SERVER } from '../../src/flow/index.js';
import { RecordCollector } from '../proto/dns/collect-records.js';
import { writtenMember } from '../helpers/eve-object.js';

/** The `http` object as the one serialiser writes it, read back. */
const httpEve = (t: HttpTransaction): Record<string, unknown> =>
  writtenMember('http', (o) => writeHttpEve(o, t));

function transactions(req: string, resp: string) {
  const c = new RecordCollector();
  const p = httpProtocol.create(c);
  p.onData(TO_SERVER, Buffer.from(req, 'latin1'), 0, req.length, 1);
  p.onData(TO_CLIENT, Buffer.from(resp, 'latin1'), 0, resp.length, 2);
  p.onEnd(3);
  return c.of('http').map((r) => r.http);
}

test("EVE http: Suricata's field names and forms", () => {
  const [t] = transactions(
    'GET /search?q=moat HTTP/1.1\r\nHost: WWW.Example.COM.:8080\r\nUser-Agent: curl/8.5.0\r\nReferer: http://from.test/\r\n\r\n',
    'HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html\r\nLocation: https://www.example.com/\r\nContent-Length: 5\r\n\r\nmoved',
  );
  assert.deepEqual(httpEve(t), {
    hostname: 'www.example.com',
    http_port: 8080,
    url: '/search?q=moat',
    http_user_agent: 'curl/8.5.0',
    http_content_type: 'text/html',
    http_refer: 'http://from.test/',
    http_method: 'GET',
    protocol: 'HTTP/1.1',
    status: 301,
    redirect: 'https://www.example.com/',
    length: 5,
  });
});

test('EVE http: an unanswered request has no status and length 0; absent fields are left out', () => {
  const [t] = transactions('POST /api HTTP/1.0\r\n\r\n', '');
  assert.deepEqual(httpEve(t), { url: '/api', http_method: 'POST', protocol: 'HTTP/1.0', length: 0 });
});
