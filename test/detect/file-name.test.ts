/**
 * file.name (and the legacy filename:"x") match the names of the files a transaction carried — a multipart part's
 * Content-Disposition filename to the server, a response's path to the client — and filestore is accepted (moat
 * stores no files; the rule alerts as Suricata's does). Names as tshark dissects them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = '../shared/corpus/suricata-verify/tests';

async function alertSids(pcap: string, rules: string): Promise<number[]> {
  const { rules: parsed, errors } = parseRules(rules, 'test.rules');
  assert.deepEqual(errors, []);
  const { events } = await analyzeToEvents(pcap, {
    inspectors: [new RuleInspector(new RuleMatcher(parsed), true)],
    flow: { midstream: false },
  });
  return (events as Array<{ event_type: string; alert?: { signature_id: number } }>)
    .filter((e) => e.event_type === 'alert')
    .map((e) => e.alert!.signature_id)
    .sort((a, b) => a - b);
}

test('file.name / filename match an uploaded part by its tshark-dissected filename; filestore alerts', async (t) => {
  const pcap = `${SV}/http-multiple100/input.pcap`;
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const disp = spawnSync(
    'tshark',
    ['-r', pcap, '-Y', 'mime_multipart', '-T', 'fields', '-e', 'mime_multipart.header.content-disposition'],
    { encoding: 'utf8' },
  ).stdout;
  const name = /filename="([^"]+)"/.exec(disp)?.[1];
  assert.ok(name, 'tshark names the uploaded file');
  const sids = await alertSids(
    pcap,
    [
      `alert http any any -> any any (flow:to_server; file.name; content:"${name}"; sid:1;)`,
      `alert http any any -> any any (flow:to_server; filename:"${name}"; filestore; sid:2;)`,
      `alert http any any -> any any (flow:to_server; file.name; content:"${name}x"; sid:3;)`,
      // The response's file is named by the path (/upload): a to_client rule sees that name, not the upload's.
      `alert http any any -> any any (flow:to_client; file.name; content:"${name}"; sid:4;)`,
      `alert http any any -> any any (flow:to_client; file.name; content:"/upload"; sid:5;)`,
    ].join('\n'),
  );
  assert.deepEqual(sids, [1, 2, 5]);
});

test('filename with request-only HTTP buffers (no flow direction) matches the request parts', async (t) => {
  const pcap = `${SV}/engine-state/detect-engine-state-04/input.pcap`;
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const out = spawnSync(
    'tshark',
    [
      '-r',
      pcap,
      '-o',
      'tcp.desegment_tcp_streams:TRUE',
      '-Y',
      'mime_multipart',
      '-T',
      'fields',
      '-e',
      'mime_multipart.header.content-disposition',
    ],
    { encoding: 'utf8' },
  ).stdout;
  const names = [...out.matchAll(/filename="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(names.length, 2, 'tshark finds two uploaded parts');
  const sids = await alertSids(
    pcap,
    [
      // http_method/http_uri exist on the request only: Suricata inspects the rule's to_server engines.
      `alert http any any -> any any (content:"POST"; http_method; content:"upload.cgi"; http_uri; filename:"${names[1].slice(0, 6)}"; filestore; sid:1;)`,
      `alert http any any -> any any (http.uri; content:"upload.cgi"; file.name; content:"${names[0]}"; sid:2;)`,
      // Without a request-only buffer a file.name rule looks at the response's file (there is none here).
      `alert http any any -> any any (file.name; content:"${names[0]}"; sid:3;)`,
      `alert http any any -> any any (http.method; content:"POST"; file.name; content:"${names[0]}x"; sid:4;)`,
    ].join('\n'),
  );
  assert.deepEqual(sids, [1, 2]);
});
