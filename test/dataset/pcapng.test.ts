import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Pseudonymiser,
  checkPrivacy,
  desensitise,
  pseudonymiseCapture,
  pseudonymisePcapng,
  PcapRewriteError,
  type PcapngRewriteStats,
} from '../../src/dataset/index.js';
import { analyzeToEvents } from '../../src/pipeline/collect.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'attacks');
const KERBRUTE = join(
  CORPUS,
  'pcap-attack',
  'CredAccess',
  'CA_kerbrute_passwordspray_kerberos_AS-REQ.pcapng',
);

/** A Name Resolution Block (IPv4 record → host name), little-endian, to append to a capture. */
function nrb(ip: number[], name: string): Buffer {
  const value = Buffer.concat([Buffer.from(ip), Buffer.from(name + '\0')]);
  const rec = Buffer.alloc(4);
  rec.writeUInt16LE(1, 0);
  rec.writeUInt16LE(value.length, 2);
  const padded = Buffer.concat([rec, value, Buffer.alloc((4 - (value.length % 4)) % 4), Buffer.alloc(4)]);
  const len = 12 + padded.length;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(4, 0);
  head.writeUInt32LE(len, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(len, 0);
  return Buffer.concat([head, padded, tail]);
}

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

const bits = (ip: string): string =>
  ip
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
const common = (a: string, b: string): number => {
  const x = bits(a);
  const y = bits(b);
  let n = 0;
  while (n < 32 && x[n] === y[n]) n++;
  return n;
};

test('pcapng: corpus capture desensitised — pseudonyms keep prefixes, checksums valid, metadata gone', async (t) => {
  if (!existsSync(KERBRUTE)) return t.skip(`corpus file absent: ${KERBRUTE}`);
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
  } catch {
    return t.skip('tshark not installed');
  }
  const input = Buffer.concat([readFileSync(KERBRUTE), nrb([10, 1, 2, 3], 'secret-host.corp.example')]);
  const dir = mkdtempSync(join(tmpdir(), 'moat-pcapng-'));
  const inFile = join(dir, 'in.pcapng');
  writeFileSync(inFile, input);
  const p = new Pseudonymiser(key);
  const stats: PcapngRewriteStats = { packets: 0, droppedBlocks: {} };
  const out = pseudonymisePcapng(input, p, { stats });
  const outFile = join(dir, 'clean.pcapng');
  writeFileSync(outFile, out);
  assert.equal(stats.packets, 33);
  assert.deepEqual(stats.droppedBlocks, { 'name-resolution': 1 });
  assert.deepEqual(pseudonymiseCapture(input, new Pseudonymiser(key)), out, 'dispatch by magic number');

  // tshark reads it whole: same packets, IPv4 header checksums verified good
  const fields = (f: string): string[][] =>
    tshark([
      '-r',
      f,
      '-o',
      'ip.check_checksum:TRUE',
      '-T',
      'fields',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'ip.checksum.status',
    ])
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
  const before = fields(inFile);
  const after = fields(outFile);
  assert.equal(after.length, before.length);
  assert.equal(after.length, 33);
  for (let i = 0; i < before.length; i++) {
    if (!before[i][0]) continue;
    assert.equal(after[i][2], '1', `packet ${i + 1}: IPv4 checksum good`); // tshark: 0 bad, 1 good, 2 unverified
    assert.equal(after[i][0], p.ipv4(before[i][0]));
    assert.equal(after[i][1], p.ipv4(before[i][1]));
    assert.notEqual(after[i][0], before[i][0]);
    // prefix structure: the shared leading bits of source and destination survive exactly
    assert.equal(common(after[i][0], after[i][1]), common(before[i][0], before[i][1]));
  }
  // what pcapng adds beyond packets is gone: machine, application, interface name and description
  const info = execFileSync('capinfos', [outFile], { encoding: 'utf8' });
  assert.ok(!/Xeon|Dumpcap|NPF_|Ethernet0/.test(info), info);
  assert.ok(!out.includes(Buffer.from('secret-host')), 'name resolution block removed');
  assert.ok(!out.includes(Buffer.from('FABA1205')), 'interface GUID removed');
  assert.ok(out.length < input.length, 'payloads cut');

  // the privacy check finds nothing in the report moat's engine makes of the result
  const { events } = await analyzeToEvents(outFile);
  assert.ok(events.length > 0);
  const report = desensitise(events.map((e) => JSON.stringify(e)).join('\n'), p);
  assert.deepEqual(checkPrivacy(report, p), []);
  // …whereas the original capture's report is refused
  const { events: raw } = await analyzeToEvents(inFile);
  assert.ok(checkPrivacy(raw.map((e) => JSON.stringify(e)).join('\n'), p).length > 0);
});

test('pcapng: damage is reported with the block offset', () => {
  const p = new Pseudonymiser(key);
  assert.throws(
    () => pseudonymisePcapng(Buffer.from('not a capture at all, no'), p),
    /no Section Header Block/,
  );
  if (!existsSync(KERBRUTE)) return;
  const input = readFileSync(KERBRUTE);
  assert.throws(
    () => pseudonymisePcapng(input.subarray(0, input.length - 6), p),
    (e: Error) => e instanceof PcapRewriteError && /block at offset \d+/.test(e.message),
  );
  const bad = Buffer.from(input);
  bad.writeUInt32LE(0xdeadbeef, 8); // byte-order magic
  assert.throws(() => pseudonymisePcapng(bad, p), /offset 0: bad byte-order magic/);
  assert.throws(() => pseudonymiseCapture(Buffer.from('GIF89a'), p), /neither pcap nor pcapng/);
});
