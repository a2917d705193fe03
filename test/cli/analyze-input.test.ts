/**
 * `moat analyze` and its input as a new user meets it: gzip-compressed captures, captures cut in the middle of a
 * record, inputs that are not captures at all, and `--types` with alerts. All through the built CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { moat } from '../helpers/moat-cli.js';

const CORPUS_GZ = join(
  '..',
  'shared',
  'corpus',
  'tls',
  'zeek',
  'traces',
  'tls',
  'tls-fragmented-handshake.pcap.gz',
);

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'moat-input-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function synth(dir: string, seed = 3): string {
  const pcap = join(dir, `s${seed}.pcap`);
  const r = moat(['synth', '--seed', String(seed), '--flows', '2', '--out', pcap]);
  assert.equal(r.status, 0, r.stderr);
  return pcap;
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean);
}

/** Events of a multi-worker run come in batches per worker: compare them as a sorted list. */
const sorted = (path: string): string[] => lines(path).sort();

test('a gzip-compressed capture gives the same EVE as the same capture uncompressed (1 and 2 workers)', (t) => {
  withDir((dir) => {
    const cases: Array<{ name: string; gz: string; plain: string }> = [];
    // A capture made here (no corpus needed) …
    const own = synth(dir);
    writeFileSync(`${own}.gz`, gzipSync(readFileSync(own)));
    // … named without .gz: the format is found by its magic bytes, never by its name.
    writeFileSync(join(dir, 'disguised.pcap'), gzipSync(readFileSync(own)));
    cases.push({ name: 'synth', gz: `${own}.gz`, plain: own });
    cases.push({ name: 'synth named .pcap', gz: join(dir, 'disguised.pcap'), plain: own });
    // … and a corpus capture as public corpora ship them (Zeek's traces).
    if (existsSync(CORPUS_GZ)) {
      const plain = join(dir, 'zeek.pcap');
      writeFileSync(plain, gunzipSync(readFileSync(CORPUS_GZ)));
      cases.push({ name: 'zeek tls-fragmented-handshake', gz: CORPUS_GZ, plain });
    } else t.diagnostic('corpus missing: only the synthetic capture compared');
    for (const c of cases) {
      for (const workers of ['1', '2']) {
        const a = join(dir, 'gz.json');
        const b = join(dir, 'plain.json');
        const rg = moat(['analyze', c.gz, '--eve', a, '--workers', workers, '--json']);
        assert.equal(rg.status, 0, `${c.name}: ${rg.stderr}`);
        const rp = moat(['analyze', c.plain, '--eve', b, '--workers', workers, '--json']);
        assert.equal(rp.status, 0, rp.stderr);
        const eg = lines(a);
        assert.ok(eg.length > 1, `${c.name}: events from the gzip capture`);
        if (workers === '1') assert.deepEqual(eg, lines(b), `${c.name}: same EVE, same order`);
        else assert.deepEqual(sorted(a), sorted(b), `${c.name}: same EVE with 2 workers`);
        const sg = JSON.parse(rg.stdout) as { packets: number; inputEndedEarly?: string };
        const sp = JSON.parse(rp.stdout) as { packets: number };
        assert.equal(sg.packets, sp.packets);
        assert.equal(sg.inputEndedEarly, undefined);
      }
    }
  });
});

