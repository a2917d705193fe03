/**
 * The EVE file writer hands full buffers to libuv's I/O threads. What was accepted must reach the file whole and
 * in order, several writers appending to one file must never split each other's lines, and a failing output
 * must be reported with the file named instead of dropping the lines silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EveFileWriter } from '../../src/output/eve/writer.js';
import { num, raw, str } from '../../src/output/eve/json-out.js';

/** A line of varying length (some far longer than usual, one longer than a whole buffer). */
function line(i: number): string {
  const pad = i % 997 === 0 ? 'x'.repeat(3 << 20) : 'y'.repeat((i * 37) % 900);
  return JSON.stringify({ n: i, pad, text: i % 5 === 0 ? 'é ü 日本' : 'ascii' });
}

test('lines written through background writes reach the file whole and in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-writer-'));
  try {
    const path = join(dir, 'eve.json');
    const w = new EveFileWriter(path);
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const l = line(i);
      expected.push(l);
      if (i % 3 === 0) {
        // The direct encoder's path: bytes written into the writer's own buffer.
        w.room(l.length * 6 + 2);
        raw(w, '{"direct":');
        num(w, i);
        raw(w, ',"s":');
        str(w, l);
        raw(w, '}');
        w.endLine();
        expected[expected.length - 1] = JSON.stringify({ direct: i, s: l });
      } else {
        w.writeLine(l);
      }
      // Let some writes finish while others are still being encoded, as a real analysis does.
      if (i % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await w.close();
    const got = readFileSync(path, 'utf8').split('\n');
    assert.equal(got.pop(), '', 'the file ends with a newline');
    assert.equal(got.length, expected.length);
    for (let i = 0; i < expected.length; i++) assert.equal(got[i], expected[i], `line ${i}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two writers appending to one file never split each other’s lines', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-writer-'));
  try {
    const path = join(dir, 'eve.json');
    const a = new EveFileWriter(path, { append: true });
    const b = new EveFileWriter(path, { append: true });
    for (let i = 0; i < 10_000; i++) {
      a.writeLine(JSON.stringify({ w: 'a', i, pad: 'a'.repeat(i % 500) }));
      b.writeLine(JSON.stringify({ w: 'b', i, pad: 'b'.repeat(i % 700) }));
    }
    await Promise.all([a.close(), b.close()]);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 20_000);
    const seen = { a: new Set<number>(), b: new Set<number>() };
    for (const l of lines) {
      const ev = JSON.parse(l) as { w: 'a' | 'b'; i: number; pad: string };
      assert.equal(ev.pad, ev.w.repeat(ev.i % (ev.w === 'a' ? 500 : 700)));
      seen[ev.w].add(ev.i);
    }
    assert.equal(seen.a.size, 10_000);
    assert.equal(seen.b.size, 10_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a failing output is reported at close with the file named',
  { skip: !existsSync('/dev/full') },
  async () => {
    const w = new EveFileWriter('/dev/full');
    // ~750 KB: under the bound on bytes in flight (1 MiB), so every write is a background one.
    for (let i = 0; i < 1500; i++) w.writeLine(line(i % 996 || 1));
    await assert.rejects(w.close(), /EVE output \/dev\/full: .*(ENOSPC|no space)/i);
    // Past the bound on bytes in flight the writer writes synchronously: the same error, thrown at once.
    const s = new EveFileWriter('/dev/full');
    assert.throws(() => {
      for (let i = 0; i < 20_000; i++) s.writeLine(line((i % 996) + 1));
    }, /EVE output \/dev\/full: .*(ENOSPC|no space)/i);
    await s.close().catch(() => undefined);
  },
);
