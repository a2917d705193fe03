/**
 * Suricata 8's DNS keywords on real captures: the names dns.response.rrname holds are the ones tshark dissects in
 * each response (questions, owner names, and the names in CNAME/PTR/NS/MX/SRV/SOA data); dns.queries.rrname and
 * dns.answers.rrname hold the question and answer owner names in both directions; dns.rrtype tests a request's
 * question types and a response's answer types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppRecord } from '../../src/proto/index.js';
import type { Inspector } from '../../src/pipeline/index.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { RecordBuffers } from '../../src/detect/app-buffers.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = '../shared/corpus/suricata-verify';
const CAPTURES = [
  'pcaps/20250224-dns-additionals-with-cname.pcap',
  'pcaps/20250221-dns-ptr.pcap',
  'tests/dns-eve-v2-udp-nxdomain-soa/dns-udp-nxdomain-soa.pcap',
  'tests/cond-log-dns-dig/input.pcap',
];

/** The DNS messages moat parses in a capture, in order. */
async function dnsRecords(pcap: string): Promise<Array<Extract<AppRecord, { type: 'dns' }>>> {
  const out: Array<Extract<AppRecord, { type: 'dns' }>> = [];
  const grab: Inspector = {
    name: 'grab',
    onAppRecord: (_f, r) => {
      if (r.type === 'dns') out.push(r);
      return undefined;
    },
  };
  await analyzeToEvents(pcap, { inspectors: [grab] });
  return out;
}

const FIELDS = [
  'dns.qry.name',
  'dns.resp.name',
  'dns.resp.type',
  'dns.cname',
  'dns.ptr.domain_name',
  'dns.ns',
  'dns.mx.mail_exchange',
  'dns.srv.target',
  'dns.soa.mname',
];

/** Per response, tshark's names: questions, owner names (OPT pseudo-records left out) and names in data. */
function tsharkResponseNames(pcap: string): string[][] {
  const r = spawnSync(
    'tshark',
    [
      '-r',
      pcap,
      '-Y',
      'dns.flags.response == 1',
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8' },
  );
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cols = line.split('\t').map((c) => (c === '' ? [] : c.split(',')));
      const [qry, owners, types, ...data] = cols;
      const kept = owners.filter((_, i) => types[i] !== '41');
      return [...qry, ...kept, ...data.flat()].sort();
    });
}

test('dns.response.rrname holds every name tshark dissects in each response', async (t) => {
  if (!hasTshark()) return t.skip('tshark not installed');
  let checked = 0;
  for (const c of CAPTURES) {
    const pcap = join(SV, c);
    if (!existsSync(pcap)) continue;
    const responses = (await dnsRecords(pcap)).filter((r) => r.dns.isResponse);
    const want = tsharkResponseNames(pcap);
    assert.equal(responses.length, want.length, c);
    responses.forEach((rec, i) => {
      const got = new RecordBuffers(rec).get('dns.response.rrname');
      const names = (Array.isArray(got) ? got : []).map((b: Buffer) => b.toString('latin1')).sort();
      assert.deepEqual(names, want[i], `${c} response ${i}`);
      // Questions and answer owners, as their own buffers.
      const q = new RecordBuffers(rec).get('dns.queries.rrname');
      assert.deepEqual(
        (Array.isArray(q) ? q : []).map((b: Buffer) => b.toString('latin1')),
        rec.dns.questions.map((x) => x.name),
      );
      checked++;
    });
    // A request has no dns.response.rrname.
    for (const rec of (await dnsRecords(pcap)).filter((r) => !r.dns.isResponse))
      assert.equal(new RecordBuffers(rec).get('dns.response.rrname'), undefined);
  }
  if (checked === 0) t.skip(`${SV} absent`);
  else assert.ok(checked >= 4);
});

test('dns.rrtype: question types of requests, answer types of responses; negation and comparisons', async (t) => {
  const pcap = join(SV, 'tests/dns/dns-eve-empty-format/input.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const { rules, errors } = parseRules(
    [
      'alert dns any any -> any any (dns.rrtype:1; flow:to_server; sid:1;)',
      'alert dns any any -> any any (dns.rrtype:1; flow:to_client; sid:2;)',
      'alert dns any any -> any any (dns.rrtype:!1; sid:3;)',
      'alert dns any any -> any any (dns.rrtype:28; sid:4;)',
      'alert dns any any -> any any (dns.rrtype:<3; dns.queries.rrname; content:"."; sid:5;)',
    ].join('\n'),
    'rr.rules',
  );
  assert.deepEqual(errors, []);
  const { events } = await analyzeToEvents(pcap, { inspectors: [new RuleInspector(new RuleMatcher(rules))] });
  const count = (sid: number): number =>
    events.filter(
      (e) =>
        e.event_type === 'alert' &&
        (e as unknown as { alert: { signature_id: number } }).alert.signature_id === sid,
    ).length;
  // tshark's dissection: per message, whether it is a response, its question types and its answer types.
  const msgs = spawnSync(
    'tshark',
    [
      '-r',
      pcap,
      '-T',
      'fields',
      '-e',
      'dns.flags.response',
      '-e',
      'dns.qry.type',
      '-e',
      'dns.count.answers',
      '-e',
      'dns.resp.type',
    ],
    { encoding: 'utf8' },
  )
    .stdout.trimEnd()
    .split('\n')
    .map((l) => {
      const [resp, q, nAns, rt] = l.split('\t');
      const types = (x: string): number[] => (x === '' ? [] : x.split(',').map(Number));
      // Answers come first among the resource records tshark lists.
      return { resp: resp === '1', types: resp === '1' ? types(rt).slice(0, Number(nAns)) : types(q) };
    });
  const want = (pred: (m: { resp: boolean; types: number[] }) => boolean): number => msgs.filter(pred).length;
  assert.deepEqual([1, 2, 3, 4, 5].map(count), [
    want((m) => !m.resp && m.types.includes(1)),
    want((m) => m.resp && m.types.includes(1)),
    want((m) => m.types.some((x) => x !== 1)),
    want((m) => m.types.includes(28)),
    want((m) => m.types.some((x) => x < 3)),
  ]);
  assert.ok(count(1) > 0 && count(3) > 0, 'the capture exercises both outcomes');
});