test('a capture cut in the middle of a record: warned on stderr, in the summary and the stats; exit 0', () => {
  withDir((dir) => {
    const whole = readFileSync(synth(dir));
    const cut = join(dir, 'cut.pcap');
    // 7 bytes short of the end: the last record is cut whatever its size (every record is longer than that).
    writeFileSync(cut, whole.subarray(0, whole.length - 7));
    const eve = join(dir, 'eve.json');
    const r = moat(['analyze', cut, '--eve', eve, '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: .*cut\.pcap: the capture ends early \(truncated record at byte \d+: \d+ bytes announced, \d+ present\); the [\d,]+ packets before it were analysed/,
    );
    assert.match(r.stdout, /^input ends early +truncated record at byte \d+/m);
    assert.ok(lines(eve).length > 10, 'what came before the cut was analysed');

    const j = moat(['analyze', cut, '--eve', eve, '--json']);
    assert.equal(j.status, 0);
    const stats = JSON.parse(j.stdout) as { inputEndedEarly?: string; packets: number };
    assert.match(stats.inputEndedEarly ?? '', /^truncated record at byte \d+/);

    // The whole capture: no word.
    const full = join(dir, 'full.pcap');
    writeFileSync(full, whole);
    const ok = moat(['analyze', full, '--eve', eve, '--json']);
    assert.equal(ok.stderr, '');
    const fullStats = JSON.parse(ok.stdout) as { inputEndedEarly?: string; packets: number };
    assert.equal(fullStats.inputEndedEarly, undefined);
    assert.equal(fullStats.packets, stats.packets + 1, 'only the cut record is missing');

    // A cut gzip stream is said to be one.
    const gz = gzipSync(whole);
    const cutGz = join(dir, 'cut.pcap.gz');
    writeFileSync(cutGz, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const g = moat(['analyze', cutGz, '--eve', eve, '--no-progress']);
    assert.equal(g.status, 0, g.stderr);
    assert.match(g.stderr, /the capture ends early \(.*gzip stream ends early: unexpected end of file\)/);
  });
});

test('an input error leaves no EVE file behind, and an old one untouched', () => {
  withDir((dir) => {
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'this is not a capture file at all');
    const eve = join(dir, 'eve.json');
    const r = moat(['analyze', junk, '--eve', eve]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^moat: .*junk\.pcap: at byte 0: not a pcap or pcapng file/);
    assert.equal(existsSync(eve), false, 'no 0-byte eve.json');

    writeFileSync(eve, '{"kept":true}\n');
    const again = moat(['analyze', junk, '--eve', eve]);
    assert.equal(again.status, 2);
    assert.equal(readFileSync(eve, 'utf8'), '{"kept":true}\n', 'the earlier output is not truncated');

    // A pcap header with a version moat does not read is refused before the output too.
    const v3 = Buffer.alloc(24);
    v3.writeUInt32LE(0xa1b2c3d4, 0);
    v3.writeUInt16LE(3, 4);
    writeFileSync(junk, v3);
    const ver = moat(['analyze', junk, '--eve', join(dir, 'v.json')]);
    assert.equal(ver.status, 2);
    assert.match(ver.stderr, /junk\.pcap: at byte 4: unsupported pcap version 3/);
    assert.equal(existsSync(join(dir, 'v.json')), false);
  });
});

test('--types names alert; the summary counts the alerts the file holds and says what was left out', () => {
  withDir((dir) => {
    const pcap = synth(dir);
    const policy = join(process.cwd(), 'config', 'policies.yaml');
    const eve = join(dir, 'eve.json');
    const count = (type: string): number =>
      lines(eve).filter((l) => (JSON.parse(l) as { event_type: string }).event_type === type).length;

    const both = moat([
      'analyze',
      pcap,
      '--eve',
      eve,
      '--types',
      'tls,alert',
      '--policy',
      policy,
      '--no-alerts',
      '--json',
    ]);
    assert.equal(both.status, 0, both.stderr);
    const s = JSON.parse(both.stdout) as { alerts: number; alertsNotWritten: number };
    assert.ok(s.alerts > 0, 'the sample policy raises alerts on the synthetic capture');
    assert.equal(count('alert'), s.alerts);
    assert.equal(s.alertsNotWritten, 0);

    const tlsOnly = moat([
      'analyze',
      pcap,
      '--eve',
      eve,
      '--types',
      'tls',
      '--policy',
      policy,
      '--no-alerts',
    ]);
    assert.equal(tlsOnly.status, 0, tlsOnly.stderr);
    assert.equal(count('alert'), 0);
    assert.match(
      tlsOnly.stdout,
      new RegExp(`^alerts +0 \\(${s.alerts} more raised, not written: --types leaves out alert\\)$`, 'm'),
    );
    // Left out of the file, still raised: --fail-on-alert still fails.
    const fail = moat([
      'analyze',
      pcap,
      '--eve',
      eve,
      '--types',
      'tls',
      '--policy',
      policy,
      '--no-alerts',
      '--fail-on-alert',
    ]);
    assert.equal(fail.status, 1);

    const alertOnly = moat([
      'analyze',
      pcap,
      '--eve',
      eve,
      '--types',
      'alert',
      '--policy',
      policy,
      '--no-alerts',
    ]);
    assert.equal(alertOnly.status, 0, alertOnly.stderr);
    assert.equal(count('alert'), s.alerts);
    assert.equal(lines(eve).length, s.alerts, 'only alerts');

    const help = moat(['analyze', '--help']);
    assert.match(help.stdout, /anomaly,alert,netflow,arp\)/);
  });
});
