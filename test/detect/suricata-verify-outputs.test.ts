/**
 * The suricata-verify runner beyond eve.json filters: shell and file-compare checks on moat's output directory,
 * custom commands, load-only modes (-T, --engine-analysis) and tests that expect Suricata to stop at start-up.
 * Each case is run with the right answer and with a wrong one, which must fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { argsProblem, runTest, skipWhen } from '../../src/detect/suricata-verify/runner.js';
import {
  runFileCompare,
  runShellCheck,
  suricataOnlyOutput,
} from '../../src/detect/suricata-verify/outputs.js';
import { commandArgs } from '../../src/detect/suricata-verify/command.js';

const CORPUS = '../shared/corpus/suricata-verify/tests';

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

test('a check on a file only Suricata writes is named; one on eve.json is not', () => {
  assert.match(suricataOnlyOutput('grep "Error" suricata.log | wc -l') ?? '', /suricata\.log/);
  // moat writes fast.log beside eve.json (output/fast-log.ts): a check on it runs.
  assert.equal(suricataOnlyOutput('cat fast.log | wc -l | xargs'), undefined);
  assert.match(suricataOnlyOutput("grep -c 'missing a required feature' stdout") ?? '', /stdout/);
  assert.match(suricataOnlyOutput('rules.json') ?? '', /engine analysis/);
  assert.match(suricataOnlyOutput('test -e filestore/5a/5ab2') ?? '', /file-store/);
  assert.match(suricataOnlyOutput("find . -name '1425*.pem' | wc -l") ?? '', /tls-store/);
  assert.equal(suricataOnlyOutput('jq -c \'select(.event_type=="alert")\' eve.json | wc -l'), undefined);
  assert.equal(suricataOnlyOutput('grep -c \'"event_type":"dns"\' eve.json'), undefined);
});

test('shell checks run in the output directory: expect compares stdout, no expect takes the exit status', () => {
  const out = tmp('sv-out-');
  const testDir = tmp('sv-test-');
  writeFileSync(
    join(out, 'eve.json'),
    '{"event_type":"alert","alert":{"signature_id":1}}\n{"event_type":"flow"}\n{"event_type":"alert","alert":{"signature_id":2}}\n',
  );
  const env = { testDir, outputDir: out };
  const count = 'grep -c \'"event_type":"alert"\' eve.json';
  assert.equal(runShellCheck({ args: count, expect: 2 }, env), undefined);
  assert.match(runShellCheck({ args: count, expect: 3 }, env) ?? '', /expected "3", got "2"/);
  assert.equal(runShellCheck({ args: 'test -e eve.json' }, env), undefined);
  assert.match(runShellCheck({ args: 'test -e stats.json' }, env) ?? '', /exited 1/);
  // suricata-verify's environment: TEST_DIR is the test, the working directory the output.
  assert.equal(runShellCheck({ args: 'echo $TEST_DIR', expect: resolve(testDir) }, env), undefined);
  assert.equal(runShellCheck({ args: 'pwd', expect: resolve(out) }, env), undefined);
});

test('file-compare: equal bytes hold, a different line fails naming it, a file not written fails', () => {
  const out = tmp('sv-out-');
  const testDir = tmp('sv-test-');
  writeFileSync(join(testDir, 'want.csv'), 'YQ==\nYg==\n');
  writeFileSync(join(out, 'got.csv'), 'YQ==\nYg==\n');
  const env = { testDir, outputDir: out };
  assert.equal(runFileCompare({ filename: 'got.csv', expected: 'want.csv' }, env), undefined);
  writeFileSync(join(out, 'got.csv'), 'YQ==\nYw==\n');
  assert.match(runFileCompare({ filename: 'got.csv', expected: 'want.csv' }, env) ?? '', /at line 2/);
  assert.match(
    runFileCompare({ filename: 'none.csv', expected: 'want.csv' }, env) ?? '',
    /wrote no none\.csv/,
  );
});

test('a custom command is read as a Suricata command line; anything else is named', () => {
  const cmd = `\${SRCDIR}/src/suricata  -l \${OUTPUT_DIR} \\
      -c \${TEST_DIR}/suricata.yaml \\
      -r ../x/input.pcap -S \${TEST_DIR}/iprep.rules \\
      --set default-reputation-path=\${TEST_DIR} \\
      --set reputation-categories-file=\${TEST_DIR}/categories.txt \\
      --set reputation-files=\${TEST_DIR}/iprep.list`;
  const c = commandArgs(cmd, '/t');
  assert.ok(c.args);
  const a = argsProblem(c.args);
  assert.equal(a.problem, undefined);
  assert.equal(a.pcap, '../x/input.pcap');
  assert.equal(a.rulesFile, '/t/iprep.rules');
  assert.equal(a.configFile, '/t/suricata.yaml');
  assert.deepEqual(a.reputation, {
    path: '/t',
    categoriesFile: '/t/categories.txt',
    files: ['/t/iprep.list'],
  });
  assert.match(commandArgs('./run.sh', '/t').problem ?? '', /not Suricata/);
  assert.match(commandArgs('${SRCDIR}/src/suricata -T | grep x', '/t').problem ?? '', /shell script/);
  assert.equal(
    argsProblem(commandArgs('${SRCDIR}/src/suricata -T -S x.rules', '/t').args ?? []).loadOnly,
    '-T',
  );
});

test('skip: a test for a build without a feature moat has is skipped, naming it', () => {
  assert.match(skipWhen([{ feature: 'HAVE_JA4' }]) ?? '', /without HAVE_JA4/);
  assert.equal(skipWhen([{ feature: 'HAVE_NOTHING_LIKE_THIS' }]), undefined);
  assert.equal(skipWhen(undefined), undefined);
});

test('a shell check on eve.json runs against moat’s output: a wrong expectation fails', async (t) => {
  const src = join(CORPUS, 'detect-flowbits');
  if (!existsSync(src)) {
    t.skip(`${src} absent`);
    return;
  }
  // The test's own filter says one sid 2 alert; the shell check counts them in eve.json with jq.
  const make = (expect: number): string => {
    const dir = tmp('sv-shell-');
    for (const f of ['input.pcap', 'test.rules']) copyFileSync(join(src, f), join(dir, f));
    writeFileSync(
      join(dir, 'test.yaml'),
      [
        'checks:',
        '  - filter:',
        '      count: 1',
        '      match:',
        '        event_type: alert',
        '        alert.signature_id: 2',
        '  - shell:',
        `      args: jq -c 'select(.event_type == "alert" and .alert.signature_id == 2)' eve.json | wc -l | xargs`,
        `      expect: ${expect}`,
        '',
      ].join('\n'),
    );
    return dir;
  };
  assert.deepEqual((await runTest(make(1))).result, 'pass');
  const wrong = await runTest(make(2));
  assert.equal(wrong.result, 'fail');
  assert.match(wrong.reason ?? '', /shell check .*expected "2", got "1"/);
});

test('file-compare on a dataset state file: the set moat saves is compared with Suricata’s', async (t) => {
  const src = join(CORPUS, 'datasets-05-state');
  if (!existsSync(src)) {
    t.skip(`${src} absent`);
    return;
  }
  const dir = tmp('sv-dataset-');
  cpSync(src, dir, { recursive: true });
  assert.equal((await runTest(dir)).result, 'pass');
  // Suricata's expected file with one more value: moat's saved set lacks it.
  const exp = join(dir, 'expected', 'state.csv');
  writeFileSync(
    exp,
    `${readFileSync(exp, 'utf8')}${Buffer.from('not-queried.example').toString('base64')}\n`,
  );
  const wrong = await runTest(dir);
  assert.equal(wrong.result, 'fail');
  assert.match(wrong.reason ?? '', /file-compare state\.csv/);
});

/** A load-only test: `-T`, the rules given, the expected exit code. */
function loadOnlyTest(rules: string, exitCode: number, extra: Record<string, string> = {}): string {
  const dir = tmp('sv-T-');
  writeFileSync(join(dir, 'test.rules'), rules);
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text);
  writeFileSync(join(dir, 'test.yaml'), `pcap: false\nargs:\n  - -T\nexit-code: ${exitCode}\n`);
  return dir;
}

