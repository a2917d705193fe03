import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClientHello } from '../../src/synth/tls/client-profiles.js';
import { Prng } from '../../src/synth/prng.js';
import { GREASE } from '../../src/synth/tls/constants.js';
import { parseClientHello } from './frame-check.js';

const EXPECTED = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'ja4', 'expected-python');

const hex = (n: number): string => n.toString(16).padStart(4, '0');

/** JA4_r (FoxIO, BSD-3) of a ClientHello body: what the corpus lists for each real hello. */
function ja4Raw(body: Buffer): string {
  const h = parseClientHello(body);
  const notGrease = (v: number): boolean => !GREASE.includes(v);
  const ext = h.extensions.map((e) => e.type).filter(notGrease);
  const sv = h.extensions.find((e) => e.type === 43)!.body;
  const versions: number[] = [];
  for (let i = 1; i < sv.length; i += 2) versions.push(sv.readUInt16BE(i));
  const top = Math.max(...versions.filter(notGrease));
  const alpnExt = h.extensions.find((e) => e.type === 16)?.body;
  const alpn = alpnExt ? alpnExt.subarray(3, 3 + alpnExt[2]).toString('ascii') : '';
  const sigExt = h.extensions.find((e) => e.type === 13)!.body;
  const sigs: string[] = [];
  for (let i = 2; i < sigExt.length; i += 2) sigs.push(hex(sigExt.readUInt16BE(i)));
  const ciphers = h.ciphers.filter(notGrease);
  const a = `t${top === 0x0304 ? '13' : '12'}${h.sni ? 'd' : 'i'}${String(ciphers.length).padStart(2, '0')}${String(ext.length).padStart(2, '0')}${alpn ? alpn[0] + alpn[alpn.length - 1] : '00'}`;
  const b = ciphers.map(hex).sort().join(',');
  const c = ext
    .filter((e) => e !== 0 && e !== 16)
    .map(hex)
    .sort()
    .join(',');
  return `${a}_${b}_${c}_${sigs.join(',')}`;
}

test('browser-like hellos have the JA4_r of real Chromium hellos in the corpus', (t) => {
  if (!existsSync(EXPECTED)) return t.skip(`corpus not found at ${EXPECTED}`);
  const real = new Set<string>();
  for (const name of readdirSync(EXPECTED)) {
    if (!name.endsWith('.json')) continue;
    const rows = JSON.parse(readFileSync(join(EXPECTED, name), 'utf8')) as Record<string, unknown>[];
    for (const row of rows) {
      for (const [k, v] of Object.entries(row))
        if (/^JA4_r\.\d+$/.test(k) && typeof v === 'string') real.add(v);
    }
  }
  assert.ok(real.size > 10, 'corpus JA4_r values loaded');
  const rng = new Prng(4);
  for (const sni of ['www.example.com', 'clientservices.googleapis.com', 'a.example']) {
    const hello = buildClientHello('browser', rng, { sni });
    const raw = ja4Raw(hello.message.subarray(4));
    assert.ok(real.has(raw), `synthetic browser hello ${raw} not seen in the corpus`);
  }
});

test('every client profile builds a hello whose vectors add up exactly', () => {
  const rng = new Prng(8);
  for (const profile of ['curl', 'browser', 'python', 'iot'] as const) {
    for (const sni of [undefined, 'x.example', 'a-much-longer-host-name.subdomain.example.org']) {
      const hello = buildClientHello(profile, rng, { sni });
      assert.equal(hello.message[0], 1);
      assert.equal(hello.message.readUIntBE(1, 3), hello.message.length - 4);
      const parsed = parseClientHello(hello.message.subarray(4));
      assert.equal(parsed.sni, sni);
      assert.deepEqual(parsed.ciphers, [...hello.ciphers]);
      // OpenSSL and BoringSSL pad 256..511-byte hellos to 512.
      if (profile !== 'iot') assert.ok(hello.message.length >= 512, `${profile} ${hello.message.length}`);
    }
  }
});
