/** Policy files (T-10, T-11, T-50, T-51): the shipped set loads; every kind of mistake is named with its path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPolicyFile, parsePolicyText, PolicyError } from '../../src/tlsmon/policy/load.js';

const SAMPLE = join(process.cwd(), 'config', 'policies.yaml');

function problems(yaml: string): string[] {
  try {
    parsePolicyText(yaml, 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof PolicyError, String(err));
    assert.match(err.message, /^p\.yaml: invalid policy file/);
    return err.problems;
  }
  assert.fail('expected the policy file to be refused');
}

const BASE = `
version: 1
default: a
policies:
  a:
    weights: { certificate: 1, address: 0, reputation: 0 }
    certificate:
      legality: { weight: 1 }
    condition: { op: '>=', threshold: 0.5 }
`;

test('the shipped sample policy set loads with its three policies and defaults filled in', () => {
  const pf = loadPolicyFile(SAMPLE);
  assert.deepEqual(Object.keys(pf.policies).sort(), ['enterprise', 'home', 'transfer']);
  assert.equal(pf.default, 'home');
  const ent = pf.policies.enterprise;
  assert.equal(ent.certificate.validity?.tiers[0].within, 3 * 86400);
  assert.equal(ent.address.serviceHeat?.window, 86400);
  assert.equal(ent.certificate.legality?.minRsaBits, 2048);
  assert.equal(pf.scenarios.transfer.ports?.[0], 443);
});

test('a minimal valid file passes and gets defaults', () => {
  const pf = parsePolicyText(BASE, 'p.yaml');
  assert.equal(pf.policies.a.unavailable, 'exclude');
  assert.deepEqual(pf.policies.a.actions, { block: false, alert: [] });
});

test('T-11: mixed signs and all-zero weights are refused with the fix named', () => {
  const mixed = problems(
    BASE.replace('certificate: 1, address: 0, reputation: 0', 'certificate: 1, address: -1, reputation: 0'),
  );
  assert.ok(
    mixed.some((p) => /policies\.a\.weights: weights mix signs .*all ≥ 0 or all ≤ 0/.test(p)),
    mixed.join('\n'),
  );
  const zero = problems(
    BASE.replace('certificate: 1, address: 0, reputation: 0', 'certificate: 0, address: 0, reputation: 0'),
  );
  assert.ok(
    zero.some((p) => /weights are all 0/.test(p)),
    zero.join('\n'),
  );
});

test('unknown keys, overlapping heat ranges, dangling references and bad CIDRs are each reported', () => {
  const yaml = `
version: 1
default: nope
channels:
  hook: { type: webhook, url: 'http://127.0.0.1:9/x' }
selectors:
  - { policy: ghost, sourceNets: ['10.0.0.0/33'] }
  - { policy: a }
policies:
  a:
    weights: { certificate: 1, address: 1, reputation: 0 }
    certificate:
      legality: { weight: 1 }
    address:
      serviceHeat: { weight: 1, ranges: [{ min: 0, max: 10, score: 0 }, { min: 5, score: 1 }] }
    condition: { op: '>=', threshold: 0.5 }
    actions: { alert: [hook, pager] }
`;
  const p = problems(yaml);
  const expect = [
    /^default: no policy named 'nope'/,
    /^policies\.a\.address\.serviceHeat\.ranges: \[0, 10\] overlaps \[5, ∞\]/,
    /^policies\.a\.actions\.alert\[1\]: no channel named 'pager'/,
    /^selectors\[0\]\.policy: no policy named 'ghost'/,
    /^selectors\[0\]\.sourceNets\[0\]: '10\.0\.0\.0\/33' is not an address or CIDR prefix/,
    /^selectors\[1\]: matches everything/,
  ];
  for (const re of expect)
    assert.ok(
      p.some((x) => re.test(x)),
      `${re} in:\n${p.join('\n')}`,
    );

  const typo = problems(BASE.replace('legality: { weight: 1 }', 'legallity: { weight: 1 }'));
  assert.ok(
    typo.some((x) => /policies\.a\.certificate: unknown key\(s\) 'legallity'/.test(x)),
    typo.join('\n'),
  );
  const dur = problems(
    BASE.replace('legality: { weight: 1 }', 'heat: { weight: 1, window: soon, identity: true }'),
  );
  assert.ok(
    dur.some((x) => /policies\.a\.certificate\.heat\.window: not a duration: 'soon'/.test(x)),
    dur.join('\n'),
  );
});

test('broken YAML and missing files name the file', () => {
  assert.throws(
    () => parsePolicyText('version: [1', 'bad.yaml'),
    /bad\.yaml: invalid policy file:\n {2}- not valid YAML/,
  );
  assert.throws(
    () => loadPolicyFile('/nonexistent/p.yaml'),
    /\/nonexistent\/p\.yaml: invalid policy file:\n {2}- cannot read/,
  );
});
