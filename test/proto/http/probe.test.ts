/** HTTP detection by content: a known method and a space is HTTP, however many spaces follow (libhtp skips them). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../../src/flow/index.js';
import { probeHttp } from '../../../src/proto/http/index.js';
import { analyzeToEvents } from '../../../src/pipeline/index.js';
import { hasTshark } from '../../helpers/tshark.js';

const probe = (s: string): number => {
  const b = Buffer.from(s, 'latin1');
  return probeHttp(b, 0, b.length);
};

test('request lines', () => {
  assert.equal(probe('GET / HTTP/1.1\r\n'), PROBE_MATCH);
  assert.equal(probe('POST  /  HTTP/1.0\r\n'), PROBE_MATCH);
  assert.equal(probe('GET '), PROBE_MATCH);
  assert.equal(probe('GE'), PROBE_NEED_MORE);
  // Verb-space text protocols stay out.
  assert.equal(probe('EHLO mail.example.com\r\n'), PROBE_NO);
  assert.equal(probe('FOO  bar\r\n'), PROBE_NO);
});

const PCAP = '../shared/corpus/suricata-verify/tests/detect-pcre/detect-pcre-04/input.pcap';

test('requests with doubled spaces on unusual ports are logged as tshark dissects them', async (t) => {
  if (!existsSync(PCAP) || !hasTshark()) return t.skip('capture or tshark absent');
  const ts = spawnSync(
    'tshark',
    ['-r', PCAP, '-T', 'fields', '-e', 'tcp.dstport', '-e', 'http.request.method'],
    {
      encoding: 'utf8',
    },
  );
  const want = ts.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([, m]) => m !== '')
    .map(([p, m]) => `${p} ${m}`)
    .sort();
  assert.equal(want.length, 2);
  const { events } = await analyzeToEvents(PCAP, { flow: { midstream: true } });
  const got = (events as Array<Record<string, unknown>>)
    .filter((e) => e.event_type === 'http')
    .map((e) => `${String(e.dest_port)} ${(e.http as { http_method: string }).http_method}`)
    .sort();
  assert.deepEqual(got, want);
});
