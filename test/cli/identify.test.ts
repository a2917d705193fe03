import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runMoat, startServe, sliceUstc } from '../identify/cli-child.js';
import { openSqlite } from '../../src/store/index.js';
import { ModelRegistry } from '../../src/identify/index.js';
import { loadUstcConversations } from '../../src/identify/datasets/ustc-conversations.js';

const USTC = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-conversations');
const skip = existsSync(USTC) ? false : 'corpus ../shared/corpus/ml/ustc-tfc2016-conversations absent';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = runMoat(args);
  if (r.code === 2) throw new Error(r.err);
  return r;
}

test('USTC conversations: capture hosts dropped, remote addresses kept', { skip }, () => {
  const s = loadUstcConversations(USTC);
  const ips = new Set(s.map((x) => x.ip));
  for (const local of ['10.0.2.108', '10.0.2.109', '147.32.84.165', '192.168.0.250', '8.8.4.4'])
    assert.equal(ips.has(local), false, local);
  assert.ok(ips.has('62.75.184.70') || ips.has('93.189.89.83'), 'Cridex C2 addresses are samples');
  const benign = s.filter((x) => x.y === 0);
  // Benign captures are anonymised: clients 1.1.x.x, servers 1.2.x.x — only servers may remain.
  assert.ok(benign.filter((x) => x.ip.startsWith('1.1.')).length < benign.length * 0.05);
  assert.ok(s.some((x) => x.y === 1) && benign.length > 0);
});

test(
  'moat identify train: gates refuse, then publish and activate; iterations logged',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-identify-'));
    try {
      const db = join(dir, 'm.db');
      // A slice of every capture (header + 400 conversations) keeps the test quick on a busy CI box.
      const sub = join(dir, 'ustc');
      sliceUstc(USTC, sub, 400);
      const refused = await run([
        'identify',
        'train',
        '--ustc',
        sub,
        '--db',
        db,
        '--min-precision',
        '1',
        '--min-coverage',
        '1',
        '--max-iterations',
        '2',
      ]);
      assert.equal(refused.code, 1, refused.out + refused.err);
      assert.match(refused.out, /REFUSED/);
      const ok = await run([
        'identify',
        'train',
        '--ustc',
        sub,
        '--db',
        db,
        '--min-precision',
        '0.5',
        '--min-coverage',
        '0.5',
        '--max-iterations',
        '2',
        // The out-of-distribution gate (on by default) refuses USTC-trained models, and real benign captures bound
        // their black threshold out of USTC's coverage (issue 15); this test is about the other gates.
        '--no-ood-gate',
        '--benign-flows',
        'none',
      ]);
      assert.equal(ok.code, 0, ok.out + ok.err);
      const handle = openSqlite(db);
      const reg = new ModelRegistry(handle);
      assert.deepEqual(
        reg.list().map((m) => [m.status, m.active]),
        [
          ['refused', false],
          ['published', true],
        ],
      );
      const iters = handle.db
        .prepare('SELECT run_id, COUNT(*) AS n FROM identify_iterations GROUP BY run_id')
        .all() as { n: number }[];
      assert.equal(iters.length, 2);
      assert.ok(iters.every((r) => r.n >= 1 && r.n <= 2));
      handle.close();
      // check with EVE NDJSON: the identified address is the server side of these flows.
      const eve = join(dir, 'eve.json');
      const lines = Array.from({ length: 12 }, (_, i) =>
        JSON.stringify({
          timestamp: '2024-01-01T00:00:00.000000+0000',
          flow_id: 1000 + i,
          event_type: 'flow',
          src_ip: '10.0.0.5',
          dest_ip: '93.184.216.9',
          src_port: 50000 + i,
          dest_port: 8080,
          proto: 'TCP',
          flow: {
            pkts_toserver: 6,
            pkts_toclient: 6,
            bytes_toserver: 1228,
            bytes_toclient: 1687,
            start: new Date(1.7e12 + i * 60_000).toISOString(),
            end: new Date(1.7e12 + i * 60_000 + 150).toISOString(),
            state: 'closed',
          },
        }),
      );
      const tlsLines = Array.from({ length: 12 }, (_, i) =>
        JSON.stringify({
          event_type: 'tls',
          flow_id: 1000 + i,
          src_ip: '10.0.0.5',
          dest_ip: '93.184.216.9',
          tls: { sni: 'x7kq2v9z.example', ja3: { hash: 'b386946a5a44d1ddcc843bc75336dfce' } },
        }),
      );
      writeFileSync(eve, `${lines.join('\n')}\n${tlsLines.join('\n')}\n`);
      // The abuse.ch JA3 list names that fingerprint (Dridex): the TLS records joined to the flows carry it.
      const { IntelStore, parseFeed } = await import('../../src/intel/index.js');
      const h2 = openSqlite(db);
      new IntelStore(h2).load(
        'ja3.csv',
        parseFeed(
          'ja3.csv',
          'ja3_md5,Firstseen,Lastseen,Listingreason\nb386946a5a44d1ddcc843bc75336dfce,2017-07-14 18:08:15,2019-07-27 20:42:54,Dridex\n',
        ),
      );
      h2.close();
      const check = await run(['identify', 'check', '93.184.216.9', '--traffic', eve, '--db', db]);
      const verdict = JSON.parse(check.out);
      assert.equal(verdict.ip, '93.184.216.9');
      assert.equal(verdict.model_version, 2);
      assert.ok(verdict.rules_fired.length >= 1);
      assert.ok(
        verdict.reasons.includes('100% of TLS flows use a listed JA3 or certificate'),
        JSON.stringify(verdict),
      );
      assert.equal(check.code, verdict.verdict === 'black' ? 1 : 0);
      await assert.rejects(
        run(['identify', 'check', '999.1.1.1', '--db', db]),
        /ip: not a valid IPv4 or IPv6 address/,
      );
      const rules = await run(['identify', 'model', 'rules', '--db', db]);
      assert.match(rules.out, /^R\d+: IF .* THEN (black|gray|clean) \(p=/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('moat identify serve: answers on an ephemeral loopback port and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-identify-serve-'));
  const db = join(dir, 'm.db');
  const { IntelStore, parseFeed } = await import('../../src/intel/index.js');
  const h = openSqlite(db);
  new IntelStore(h).load('c2.txt', parseFeed('c2.txt', '93.184.216.55\n'));
  h.close();
  const { child, base: address } = await startServe(db);
  try {
    const res = await fetch(`${address}/v1/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '93.184.216.55' }),
    });
    const body = (await res.json()) as { verdict: string; model_version: number | null };
    assert.equal(res.status, 200);
    assert.equal(body.verdict, 'black');
    assert.equal(body.model_version, null);
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
