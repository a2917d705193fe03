/**
 * HTTP files as Suricata 8 logs them (`fileinfo`): request bodies (multipart/form-data parts, POST/PUT bodies),
 * digests, the request-body limit, interim 100 Continue responses, and byte ranges joined into whole files. The
 * expected values come from tshark's dissection of the same captures (multipart part data, exported HTTP objects)
 * and from the suricata-verify tests' Suricata expectations — never from moat's own output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/index.js';
import type { HttpParseOptions } from '../../../src/proto/index.js';
import { hasTshark } from '../../helpers/tshark.js';

const SV = '../shared/corpus/suricata-verify/tests';

type Ev = Record<string, unknown> & { event_type: string; fileinfo?: Record<string, unknown> };

async function fileinfos(pcap: string, http: HttpParseOptions = {}): Promise<Ev[]> {
  const { events } = await analyzeToEvents(pcap, { http, flow: { midstream: false } });
  return (events as Ev[]).filter((e) => e.event_type === 'fileinfo');
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The data of each multipart/form-data part with a filename, as tshark's MIME multipart dissector reads it. */
function tsharkMultipartFiles(pcap: string): Array<{ disposition: string; data: Buffer }> {
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', 'mime_multipart', '-T', 'json', '-x', '--no-duplicate-keys'],
    {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    },
  );
  const out: Array<{ disposition: string; data: Buffer }> = [];
  for (const pkt of JSON.parse(r.stdout) as Array<{ _source: { layers: Record<string, unknown> } }>) {
    const mm = pkt._source.layers.mime_multipart as Record<string, unknown>;
    const trees = mm['mime_multipart.part_tree'] ?? [];
    for (const t of (Array.isArray(trees) ? trees : [trees]) as Array<Record<string, unknown>>) {
      const disposition = String(t['mime_multipart.header.content-disposition'] ?? '');
      const raw = (t.data_raw ?? t.media_raw) as string[] | undefined;
      if (/filename=/.test(disposition) && raw) out.push({ disposition, data: Buffer.from(raw[0], 'hex') });
    }
  }
  return out;
}

