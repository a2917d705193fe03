/**
 * rules.json records (engine-analysis.ts) held against suricata-verify's expectations of Suricata 8's
 * `--engine-analysis`: every rules.json check of the tests whose fields moat's analysis writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseRules } from '../../src/detect/ruleset.js';
import { analyzeRule } from '../../src/detect/engine-analysis.js';
import { runFilter, type FilterCheck } from '../../src/detect/suricata-verify/checks.js';

const SV = '../shared/corpus/suricata-verify/tests/rules';

for (const name of ['flowbits', 'icmp_id', 'icmp_code', 'tcp_ack', 'tcp-seq-keyword']) {
  const dir = join(SV, name);
  test(`rules.json of ${name} holds Suricata 8's checks`, { skip: !existsSync(dir) }, () => {
    const load = parseRules(readFileSync(join(dir, 'test.rules'), 'utf8'), 'test.rules');
    assert.deepEqual(load.errors, []);
    const records = load.rules.map(analyzeRule);
    const y = parseYaml(readFileSync(join(dir, 'test.yaml'), 'utf8')) as {
      checks: Array<{ filter: FilterCheck & { requires?: { 'min-version'?: number } } }>;
    };
    let ran = 0;
    for (const c of y.checks) {
      // Suricata 9 renamed the number fields; moat follows 8.
      if (Number(c.filter.requires?.['min-version'] ?? 0) >= 9) continue;
      assert.equal(runFilter(records, c.filter), undefined);
      ran++;
    }
    assert.ok(ran > 0);
  });
}

test('flags are the start of Suricata order; lists only when every packet condition is described', () => {
  const [a, b, c, d] = parseRules(
    'alert tcp 10.0.0.1 any -> any 80 (msg:"x"; dsize:>10; flowbits:isset,a; noalert; sid:1;)\n' +
      'alert tcp any any -> any any (msg:"y"; flowbits:isset,a; seq:5; sid:2;)\n' +
      'alert tcp any any -> any any (msg:"z"; content:"abc"; flowbits:set,a; flowbits:isset,b|c; sid:3;)\n' +
      'alert icmp any any -> any any (msg:"w"; icode:>2; sid:4;)\n',
    'r',
  ).rules.map(analyzeRule);
  assert.deepEqual(a.flags, ['dst_any', 'sp_any', 'noalert', 'dsize']);
  assert.equal(a.lists, undefined);
  // Two keyword families: their order in Suricata's list is the rule's, which moat does not keep.
  assert.equal(b.lists, undefined);
  assert.deepEqual(c.lists, {
    packet: {
      matches: [{ name: 'flowbits', flowbits: { cmd: 'isset', names: ['b', 'c'], operator: 'or' } }],
    },
    postmatch: { matches: [{ name: 'flowbits', flowbits: { cmd: 'set', names: ['a'] } }] },
  });
  // Only an equality has a value moat can write.
  assert.deepEqual(d.lists, { packet: { matches: [{ name: 'icode' }] } });
});
