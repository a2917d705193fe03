/**
 * The prefilter (port/direction groups, all-literals Aho-Corasick) must not change what alerts: on a synthetic
 * capture and a real attack capture, a few thousand generated rules plus rules that do hit give exactly the
 * alerts of the reference engine that evaluates every rule on everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { encodePcap, synthesize } from '../../src/synth/index.js';
import { generateRules } from '../../bench/rules-gen.js';

const HITTING = [
  'alert tcp any any -> any 80 (msg:"sqli union"; flow:established,to_server; content:"UNION"; nocase; content:"SELECT"; nocase; distance:0; sid:1;)',
  'alert tcp any any -> any any (msg:"http 200"; flow:established,to_client; content:"HTTP/1.1 200"; depth:12; sid:2;)',
  'alert tcp any 80 -> any any (msg:"html body"; content:"<html"; nocase; sid:3;)',
  'alert tcp any any -> any 23 (msg:"telnet login"; content:"login"; nocase; sid:4;)',
  'alert tcp any any -> any [22,23,2323] (msg:"telnet busybox"; content:"busybox"; nocase; sid:5;)',
  'alert http any any -> any any (msg:"uri dvwa"; http.uri; content:"/dvwa/"; sid:6;)',
  'alert tcp any any <> any any (msg:"bidir GET"; content:"GET /"; depth:5; sid:7;)',
  'alert udp any any -> any 53 (msg:"dns any"; content:"|01 00 00 01|"; offset:2; depth:4; sid:8;)',
  'alert tcp any any -> any any (msg:"no content"; flags:S; sid:9;)',
  'alert tcp any any -> any any (msg:"pcre only"; pcre:"/user(name)?=/i"; sid:10;)',
  'alert tcp any 1024: -> any 80 (msg:"two literals"; content:"Host|3a| "; content:"Accept"; sid:11;)',
];

async function alertsOf(pcap: string, rulesText: string, prefilter: boolean): Promise<string[]> {
  const { rules, errors } = parseRules(rulesText, 'equiv.rules');
  assert.deepEqual(errors, []);
  const ins = new RuleInspector(new RuleMatcher(rules, { prefilter }));
  const { events } = await analyzeToEvents(pcap, { inspectors: [ins] });
  return events
    .filter((e) => e.event_type === 'alert')
    .map(
      (e) =>
        `${(e.alert as { signature_id: number }).signature_id}|${String(e.flow_id)}|${String(e.timestamp)}`,
    )
    .sort();
}

test('prefiltered engine alerts exactly as the evaluate-everything reference', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-prefilter-'));
  try {
    const synth = join(dir, 'synth.pcap');
    writeFileSync(synth, encodePcap((await synthesize({ seed: 3, flows: 4 })).frames));
    const rulesText = [...HITTING, ...generateRules(3000, 11).map((r) => r.replace(/sid:9/, 'sid:8'))].join(
      '\n',
    );
    const captures = [
      synth,
      '../shared/corpus/attacks/chrissanders-packets/http_dvwa_sqlinjection.pcapng',
      '../shared/corpus/attacks/chrissanders-packets/dns_lab.pcapng',
    ];
    let total = 0;
    for (const pcap of captures) {
      const fast = await alertsOf(pcap, rulesText, true);
      const ref = await alertsOf(pcap, rulesText, false);
      assert.deepEqual(fast, ref, pcap);
      total += fast.length;
    }
    assert.ok(total > 20, `the rules must really hit (${total} alerts)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
