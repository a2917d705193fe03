/** `moat analyze` as a user runs it: the built CLI, real files, exit codes, output files and summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MOAT = join(process.cwd(), 'bin', 'moat.js');

function moat(
  args: string[],
  cwd = process.cwd(),
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MOAT, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('every command answers --help with exit 0', () => {
  const top = moat(['--help']);
  assert.equal(top.status, 0, top.stderr);
  const names = [...top.stdout.matchAll(/^ {2}([a-z][\w-]*)\b/gm)]
    .map((m) => m[1])
    .filter((n) => n !== 'help');
  assert.ok(names.includes('analyze') && names.includes('synth'), top.stdout);
  for (const name of names) {
    const r = moat([name, '--help']);
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage: moat/, name);
  }
});

test('usage and input errors exit 2 and say what was wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cli-'));
  try {
    const missing = moat(['analyze', join(dir, 'nope.pcap'), '--eve', join(dir, 'e.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file: .*nope\.pcap/);

    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'this is not a capture file at all');
    const bad = moat(['analyze', junk, '--eve', join(dir, 'e.json')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /junk\.pcap: at byte 0/);

    const types = moat(['analyze', junk, '--types', 'tls,bogus']);
    assert.equal(types.status, 2);
    assert.match(types.stderr, /unknown event type 'bogus'/);

    const workers = moat(['analyze', junk, '--workers', 'two']);
    assert.equal(workers.status, 2);
    assert.match(workers.stderr, /--workers must be a whole number/);

    const neither = moat(['analyze']);
    assert.equal(neither.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('synth then analyze: EVE file written, summary printed, JSON stats and stdout EVE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cli-'));
  try {
    const pcap = join(dir, 's.pcap');
    assert.equal(moat(['synth', '--seed', '3', '--flows', '2', '--out', pcap]).status, 0);
    // Default EVE path is ./eve.json in the working directory.
    const r = moat(['analyze', pcap, '--no-progress'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /packets/i);
    assert.match(r.stdout, /TLS 1\.3/);
    const lines = readFileSync(join(dir, 'eve.json'), 'utf8').trim().split('\n');
    const types = new Set(lines.map((l) => (JSON.parse(l) as { event_type: string }).event_type));
    for (const t of ['flow', 'tls', 'http', 'dns']) assert.ok(types.has(t), `event type ${t} in eve.json`);

    const j = moat([
      'analyze',
      pcap,
      '--eve',
      join(dir, 'tls.json'),
      '--types',
      'tls',
      '--json',
      '--fail-on-alert',
    ]);
    assert.equal(j.status, 0, j.stderr);
    const stats = JSON.parse(j.stdout) as { packets: number; tlsHandshakes: number; events: number };
    assert.ok(stats.packets > 100 && stats.tlsHandshakes > 5, j.stdout);
    const tlsLines = readFileSync(join(dir, 'tls.json'), 'utf8').trim().split('\n');
    assert.equal(tlsLines.length, stats.events);
    assert.ok(tlsLines.every((l) => (JSON.parse(l) as { event_type: string }).event_type === 'tls'));

    const out = moat(['analyze', pcap, '--eve', '-', '--types', 'dns']);
    assert.equal(out.status, 0, out.stderr);
    const dns = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event_type: string });
    assert.ok(dns.length > 0 && dns.every((e) => e.event_type === 'dns'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
