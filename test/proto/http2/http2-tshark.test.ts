/**
 * HTTP/2 in clear text against tshark's dissection of the same captures: for every stream, the request and
 * response header fields moat logs (`http.request_headers` / `http.response_headers`, HPACK-decoded with the
 * dynamic table and Huffman code) equal the fields tshark decodes from that stream's HEADERS / CONTINUATION frames
 * in that direction, in order; SETTINGS parameters equal tshark's. Captures: prior knowledge (DNS over HTTP/2 GET
 * and POST, a 131 KB POST in many DATA frames) and an HTTP/1.1 `Upgrade: h2c` taken up mid-connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import { hasTshark } from '../../helpers/tshark.js';

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const CAPTURES: Array<{ pcap: string; midstream?: boolean }> = [
  { pcap: join(SV, 'dns-over-http2', 'dns_over_https.pcap') },
  { pcap: join(SV, 'dns-over-http2-post', 'dns_over_https_POST.pcap') },
  { pcap: join(SV, 'dns-over-http2-limit', 'input.pcap') },
  { pcap: join(SV, 'http2-keywords2', 'input.pcap'), midstream: true },
];

type Field = [string, string];
interface Want {
  /** "clientPort/streamId/side" → header fields in order. */
  headers: Map<string, Field[]>;
  /** "clientPort/side" → SETTINGS (id, value) in order, over all SETTINGS frames of that side. */
  settings: Map<string, Array<[number, number]>>;
}

type Tree = Record<string, unknown>;
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** tshark's HTTP/2 frames, keyed by the client's port (the test captures hold one connection per client port). */
function tsharkHttp2(pcap: string, serverPorts: Set<number>): Want {
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', 'http2', '-T', 'json', '-J', 'http2 tcp', '--no-duplicate-keys'],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  assert.equal(r.status, 0, r.stderr);
  const want: Want = { headers: new Map(), settings: new Map() };
  for (const p of JSON.parse(r.stdout) as Array<{ _source: { layers: Tree } }>) {
    const layers = p._source.layers;
    const tcp = list(layers.tcp as Tree | Tree[])[0];
    const src = Number(tcp['tcp.srcport']);
    const dst = Number(tcp['tcp.dstport']);
    const toServer = serverPorts.has(dst);
    const client = toServer ? src : dst;
    const side = toServer ? 'request' : 'response';
    for (const layer of list(layers.http2 as Tree | Tree[])) {
      for (const s of list(layer['http2.stream'] as Tree | Tree[])) {
        const type = Number(s['http2.type']);
        const sid = Number(s['http2.streamid']);
        if (type === 1 || type === 9 || type === 5) {
          const key = `${client}/${sid}/${side}`;
          const fields = want.headers.get(key) ?? [];
          for (const h of list(s['http2.header'] as Tree | Tree[])) {
            if (h['http2.header.name'] === undefined) continue; // a table size update
            fields.push([String(h['http2.header.name']), String(h['http2.header.value'] ?? '')]);
          }
          want.headers.set(key, fields);
        }
        if (type === 4 && sid === 0) {
          const key = `${client}/${side}`;
          const got = want.settings.get(key) ?? [];
          for (const st of list(s['http2.settings'] as Tree | Tree[])) {
            const id = Number(st['http2.settings.id']);
            const value = Object.entries(st).find(
              ([k]) => k.startsWith('http2.settings.') && k !== 'http2.settings.id',
            );
            // Suricata (and moat) log the RFC 9113 identifiers 1–6 and stop at the first one they do not know.
            if (!value || id < 1 || id > 6) break;
            got.push([id, Number(value[1])]);
          }
          want.settings.set(key, got);
        }
      }
    }
  }
  return want;
}

const SETTING_IDS: Record<string, number> = {
  SETTINGSHEADERTABLESIZE: 1,
  SETTINGSENABLEPUSH: 2,
  SETTINGSMAXCONCURRENTSTREAMS: 3,
  SETTINGSINITIALWINDOWSIZE: 4,
  SETTINGSMAXFRAMESIZE: 5,
  SETTINGSMAXHEADERLISTSIZE: 6,
};

interface H2Event {
  src_port: number;
  dest_port: number;
  app_proto?: string;
  http: {
    version: string;
    request_headers?: Array<{ name?: string; value?: string }>;
    response_headers?: Array<{ name?: string; value?: string }>;
    http2: {
      stream_id: number;
      request: { settings?: Array<{ settings_id: string; settings_value: number }> };
      response: { settings?: Array<{ settings_id: string; settings_value: number }> };
    };
  };
}