test('multipart/form-data upload behind two 100 Continue answers: the part with a filename is the file (tshark)', async (t) => {
  const pcap = join(SV, 'http-multiple100/input.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const [part] = tsharkMultipartFiles(pcap);
  assert.ok(part, 'tshark sees the file part');
  const files = await fileinfos(pcap, { fileHashes: ['sha256'] });
  const up = files.find((e) => e.fileinfo!.filename === 'otherhtp.pcap');
  assert.ok(up, 'the uploaded file is logged under its Content-Disposition filename');
  assert.equal(up.fileinfo!.size, part.data.length);
  assert.equal(up.fileinfo!.size, 34293); // suricata-verify's expectation
  assert.equal(up.fileinfo!.sha256, sha256(part.data));
  assert.equal(up.fileinfo!.state, 'CLOSED');
  // The request's file travels client → server; its http object is the transaction's, with the final status.
  const { events } = await analyzeToEvents(pcap, { flow: { midstream: false } });
  const http = (events as Ev[]).filter((e) => e.event_type === 'http');
  assert.equal(http.length, 1);
  assert.equal((http[0].http as { status: number }).status, 200);
  assert.equal(up.src_port, 35704);
});

test('a multipart upload longer than request-body-limit is TRUNCATED at the limit with the digest of what was kept', async (t) => {
  const pcap = join(SV, 'http-mime-truncated/input.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const part = tsharkMultipartFiles(pcap).find((p) => p.disposition.includes('.zip'));
  assert.ok(part);
  const files = await fileinfos(pcap, {
    fileHashes: ['md5', 'sha1', 'sha256'],
    requestBodyLimit: 100 * 1024,
  });
  const zip = files.find((e) => String(e.fileinfo!.filename).endsWith('.zip'));
  assert.ok(zip);
  const f = zip.fileinfo!;
  // Suricata's expectation (test.yaml): 101422 bytes, TRUNCATED, this sha256; tshark's part holds all of it.
  assert.equal(f.size, 101422);
  assert.equal(f.state, 'TRUNCATED');
  const kept = part.data.subarray(0, 101422);
  assert.equal(f.sha256, sha256(kept));
  assert.equal(f.sha256, '0adad78526c1b9c35f349a2cc7014c458aa87adcb9ec86f052fd8a9a80584e39');
  assert.equal(f.md5, createHash('md5').update(kept).digest('hex'));
  assert.equal(f.sha1, createHash('sha1').update(kept).digest('hex'));
  // Without a limit the whole part is the file, closed by the form's final delimiter.
  const whole = (await fileinfos(pcap, { fileHashes: ['sha256'], requestBodyLimit: 0 })).find((e) =>
    String(e.fileinfo!.filename).endsWith('.zip'),
  );
  assert.equal(whole!.fileinfo!.size, part.data.length);
  assert.equal(whole!.fileinfo!.sha256, sha256(part.data));
  assert.equal(whole!.fileinfo!.state, 'CLOSED');
  // Digests are only made when asked for.
  assert.equal(
    (await fileinfos(pcap)).find((e) => e.fileinfo!.sha256 !== undefined),
    undefined,
  );
});

test('15 ranged 206 responses are joined into the whole file, beside each range (tshark export)', async (t) => {
  const pcap = join(SV, 'http-range-file/input.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const dir = mkdtempSync(join(tmpdir(), 'moat-range-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  spawnSync(
    'tshark',
    ['-o', 'tcp.reassemble_out_of_order:TRUE', '-r', pcap, '--export-objects', `http,${dir}`],
    {
      stdio: 'ignore',
    },
  );
  // tshark names the bodies in the order it saw them (name(1) … name(15)); the client asked the ranges in order.
  const parts = readdirSync(dir)
    .map((n) => ({ n, i: Number(/\((\d+)\)/.exec(n)?.[1] ?? 0) }))
    .sort((a, b) => a.i - b.i)
    .map((x) => readFileSync(join(dir, x.n)));
  const whole = Buffer.concat(parts);
  const files = await fileinfos(pcap, { fileHashes: ['sha256'] });
  const ranges = files.filter((e) => e.fileinfo!.start !== undefined);
  assert.equal(ranges.length, parts.length);
  const joined = files.filter((e) => e.fileinfo!.start === undefined);
  assert.equal(joined.length, 1);
  assert.equal(joined[0].fileinfo!.size, whole.length);
  assert.equal(joined[0].fileinfo!.size, 146515); // suricata-verify's expectation
  assert.equal(joined[0].fileinfo!.sha256, sha256(whole));
  assert.equal(joined[0].fileinfo!.state, 'CLOSED');
  assert.equal(joined[0].fileinfo!.filename, '/z4d4kWk.jpg');
});

test('a reset with un-acknowledged data: the file ends at the hole the client never acknowledged past', async (t) => {
  const d09 = join(SV, 'tcp-rst-unacked-stream-09');
  const d11 = join(SV, 'tcp-rst-unacked-stream-11');
  if (!existsSync(d09) || !existsSync(d11)) return t.skip(`${SV} absent`);
  const pcapIn = (d: string): string =>
    join(
      d,
      readdirSync(d).find((f) => f.endsWith('.pcap'))!,
    );
  // Suricata's expectations (test.yaml): one file, then two, with these digests (gaps skipped, not zero-filled).
  const f09 = await fileinfos(pcapIn(d09), { fileHashes: ['sha256'], responseBodyLimit: 0 });
  assert.deepEqual(
    f09.map((e) => e.fileinfo!.sha256),
    ['b95aa84c9ac4948c8565202e016933644c592c366525b2790857615ca7e6f665'],
  );
  assert.equal(f09[0].fileinfo!.gaps, true);
  const f11 = await fileinfos(pcapIn(d11), { fileHashes: ['sha256'], responseBodyLimit: 0 });
  assert.deepEqual(
    f11.map((e) => e.fileinfo!.sha256),
    [
      '33d346033ff4559e8f74a90112232610f4ea63db60a3f7434745a1aae5ea9169',
      'b6e5d8314e3c65a277af9db044b0cd6df1b641c0378703a5ab5de6d54cb9033f',
    ],
  );
});
