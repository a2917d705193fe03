/**
 * EVE dns v3 against tshark's dissection of real captures: every response's TXT strings (a TXT record with several
 * strings logs each, as Suricata 8 does: one `answers` entry and one `grouped.TXT` item per string) and every
 * message's questions (all of them, in order, in `queries`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
/** Real DNS: DKIM keys split over strings, and a DNS tunnel whose TXT answers carry many strings per record. */
const TXT_PCAP = join(CORPUS, 'attacks', 'malcolm-pcap', 'pcaps', 'protocols', 'DNS.pcap');
/** Two questions in one query, the first a forward compression pointer. */
const QUESTIONS_PCAP = join(CORPUS, 'suricata-verify', 'tests', 'dns', 'dns-forward-pointer', 'input.pcap');

function tsharkHas(): boolean {
  return spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
}

/** frame number → the layers' fields tshark gives for the filtered packets. */
function tshark(pcap: string, filter: string, fields: string[]): Map<number, Record<string, string[]>> {
  const args = ['-r', pcap, '-Y', filter, '-T', 'json', ...fields.flatMap((f) => ['-e', f])];
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<number, Record<string, string[]>>();
  for (const p of JSON.parse(r.stdout) as Array<{ _source: { layers: Record<string, string[]> } }>) {
    const l = p._source.layers;
    out.set(Number(l['frame.number'][0]), l);
  }
  return out;
}

type Dns = {
  type: string;
  queries?: Array<{ rrname: string; rrtype: string }>;
  answers?: Array<{ rrtype: string; rdata?: string }>;
  grouped?: Record<string, string[]>;
};

const skip = !existsSync(CORPUS) ? 'needs ../shared/corpus' : !tsharkHas() ? 'tshark not installed' : false;

test('a TXT record with several strings logs every string, as tshark reads them', { skip }, async () => {
  const want = tshark(TXT_PCAP, 'dns.flags.response == 1 && dns.resp.type == 16', [
    'frame.number',
    'dns.txt',
  ]);
  const { events } = await analyzeToEvents(TXT_PCAP);
  let responses = 0;
  let multi = 0;
  for (const e of events) {
    if (e.event_type !== 'dns') continue;
    const w = want.get(Number(e.pcap_cnt));
    const d = e.dns as Dns;
    if (!w || d.type !== 'response') continue;
    responses++;
    const strings = w['dns.txt'] ?? [];
    const logged = (d.answers ?? []).filter((a) => a.rrtype === 'TXT').map((a) => a.rdata);
    assert.deepEqual(logged, strings, `frame ${String(e.pcap_cnt)} answers`);
    assert.deepEqual(d.grouped?.TXT ?? [], strings, `frame ${String(e.pcap_cnt)} grouped`);
    if (strings.length > 1) multi++;
  }
  // Every TXT response tshark shows is logged; many carry several strings.
  assert.equal(responses, want.size);
  assert.ok(multi >= 100, `${multi} responses with several TXT strings`);
});

test('a query with several questions logs them all, as tshark reads them', { skip }, async () => {
  const want = tshark(QUESTIONS_PCAP, 'dns', ['frame.number', 'dns.qry.name', 'dns.qry.type']);
  const { events } = await analyzeToEvents(QUESTIONS_PCAP);
  const dns = events.filter((e) => e.event_type === 'dns');
  assert.equal(dns.length, want.size);
  const TYPES: Record<string, string> = { '1': 'A', '28': 'AAAA' };
  for (const e of dns) {
    const w = want.get(Number(e.pcap_cnt))!;
    const qs = (e.dns as Dns).queries ?? [];
    assert.deepEqual(
      qs.map((q) => [q.rrname, q.rrtype]),
      w['dns.qry.name'].map((n, i) => [n, TYPES[w['dns.qry.type'][i]] ?? w['dns.qry.type'][i]]),
    );
  }
  assert.equal(((dns[0].dns as Dns).queries ?? []).length, 2, 'the request asks two questions');
});
