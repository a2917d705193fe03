/**
 * One operator vocabulary (README, "Conventions"), held through the built CLI: key flags, API authentication,
 * TLS version names and EVE timestamps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat, startMoat } from '../helpers/moat-cli.js';
import { freePort } from '../helpers/free-port.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

/** Suricata's EVE `tls.version` names (suricata-verify expected outputs: "TLSv1", "TLS 1.2", "TLS 1.3" …). */
const SURICATA_TLS_VERSIONS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3']);
/** Suricata's EVE timestamp: microseconds and a numeric offset. */
const EVE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/;

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'moat-conv-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withDirAsync(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'moat-conv-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('key flags: rules sign --key (private) and verify/install --key (public); --version is the bundle version', () => {
  withDir((dir) => {
    const rules = join(dir, 'r.rules');
    writeFileSync(rules, 'alert tcp any any -> any 23 (msg:"telnet"; sid:1; rev:1;)\n');
    assert.equal(moat(['rules', 'keygen', '--out', join(dir, 'vendor')]).status, 0);
    const bundle = join(dir, 'b.json');
    // The issue: the global --version took this option, printed moat's version and wrote nothing (exit 0).
    const sign = moat([
      'rules',
      'sign',
      rules,
      '--key',
      join(dir, 'vendor.key'),
      '--version',
      '1.0.0',
      '--out',
      bundle,
    ]);
    assert.equal(sign.status, 0, sign.stderr);
    assert.match(sign.stdout, /^signed 1 rules as moat-rules 1\.0\.0 → /);
    const b = JSON.parse(readFileSync(bundle, 'utf8')) as { manifest: { version: string } };
    assert.equal(b.manifest.version, '1.0.0');
    // The help shows it as the bundle's version.
    assert.match(moat(['rules', 'sign', '--help']).stdout, /--version <v> +bundle version/);

    const store = ['--db', join(dir, 'm.db'), '--dir', join(dir, 'bundles')];
    const verify = moat(['rules', 'verify', bundle, '--key', join(dir, 'vendor.pub'), ...store]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^ok: moat-rules 1\.0\.0, 1 rules/);
    // The old flag name still works (hidden from the help).
    const old = moat(['rules', 'install', bundle, '--vendor-key', join(dir, 'vendor.pub'), ...store]);
    assert.equal(old.status, 0, old.stderr);
    assert.doesNotMatch(moat(['rules', 'verify', '--help']).stdout, /vendor-key/);
    const none = moat(['rules', 'verify', bundle, ...store]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /give the vendor's public key\(s\) with --key FILE/);
  });
});

test(
  'API authentication: Authorization: Bearer KEY on every API, x-api-key still accepted',
  { timeout: 60_000 },
  async () => {
    await withDirAsync(async (dir) => {
      const db = join(dir, 'm.db');
      const add = moat(['identify', 'key', 'add', 'terminal-1', '--db', db]);
      assert.equal(add.status, 0, add.stderr);
      const key = add.stdout.trim();
      const port = await freePort();
      const srv = startMoat(['identify', 'serve', '--db', db, '--port', String(port)]);
      try {
        await srv.waitFor(/identify: listening on/);
        const ask = (headers: Record<string, string>): Promise<Response> =>
          fetch(`http://127.0.0.1:${port}/v1/identify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ ip: '192.0.2.7' }),
          });
        assert.equal((await ask({ authorization: `Bearer ${key}` })).status, 200);
        assert.equal((await ask({ 'x-api-key': key })).status, 200);
        const refused = await ask({});
        assert.equal(refused.status, 401);
        assert.match(((await refused.json()) as { message: string }).message, /Authorization: Bearer KEY/);
        assert.equal(await srv.stop(), 0);
      } finally {
        await srv.stop();
      }
    });
  },
);

test(
  'API authentication on the TLS monitor: policy apply sends Bearer; x-api-key still accepted',
  { timeout: 60_000 },
  async (t) => {
    const why = liveCaptureMissing();
    if (why) {
      t.skip(`moat tlsmon captures live: ${why}`);
      return;
    }
    await withDirAsync(async (dir) => {
      const port = await freePort();
      const policy = join(process.cwd(), 'config', 'policies.yaml');
      const mon = startMoat([
        'tlsmon',
        '-i',
        'lo',
        '--bpf',
        'tcp port 9',
        '--policy',
        policy,
        '--db',
        join(dir, 'm.db'),
        '--eve',
        join(dir, 'eve.json'),
        '--api',
        `127.0.0.1:${port}`,
        '--api-key',
        's3cret',
        '--duration',
        '60',
      ]);
      try {
        await mon.waitFor(/configuration API on/);
        const url = `http://127.0.0.1:${port}`;
        const apply = moat(['policy', 'apply', policy, '--url', url, '--api-key', 's3cret']);
        assert.equal(apply.status, 0, apply.stderr);
        assert.match(apply.stdout, /policy version 2/);
        const wrong = moat(['policy', 'apply', policy, '--url', url, '--api-key', 'nope']);
        assert.equal(wrong.status, 2);
        assert.match(wrong.stderr, /HTTP 401/);
        assert.equal(
          (await fetch(`${url}/v1/tlsmon/stats`, { headers: { 'x-api-key': 's3cret' } })).status,
          200,
        );
        const none = await fetch(`${url}/v1/tlsmon/stats`);
        assert.equal(none.status, 401);
        assert.match(((await none.json()) as { message: string }).message, /Authorization: Bearer KEY/);
      } finally {
        await mon.stop();
      }
    });
  },
);

test("TLS versions are Suricata's names everywhere: synth facts, EVE, the summary, and tls.version rules", () => {
  withDir((dir) => {
    const pcap = join(dir, 's.pcap');
    const manifest = join(dir, 'm.json');
    const s = moat(['synth', '--seed', '3', '--flows', '2', '--out', pcap, '--manifest', manifest]);
    assert.equal(s.status, 0, s.stderr);
    const facts = (
      JSON.parse(readFileSync(manifest, 'utf8')) as {
        flows: Array<{ facts: { app?: string; version?: string } }>;
      }
    ).flows
      .filter((f) => f.facts.app === 'tls')
      .map((f) => f.facts.version);
    assert.ok(facts.includes('TLSv1'), 'the legacy client speaks TLS 1.0, written "TLSv1"');
    for (const v of facts) assert.ok(SURICATA_TLS_VERSIONS.has(v ?? ''), `synth: ${v}`);

    const rules = join(dir, 'v.rules');
    writeFileSync(
      rules,
      'alert tls any any -> any any (msg:"TLS 1.0 negotiated"; tls.version:1.0; sid:10; rev:1;)\n',
    );
    const eve = join(dir, 'eve.json');
    const r = moat(['analyze', pcap, '--eve', eve, '--rules', rules, '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    const events = readFileSync(eve, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            event_type: string;
            timestamp: string;
            tls?: { version: string };
            alert?: { signature_id: number };
          },
      );
    const versions = events.filter((e) => e.event_type === 'tls').map((e) => e.tls?.version ?? '');
    assert.deepEqual([...versions].sort(), [...facts].sort() as string[], 'EVE says what synth made');
    for (const v of versions) assert.ok(SURICATA_TLS_VERSIONS.has(v), `EVE: ${v}`);
    for (const v of new Set(versions))
      assert.match(r.stdout, new RegExp(`^  ${v.replace('.', '\\.')} +\\d`, 'm'));
    // tls.version:1.0 matches the one TLS 1.0 handshake (it never matched when the keyword said "TLS 1.0").
    assert.equal(events.filter((e) => e.alert?.signature_id === 10).length, 1);
    // EVE timestamps: Suricata's format on every event.
    for (const e of events) assert.match(e.timestamp, EVE_TIME);
  });
});
