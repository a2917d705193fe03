import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { synthesize } from '../../src/synth/index.js';
import { parseClientHello, parseFrame, tcpStreams, walkTls, type TcpStreams } from './frame-check.js';

const result = await synthesize({ seed: 11 });
const parsed = result.frames.map((f) => parseFrame(f.data));
const streams = tcpStreams(parsed);

function streamOf(client: string, port: number): TcpStreams {
  const s = streams.find((x) => x.client === `${client}|${port}` || x.client === `${expand(client)}|${port}`);
  assert.ok(s, `no TCP stream from ${client}:${port}`);
  return s;
}

/** The checker prints IPv6 groups without "::" compression. */
function expand(text: string): string {
  if (!text.includes(':')) return text;
  const [h, t = ''] = text.split('::');
  const head = h ? h.split(':') : [];
  const tail = t ? t.split(':') : [];
  return [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
    .map((g) => parseInt(g, 16).toString(16))
    .join(':');
}

test('every frame has correct IPv4/TCP/UDP checksums and lengths', () => {
  const bad = parsed.filter((p) => p.errors.length > 0).map((p) => p.errors.join(','));
  assert.deepEqual(bad, []);
  assert.ok(
    parsed.some((p) => p.v6 && p.proto === 6),
    'some TCP over IPv6',
  );
  assert.ok(
    parsed.some((p) => p.v6 && p.proto === 17),
    'some UDP over IPv6',
  );
});

test('timestamps never go backwards', () => {
  for (let i = 1; i < result.frames.length; i++)
    assert.ok(result.frames[i].tsUs >= result.frames[i - 1].tsUs);
});

test('TCP sequence numbers are continuous and acks never lead the data', () => {
  assert.ok(streams.length > 40);
  for (const s of streams) assert.deepEqual(s.errors, [], s.key);
  // One connection per manifest TCP flow (the scan is probes, not connections).
  const tcpFlows = result.flows.filter((f) => f.transport === 'tcp' && f.scenario !== 'scan');
  const connections = streams.filter((s) => !s.client.startsWith('10.0.0.66|'));
  assert.equal(connections.length, tcpFlows.length);
});

test('TLS streams are well-formed records with the SNI, certificates and versions the manifest says', () => {
  const tls = result.flows.filter((f) => f.scenario === 'tls');
  assert.ok(tls.length >= 20);
  let segmentsSpanned = 0;
  const resumedBy = new Set(tls.map((f) => f.facts.resumedBy).filter(Boolean));
  assert.deepEqual([...resumedBy].sort(), ['psk', 'session-id', 'ticket']);
  for (const f of tls) {
    const s = streamOf(f.client, f.clientPort);
    const c = walkTls(s.c2s);
    const sv = walkTls(s.s2c);
    assert.deepEqual([...c.errors, ...sv.errors], [], `${f.client}:${f.clientPort}`);
    assert.equal(c.handshakes[0].type, 1, 'first client message is a ClientHello');
    // The SSLv2-format hello has its own layout (no extensions, no SNI); moat's TLS tests parse it.
    if (f.facts.sslv2Hello === true) continue;
    const hello = parseClientHello(c.handshakes[0].body);
    assert.equal(hello.sni, f.facts.sni);
    const sh = sv.handshakes[0];
    assert.equal(sh.type, 2, 'first server message is a ServerHello');
    const types = sv.handshakes.map((h) => h.type);
    if (f.facts.version === 'TLS 1.2' && !f.facts.resumed) {
      assert.deepEqual(
        types.filter((t) => t !== 22 && t !== 4),
        [2, 11, 12, 14],
      );
      if (f.facts.stapledOcsp) assert.ok(types.includes(22), 'stapled CertificateStatus');
      const certMsg = sv.handshakes.find((h) => h.type === 11)!.body;
      const leafLen = certMsg.readUIntBE(3, 3);
      const leaf = new X509Certificate(certMsg.subarray(6, 6 + leafLen));
      assert.match(leaf.subject, new RegExp(`CN=${String(f.facts.subjectCn).replace(/[.*]/g, '\\$&')}`));
      if (certMsg.length > 1460) segmentsSpanned++;
    } else if (f.facts.resumed) {
      assert.deepEqual(types, [2]);
      const sid = sh.body.subarray(35, 35 + sh.body[34]);
      assert.ok(sid.equals(hello.sessionId), 'resumed ServerHello echoes the offered session id');
      if (f.facts.resumedBy === 'psk') {
        assert.equal(hello.extensions[hello.extensions.length - 1].type, 41, 'pre_shared_key is last');
        assert.ok(sh.body.includes(Buffer.from([0x00, 0x29, 0x00, 0x02, 0x00, 0x00])), 'identity 0 selected');
      } else if (f.facts.resumedBy === 'ticket') {
        assert.ok(
          hello.extensions.some((e) => e.type === 35 && e.body.length > 100),
          'ticket offered',
        );
      }
    } else {
      // TLS 1.3: supported_versions 0x0304 in the ServerHello; a HelloRetryRequest comes first when asked.
      assert.ok(sh.body.includes(Buffer.from([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04])));
      // Only the hellos are plaintext; after a HelloRetryRequest both sides send a second one.
      const plain = f.facts.helloRetry ? 2 : 1;
      assert.equal(c.records.filter((r) => r.type === 22).length, plain);
      assert.equal(sv.records.filter((r) => r.type === 22).length, plain);
    }
    assert.ok(
      c.records.some((r) => r.type === 23) && sv.records.some((r) => r.type === 23),
      'application data',
    );
  }
  assert.ok(segmentsSpanned > 0, 'some certificate messages span TCP segments');
});

test('HTTP bodies match their Content-Length or chunked framing', () => {
  const http = result.flows.filter((f) => f.scenario === 'http');
  assert.ok(http.length >= 5);
  let chunked = 0;
  for (const f of http) {
    const s = streamOf(f.client, f.clientPort);
    let rest = s.s2c.toString('latin1');
    let responses = 0;
    while (rest.length > 0) {
      const headEnd = rest.indexOf('\r\n\r\n');
      assert.ok(headEnd > 0);
      const head = rest.slice(0, headEnd);
      assert.match(head, /^HTTP\/1\.1 \d{3} /);
      rest = rest.slice(headEnd + 4);
      const cl = /\r\nContent-Length: (\d+)/.exec(head);
      if (cl) {
        rest = rest.slice(Number(cl[1]));
      } else {
        assert.match(head, /Transfer-Encoding: chunked/);
        chunked++;
        for (;;) {
          const lineEnd = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, lineEnd), 16);
          rest = rest.slice(lineEnd + 2 + size + 2);
          if (size === 0) break;
        }
      }
      responses++;
    }
    assert.equal(responses, (f.facts.requests as string[]).length);
    assert.equal(s.c2s.toString('latin1').split(' HTTP/1.1\r\n').length - 1, responses);
  }
  assert.ok(chunked > 0);
});

