/**
 * Load: N concurrent telnet honeypot sessions on loopback (issue 6, acceptance 3). Each logs in, runs
 * a Mirai-style probe sequence and exits. Reports wall time, sessions/s, errors and memory growth.
 * Run: node dist/bench/honeypot-sessions.js [N]
 */
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Honeypot } from '../src/honeypot/honeypot.js';
import { startTelnet } from '../src/honeypot/services/telnet.js';
import { EveLog } from '../src/honeypot/eve.js';
import { openDatabase } from '../src/store/database.js';

const N = Number(process.argv[2] ?? 500);
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
  db: openDatabase(join(dir, 'moat.db')),
  eve: new EveLog(join(dir, 'eve.json')),
  limits: { maxSessionsPerPeer: N + 10, maxSessionsTotal: N + 10 },
});
const svc = await startTelnet(hp, 0, '127.0.0.1');
global.gc?.();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const results = await Promise.all(Array.from({ length: N }, () => session(svc.port())));
const ms = performance.now() - t0;
const rss1 = process.memoryUsage().rss;
await new Promise((r) => setTimeout(r, 200));
const stored = hp.store!.list(N + 10).length;
await svc.close();
const ok = results.filter(Boolean).length;
console.log(
  JSON.stringify({
    sessions: N,
    completed: ok,
    errors: N - ok,
    refused: hp.counters.refused,
    stored,
    samples: hp.counters.samples,
    wall_ms: Math.round(ms),
    sessions_per_s: Math.round((N / ms) * 1000),
    rss_mb_before: Math.round(rss0 / 1048576),
    rss_mb_after: Math.round(rss1 / 1048576),
    active_after: hp.limits.active(),
  }),
);
