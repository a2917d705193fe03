/**
 * Self-isolation without root: the trigger counts internal devices with valid blocking cache entries from
 * real `cache-entry` messages on an in-process bus and fires once at the threshold; the isolated ruleset keeps only
 * the backup port; the configuration refuses self-isolation without a backup port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ComponentRegistry,
  InProcessBus,
  defineComponent,
  type CacheEntryChange,
} from '../../src/framework/index.js';
import {
  GatewayConfigError,
  SelfIsolationTrigger,
  parseGatewayConfig,
  renderRuleset,
} from '../../src/gateway/index.js';

function change(
  kind: CacheEntryChange['change'],
  srcIp: string,
  dstIp: string,
  over: Partial<CacheEntryChange['entry']> = {},
): CacheEntryChange {
  return {
    change: kind,
    entry: {
      srcIp,
      dstIp,
      srcPort: 0,
      dstPort: 0,
      proto: 0,
      createdUs: 1,
      lastHitUs: 1,
      maxLifetimeUs: 3_600_000_000,
      direction: 'both',
      scope: 'device',
      operationType: 'block',
      operation: 'drop',
      eventId: 'e1',
      diagnosis: 'outbound anomaly',
      status: 'valid',
      hits: 1,
      ...over,
    },
  };
}

test('the trigger isolates once when enough internal devices are flagged, counting only blocking entries', async () => {
  const bus = new InProcessBus();
  const calls: Array<{ reason: string; devices: string[] }> = [];
  const internal = (ip: string) => ip.startsWith('192.168.');
  const trigger = new SelfIsolationTrigger({
    threshold: 3,
    bus,
    deviceOf: (s, d) => (internal(s) ? s : internal(d) ? d : undefined),
    isolate: async (reason, devices) => {
      calls.push({ reason, devices });
    },
    log: () => undefined,
  });
  const registry = new ComponentRegistry()
    .add(bus)
    .add(defineComponent({ name: 'router', config: {} }))
    .add(trigger);
  await registry.start();
  try {
    bus.publish('cache-entry', change('put', '192.168.1.10', '*'));
    bus.publish('cache-entry', change('put', '192.168.1.10', '203.0.113.5', { srcPort: 4444 }));
    bus.publish('cache-entry', change('put', '198.51.100.7', '192.168.2.20')); // inbound: the device is the target
    bus.publish('cache-entry', change('put', '198.51.100.8', '203.0.113.9')); // no internal end
    bus.publish(
      'cache-entry',
      change('put', '192.168.1.11', '*', { operationType: 'observe', operation: 'monitor' }),
    );
    bus.publish('cache-entry', change('put', '192.168.1.12', '*', { status: 'invalid' }));
    await bus.flush();
    assert.equal(trigger.flagged.count, 2);
    assert.equal(calls.length, 0);
    bus.publish('cache-entry', change('del', '198.51.100.7', '192.168.2.20'));
    bus.publish('cache-entry', change('put', '192.168.1.13', '*'));
    bus.publish('cache-entry', change('put', '192.168.2.21', '*'));
    bus.publish('cache-entry', change('put', '192.168.2.22', '*'));
    await bus.flush();
    assert.equal(calls.length, 1, 'fires once');
    assert.deepEqual(calls[0].devices, ['192.168.1.10', '192.168.1.13', '192.168.2.21']);
    assert.match(calls[0].reason, /3 internal device\(s\) flagged .*threshold 3/);
    assert.equal(trigger.flagged.count, 4);
  } finally {
    await registry.stop();
  }
});

const BASE = `zones:
  wan: { interface: wan0 }
  lan: { interface: lan0, address: 192.168.1.1/24 }
  dmz: { interface: dmz0, address: 192.168.3.1/24, honeypot: 192.168.3.10 }
`;

test('the isolated ruleset keeps only the backup port on the WAN, before anything else', () => {
  const { plan } = parseGatewayConfig(
    `${BASE}backup: { port: 8443, protocol: tcp }\nselfIsolation: { threshold: 3 }\n`,
    'g.yaml',
  );
  const open = renderRuleset(plan);
  const closed = renderRuleset(plan, {}, { isolated: true });
  assert.notEqual(open.hash, closed.hash);
  assert.doesNotMatch(open.script, /isolated_dropped" drop/);
  const input = closed.script.slice(
    closed.script.indexOf('chain input'),
    closed.script.indexOf('chain output'),
  );
  const accept = input.indexOf('iifname "wan0" tcp dport 8443 accept');
  const drop = input.indexOf('iifname "wan0" counter name "isolated_dropped" drop');
  assert.ok(accept > 0 && drop > accept && drop < input.indexOf('ct state established,related accept'));
  const forward = closed.script.slice(closed.script.indexOf('chain forward'));
  assert.ok(forward.indexOf('"isolated_dropped" drop') < forward.indexOf('ct state established'));
  assert.match(
    closed.script,
    /chain output \{[^}]*oifname "wan0" tcp sport 8443 accept[^}]*oifname "wan0" counter name "isolated_dropped" drop/,
  );
  assert.throws(
    () => parseGatewayConfig(`${BASE}selfIsolation: { threshold: 3 }\n`, 'g.yaml'),
    (e: unknown) =>
      e instanceof GatewayConfigError &&
      e.issues.some((i) => i.path === 'selfIsolation' && /backup\.port/.test(i.message)),
  );
});
