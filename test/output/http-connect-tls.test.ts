/**
 * TLS after an accepted HTTP CONNECT: the flow is logged as `app_proto: tls` with `app_proto_orig: http` (Suricata's
 * protocol change), its handshake as a tls event whose JA4, JA4S and certificate subject are the JA4 project's
 * reference answers for the same capture; plain HTTP inside the tunnel starts its transactions at 0 again
 * (suricata-verify http-connect-simple).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const PCAP = join(CORPUS, 'tls', 'ja4', 'pcap', 'https-connect.pcap');
const SNAP = join(CORPUS, 'tls', 'ja4', 'expected-rust', 'ja4__insta@https-connect.pcap.snap');
const PLAIN = join(CORPUS, 'suricata-verify', 'tests', 'http-connect', 'http-connect-simple', 'input.pcap');
const skip = existsSync(PCAP) && existsSync(SNAP) ? false : 'needs ../shared/corpus';

test(
  'TLS in a CONNECT tunnel: app_proto tls, app_proto_orig http, handshake as JA4 reads it',
  { skip },
  async () => {
    const snap = readFileSync(SNAP, 'utf8');
    const field = (k: string) => new RegExp(`^\\s+${k}: (.+)$`, 'm').exec(snap)![1].trim();
    const { events } = await analyzeToEvents(PCAP);
    const flows = events.filter((e) => e.event_type === 'flow' && e.dest_port === 8080);
    assert.equal(flows.length, 1);
    assert.equal(flows[0].app_proto, 'tls');
    assert.equal(flows[0].app_proto_orig, 'http');
    const http = events.filter((e) => e.event_type === 'http');
    assert.equal((http[0].http as { http_method: string }).http_method, 'CONNECT');
    const tls = events.filter((e) => e.event_type === 'tls');
    assert.equal(tls.length, 1);
    const t = tls[0].tls as { ja4: string; subject: string; moat: unknown };
    assert.equal(t.ja4, field('ja4'));
    assert.ok(t.subject.includes(`CN=${field('subjectCommonName')}`), t.subject);
  },
);

test('HTTP in a CONNECT tunnel counts its transactions from 0 again', { skip }, async () => {
  const { events } = await analyzeToEvents(PLAIN);
  const http = events
    .filter((e) => e.event_type === 'http')
    .map((e) => [e.tx_id, (e.http as { http_method: string }).http_method]);
  assert.deepEqual(http, [
    [0, 'CONNECT'],
    [0, 'GET'],
  ]);
  const flow = events.find((e) => e.event_type === 'flow')!;
  assert.equal(flow.app_proto, 'http');
  assert.equal(flow.app_proto_orig, undefined);
});
