/** The gateway's `console` section: the input rule that keeps the port to the user LAN, and the ports it may not share. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayConfigError, parseGatewayConfig, renderRuleset } from '../../src/gateway/index.js';

const BASE = `zones:
  wan: { interface: wan0 }
  lan: { interface: lan0, address: 192.168.1.1/24 }
  iot: { interface: iot0, address: 192.168.20.1/24, services: [{ protocol: tcp, port: 1883 }] }
`;

test('gateway console section: the port is dropped first in the input chain unless it comes from the user LAN', () => {
  const without = renderRuleset(parseGatewayConfig(BASE, 'g.yaml').plan).script;
  assert.doesNotMatch(without, /console_refused"? drop/);
  const { plan, config } = parseGatewayConfig(`${BASE}console: {}\n`, 'g.yaml');
  assert.equal(config.console?.port, 443);
  const input = renderRuleset(plan).script.split('chain input {')[1];
  const lines = input.split('\n').map((l) => l.trim());
  const rule = 'iifname != "lan0" tcp dport 443 counter name "console_refused" drop';
  assert.ok(lines.includes(rule), input);
  // Before the IoT zone's services, the LAN's accept and the established/related accept.
  assert.ok(lines.indexOf(rule) < lines.findIndex((l) => l.startsWith('ct state established')));
  assert.ok(lines.indexOf(rule) < lines.indexOf('iifname "lan0" accept'));
  assert.match(renderRuleset(plan).script, /counter console_refused \{ \}/);
});

test('gateway console section: a port the backup, the tables API or a zone service holds is refused by path', () => {
  for (const [extra, why] of [
    ['backup: { port: 8443 }\nconsole: { port: 8443 }', /backup port/],
    ['api: { port: 8443, key: "a-long-api-key-123" }\nconsole: { port: 8443 }', /tables API/],
    ['console: { port: 1883 }', /service of zones\.iot/],
  ] as const) {
    assert.throws(
      () => parseGatewayConfig(`${BASE}${extra}\n`, 'g.yaml'),
      (e: unknown) =>
        e instanceof GatewayConfigError &&
        e.issues.some((i) => i.path === 'console.port' && why.test(i.message)),
      extra,
    );
  }
});
