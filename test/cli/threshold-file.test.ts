/** `moat analyze --rules R --threshold-file F`: the file tunes the rules' alerts; a bad file stops the run naming its lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat } from '../helpers/moat-cli.js';

const SV = '../shared/corpus/suricata-verify/tests';

test('moat analyze --threshold-file: applied to --rules; a bad file names its lines and exits 2', (t) => {
  const pcap = join(SV, 'http-all-headers', 'input.pcap');
  if (!existsSync(pcap)) {
    t.skip(`${pcap} absent`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'moat-thr-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const rules = join(tmp, 'r.rules');
  writeFileSync(
    rules,
    'alert tcp any any -> any any (dsize:0; sid:1000001;)\nalert http any any -> any any (sid:1000002;)\n',
  );
  const good = join(tmp, 'good.config');
  writeFileSync(
    good,
    'threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 2, seconds 60\n' +
      'suppress gen_id 1, sig_id 1000002, track by_either, ip 145.254.160.0/24\n' +
      'suppress gen_id 1, sig_id 5\n',
  );
  const eve = join(tmp, 'eve.json');
  const base = moat(['analyze', pcap, '--rules', rules, '--eve', eve]);
  assert.equal(base.status, 0, base.stderr);
  const count = (sid: number): number =>
    readFileSync(eve, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`"signature_id":${sid},`)).length;
  assert.ok(count(1000001) > 4 && count(1000002) > 0);
  const r = moat(['analyze', pcap, '--rules', rules, '--threshold-file', good, '--eve', eve]);
  assert.equal(r.status, 0, r.stderr);
  // Two sources, two alerts each; the http rule suppressed; the entry for a rule not loaded is named.
  assert.equal(count(1000001), 4);
  assert.equal(count(1000002), 0);
  assert.match(r.stderr, /good\.config:3: no loaded rule has gen_id 1, sig_id 5/);
  const bad = join(tmp, 'bad.config');
  writeFileSync(
    bad,
    'threshold gen_id 1, sig_id 5, type limit\nsuppress gen_id 1, sig_id 4, track by_src, ip x\n',
  );
  const b = moat(['analyze', pcap, '--rules', rules, '--threshold-file', bad, '--eve', eve]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /bad\.config:1: threshold needs track/);
  assert.match(b.stderr, /bad\.config:2: ip: 'x' is not an address/);
  const lone = moat(['analyze', pcap, '--threshold-file', good]);
  assert.equal(lone.status, 2);
  assert.match(lone.stderr, /--threshold-file needs --rules/);
});