const fieldsOf = (l: H2Event['http']['request_headers']): Field[] =>
  (l ?? []).filter((h) => h.name !== undefined).map((h) => [h.name!, h.value!]);

const tsharkOk = hasTshark();
const skip = !existsSync(SV) ? 'needs ../shared/corpus' : !tsharkOk ? 'tshark not installed' : false;

for (const { pcap, midstream } of CAPTURES) {
  const name = pcap.split('/').slice(-2).join('/');
  test(`HTTP/2 header fields and SETTINGS equal tshark's: ${name}`, { skip }, async () => {
    const { events } = await analyzeToEvents(pcap, { flow: { midstream: midstream ?? false } });
    const h2 = events.filter(
      (e) => e.event_type === 'http' && (e.http as H2Event['http']).version === '2',
    ) as unknown as H2Event[];
    assert.ok(h2.length > 0, 'HTTP/2 events logged');
    const serverPorts = new Set(h2.map((e) => e.dest_port));
    const want = tsharkHttp2(pcap, serverPorts);
    const got = new Map<string, Field[]>();
    const gotSettings = new Map<string, Array<[number, number]>>();
    for (const e of h2) {
      const sid = e.http.http2.stream_id;
      for (const side of ['request', 'response'] as const) {
        const f = fieldsOf(side === 'request' ? e.http.request_headers : e.http.response_headers);
        const key = `${e.src_port}/${sid}/${side}`;
        if (f.length > 0) got.set(key, [...(got.get(key) ?? []), ...f]);
        const st = e.http.http2[side].settings;
        if (st) {
          const k = `${e.src_port}/${side}`;
          gotSettings.set(k, [
            ...(gotSettings.get(k) ?? []),
            ...st.map((s) => [SETTING_IDS[s.settings_id], s.settings_value] as [number, number]),
          ]);
        }
      }
    }
    // An upgraded connection's stream 1 request is the HTTP/1.1 request: tshark shows no HEADERS frame for it.
    if (midstream)
      for (const k of [...got.keys()]) if (k.endsWith('/1/request') && !want.headers.has(k)) got.delete(k);
    assert.deepEqual(
      [...got.entries()].sort(),
      [...want.headers.entries()].filter(([, v]) => v.length > 0).sort(),
    );
    assert.deepEqual(
      [...gotSettings.entries()].sort(),
      [...want.settings.entries()].filter(([, v]) => v.length > 0).sort(),
    );
    const flows = events.filter((e) => e.event_type === 'flow' && serverPorts.has(Number(e.dest_port)));
    // DNS over HTTP/2 makes the connection doh2, as Suricata names it.
    assert.ok(
      flows.length > 0 &&
        flows.every(
          (e) => e.app_proto === 'http2' || (e.app_proto === 'doh2' && e.app_proto_orig === 'http2'),
        ),
      'flow app_proto http2 (or doh2 after http2)',
    );
  });
}

test('DNS over HTTP/2: each stream’s DNS response equals tshark’s DNS dissection', { skip }, async () => {
  const pcap = CAPTURES[0].pcap;
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
      'aggregator=;',
      '-e',
      'dns.qry.name',
      '-e',
      'dns.resp.name',
      '-e',
      'dns.resp.type',
      '-e',
      'dns.count.answers',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const TYPES: Record<string, string> = { '1': 'A', '5': 'CNAME', '28': 'AAAA' };
  const want = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      // tshark lists the authority and additional records after the answers: keep the answers.
      const [q, names, types, count] = l.split('\t');
      const t = types.split(';');
      const answers = names.split(';').map((n, i) => `${n}/${TYPES[t[i]] ?? t[i]}`);
      return { q, answers: answers.slice(0, Number(count)) };
    });
  const { events } = await analyzeToEvents(pcap);
  type Dns = {
    type: string;
    queries: Array<{ rrname: string }>;
    answers?: Array<{ rrname: string; rrtype: string }>;
  };
  const got = events
    .filter((e) => e.event_type === 'dns')
    .map((e) => e.dns as Dns)
    .map((d) => ({
      q: d.queries[0].rrname,
      answers: (d.answers ?? []).map((a) => `${a.rrname}/${a.rrtype}`),
    }));
  assert.equal(want.length, 4);
  assert.deepEqual(got, want);
  const flow = events.find((e) => e.event_type === 'flow' && e.dest_port === 80);
  assert.equal(flow?.app_proto, 'doh2');
  assert.equal(flow?.app_proto_orig, 'http2');
});