test('-T: moat must refuse the rules exactly when Suricata does (exit-code)', async () => {
  const good = 'alert ip any any -> any any (msg:"p"; ip_proto:2; sid:1;)\n';
  const bad = 'alert ip any any -> any any (msg:"p"; ip_proto:295; sid:1;)\n';
  assert.equal((await runTest(loadOnlyTest(good, 0))).result, 'pass');
  assert.equal((await runTest(loadOnlyTest(bad, 1))).result, 'pass');
  const loadsWhatSuricataRefuses = await runTest(loadOnlyTest(good, 1));
  assert.equal(loadsWhatSuricataRefuses.result, 'fail');
  assert.match(loadsWhatSuricataRefuses.reason ?? '', /Suricata stops at start-up/);
  // Refusing a rule Suricata loads is a gap in moat's rule language: named, not a pass.
  const refused = await runTest(loadOnlyTest(bad, 0));
  assert.equal(refused.result, 'skip');
  assert.match(refused.reason ?? '', /rule refused: .*295/);
});

test('a run expected to stop at start-up on a bad dataset file: moat must refuse the file', async () => {
  const rule =
    'alert http any any -> any any (http.user_agent; dataset:isset,ua,type string,load ua.csv; sid:1;)\n';
  const make = (csv: string): string => {
    const dir = loadOnlyTest(rule, 1, { 'ua.csv': csv });
    // A capture run, not -T: the start-up is what the test expects to fail.
    writeFileSync(
      join(dir, 'test.yaml'),
      'exit-code: 1\nchecks:\n  - shell:\n      args: grep -c base64 suricata.log\n      expect: 1\n',
    );
    return dir;
  };
  const bad = await runTest(make('Y3VybC83Lj!QzLjA=\n'));
  assert.equal(bad.result, 'skip');
  assert.match(bad.reason ?? '', /checks suricata\.log .*moat refuses the input too: .*bad base64/);
  const good = await runTest(make('Y3VybC83LjQzLjA=\n'));
  assert.equal(good.result, 'fail');
  assert.match(good.reason ?? '', /Suricata stops at start-up/);
});

