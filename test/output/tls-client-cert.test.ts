/**
 * The client's certificate in the tls event (`tls.client.*`, Suricata's extended tls log): on suricata-verify's
 * client-authentication capture, the fields must name the certificate Suricata's own test rule identifies
 * (tls-client-cert-01: subject O=TLSClientAuthSampleClient, issuer O=TLSClientAuthSampleCA, SHA-1 fingerprint),
 * with the serial tshark dissects from the client's Certificate message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';

const TESTS = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const PCAP = join(TESTS, 'tls', 'tls-store-02', 'tls-client-auth.pcap');
const RULES = join(TESTS, 'tls', 'tls-client-cert-01', 'tls.rules');
const skip = !existsSync(PCAP)
  ? 'needs ../shared/corpus'
  : spawnSync('tshark', ['-v']).status !== 0
    ? 'tshark not installed'
    : false;

test("the client certificate's fields are logged as tls.client", { skip }, async () => {
  const rule = readFileSync(RULES, 'utf8');
  const content = (kw: string) => new RegExp(`${kw}; content:"([^"]+)"`).exec(rule)![1];
  // The client's Certificate message is the one sent to the server's port (8081).
  const ts = spawnSync(
    'tshark',
    [
      '-r',
      PCAP,
      '-Y',
      'tls.handshake.certificate && tcp.dstport == 8081',
      '-T',
      'fields',
      '-e',
      'x509af.serialNumber',
    ],
    { encoding: 'utf8' },
  );
  const serial = ts.stdout.trim().split(',')[0];
  assert.ok(serial.length > 0, 'tshark found the client certificate');

  const { events } = await analyzeToEvents(PCAP);
  const tls = events.filter((e) => e.event_type === 'tls');
  assert.equal(tls.length, 1);
  const c = (tls[0].tls as { client?: Record<string, string> }).client;
  assert.ok(c, 'tls.client is logged');
  assert.ok(c.subject.includes(content('tls.cert_subject')), c.subject);
  assert.ok(c.issuerdn.includes(content('tls.cert_issuer')), c.issuerdn);
  assert.equal(c.fingerprint, content('tls.cert_fingerprint'));
  assert.equal(c.serial.replace(/:/g, '').toLowerCase(), serial.toLowerCase());
  assert.match(c.notbefore, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.match(c.notafter, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  // The server's own certificate stays at the top level.
  assert.ok(!String((tls[0].tls as { subject: string }).subject).includes('SampleClient'));
});