test('DNS answers echo the query id; NXDOMAIN and a TCP query are present', () => {
  const udp = parsed.filter((p) => p.proto === 17);
  const queries = udp.filter((p) => p.dport === 53);
  const answers = udp.filter((p) => p.sport === 53);
  assert.equal(queries.length, answers.length);
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i].payload.readUInt16BE(0);
    assert.ok(answers.some((a) => a.payload.readUInt16BE(0) === q && a.dport === queries[i].sport));
  }
  assert.ok(
    answers.some((a) => (a.payload[3] & 0x0f) === 3),
    'an NXDOMAIN',
  );
  const tcpDns = result.flows.find((f) => f.scenario === 'dns' && f.transport === 'tcp')!;
  const s = streamOf(tcpDns.client, tcpDns.clientPort);
  assert.equal(s.c2s.readUInt16BE(0), s.c2s.length - 2, 'length-prefixed query');
  assert.equal(s.s2c.readUInt16BE(0), s.s2c.length - 2, 'length-prefixed answer');
});

test('the scan probes many ports from one source port; telnet sessions show prompts and failures', () => {
  const probes = parsed.filter((p) => p.src === '10.0.0.66' && p.flags === 0x02);
  const ports = new Set(probes.map((p) => p.dport));
  assert.ok(ports.size >= 60);
  assert.equal(new Set(probes.map((p) => p.sport)).size, 1);
  assert.ok(
    parsed.some((p) => p.src === '198.51.100.20' && p.flags === 0x14),
    'RST/ACK for closed ports',
  );
  assert.ok(
    parsed.some((p) => p.src === '198.51.100.20' && p.flags === 0x12),
    'SYN/ACK for open ports',
  );
  const telnet = result.flows.filter((f) => f.scenario === 'bruteforce');
  assert.ok(telnet.length >= 14);
  for (const f of telnet) {
    const s = streamOf(f.client, f.clientPort);
    const server = s.s2c.toString('latin1');
    assert.ok(
      server.includes('login: ') && server.includes('Password: ') && server.includes('Login incorrect'),
    );
    assert.ok(s.c2s.toString('latin1').includes(`${String(f.facts.password)}\r\n`));
  }
});
