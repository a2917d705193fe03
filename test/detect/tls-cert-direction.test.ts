/**
 * tls.cert_* both ways, as Suricata registers them: to the client the server's certificate, to the server the
 * client's. On suricata-verify's client-authentication capture (server O=TLSClientAuthSampleServer, client
 * O=TLSClientAuthSampleClient — the names suricata-verify's tls-client-cert-01 rule expects): flow:to_server
 * sees the client's, flow:to_client only the server's, and a rule with no direction either, alerting once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const PCAP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'tls',
  'tls-store-02',
  'tls-client-auth.pcap',
);

async function alertSids(rulesText: string): Promise<number[]> {
  const { rules, errors } = parseRules(rulesText, 'inline');
  assert.deepEqual(errors, []);
  const { events } = await analyzeToEvents(PCAP, {
    inspectors: [new RuleInspector(new RuleMatcher(rules, {}), true)],
  });
  return events
    .filter((e) => e.event_type === 'alert')
    .map((e) => (e.alert as { signature_id: number }).signature_id)
    .sort((a, b) => a - b);
}

test(
  'tls.cert_subject: the client certificate to the server, the server certificate to the client',
  { skip: existsSync(PCAP) ? false : 'needs ../shared/corpus' },
  async () => {
    const sids = await alertSids(
      [
        'alert tls any any -> any any (flow:to_server; tls.cert_subject; content:"O=TLSClientAuthSampleClient"; sid:1;)',
        'alert tls any any -> any any (flow:to_client; tls.cert_subject; content:"O=TLSClientAuthSampleClient"; sid:2;)',
        'alert tls any any -> any any (flow:to_client; tls.cert_subject; content:"O=TLSClientAuthSampleServer"; sid:3;)',
        'alert tls any any -> any any (tls.cert_subject; content:"O=TLSClientAuthSampleServer"; sid:4;)',
        'alert tls any any -> any any (tls.cert_subject; content:"O=TLSClientAuthSampleClient"; tls.cert_issuer; content:"O=TLSClientAuthSampleCA"; sid:5;)',
        // Subject of one certificate, issuer name only the other has: no certificate holds both.
        'alert tls any any -> any any (tls.cert_subject; content:"SampleClientJane"; tls.cert_subject; content:"SampleServer"; sid:6;)',
      ].join('\n'),
    );
    assert.deepEqual(sids, [1, 3, 4, 5]);
  },
);
