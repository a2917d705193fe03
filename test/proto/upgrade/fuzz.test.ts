/**
 * The LDAP and RDP parsers on damaged bytes: their openings (RDP's are SharpRDP's Connection Request, Confirm and
 * ClientHello from the corpus capture; LDAP's an anonymous bind and StartTLS) mutated with a fixed seed and fed in
 * random pieces, with gaps. They must never throw, and the intact exchanges must still reach TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Direction } from '../../../src/flow/index.js';
import type { AppContext, AppRecord, StreamProtocolDef } from '../../../src/proto/app-layer.js';
import { ldapProtocol } from '../../../src/proto/ldap/index.js';
import { rdpProtocol } from '../../../src/proto/rdp/index.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const OID = Buffer.from('1.3.6.1.4.1.1466.20037', 'latin1').toString('hex');
const HELLO = hex(
  '16030300ae010000aa03035f161be96ed1d58c9593c0154f661475d175a79a2222afd2ec8b28773810fd6f00002ac02cc02bc030c02f009f' +
    '009ec024c023c028c027c00ac009c014c013009d009c003d003c0035002f000a0100005700000013001100000e3139322e3136382e35362e' +
    '313031000500050100000000000a00080006001d00170018000b00020100000d0014001204010501020104030503020302020601060300' +
    '23000000170000ff01000100',
);
const LDAP: [Direction, Buffer][] = [
  [0, hex('300c020101600702010304008000')],
  [1, hex('300c02010161070a010004000400')],
  [0, hex(`301d0201027718801${'6'}${OID}`)],
  [1, hex(`3024020102781f0a0100040004008a16${OID}`)],
  [0, HELLO],
];
const RDP: [Direction, Buffer][] = [
  [0, hex('0300002c27e00000000000436f6f6b69653a206d737473686173683d4945557365720d0a010008000b000000')],
  [1, hex('030000130ed00000123400021f080008000000')],
  [0, HELLO],
];

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function run(
  def: StreamProtocolDef,
  msgs: [Direction, Buffer][],
  rand?: () => number,
): { records: AppRecord[]; protos: string[] } {
  const records: AppRecord[] = [];
  const protos: string[] = [];
  const ctx: AppContext = {
    emit: (r) => void records.push(r as AppRecord),
    changeProto: (p) => void protos.push(p),
  };
  const p = def.create(ctx);
  for (const [dir, m] of msgs) {
    let b = m;
    if (rand) {
      b = Buffer.from(m);
      const edits = Math.floor(rand() * 4);
      for (let i = 0; i < edits && b.length > 0; i++) {
        const at = Math.floor(rand() * b.length);
        if (rand() < 0.5) b[at] = [0, 0x7f, 0x80, 0x84, 0xff][Math.floor(rand() * 5)];
        else b = b.subarray(0, at);
      }
      if (rand() < 0.05) p.onGap(dir, 1 + Math.floor(rand() * 100), 0);
    }
    let at = 0;
    while (at < b.length) {
      const n = rand ? 1 + Math.floor(rand() * b.length) : b.length;
      p.onData(dir, b, at, Math.min(n, b.length - at), 0);
      at += n;
    }
  }
  p.onEnd(0);
  return { records, protos };
}

test('intact LDAP StartTLS and RDP negotiations reach the TLS parser', () => {
  const l = run(ldapProtocol, LDAP);
  assert.deepEqual(l.protos, ['tls']);
  assert.equal(l.records.filter((r) => r.type === 'tls').length, 1);
  const r = run(rdpProtocol, RDP);
  assert.deepEqual(r.protos, [], 'RDP keeps its app_proto');
  const tls = r.records.find((x) => x.type === 'tls');
  assert.equal(tls?.type === 'tls' && tls.tls.client?.sni, '192.168.56.101');
});

test('LDAP and RDP parsers survive 20,000 mutated exchanges', () => {
  const rand = rng(17);
  for (let i = 0; i < 10_000; i++) {
    run(ldapProtocol, LDAP, rand);
    run(rdpProtocol, RDP, rand);
  }
  // Probes on every prefix of every message, mutated or not.
  for (const [dir, m] of [...LDAP, ...RDP])
    for (let n = 0; n <= m.length; n++) {
      ldapProtocol.probe(dir, m, 0, n, 1, 2);
      rdpProtocol.probe(dir, m, 0, n, 1, 2);
    }
});
