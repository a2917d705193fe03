/**
 * `moat analyze --eve-config FILE`: the dns logger's options from a suricata.yaml select the EVE dns layout —
 * suricata-verify's own configuration for dns/v2/dns-udp-eve-log-mx-only (version 2, types [mx]) gives the events its
 * checks expect (one MX query logged, no A/AAAA queries); without the file the default is version 3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { moat } from '../helpers/moat-cli.js';
import { runFilter, type Json } from '../../src/detect/suricata-verify/checks.js';

const DIR = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'dns',
  'v2',
  'dns-udp-eve-log-mx-only',
);
const skip = existsSync(DIR) ? false : 'needs ../shared/corpus';

function dnsEvents(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event_type === 'dns');
}

test(
  '--eve-config selects the dns logger version and types, as the test suricata.yaml says',
  { skip },
  () => {
    const spec = parseYaml(readFileSync(join(DIR, 'test.yaml'), 'utf8')) as {
      pcap: string;
      checks: Array<{ filter: { count: number; match: Json } }>;
    };
    const pcap = resolve(DIR, spec.pcap);
    const withCfg = moat([
      'analyze',
      pcap,
      '--eve',
      '-',
      '--no-progress',
      '--eve-config',
      join(DIR, 'suricata.yaml'),
    ]);
    assert.equal(withCfg.status, 0, withCfg.stderr);
    const v2 = dnsEvents(withCfg.stdout);
    assert.ok(v2.length > 0);
    for (const { filter } of spec.checks) assert.equal(runFilter(v2 as Json[], filter), undefined);
    const plain = moat(['analyze', pcap, '--eve', '-', '--no-progress']);
    assert.ok(dnsEvents(plain.stdout).every((e) => (e.dns as { version: number }).version === 3));
    const bad = moat(['analyze', pcap, '--eve', '-', '--eve-config', join(DIR, 'nope.yaml')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--eve-config: no such file/);
  },
);
