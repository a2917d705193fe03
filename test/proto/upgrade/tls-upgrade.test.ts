/**
 * TLS after an in-protocol upgrade, on real traffic, with the answers from Wireshark's dissection (tshark) of the
 * same capture:
 * - RDP: after the X.224 negotiation selected TLS/CredSSP (Lateral Movement capture of SharpRDP), the handshake's
 *   SNI, JA3, JA3S, certificate SHA-1 and subject are what tshark reads decoding port 3389 as TLS; the flow stays
 *   `app_proto: rdp` (Suricata's RDP parser reads that TLS itself).
 * - LDAP StartTLS: a real exchange captured on loopback; tshark's LDAP dissector follows StartTLS itself. The flow
 *   is `app_proto: tls`, `app_proto_orig: ldap`, as Suricata 8 logs the upgrade; a refused StartTLS stays ldap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';
import { canCapture, captureLdapStartTls } from './ldap-starttls-capture.js';
import { hasTshark } from '../../helpers/tshark.js';

const RDP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'attacks',
  'pcap-attack',
  'Lateral Movement',
  'LM_rdp_sharprdp.pcapng',
);

interface TsharkHandshake {
  port: number;
  sni: string;
  ja3: string;
  ja3s: string;
  sha1: string;
  cn: string;
}

/** Per client port: what tshark reads of the TLS handshake, with `decodeAs` naming the dissector for the port. */
function tsharkHandshakes(pcap: string, decodeAs: string[]): Map<number, TsharkHandshake> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      ...decodeAs.flatMap((d) => ['-d', d]),
      '-Y',
      'tls.handshake.type==1 || tls.handshake.type==2',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
      '-e',
      'tls.handshake.type',
      '-e',
      'tls.handshake.extensions_server_name',
      '-e',
      'tls.handshake.ja3',
      '-e',
      'tls.handshake.ja3s',
      '-e',
      'tls.handshake.certificate',
      '-e',
      'x509sat.printableString',
      '-e',
      'x509sat.uTF8String',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const m = new Map<number, TsharkHandshake>();
  for (const line of out.trim().split('\n')) {
    const [sp, dp, types, sni, ja3, ja3s, certs, ps, us] = line.split('|');
    const client = types.split(',').includes('1');
    const port = Number(client ? sp : dp);
    const h = m.get(port) ?? { port, sni: '', ja3: '', ja3s: '', sha1: '', cn: '' };
    if (client) Object.assign(h, { sni, ja3 });
    else {
      const leaf = Buffer.from(certs.split(',')[0].replace(/:/g, ''), 'hex');
      const sha1 = createHash('sha1')
        .update(leaf)
        .digest('hex')
        .replace(/(..)(?!$)/g, '$1:');
      Object.assign(h, { ja3s, sha1, cn: (ps || us).split(',').pop() });
    }
    m.set(port, h);
  }
  return m;
}

interface TlsEve {
  sni?: string;
  ja3?: { hash: string };
  ja3s?: { hash: string };
  fingerprint?: string;
  subject?: string;
}

test(
  'RDP: the TLS after the X.224 negotiation is read as tshark reads it; the flow stays rdp',
  { skip: !existsSync(RDP) ? 'needs ../shared/corpus' : !hasTshark() ? 'needs tshark' : false },
  async () => {
    const want = tsharkHandshakes(RDP, ['tcp.port==3389,tls']);
    assert.equal(want.size, 2);
    const { events } = await analyzeToEvents(RDP);
    const tls = events.filter((e) => e.event_type === 'tls');
    assert.equal(tls.length, want.size);
    for (const e of tls) {
      const w = want.get(e.src_port as number)!;
      const t = e.tls as TlsEve;
      assert.equal(t.sni, w.sni);
      assert.equal(t.ja3?.hash, w.ja3);
      assert.equal(t.ja3s?.hash, w.ja3s);
      assert.equal(t.fingerprint, w.sha1);
      assert.equal(t.subject, `CN=${w.cn}`);
    }
    const flows = events.filter((e) => e.event_type === 'flow' && e.proto === 'TCP' && e.dest_port === 3389);
    assert.equal(flows.length, 2);
    for (const f of flows) {
      assert.equal(f.app_proto, 'rdp');
      assert.equal(f.app_proto_orig, undefined);
    }
  },
);

const capSkip = canCapture();

test(
  'LDAP StartTLS: app_proto tls, app_proto_orig ldap, handshake as tshark reads it',
  { skip: capSkip },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-ldap-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { pcap, port } = await captureLdapStartTls(dir, 0);
    // tshark's own reading of the LDAP exchange: the StartTLS request and its success.
    const ldap = execFileSync(
      'tshark',
      [
        '-r',
        pcap,
        '-d',
        `tcp.port==${port},ldap`,
        '-Y',
        'ldap.protocolOp==23 || ldap.protocolOp==24',
        '-T',
        'fields',
        '-e',
        'ldap.requestName',
        '-e',
        'ldap.resultCode',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    assert.deepEqual(ldap.trim().split('\n'), ['1.3.6.1.4.1.1466.20037\t', '\t0']);
    const want = [...tsharkHandshakes(pcap, [`tcp.port==${port},ldap`]).values()];
    assert.equal(want.length, 1, 'tshark follows the StartTLS into TLS');
    const { events } = await analyzeToEvents(pcap);
    const tls = events.filter((e) => e.event_type === 'tls');
    assert.equal(tls.length, 1);
    const te = tls[0].tls as TlsEve;
    assert.equal(te.sni, want[0].sni);
    assert.equal(te.sni, 'ldap.moat.test');
    assert.equal(te.ja3?.hash, want[0].ja3);
    assert.equal(te.ja3s?.hash, want[0].ja3s);
    assert.equal(te.fingerprint, want[0].sha1);
    const flow = events.find((e) => e.event_type === 'flow')!;
    assert.equal(flow.app_proto, 'tls');
    assert.equal(flow.app_proto_orig, 'ldap');
  },
);

test('LDAP StartTLS refused by the server: no TLS, the flow stays ldap', { skip: capSkip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-ldap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // resultCode 2, protocolError: the client goes on in plaintext (here it closes).
  const { pcap, port } = await captureLdapStartTls(dir, 2);
  const codes = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      '-d',
      `tcp.port==${port},ldap`,
      '-Y',
      'ldap.protocolOp==24',
      '-T',
      'fields',
      '-e',
      'ldap.resultCode',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  assert.equal(codes.trim(), '2');
  const { events } = await analyzeToEvents(pcap);
  assert.equal(events.filter((e) => e.event_type === 'tls').length, 0);
  const flow = events.find((e) => e.event_type === 'flow')!;
  assert.equal(flow.app_proto, 'ldap');
  assert.equal(flow.app_proto_orig, undefined);
});
