/**
 * The files rules use beside the capture: `--reputation-categories`/`--reputation` (Suricata's IP reputation files
 * for iprep) and `--data-dir` (where dataset `save`/`state` files are written).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { moat } from '../helpers/moat-cli.js';

const PCAP = resolve('../shared/corpus/suricata-verify/tests/threshold/threshold-rule-flow/icmp.pcap');

test('analyze loads reputation files for iprep rules; a bad line stops the run naming it', (t) => {
  const tshark = existsSync(PCAP)
    ? spawnSync(
        'tshark',
        [
          '-r',
          PCAP,
          '-Y',
          'icmp.type == 8 && ip.src == 192.168.0.0/24',
          '-T',
          'fields',
          '-e',
          'frame.number',
        ],
        {
          encoding: 'utf8',
        },
      )
    : undefined;
  if (!tshark || tshark.status !== 0) {
    t.skip('needs the threshold-rule-flow capture and tshark');
    return;
  }
  const requests = tshark.stdout.split('\n').filter(Boolean).length;
  assert.ok(requests > 0);
  const dir = mkdtempSync(join(tmpdir(), 'iprep-cli-'));
  writeFileSync(join(dir, 'cat.txt'), '1,bad,Bad hosts\n');
  writeFileSync(join(dir, 'rep.list'), '192.168.0.0/24,1,3\n');
  const run = (threshold: number, list = 'rep.list'): ReturnType<typeof moat> => {
    writeFileSync(
      join(dir, 'r.rules'),
      `alert ip any any -> any any (msg:"listed source"; itype:8; iprep:src,bad,>,${threshold}; sid:1;)\n`,
    );
    return moat(
      [
        'analyze',
        PCAP,
        '--rules',
        'r.rules',
        '--reputation-categories',
        'cat.txt',
        '--reputation',
        list,
        '--eve',
        '-',
      ],
      {
        cwd: dir,
      },
    );
  };
  const alerts = (out: string): number =>
    out.split('\n').filter((l) => l.includes('"event_type":"alert"')).length;
  const listed = run(2);
  assert.equal(listed.status, 0, listed.stderr);
  assert.equal(alerts(listed.stdout), requests);
  // Score 3 is not above 3.
  assert.equal(alerts(run(3).stdout), 0);
  writeFileSync(join(dir, 'bad.list'), '192.168.0.0/24,1,3\n10.0.0.1,7,1\n');
  const bad = run(2, 'bad.list');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.list:2: category 7 is not in the categories file/);
  const noCats = moat(['analyze', PCAP, '--rules', 'r.rules', '--reputation', 'rep.list'], { cwd: dir });
  assert.equal(noCats.status, 2);
  assert.match(noCats.stderr, /--reputation needs --reputation-categories/);
});

test('analyze --data-dir: a dataset state file holds what the rule saw, as Suricata writes it', (t) => {
  const src = resolve('../shared/corpus/suricata-verify/tests/datasets-05-state');
  if (!existsSync(join(src, 'input.pcap'))) {
    t.skip(`${src} absent`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dataset-cli-'));
  mkdirSync(join(dir, 'data'));
  const r = moat(
    [
      'analyze',
      join(src, 'input.pcap'),
      '--rules',
      join(src, 'test.rules'),
      '--data-dir',
      'data',
      '--eve',
      'eve.json',
    ],
    {
      cwd: dir,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  // Suricata's own state file for this capture and rule (suricata-verify's expected output).
  assert.equal(
    readFileSync(join(dir, 'data', 'state.csv'), 'utf8'),
    readFileSync(join(src, 'expected', 'state.csv'), 'utf8'),
  );
  const none = moat(
    ['analyze', join(src, 'input.pcap'), '--rules', join(src, 'test.rules'), '--data-dir', 'nope'],
    {
      cwd: dir,
    },
  );
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--data-dir: no such directory: nope/);
});
