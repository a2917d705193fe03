/** `moat rules lint FILE…`: every refused rule named (file:line, sid, keyword, why), the closing count, the exit code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MOAT = join(process.cwd(), 'bin', 'moat.js');
const moat = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [MOAT, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('lint lists every refusal with file:line, sid and keyword, then "loaded N of M rules"; exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-lint-'));
  try {
    const f = join(dir, 'a.rules');
    writeFileSync(
      f,
      [
        '# comment',
        'alert tcp any any -> any any (msg:"ok"; content:"a"; sid:1;)',
        'alert tcp any any -> any any (msg:"kw"; lua:x.lua; sid:2;)',
        'alert http any any -> any any (msg:"pcre"; pcre:"/(?R)/"; sid:3;)',
        '#alert tcp any any -> any any (msg:"off"; nope:1; sid:4;)',
        'alert tcp any any -> any any (msg:"new"; requires: version >= 99; sid:5;)',
      ].join('\n'),
    );
    const r = moat(['rules', 'lint', f]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `${f}:3: sid 2: lua: unsupported keyword`,
      `${f}:4: sid 3: pcre: '(?R)': recursion and subroutine calls are not supported at offset 2`,
      `${f}:6: sid 5: left out (requires: needs version >= 99)`,
      'refused by keyword: lua 1, pcre 1',
      '1 left out by requires:',
      'loaded 1 of 4 rules',
    ]);
    // --disabled reads the commented-out rule too.
    const d = moat(['rules', 'lint', '--disabled', '--stats', f]);
    assert.match(d.stdout, new RegExp(`${f}:5: sid 4: nope: unsupported keyword`));
    assert.match(d.stdout, /loaded 1 of 5 rules\n$/);
    assert.match(d.stderr, /parsed in \d+ ms, compiled 1 rules in \d+ ms, heap/);
    // All good: exit 0.
    const g = join(dir, 'good.rules');
    writeFileSync(g, 'alert tcp any any -> any any (msg:"ok"; content:"a"; sid:1;)\n');
    const ok = moat(['rules', 'lint', g]);
    assert.equal(ok.status, 0);
    assert.equal(ok.stdout, 'loaded 1 of 1 rules\n');
    assert.equal(moat(['rules', 'lint', join(dir, 'missing.rules')]).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze --rules names the first 20 refusals, counts the rest and points to lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-lint-'));
  try {
    const f = join(dir, 'many.rules');
    const lines = ['alert tcp any any -> any any (msg:"ok"; content:"a"; sid:1;)'];
    for (let i = 0; i < 25; i++)
      lines.push(`alert tcp any any -> any any (msg:"bad"; lua:x; sid:${100 + i};)`);
    writeFileSync(f, lines.join('\n'));
    const pcap = join(dir, 's.pcap');
    assert.equal(moat(['synth', '--seed', '3', '--flows', '2', '--out', pcap]).status, 0);
    const r = moat(['analyze', pcap, '--rules', f, '--eve', join(dir, 'e.json'), '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.stderr.match(/rule refused/g) ?? []).length, 20);
    assert.match(
      r.stderr,
      new RegExp(`… and 5 more refused rules \\(\`moat rules lint ${f}\` lists them all\\)`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
