/**
 * The engine against moat's own generator: every flow `moat synth` wrote comes back out of `analyze`
 * with the facts the generator recorded (SNI, version, resumption, certificate CN, HTTP requests, DNS
 * names). The corpus tests (JA4, Zeek baselines) check the same engine against other tools' answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, synthesize, type FlowRecord } from '../../src/synth/index.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import type { EveEvent } from '../../src/output/eve/header.js';

function key(a: string, ap: number, b: string, bp: number): string {
  return `${a}|${ap}|${b}|${bp}`;
}

function byTuple(events: EveEvent[], type: string): Map<string, EveEvent[]> {
  const m = new Map<string, EveEvent[]>();
  for (const ev of events) {
    if (ev.event_type !== type) continue;
    const k = key(String(ev.src_ip), Number(ev.src_port), String(ev.dest_ip), Number(ev.dest_port));
    const list = m.get(k) ?? [];
    list.push(ev);
    m.set(k, list);
  }
  return m;
}

function find(m: Map<string, EveEvent[]>, f: FlowRecord): EveEvent[] {
  return m.get(key(f.client, f.clientPort, f.server, f.serverPort)) ?? [];
}

test('analyze recovers every fact moat synth recorded, with 1 and 2 workers alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-engine-synth-'));
  try {
    const synth = await synthesize({ seed: 7, flows: 4 });
    const file = join(dir, 's.pcap');
    writeFileSync(file, encodePcap(synth.frames));
    const { events, stats } = await analyzeToEvents(file);
    assert.equal(stats.packets, synth.frames.length);
    assert.equal(stats.decodeErrors, 0);

    const tls = byTuple(events, 'tls');
    const flows = byTuple(events, 'flow');
    let tlsChecked = 0;
    for (const f of synth.flows) {
      // A scan's manifest row sums many probes (server port 0); every other TCP conversation is one flow.
      if (f.transport === 'tcp' && f.serverPort !== 0) {
        assert.equal(find(flows, f).length, 1, `one flow event for ${JSON.stringify(f)}`);
      }
      if (f.scenario !== 'tls') continue;
      const evs = find(tls, f);
      assert.equal(
        evs.length,
        1,
        `one tls event for ${f.client}:${f.clientPort} → ${f.server}:${f.serverPort}`,
      );
      const t = evs[0].tls as Record<string, unknown>;
      const where = `${f.clientPort} ${String(f.facts.clientProfile)}`;
      if (f.facts.sni !== undefined) assert.equal(t.sni, f.facts.sni, `sni ${where}`);
      assert.equal(t.version, f.facts.version, `version ${where}`);
      // Suricata's session_resumed covers only TLS ≤ 1.2 abbreviated handshakes; moat's own flag covers 1.3 PSK too.
      assert.equal(
        (t.moat as { resumed?: boolean }).resumed === true,
        f.facts.resumed === true,
        `resumed ${where}`,
      );
      if (f.facts.subjectCn !== undefined && f.facts.resumed !== true) {
        assert.match(
          String(t.subject),
          new RegExp(`CN=${String(f.facts.subjectCn).replace(/[.*]/g, '\\$&')}`),
          where,
        );
      }
      assert.match(String(t.ja4), /^t1[0-3][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/, `ja4 ${where}`);
      tlsChecked++;
    }
    assert.ok(tlsChecked >= 10, `checked ${tlsChecked} TLS flows`);

    const http = byTuple(events, 'http');
    for (const f of synth.flows.filter((x) => x.scenario === 'http')) {
      const got = find(http, f).map((e) => {
        const h = e.http as Record<string, unknown>;
        return `${String(h.http_method)} ${String(h.url)} ${String(h.status)}`;
      });
      assert.deepEqual(got, f.facts.requests, `http ${f.clientPort}`);
    }

    const dnsNames = new Set(
      events
        .filter((e) => e.event_type === 'dns')
        .flatMap((e) =>
          ((e.dns as { queries?: Array<{ rrname: string }> }).queries ?? []).map((q) => q.rrname),
        )
        .map((n) => n.toLowerCase()),
    );
    for (const f of synth.flows.filter((x) => x.scenario === 'dns')) {
      assert.ok(
        dnsNames.has(String(f.facts.qname).toLowerCase().replace(/\.$/, '')),
        `dns ${String(f.facts.qname)}`,
      );
    }

    // Sharding by flow must not change the answer: the same events, in any order.
    const two = await analyzeToEvents(file, { workers: 2 });
    const canon = (evs: EveEvent[]): string[] =>
      evs.map((e) => JSON.stringify({ ...e, flow_id: undefined })).sort();
    assert.deepEqual(canon(two.events), canon(events));
    assert.equal(two.stats.packets, stats.packets);
    assert.equal(two.stats.flows, stats.flows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
