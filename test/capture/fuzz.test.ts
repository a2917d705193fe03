/**
 * Mutation fuzz of the pcap and pcapng readers (foundation acceptance 3): real captures from the corpus with bytes
 * flipped, lengths rewritten and tails cut, under a fixed seed. Every run must end with packets delivered within
 * the buffer, a stop reason, or a CaptureFormatError — never another exception, never a packet past the data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFormatError, openCaptureFile } from '../../src/capture/index.js';

const PCAP = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'ja4', 'pcap');

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

test('pcap and pcapng readers survive a few thousand mutated captures', { timeout: 120_000 }, async (t) => {
  const seeds = ['tls12.pcap', 'tls-handshake.pcapng'].map((f) => join(PCAP, f));
  if (!seeds.every(existsSync)) {
    t.skip(`corpus absent: ${PCAP}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moat-capfuzz-'));
  const r = rng(20261122);
  let runs = 0;
  let refused = 0;
  let stopped = 0;
  try {
    for (const seed of seeds) {
      const orig = readFileSync(seed).subarray(0, 64 * 1024);
      for (let i = 0; i < 1500; i++) {
        const b = Buffer.from(orig);
        const kind = r(4);
        if (kind === 0) for (let k = 0; k < 1 + r(8); k++) b[r(b.length)] ^= 1 << r(8);
        else if (kind === 1) b.writeUInt32LE(r(2) ? 0xffffffff : r(1 << 20), r(b.length - 4) & ~3);
        else if (kind === 2) b.writeUInt32LE(r(64), 8 + (r(b.length - 12) & ~3));
        const data = kind === 3 ? b.subarray(0, r(b.length)) : b;
        const f = join(dir, `m${i % 8}`);
        writeFileSync(f, data);
        runs++;
        try {
          const st = await openCaptureFile(f).run({
            onPacket(buf, off, caplen) {
              assert.ok(off >= 0 && caplen >= 0 && off + caplen <= buf.length, 'packet inside the buffer');
            },
          });
          if (st.stoppedBecause) {
            stopped++;
            assert.match(st.stoppedBecause, /byte \d+/);
          }
        } catch (err) {
          if (!(err instanceof CaptureFormatError)) throw err;
          refused++;
        }
      }
    }
    t.diagnostic(
      `${runs} mutated captures: ${refused} refused with CaptureFormatError, ${stopped} stopped with a named offset`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
