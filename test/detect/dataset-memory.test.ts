/**
 * Dataset memcap/hashsize as Suricata 8 accounts them, and dataset options that name an existing set without a
 * type. Expectations come from suricata-verify (datasets-memcap-02: Suricata exits 1 at start-up with "dataset too
 * large for set memcap"; datasets-state-isnotset: the typeless second option loads) and from util-thash.c's
 * reservation (hashsize × 64-byte rows + 1,000 preallocated entries).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetStore } from '../../src/detect/datasets.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { entryBytes } from '../../src/detect/dataset-memory.js';

const SV = '../shared/corpus/suricata-verify/tests';
const haveSv = existsSync(join(SV, 'datasets-memcap-02'));

function loadSets(rules: string, dir: string): DatasetStore {
  const r = parseRules(rules, 'test.rules');
  assert.deepEqual(r.errors, []);
  const st = new DatasetStore(dir);
  for (const rule of r.rules) for (const d of rule.datasets) st.prepare(d);
  return st;
}

test(
  'datasets-memcap-02: the set whose values overflow its memcap is refused by name',
  { skip: !haveSv },
  () => {
    const dir = join(SV, 'datasets-memcap-02');
    const rules = readFileSync(join(dir, 'test.rules'), 'utf8');
    assert.throws(
      () => loadSets(rules, dir),
      /set ua-seen: dataset too large for set memcap \(memcap 104064 bytes/,
    );
    // The same set without its memcap loads: Suricata lifts the memcap of sets rules load.
    const st = loadSets(rules.replace(/,memcap \d+/, ''), dir);
    assert.equal(
      st.test({ ...parseRules(rules, 'r').rules[0].datasets[0], memcap: undefined }, 'curl/7.43.0'),
      true,
    );
  },
);

test('memcap bounds: rows, preallocation, values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsmem-'));
  writeFileSync(join(dir, 'ua.csv'), 'Y3VybC83LjQzLjA=\n'); // curl/7.43.0, 11 bytes
  const rule = (opts: string): string =>
    `alert http any any -> any any (http.user_agent; dataset:isset,ua,type string,load ua.csv,${opts}; sid:1;)`;
  // One row is 64 bytes: 2 rows do not fit in 100.
  assert.throws(
    () => loadSets(rule('memcap 100,hashsize 2'), dir),
    /smaller than its hash table \(hashsize 2 × 64/,
  );
  // Rows fit, the 1,000 preallocated 104-byte string entries do not.
  assert.equal(entryBytes('string'), 104);
  assert.throws(
    () => loadSets(rule('memcap 104063,hashsize 1'), dir),
    /1000 preallocated string entries × 104/,
  );
  // Room for the preallocation, the value's 11 bytes and Suricata's check of one more entry: loads.
  loadSets(rule(`memcap ${64 + 104000 + 11 + 104 + 11},hashsize 1`), dir);
  assert.throws(
    () => loadSets(rule(`memcap ${64 + 104000 + 11 + 104 + 10},hashsize 1`), dir),
    /dataset too large for set memcap/,
  );
  // Units as Suricata reads sizes.
  loadSets(rule('memcap 1mb,hashsize 1024'), dir);
  assert.throws(() => loadSets(rule('memcap 1mb,hashsize 65536'), dir), /smaller than its hash table/);
  assert.throws(() => loadSets(rule('hashsize 65537'), dir), /single-hashsize limit \(65536\)/);
  assert.ok(parseRules(rule('memcap lots'), 'r').errors[0].message.includes('memcap must be a size'));
});

test('a dataset option without a type names an existing set; an unknown one refuses the rule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsmem-'));
  const both =
    'alert dns any any -> any any (dns.query; to_md5; dataset:isnotset, seen, type md5, state seen.md5; ' +
    'dataset:set, seen; sid:1; rev:1;)\n' +
    'alert dns any any -> any any (dns.query; to_md5; dataset:isset, seen; sid:2; rev:1;)\n';
  const r = parseRules(both, 'a.rules');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.rules.flatMap((x) => x.datasets.map((d) => d.type)),
    ['md5', 'md5', 'md5'],
  );
  loadSets(both, dir);
  const unknown = parseRules(
    'alert dns any any -> any any (dns.query; dataset:isset, nope; sid:3;)',
    'b.rules',
  );
  assert.equal(unknown.rules.length, 0);
  assert.match(unknown.errors[0].message, /set 'nope' is not defined/);
  const clash = parseRules(
    'alert dns any any -> any any (dns.query; dataset:isset, s, type string; sid:4;)\n' +
      'alert dns any any -> any any (dns.query; dataset:isset, s, type md5; sid:5;)',
    'c.rules',
  );
  assert.match(clash.errors[0].message, /set 's' already exists with type string, not md5/);
});
