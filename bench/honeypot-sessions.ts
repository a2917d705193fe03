/**
 * Load: N concurrent telnet honeypot sessions on loopback (issue 6, acceptance 3). Each logs in, runs
 * a Mirai-style probe sequence and exits. The wave is repeated ROUNDS times so memory growth between
 * rounds shows whether anything accumulates; the device's reply timing runs at SCALE (1 = realistic
 * latencies, so the sessions really overlap). Reports wall time, sessions/s, errors and RSS per round.
 * Run: node --expose-gc dist/bench/honeypot-sessions.js [N] [ROUNDS] [SCALE]
 */
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Honeypot } from '../src/honeypot/honeypot.js';
import { startTelnet } from '../src/honeypot/services/telnet.js';
import { EveLog } from '../src/honeypot/eve.js';
import { openSqlite } from '../src/store/index.js';
import { InstanceStore } from '../src/honeypot/store.js';

const N = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 3);
const SCALE = Number(process.argv[4] ?? 1);
const LINES = [
  'root',
  'xc3511',
  'enable',
  'system',
  'shell',
  'sh',
  '/bin/busybox ECCHI',
  'cat /proc/mounts',
  'cd /tmp; echo -ne "\\x7f\\x45\\x4c\\x46" > .x; chmod 777 .x',
  'ps',
  'exit',
];

function session(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    let step = 0;
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 30_000);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const want = step === 0 ? 'login: ' : step === 1 ? 'Password: ' : '# ';
      if (buf.endsWith(want) && step < LINES.length) {
        buf = '';
        s.write(LINES[step++] + '\r\n');
      }
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve(step === LINES.length);
    });
    s.on('error', () => undefined);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'moat-hp-bench-'));
const hp = new Honeypot({
  quarantineDir: join(dir, 'q'),
  instances: new InstanceStore(openSqlite(join(dir, 'moat.db'))),
  eve: new EveLog(join(dir, 'eve.json')),
  limits: { maxSessionsPerPeer: N + 10, maxSessionsTotal: N + 10 },
  timing: { scale: SCALE },
});
const svc = await startTelnet(hp, 0, '127.0.0.1');
global.gc?.();
const rss0 = process.memoryUsage().rss;
const rounds: Array<{
  completed: number;
  errors: number;
  wall_ms: number;
  peak_active: number;
  rss_mb: number;
}> = [];
for (let r = 0; r < ROUNDS; r++) {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, hp.sessions.size)), 20);
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: N }, () => session(svc.port())));
  const ms = performance.now() - t0;
  clearInterval(sampler);
  await new Promise((res) => setTimeout(res, 200));
  global.gc?.();
  const ok = results.filter(Boolean).length;
  rounds.push({
    completed: ok,
    errors: N - ok,
    wall_ms: Math.round(ms),
    peak_active: peak,
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  });
}
const stored = hp.store!.list(N * ROUNDS + 10).length;
await svc.close();
console.log(
  JSON.stringify({
    sessions_per_round: N,
    rounds,
    timing_scale: SCALE,
    refused: hp.counters.refused,
    stored,
    samples: hp.counters.samples,
    rss_mb_before: Math.round(rss0 / 1048576),
    active_after: hp.limits.active(),
    sessions_per_s: Math.round((N * ROUNDS * 1000) / rounds.reduce((a, x) => a + x.wall_ms, 0)),
  }),
);
