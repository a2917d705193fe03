/**
 * TLS handshake shapes from Zeek's test traces, end to end, each checked against what Zeek's own baselines
 * say of that trace: an SSLv2 exchange, stapled OCSP, a HelloRetryRequest, TLS 1.3 PSK resumption, and a
 * 340 KB Certificate message fragmented over many records (the trace ships gzipped; it is unpacked to a
 * temporary file).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';

const TRACES = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'zeek', 'traces', 'tls');
const tmp = mkdtempSync(join(tmpdir(), 'moat-tls-zeek-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Tls = Record<string, unknown> & { moat: Record<string, unknown> };

async function tlsEvents(name: string): Promise<Tls[] | undefined> {
  let file = join(TRACES, name);
  if (!existsSync(file)) return undefined;
  if (name.endsWith('.gz')) {
    const out = join(tmp, name.replace(/\.gz$/, ''));
    writeFileSync(out, gunzipSync(readFileSync(file)));
    file = out;
  }
  const { events } = await analyzeToEvents(file);
  return (events as unknown as Record<string, unknown>[])
    .filter((e) => e.event_type === 'tls')
    .map((e) => e.tls as Tls);
}

const CASES: { trace: string; check: (t: Tls[]) => void }[] = [
  {
    trace: 'ssl-v2.pcap',
    check: ([t]) => {
      // Zeek's dpd baseline: "Client hello, …, 2" — an SSLv2 hello, answered in SSLv2.
      assert.equal(t.version, 'SSLv2');
      assert.equal(t.moat.sslv2_hello, true);
      assert.match(String(t.subject), /CN=plesk/);
    },
  },
  { trace: 'ocsp-stapling.pcap', check: ([t]) => assert.equal(t.moat.ocsp_stapled, true) },
  {
    trace: 'hrr.pcap',
    check: ([t]) => {
      assert.equal(t.version, 'TLS 1.3');
      assert.equal(t.moat.hello_retry, true);
    },
  },
  {
    trace: 'tls13_psk_succesfull.pcap',
    check: (ts) => assert.ok(ts.some((t) => t.version === 'TLS 1.3' && t.moat.resumed === true)),
  },
  {
    trace: 'tls-fragmented-handshake.pcap.gz',
    check: ([t]) => {
      // Zeek's ssl.fragment baseline: TLSv12, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, subject CN=Bro.
      assert.equal(t.version, 'TLS 1.2');
      assert.equal(t.moat.cipher, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384');
      assert.equal(t.subject, 'CN=Bro');
      assert.equal(t.moat.complete, true);
    },
  },
];

for (const c of CASES) {
  test(`Zeek trace ${c.trace}`, async (t) => {
    const events = await tlsEvents(c.trace);
    if (!events) {
      t.skip(`${c.trace} is absent from ../shared/corpus`);
      return;
    }
    assert.ok(events.length > 0, 'a tls event');
    c.check(events);
  });
}
