/**
 * Buffer transforms, the HTTP sticky buffers in Suricata's forms, request/response orientation of app rules,
 * app-layer-protocol and traffic/ flowbits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeTransform, transformsOf } from '../../src/detect/transforms.js';
import { appBuffers, type AppBuffer } from '../../src/detect/app-buffers.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { trafficOf } from '../../src/detect/inspector.js';
import { flowOptionsMatch } from '../../src/detect/header-match.js';
import type { FlowView } from '../../src/flow/types.js';
import type { AppRecord } from '../../src/proto/app-layer.js';
import type { BufferName } from '../../src/detect/rule.js';
import { testFlow } from './flow-fixture.js';

const s = (b: AppBuffer | undefined): string | undefined => (b as Buffer | undefined)?.toString('latin1');
const t = (name: string, arg?: string, input = ''): string =>
  makeTransform(name, arg)(Buffer.from(input, 'latin1')).toString('latin1');

test('transforms rewrite the buffer as Suricata does', () => {
  assert.equal(t('dotprefix', undefined, 'example.com'), '.example.com');
  assert.equal(t('to_lowercase', undefined, 'AbC'), 'abc');
  assert.equal(t('strip_whitespace', undefined, ' a \t b\r\n'), 'ab');
  assert.equal(t('compress_whitespace', undefined, 'a  \t b'), 'a b');
  assert.equal(t('url_decode', undefined, '%2Fa+b%zz'), '/a b%zz');
  assert.equal(t('pcrexform', '"[a-z]+\\s+(.*)\\s+HTTP"', 'get /x.jpg HTTP/1.1'), '/x.jpg');
  assert.equal(t('xor', '"0102"', '\x01\x02\x03'), '\x00\x00\x02');
  assert.equal(
    makeTransform('to_md5', undefined)(Buffer.from('abc')).toString('hex'),
    createHash('md5').update('abc').digest('hex'),
  );
  assert.throws(() => makeTransform('xor', 'zz'), /hex key/);
  assert.throws(() => makeTransform('pcrexform', '"("'), /bad regular expression/);
  // Suricata refuses an unquoted expression.
  assert.throws(() => makeTransform('pcrexform', '[a-z]+\\s+(.*)'), /must be double-quoted/);
  // A chain keyed in the buffer name, arguments kept intact even with '|' inside.
  const chain = transformsOf('http.uri|pcrexform=' + encodeURIComponent('"(a|b)"') + '|dotprefix');
  assert.equal(chain.reduce<Buffer>((b, f) => f(b), Buffer.from('xbx')).toString(), '.b');
});

function httpRecord(): AppRecord {
  return {
    type: 'http',
    http: {
      method: 'GET',
      uri: '/index.html',
      protocol: 'HTTP/1.1',
      hostname: 'Example.COM',
      userAgent: 'curl/8',
      requestHeaders: [
        ['Host', 'Example.COM'],
        ['Cookie', 'a=1'],
        ['Connection', 'keep-alive'],
      ],
      requestBodyLength: 0,
      status: 200,
      statusMsg: 'OK',
      responseProtocol: 'HTTP/1.0',
      responseHeaders: [
        ['Server', 'nginx'],
        ['Connection', 'close'],
      ],
      responseBodyLength: 0,
      depth: 1,
    },
  };
}

test('HTTP buffers: request/response lines, header names, per-side headers, derived transforms', () => {
  const b = appBuffers(httpRecord(), ['http.host|dotprefix' as BufferName]);
  assert.equal(s(b['http.request_line']), 'GET /index.html HTTP/1.1');
  assert.equal(s(b['http.response_line']), 'HTTP/1.0 200 OK');
  assert.equal(s(b['http.header_names']), '\r\nHost\r\nCookie\r\nConnection\r\n\r\n');
  assert.equal(s(b['http.cookie']), 'a=1');
  assert.equal(s(b['http.connection']), 'keep-alive');
  assert.equal(s(b['http.connection#tc']), 'close');
  assert.equal(s(b['http.protocol']), 'HTTP/1.1');
  assert.equal(s(b['http.protocol#tc']), 'HTTP/1.0');
  assert.equal(s(b['http.server']), 'nginx');
  assert.equal(s(b['http.host|dotprefix' as BufferName]), '.example.com');
});

function flow(over: Partial<FlowView> = {}): FlowView {
  return testFlow({ dstPort: 80, appProto: 'http', ...over });
}

test('app rules inspect the request or the response side, and alert in that direction', () => {
  const { rules, errors } = parseRules(
    [
      'alert http any any -> any any (http.protocol; content:"HTTP/1.1"; sid:1;)',
      'alert http any any -> any any (flow:to_client; http.protocol; content:"HTTP/1.0"; sid:2;)',
      'alert http any any -> any any (flow:to_client; http.protocol; content:"HTTP/1.1"; sid:3;)',
      'alert http any any -> any any (http.server; content:"nginx"; http.uri; content:"/index"; sid:4;)',
      'alert http any any -> any any (http.host; dotprefix; content:".example.com"; endswith; sid:5;)',
      'alert http any any -> any any (http_protocol; content:"HTTP/1.1"; sid:6;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(errors, []);
  const hits = new RuleMatcher(rules).onAppRecord(flow(), httpRecord(), 1) ?? [];
  assert.deepEqual(
    hits.map((h) => [h.rule.sid, h.dir]).sort((a, b) => a[0] - b[0]),
    [
      [1, 0],
      [2, 1],
      [4, 1],
      [5, 0],
      [6, 0],
    ],
  );
});

test('transforms and app-layer-protocol: bad uses are refused with the keyword named', () => {
  const { errors } = parseRules(
    [
      'alert tcp any any -> any any (dotprefix; content:"x"; sid:1;)',
      'alert dns any any -> any any (dns.query; content:"x"; dotprefix; sid:2;)',
      'alert tcp any any -> any any (app-layer-protocol:nfs; sid:3;)',
      'alert tcp any any -> any any (app-layer-protocol:http,sideways; sid:4;)',
      'alert tcp any any -> any any (app-layer-protocol:http,direction; sid:5;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(
    errors.map((e) => e.message),
    [
      'sid 1: dotprefix: needs a sticky buffer before it',
      'sid 2: dotprefix: must come right after the sticky buffer, before its matches',
      "sid 3: app-layer-protocol: protocol 'nfs' is not one moat detects",
      "sid 4: app-layer-protocol: unknown mode 'sideways'",
      'sid 5: app-layer-protocol: per-direction protocols (direction) are not tracked',
    ],
  );
});

test('app-layer-protocol: undecided until the protocol is known, negation after', () => {
  const { rules } = parseRules(
    [
      'alert tcp any any -> any any (app-layer-protocol:!http; sid:1;)',
      'alert tcp any any -> any any (app-layer-protocol:tls; sid:2;)',
    ].join('\n'),
    't.rules',
  );
  const sids = (ap: FlowView['appProto']): number[] =>
    rules.filter((r) => flowOptionsMatch(r, flow({ appProto: ap }), 0)).map((r) => r.sid);
  assert.deepEqual(sids('unknown'), []);
  assert.deepEqual(sids('http'), []);
  assert.deepEqual(sids('tls'), [1, 2]);
});

test('traffic/id and traffic/label flowbits become the traffic object', () => {
  assert.deepEqual(trafficOf(new Set(['traffic/id/mozilla', 'traffic/label/browser', 'other'])), {
    id: ['mozilla'],
    label: ['browser'],
  });
  assert.equal(trafficOf(new Set(['x'])), undefined);
});

test('HTTP bodies: request and response, gzip undone, file.data follows the rule side', () => {
  const rec = httpRecord();
  if (rec.type !== 'http') throw new Error('http');
  rec.http.requestBody = [Buffer.from('mail=test%40oisf.net')];
  rec.http.requestHeaders.push(['Content-Encoding', 'identity']);
  rec.http.responseHeaders.push(['Content-Encoding', 'gzip']);
  rec.http.responseBody = [gzipSync(Buffer.from('<html>World</html>'))];
  const b = appBuffers(rec);
  assert.equal(s(b['http.request_body']), 'mail=test%40oisf.net');
  assert.equal(s(b['http.response_body']), '<html>World</html>');
  const { rules, errors } = parseRules(
    [
      'alert http any any -> any any (file_data; content:"World"; sid:1;)',
      'alert http any any -> any any (flow:to_server; file.data; content:"mail="; sid:2;)',
      'alert http any any -> any any (http.request_body; url_decode; content:"test@oisf.net"; sid:3;)',
      'alert http any any -> any any (content:"World"; http_server_body; sid:4;)',
      'alert http any any -> any any (content:"World"; http_client_body; sid:5;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(errors, []);
  const hits = new RuleMatcher(rules).onAppRecord(flow(), rec, 1) ?? [];
  assert.deepEqual(
    hits.map((h) => [h.rule.sid, h.dir]).sort((x, y) => x[0] - y[0]),
    [
      [1, 1],
      [2, 0],
      [3, 0],
      [4, 1],
    ],
  );
});

test('requires: rules for other versions or features are left out quietly; a higher rev replaces a duplicate sid', () => {
  const { rules, errors } = parseRules(
    [
      'alert tcp any any -> any any (content:"a"; sid:1; rev:1;)',
      'alert tcp any any -> any any (content:"b"; requires: version >= 8; sid:1; rev:2;)',
      'alert tcp any any -> any any (content:"c"; requires: version >= 9; sid:2;)',
      'alert tcp any any -> any any (content:"d"; requires: feature lua; sid:3;)',
      'alert tcp any any -> any any (content:"e"; requires: version >= 7.0.3 < 9, feature ja4; sid:4;)',
      'alert tcp any any -> any any (content:"f"; sid:4; rev:1;)',
      'alert tcp any any -> any any (content:"g"; requires: colour blue; sid:5;)',
    ].join('\n'),
    't.rules',
  );
  assert.deepEqual(
    rules.map((r) => [r.sid, r.rev]),
    [
      [1, 2],
      [4, 1],
    ],
  );
  assert.deepEqual(
    errors.map((e) => e.message),
    [
      'sid 4: duplicate of the rule on line 5',
      "sid 5: requires: 'colour blue' is not 'feature NAME' or 'version OP X.Y.Z'",
    ],
  );
});