/** Echo requests in a capture by source and destination, as tshark dissects them. */
function echoRequests(pcap: string): Map<string, number> | undefined {
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', 'icmp.type == 8', '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return undefined;
  const m = new Map<string, number>();
  for (const l of r.stdout.split('\n').filter(Boolean)) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

test('iprep through a suricata-verify command: categories, host and network entries, each side and operator', async (t) => {
  const pcap = join(CORPUS, 'threshold/threshold-rule-flow/icmp.pcap');
  const pairs = existsSync(pcap) ? echoRequests(pcap) : undefined;
  if (!pairs || pairs.size !== 1) {
    t.skip('needs tshark and the threshold-rule-flow capture (one echo-request pair)');
    return;
  }
  const [[pair, n]] = [...pairs];
  const [src, dst] = pair.split('\t');
  const net = `${src.split('.').slice(0, 3).join('.')}.0/24`;
  if (!dst.startsWith(net.slice(0, -4))) {
    t.skip('the capture’s two ends are not in one /24');
    return;
  }
  const run = async (list: string, rules: string, counts: number[]): Promise<ReturnType<typeof runTest>> => {
    const dir = tmp('sv-iprep-');
    copyFileSync(pcap, join(dir, 'icmp.pcap'));
    writeFileSync(join(dir, 'categories.txt'), '1,test,Testing\n2,other,Other\n');
    writeFileSync(join(dir, 'iprep.list'), list);
    writeFileSync(join(dir, 'iprep.rules'), rules);
    const checks = counts
      .map((c, i) => `  - filter:\n      count: ${c}\n      match:\n        alert.signature_id: ${i + 1}\n`)
      .join('');
    writeFileSync(
      join(dir, 'test.yaml'),
      `command: |\n  \${SRCDIR}/src/suricata -l \${OUTPUT_DIR} -r icmp.pcap -S \${TEST_DIR}/iprep.rules \\\n` +
        `    --set reputation-categories-file=\${TEST_DIR}/categories.txt --set reputation-files=\${TEST_DIR}/iprep.list\n` +
        `checks:\n${checks}`,
    );
    return runTest(dir);
  };
  const rules = [
    'iprep:src,test,=,0',
    'iprep:dst,test,=,0',
    'iprep:any,test,<,10',
    'iprep:both,test,!=,1',
    'iprep:src,test,isset',
    'iprep:dst,test,isnotset',
    'iprep:src,other,isset',
  ]
    .map((k, i) => `alert ip any any -> any any (itype:8; ${k}; sid:${i + 1};)`)
    .join('\n');
  // The source listed with score 0: a score of 0 counts (Suricata bug 6834), the destination is not listed.
  const host = `${src},1,0\n`;
  assert.equal((await run(host, rules, [n, 0, n, 0, n, n, 0])).result, 'pass');
  // A network holding both ends: `both` now holds, `isnotset` no longer.
  // (The destination's own entry is in another category: its category-1 score is the network's.)
  const both = `${net},1,0\n${dst},2,5\n`;
  assert.equal((await run(both, rules, [n, n, n, n, n, 0, 0])).result, 'pass');
  // A wrong count fails.
  const wrong = await run(host, rules, [n, n, n, 0, n, n, 0]);
  assert.equal(wrong.result, 'fail');
  assert.match(wrong.reason ?? '', /signature_id":2/);
  // A bad reputation line is refused at start-up, naming the file and line.
  const bad = await run(`${src},9,0\n`, rules, [n]);
  assert.equal(bad.result, 'fail');
  assert.match(bad.reason ?? '', /iprep\.list:1: category 9/);
});
