/**
 * The output stage renders what inspectors found: the TLS monitor's score inside each tls event, its risky verdicts
 * as alerts, and those alerts delivered to the policy's channels (a real webhook on loopback) exactly as EVE writes
 * them — also when alerts are left out of EVE. The inspectors themselves never see an EVE object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { createTlsmon } from '../../src/tlsmon/setup.js';
import { encodePcap, synthesize } from '../../src/synth/index.js';
import type { EveEvent } from '../../src/output/eve/header.js';

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

test("the TLS monitor's findings: score in every tls event, risky alerts in EVE and at the policy's webhook", async () => {
  const received: EveEvent[] = [];
  const server = createServer((req, res) => {
    void body(req).then((b) => {
      received.push(JSON.parse(b) as EveEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'moat-eve-stage-'));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // The sample policies, their SOC channel a webhook here instead of syslog.
    const policy = join(dir, 'policies.yaml');
    const sample = readFileSync(join(process.cwd(), 'config', 'policies.yaml'), 'utf8');
    const hooked = sample.replace(
      / {2}soc-syslog:\n {4}type: syslog\n( {4}.*\n)+/,
      `  soc-syslog:\n    type: webhook\n    url: ${url}\n`,
    );
    assert.notEqual(hooked, sample, 'the sample policy names the soc-syslog channel');
    writeFileSync(policy, hooked);
    const pcap = join(dir, 'synth.pcap');
    writeFileSync(pcap, encodePcap((await synthesize({ seed: 1 })).frames));

    const run = async (
      eveTypes?: string[],
    ): Promise<{ events: EveEvent[]; alerts: number; notWritten: number }> => {
      const mon = await createTlsmon({ policyPath: policy });
      try {
        const { events, stats } = await analyzeToEvents(pcap, {
          inspectors: [mon.inspector],
          alertChannels: mon.dispatcher,
          eveTypes,
        });
        return { events, alerts: stats.alerts, notWritten: stats.alertsNotWritten };
      } finally {
        await mon.close();
      }
    };

    const all = await run();
    const tls = all.events.filter((e) => e.event_type === 'tls');
    assert.ok(tls.length > 10);
    for (const e of tls) {
      const score = (e.tls as { moat: { score?: { verdict?: string } } }).moat.score;
      assert.ok(score && typeof score.verdict === 'string', 'every handshake carries its verdict');
    }
    const alerts = all.events.filter((e) => e.event_type === 'alert');
    assert.equal(alerts.length, all.alerts);
    const risky = tls.filter(
      (e) => (e.tls as { moat: { score: { verdict: string } } }).moat.score.verdict === 'risky',
    );
    assert.equal(alerts.length, risky.length, 'one alert per risky handshake');
    // Only the enterprise and transfer policies name the channel; what arrives is the EVE alert, byte for byte.
    const channelled = alerts.filter((a) =>
      ['enterprise', 'transfer'].includes((a.alert as { metadata: { policy: string[] } }).metadata.policy[0]),
    );
    assert.ok(
      channelled.length > 0 && channelled.length < alerts.length,
      `${channelled.length} of ${alerts.length}`,
    );
    assert.deepEqual(received, channelled);

    // Alerts left out of EVE are counted apart and still delivered.
    received.length = 0;
    const tlsOnly = await run(['tls']);
    assert.equal(tlsOnly.events.filter((e) => e.event_type === 'alert').length, 0);
    assert.equal(tlsOnly.alerts, 0);
    assert.equal(tlsOnly.notWritten, all.alerts);
    assert.deepEqual(received, channelled);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
