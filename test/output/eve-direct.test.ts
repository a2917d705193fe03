/**
 * Records are encoded straight into the output buffer (output/eve/json-out.ts and the write* function beside each
 * logger), by one serialiser per event type: the bytes must be exactly what JSON.stringify writes for the same
 * values — members, order, number and string forms — so that a line read back and written again is unchanged.
 * Checked on hand-made strings that need escaping, and byte for byte on real captures of every kind (TLS with
 * certificates, DNS answers of many types, HTTP, tunnels and VLANs, IPv6), where in-process consumers must also get
 * exactly the lines the file holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalysis } from '../../src/pipeline/index.js';
import { EveFileWriter } from '../../src/output/eve/writer.js';
import { num, str, type EveBytesOut } from '../../src/output/eve/json-out.js';
import { formatEveTimestamp, writeEveTimestamp } from '../../src/output/eve/timestamp.js';
import { corpusCaptures } from '../helpers/corpus-captures.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const DIRS = [
  'tls/ja4/pcap',
  'tls/zeek/traces/tls',
  'tls/zeek/traces/dns',
  'tls/zeek/traces/http',
  'tls/zeek/traces/tunnels',
  'suricata-verify/tests',
].map((d) => join(CORPUS, d));
const skip = existsSync(CORPUS) ? false : 'needs ../shared/corpus';

/** A growable in-memory EveBytesOut, as the file writer behaves. */
class MemoryOut implements EveBytesOut {
  buf = Buffer.alloc(16);
  pos = 0;
  room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  endLine(): void {
    this.room(1);
    this.buf[this.pos++] = 0x0a;
  }
  text(): string {
    return this.buf.toString('utf8', 0, this.pos);
  }
}

test('strings and numbers are written as JSON.stringify writes them', () => {
  const strings = [
    '',
    'plain',
    'quote " and backslash \\',
    'tab\tnew\nline\r\u0000\u001f\u007f',
    'café ünïcödé',
    '日本語のドメイン.example',
    'emoji 😀 pair',
    'lone \ud800 surrogate',
    'x'.repeat(47),
    'x'.repeat(48) + '"',
    'long '.repeat(40) + 'é',
    'long '.repeat(40),
  ];
  for (const s of strings) {
    const o = new MemoryOut();
    str(o, s);
    assert.equal(o.text(), JSON.stringify(s), `string ${JSON.stringify(s)}`);
  }
  for (const n of [
    0,
    -0,
    1,
    9,
    10,
    99,
    100,
    65535,
    4294967295,
    4294967296,
    2 ** 53 - 1,
    -1,
    0.5,
    1e21,
    123.456,
  ]) {
    const o = new MemoryOut();
    num(o, n);
    assert.equal(o.text(), JSON.stringify(n), `number ${n}`);
  }
});

test('timestamps are written as formatEveTimestamp formats them', () => {
  // Epoch, leap days, century and 400-year rules, the end of u32 seconds, and a spread of ordinary times.
  const seconds = [
    0, 951782400, 951868799, 4107542400, 1709294401, 2147483647, 4294967295, 68169600, 946684799,
  ];
  for (let i = 0; i < 2000; i++) seconds.push(Math.floor(((i * 2654435761) % 4294967296) / 1) >>> 0);
  for (const s of seconds) {
    for (const us of [0, 1, 999999, 123456]) {
      const ts = s * 1e6 + us;
      const o = new MemoryOut();
      writeEveTimestamp(o, ts);
      assert.equal(o.text(), JSON.stringify(formatEveTimestamp(ts)), `timestamp ${ts}`);
    }
  }
});

test(
  'records on real captures are canonical JSON, and in-process consumers get the file lines',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-eve-direct-'));
    let files = 0;
    let lines = 0;
    const types = new Map<string, number>();
    try {
      for (const d of DIRS) {
        for (const file of corpusCaptures(d, 400)) {
          const consumed: string[] = [];
          try {
            await runAnalysis({ file }, { onLine: (l) => consumed.push(l) });
          } catch {
            // Captures moat refuses (damaged headers) are the readers' tests' business.
            continue;
          }
          const out = join(dir, 'eve.json');
          const writer = new EveFileWriter(out);
          await runAnalysis({ file }, { eveWriter: writer });
          await writer.close();
          const written = readFileSync(out, 'utf8')
            .split('\n')
            .filter((l) => l !== '');
          assert.deepEqual(consumed, written, `${file}: consumers and the file differ`);
          for (const l of written) {
            const ev = JSON.parse(l) as { event_type: string };
            assert.equal(JSON.stringify(ev), l, `${file}: not as JSON.stringify writes it`);
            types.set(ev.event_type, (types.get(ev.event_type) ?? 0) + 1);
          }
          files++;
          lines += written.length;
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(files > 100, `compared ${files} captures`);
    for (const t of ['flow', 'tls', 'dns', 'http', 'anomaly']) {
      assert.ok((types.get(t) ?? 0) > 50, `${t} records compared: ${types.get(t) ?? 0}`);
    }
    assert.ok(lines > 3000, `${lines} lines compared`);
    console.log(`compared ${files} captures, ${lines} lines: ${JSON.stringify([...types])}`);
  },
);
