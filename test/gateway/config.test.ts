/**
 * The gateway configuration and what is generated from it, without root: every error named by path and line,
 * the shipped example valid, the ruleset's order (user port-forwards before the honeypot, the backup port kept),
 * counters carried across a swap, dnsmasq serving only the internal zones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  GatewayConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
  renderDnsmasqConf,
  renderRuleset,
} from '../../src/gateway/index.js';

const SHIPPED = fileURLToPath(new URL('../../../config/gateway.yaml', import.meta.url));

const MINIMAL = `zones:
  wan: { interface: wan0 }
  lan: { interface: lan0, address: 192.168.1.1/24, dhcp: { from: 192.168.1.100, to: 192.168.1.199 } }
`;

function issues(text: string): Array<{ path: string; message: string; line?: number }> {
  try {
    parseGatewayConfig(text, 'g.yaml');
  } catch (e) {
    assert.ok(e instanceof GatewayConfigError, String(e));
    return [...e.issues];
  }
  assert.fail('expected the configuration to be refused');
}

test('the shipped config/gateway.yaml is valid and names all four zones', () => {
  const { plan } = loadGatewayConfig(SHIPPED);
  assert.deepEqual(
    plan.zones.map((z) => z.name),
    ['wan', 'lan', 'iot', 'dmz'],
  );
  assert.equal(plan.dmz?.honeypot.text, '192.168.3.10');
});

test('a minimal configuration gets the defaults', () => {
  const { config, plan } = parseGatewayConfig(MINIMAL, 'g.yaml');
  assert.equal(config.nftables.table, 'moat_gateway');
  assert.equal(config.dns.domain, 'lan');
  assert.equal(plan.internal[0].dhcp?.leaseSeconds, 3600);
  assert.equal(plan.dmz, undefined);
});

test('every error is reported at once, each with its path and line', () => {
  const found = issues(`zones:
  wan: { interface: wan0 }
  lan:
    interface: lan0
    address: 192.168.1.1/24
    dhcp: { from: 192.168.2.5, to: 192.168.1.3 }
  iot:
    interface: lan0
    address: 192.168.1.129/25
    colour: blue
  dmz:
    interface: dmz0
    address: 192.168.3.1/24
    honeypot: 192.168.4.10
    tunnel: { address: 192.168.3.20, port: 7443 }
portForwards:
  - { port: 80, to: 10.0.0.5 }
  - { port: 80, to: 192.168.1.7 }
backup: { port: 80 }
`);
  const byPath = (p: string) => found.filter((i) => i.path === p);
  assert.deepEqual(byPath('zones.iot.colour'), [
    { path: 'zones.iot.colour', message: 'unknown key', line: 10 },
  ]);
  assert.match(byPath('zones.iot.interface')[0].message, /'lan0' is already zones\.lan\.interface/);
  assert.match(
    byPath('zones.iot.address')[0].message,
    /192\.168\.1\.128\/25 overlaps zones\.lan \(192\.168\.1\.0\/24\)/,
  );
  assert.match(byPath('zones.lan.dhcp.from')[0].message, /outside the zone's subnet/);
  assert.match(byPath('zones.lan.dhcp.to')[0].message, /comes before from/);
  assert.match(byPath('zones.dmz.honeypot')[0].message, /outside the DMZ subnet 192\.168\.3\.0\/24/);
  assert.match(byPath('zones.dmz.tunnel.address')[0].message, /in no internal zone/);
  assert.match(byPath('portForwards[0].to')[0].message, /in no internal zone/);
  assert.equal(byPath('portForwards[0].to')[0].line, 17);
  assert.match(byPath('portForwards[1].port')[0].message, /already forwarded by portForwards\[0\]/);
  assert.equal(byPath('portForwards[0].port').length, 1, 'backup port clash');
  assert.equal(found.length, 11, JSON.stringify(found, null, 1));
});

test('malformed values name the field; a missing zone is called missing; YAML errors give the line', () => {
  const bad = issues(`zones:
  wan: { interface: "eth 0", address: 10.0.0.300/24 }
  lan: { interface: lan0, address: 192.168.1.1 }
portForwards: [{ protocol: icmp, port: 70000, to: 192.168.1.5 }]
`);
  const paths = bad.map((i) => i.path).sort();
  assert.deepEqual(paths, [
    'portForwards[0].port',
    'portForwards[0].protocol',
    'zones.lan.address',
    'zones.wan.address',
    'zones.wan.interface',
  ]);
  assert.match(bad.find((i) => i.path === 'zones.lan.address')!.message, /with the prefix length/);
  assert.deepEqual(issues('zones:\n  wan: { interface: wan0 }\n'), [
    { path: 'zones.lan', message: 'missing (expected object)', line: 2 },
  ]);
  const yaml = issues('zones:\n  wan: [1\n  lan: 2\n');
  assert.equal(yaml.length >= 1, true);
  assert.match(yaml[0].message, /not valid YAML/);
  assert.equal(typeof yaml[0].line, 'number');
  assert.throws(() => loadGatewayConfig('/nonexistent/gateway.yaml'), /cannot read/);
});

test('the ruleset: port-forwards outrank the honeypot, the backup port is kept, counters carried', () => {
  const { plan } = loadGatewayConfig(SHIPPED);
  const rs = renderRuleset(plan);
  const lines = rs.script.split('\n');
  const fwd = lines.findIndex((l) => /tcp dport 8080 .*dnat ip to 192\.168\.1\.20:80/.test(l));
  const hp = lines.findIndex((l) => /tcp dport != 8443 .*dnat ip to 192\.168\.3\.10/.test(l));
  assert.ok(fwd > 0 && hp > fwd, 'the user port-forward comes first');
  assert.ok(
    lines.some((l) => /meta l4proto udp .*dnat ip to 192\.168\.3\.10/.test(l)),
    'UDP ports too',
  );
  // One transaction: create (so delete cannot fail), delete, define.
  assert.deepEqual(lines.slice(1, 4), [
    'table inet moat_gateway',
    'delete table inet moat_gateway',
    'table inet moat_gateway {',
  ]);
  // The DMZ's rules come before the established/related accept: nothing from the DMZ slips through as "related".
  const forward = rs.script.slice(rs.script.indexOf('chain forward'));
  assert.ok(
    forward.indexOf('"dmz_to_internal" drop') < forward.indexOf('ct state established,related accept'),
  );
  assert.match(rs.script, /oifname "eth0" meta nfproto ipv4 masquerade/);
  const carried = renderRuleset(plan, { wan_to_honeypot: { packets: 7, bytes: 420 } });
  assert.match(carried.script, /counter wan_to_honeypot \{ packets 7 bytes 420 \}/);
  assert.equal(carried.hash, rs.hash, 'the hash covers the rules, not the counter values');
  assert.match(rs.script, new RegExp(`comment "moat gateway ${rs.hash}"`));
});

test('without a DMZ there is no low-priority mapping and no DMZ rule', () => {
  const { plan } = parseGatewayConfig(MINIMAL, 'g.yaml');
  const rs = renderRuleset(plan);
  assert.doesNotMatch(rs.script, /dnat ip to/);
  assert.doesNotMatch(rs.script, /counter name "dmz_/);
});

test('dnsmasq serves the internal zones only, with the gateway as router and resolver', () => {
  const { plan } = loadGatewayConfig(SHIPPED);
  const conf = renderDnsmasqConf(plan, { leaseFile: '/x/leases' }, 'gateway.yaml');
  assert.match(conf, /^interface=eth1$/m);
  assert.match(conf, /^interface=eth2$/m);
  assert.doesNotMatch(conf, /^interface=eth(0|3)$/m);
  assert.match(conf, /^except-interface=eth3$/m);
  assert.match(conf, /^dhcp-range=set:lan,192\.168\.1\.100,192\.168\.1\.199,255\.255\.255\.0,3600$/m);
  assert.match(conf, /^dhcp-option=tag:iot,option:router,192\.168\.2\.1$/m);
  assert.match(conf, /^server=9\.9\.9\.9$/m);
  assert.match(conf, /^dhcp-leasefile=\/x\/leases$/m);
});
