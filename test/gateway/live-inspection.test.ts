/**
 * LiveInspection on its own, on this machine's loopback (root: libpcap): a rule file loaded at start raises its
 * alert on real UDP datagrams, libpcap's counters appear in the `stats` event, and replaceInspectors swaps the rules
 * without closing the capture. Ports from 42250 up (this work's range).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveInspection } from '../../src/gateway/index.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const PORT_A = 42251;
const PORT_B = 42252;

async function send(port: number, text: string, n: number): Promise<void> {
  const s = createSocket('udp4');
  for (let i = 0; i < n; i++) await new Promise<void>((r) => s.send(text, port, '127.0.0.1', () => r()));
  s.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('live inspection on loopback: rule alerts, libpcap counters in stats, rules swapped in place', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (libpcap capture)');
  const dir = mkdtempSync(join(tmpdir(), 'moat-live-'));
  const eve = join(dir, 'eve.json');
  const rules = join(dir, 'a.rules');
  writeFileSync(
    rules,
    `alert udp any any -> any ${PORT_A} (msg:"marker A"; content:"moat-marker-a"; sid:4200001; rev:1;)\n`,
  );
  const logs: string[] = [];
  const insp = new LiveInspection({
    interfaces: ['lo'],
    eve,
    rules: [rules],
    statsSeconds: 1,
    bufferBytes: 4 << 20,
    ringBytes: 1 << 20,
    snaplen: 65535,
    log: (l) => logs.push(l),
  });
  await insp.start();
  try {
    await sleep(200);
    await send(PORT_A, 'moat-marker-a', 5);
    await sleep(1500);
    const b = parseRules(
      `alert udp any any -> any ${PORT_B} (msg:"marker B"; content:"moat-marker-b"; sid:4200002; rev:1;)\n`,
      'b.rules',
    );
    insp.replaceInspectors([new RuleInspector(new RuleMatcher(b.rules))]);
    await send(PORT_A, 'moat-marker-a', 3);
    await send(PORT_B, 'moat-marker-b', 3);
    await sleep(1500);
    const s = insp.status();
    assert.equal(s.interfaces[0].unavailable, undefined, JSON.stringify(s));
    assert.ok(s.total.received >= 11, `received ${s.total.received}`);
    assert.ok(insp.ring!.size > 0);
  } finally {
    await insp.stop();
  }
  try {
    const lines = readFileSync(eve, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            event_type: string;
            alert?: { signature_id: number };
            stats?: { capture: { kernel_packets: number } };
          },
      );
    const alerts = lines.filter((l) => l.event_type === 'alert').map((l) => l.alert!.signature_id);
    // Rule A on its 5 datagrams before the swap and not on the 3 after it; rule B on its 3, after it.
    assert.deepEqual(alerts, [4200001, 4200001, 4200001, 4200001, 4200001, 4200002, 4200002, 4200002]);
    const stats = lines.filter((l) => l.event_type === 'stats');
    assert.ok(stats.length >= 2);
    assert.ok(stats[stats.length - 1].stats!.capture.kernel_packets >= 11);
    assert.match(logs.join('\n'), /1 rules loaded/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
