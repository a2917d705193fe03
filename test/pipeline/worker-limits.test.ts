/**
 * With workers the capture is read into fixed shared chunks; a record longer than a chunk's reserved head room
 * cannot be kept whole there. Such a capture must stop with an error that names the record and the way out
 * (--workers 1), and one thread must still read it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalysis } from '../../src/pipeline/index.js';

/** A pcap (Ethernet, 1 MiB snapshot length) with small packets around one 700 KB record. */
function captureWithHugeRecord(path: string): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(1 << 20, 16);
  header.writeUInt32LE(1, 20);
  const parts = [header];
  const record = (len: number, sec: number): void => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(sec, 0);
    h.writeUInt32LE(len, 8);
    h.writeUInt32LE(len, 12);
    const frame = Buffer.alloc(len);
    // Not IP (ethertype 0x88b5, local experimental): the analysis counts it and moves on.
    frame.writeUInt16BE(0x88b5, 12);
    parts.push(h, frame);
  };
  // Enough small records first that the huge one is cut by a chunk end.
  for (let i = 0; i < 4000; i++) record(600, 1000 + i);
  record(700_000, 5000);
  for (let i = 0; i < 10; i++) record(60, 5001 + i);
  writeFileSync(path, Buffer.concat(parts));
}

test('a record too long for a worker chunk stops a multi-worker run with a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-worker-limits-'));
  try {
    const file = join(dir, 'huge-record.pcap');
    captureWithHugeRecord(file);
    await assert.rejects(
      runAnalysis({ file }, { workers: 2, onEvent: () => undefined }),
      /capture record of more than \d+ bytes at byte \d+; analyse this capture with --workers 1/,
    );
    const one = await runAnalysis({ file }, { workers: 1, onEvent: () => undefined });
    assert.equal(one.packets, 4011);
    assert.equal(one.nonIp, 4011);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
