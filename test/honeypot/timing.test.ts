import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Honeypot } from '../../src/honeypot/honeypot.js';
import { startTelnet } from '../../src/honeypot/services/telnet.js';
import { ReplyTiming } from '../../src/honeypot/shell/timing.js';
import { progressLine } from '../../src/honeypot/shell/commands/wget.js';
import { LineClient, fileServer, tempDir } from './helpers.js';

test('timing: per-command distributions, reproducible per seed, different per session', () => {
  const cfg = { scale: 1, seed: 42, bytesPerSecond: 350_000 };
  const a = new ReplyTiming(cfg, 'hp-1');
  const b = new ReplyTiming(cfg, 'hp-1');
  const c = new ReplyTiming(cfg, 'hp-2');
  const seq = (t: ReplyTiming): number[] => ['ps', 'cd', 'cat', 'uname', 'ps'].map((w) => t.draw(w));
  const sa = seq(a);
  assert.deepEqual(seq(b), sa, 'same seed and session: same delays');
  assert.notDeepEqual(seq(c), sa, 'another session: other delays');
  // medians: ps walks /proc (tens of ms), cd is a builtin (sub-ms), a failed login waits ~3 s
  const t = new ReplyTiming(cfg, 'hp-3');
  const median = (what: string): number => {
    const xs = Array.from({ length: 301 }, () => t.draw(what)).sort((x, y) => x - y);
    return xs[150];
  };
  const ps = median('ps');
  const cd = median('cd');
  const fail = median('login-failed');
  assert.ok(ps > 25 && ps < 55, `ps median ${ps}`);
  assert.ok(cd < 1, `cd median ${cd}`);
  assert.ok(fail > 2500 && fail < 3300, `failed login median ${fail}`);
  // no two draws of the same command are identical (a constant is a fingerprint)
  assert.ok(new Set(Array.from({ length: 50 }, () => t.draw('uname'))).size === 50);
  // 1 MB at 350 kB/s takes seconds, not zero
  const tr = t.transferMs(1_000_000);
  assert.ok(tr > 1000 && tr < 10_000, `transfer ${tr}`);
  assert.throws(() => new ReplyTiming({ scale: -1, bytesPerSecond: 1 }), /timing\.scale/);
});

test('timing: BusyBox progress bar format', () => {
  assert.equal(
    progressLine('bot.x86', 150_000, 300_000, 3),
    'bot.x86               50% |****************                |  146k  0:00:03 ETA',
  );
  // as BusyBox 1.35 prints it for a 292 kB file
  assert.equal(
    progressLine('out2', 299_008, 299_008, 0),
    'out2                 100% |********************************|  292k  0:00:00 ETA',
  );
  assert.match(progressLine('x', 20_000, 20_000, 0), /100% \|\*{32}\| 20000 {2}0:00:00 ETA$/);
});

test('timing: over telnet, wget is paced with a redrawn bar and a wrong password waits', async () => {
  const sample = Buffer.alloc(600_000, 0x41);
  const files = await fileServer({ '/bins/big.x86': sample });
  // scale 0.25: a 600 kB file at 200 kB/s (≈3 s modelled) takes ≈0.75 s here; login failure ≈0.7 s
  const hp = new Honeypot({
    quarantineDir: tempDir('timing'),
    scope: [`127.0.0.1/32:${files.port}`],
    timing: { scale: 0.25, seed: 7, bytesPerSecond: 200_000 },
  });
  const fast = new Honeypot({ quarantineDir: tempDir('timing0'), timing: { scale: 0 } });
  const svc = await startTelnet(hp, 0, '127.0.0.1');
  const svc0 = await startTelnet(fast, 0, '127.0.0.1');
  const c = await LineClient.open(svc.port());
  const c0 = await LineClient.open(svc0.port());
  try {
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    let t0 = Date.now();
    c.send('nope');
    await c.until('Login incorrect');
    const failMs = Date.now() - t0;
    assert.ok(failMs > 450, `failed login answered after ${failMs} ms`);
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    c.send('xc3511');
    await c.until('# ');

    c.send(`wget http://127.0.0.1:${files.port}/bins/big.x86`);
    t0 = Date.now();
    await c.until('Connecting to');
    const firstBar = await c.until('% |');
    const tBar = Date.now() - t0;
    const rest = await c.until('100% |');
    const tDone = Date.now() - t0;
    await c.until('# ');
    assert.match(firstBar + rest, /\r big\.x86|\rbig\.x86/);
    assert.ok(!/100% \|/.test(firstBar), 'the first bar drawn is not the final one');
    assert.ok(tDone - tBar > 150, `bar redrawn over time (${tBar} → ${tDone} ms)`);
    assert.ok(tDone > 350, `download paced: ${tDone} ms`);

    // the same session with scale 0 answers at once
    await c0.until('login: ');
    c0.send('root');
    await c0.until('Password: ');
    t0 = Date.now();
    c0.send('nope');
    await c0.until('Login incorrect');
    assert.ok(Date.now() - t0 < 300);
  } finally {
    c.close();
    c0.close();
    await svc.close();
    await svc0.close();
    await files.close();
  }
});
