/** The configuration client's API (T-50…T-52) on a real fastify instance over loopback HTTP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { buildTlsmonApi } from '../../src/api/tlsmon/server.js';
import { PolicyVersions } from '../../src/api/tlsmon/policy-versions.js';
import { TlsMonitor } from '../../src/tlsmon/monitor.js';
import { loadPolicyFile } from '../../src/tlsmon/policy/load.js';
import { TrustStore } from '../../src/tlsmon/trust/chain-verifier.js';
import { MemoryHeatHistory } from '../../src/tlsmon/history/memory-history.js';
import { openSqlite } from '../../src/store/index.js';
import { synthPki } from '../tlsmon/fixtures.js';

const SAMPLE = join(process.cwd(), 'config', 'policies.yaml');

test('configuration items, policy get/put/validate/rollback, what-if scoring, API key', async () => {
  const pki = await synthPki();
  const pf = loadPolicyFile(SAMPLE);
  const rootPem = new X509Certificate(pki.rootDer).toString();
  const monitor = new TlsMonitor(pf, {
    chain: new TrustStore({ bundledRoots: false, caPems: [rootPem] }),
    history: new MemoryHeatHistory(),
  });
  const db = openSqlite(':memory:');
  const app = buildTlsmonApi({ monitor, versions: new PolicyVersions(db) }, { apiKey: 's3cret' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        'x-api-key': 's3cret',
        ...(body === undefined
          ? {}
          : { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      text,
    };
  };
  try {
    assert.equal((await call('GET', '/v1/tlsmon/stats', undefined, { 'x-api-key': 'wrong' })).status, 401);

    const items = await call('GET', '/v1/tlsmon/config-items');
    assert.equal(items.status, 200);
    const props = JSON.stringify(items.json);
    for (const dim of [
      'legality',
      'validity',
      'linkPairHeat',
      'serviceHeat',
      'destinationHeat',
      'sourceHeat',
      'domainAge',
      'geolocation',
      'addressReputation',
    ]) {
      assert.ok(props.includes(`"${dim}"`), `configuration item ${dim}`);
    }

    const got = await call('GET', '/v1/tlsmon/policies');
    assert.equal(got.json?.version, 1);

    const bad = await call('PUT', '/v1/tlsmon/policies', 'version: 1\ndefault: x\npolicies: {}\n');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json?.problems, ["default: no policy named 'x' — define it under policies"]);
    assert.equal(monitor.policyVersion, 1, 'a refused policy changes nothing');

    const v = await call('POST', '/v1/tlsmon/policies/validate', readFileSync(SAMPLE, 'utf8'));
    assert.deepEqual(v.json, { ok: true, policies: ['enterprise', 'transfer', 'home'], default: 'home' });

    const valid = pki.servers.valid;
    const hs = {
      src: '10.0.0.9',
      dst: '192.0.2.44',
      sni: valid.sni,
      chain: valid.chain.map((d) => new X509Certificate(d).toString()),
      time: new Date(pki.servers.valid.notBefore.getTime() + 86400_000).toISOString(),
    };
    const s1 = await call('POST', '/v1/tlsmon/score', hs);
    assert.equal(s1.status, 200, s1.text);
    assert.equal(s1.json?.policy, 'enterprise');
    assert.equal(s1.json?.selected_by, 'selectors[1]');
    const cert = s1.json?.certificate as { dimensions: Array<{ dimension: string; raw: unknown }> };
    assert.deepEqual(cert.dimensions.map((d) => [d.dimension, d.raw]).slice(0, 2), [
      ['legality', 'legal'],
      ['validity', 'valid'],
    ]);
    assert.equal(monitor.evaluations, 0, 'what-if scoring does not touch history or counters');

    const badHs = await call('POST', '/v1/tlsmon/score', { ...hs, dst: '300.1.1.1', extra: 1 });
    assert.equal(badHs.status, 400);
    const problems = (badHs.json?.problems as string[]).join('\n');
    assert.match(problems, /dst: not an IPv4 or IPv6 address/);
    assert.match(problems, /Unrecognized key.*extra/);

    // Apply a stricter home policy as YAML, see it take effect, then roll back to the stored first version.
    const text = readFileSync(SAMPLE, 'utf8');
    const first = await call('PUT', '/v1/tlsmon/policies', text);
    assert.deepEqual(first.json, { version: 2, stored: 1 });
    const strict = await call(
      'PUT',
      '/v1/tlsmon/policies',
      text.replace("condition: { op: '>=', threshold: 0.7 }", "condition: { op: '>=', threshold: 5 }"),
    );
    assert.deepEqual(strict.json, { version: 3, stored: 2 });
    assert.equal((await call('POST', '/v1/tlsmon/score', hs)).json?.verdict, 'risky');
    const rb = await call('POST', '/v1/tlsmon/policies/rollback', { version: 1 });
    assert.deepEqual(rb.json, { version: 4, stored: 3 });
    assert.equal((await call('POST', '/v1/tlsmon/score', hs)).json?.condition, 'F >= 0.7');
    assert.equal((await call('POST', '/v1/tlsmon/policies/rollback', { version: 99 })).status, 404);
    assert.equal(((await call('GET', '/v1/tlsmon/policies/versions')).json?.versions as unknown[]).length, 3);

    // A whole capture, scored by a separate monitor: moat's own synthetic capture (it carries self-signed and
    // expired servers), uploaded as pcap bytes.
    const { encodePcap, synthesize } = await import('../../src/synth/index.js');
    const pcap = encodePcap((await synthesize({ seed: 4, flows: 1, scenarios: ['tls'] })).frames);
    const before = monitor.evaluations;
    const res = await fetch(base + '/v1/tlsmon/score/capture', {
      method: 'POST',
      headers: { 'x-api-key': 's3cret', 'content-type': 'application/vnd.tcpdump.pcap' },
      body: pcap,
    });
    const body = (await res.json()) as {
      handshakes: number;
      risky: number;
      results: Array<{ sni?: string; score: { verdict: string } }>;
    };
    assert.equal(res.status, 200);
    assert.ok(
      body.handshakes >= 10 && body.results.length === body.handshakes,
      JSON.stringify(body).slice(0, 300),
    );
    assert.ok(body.risky >= 1 && body.risky < body.handshakes, `${body.risky} risky of ${body.handshakes}`);
    assert.equal(monitor.evaluations, before, 'the running monitor is untouched');
    const junk = await fetch(base + '/v1/tlsmon/score/capture', {
      method: 'POST',
      headers: { 'x-api-key': 's3cret', 'content-type': 'application/vnd.tcpdump.pcap' },
      body: Buffer.from('not a capture'),
    });
    assert.equal(junk.status, 400);
    assert.match(
      ((await junk.json()) as { error: string }).error,
      /upload: at byte 0: not a pcap or pcapng file/,
    );
  } finally {
    await app.close();
    db.close();
  }
});
