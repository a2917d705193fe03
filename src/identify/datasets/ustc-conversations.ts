/**
 * USTC-TFC2016 conversation tables (Wireshark "Conversations" CSV export, one file per class under
 * Benign/ and Malware/) turned into per-remote-address samples for evaluation.
 *
 * The capture hosts' own addresses give the class away (every malware capture has its infected host), so
 * each conversation's local side is found and dropped; the sample is the *remote* address with the flows
 * seen from its side. Local side, in order: a private (RFC 1918) address; else a hub of the capture
 * (in ≥ 5% of its conversations); else the side on the higher (ephemeral) port. Public resolvers,
 * multicast/broadcast peers, addresses that are local hosts elsewhere and remotes seen in both classes are
 * dropped: none of them says anything about the class.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cidrContains, classifyIp, parseCidr, tryParseIp } from '../../address/index.js';
import { splitCsvLine } from '../../intel/index.js';
import type { CompactFlow } from '../flow-record.js';

export interface AddressSample {
  ip: string;
  flows: CompactFlow[];
  y: number;
  family: string;
  /**
   * The capture the sample was seen in (benign captures: a stable hash of the file name). When set it is the
   * sample's split group, so one capture's addresses land on one side of every split (group k-fold by file).
   */
  capture?: number;
}

const RESOLVERS = new Set([
  '8.8.8.8',
  '8.8.4.4',
  '1.1.1.1',
  '1.0.0.1',
  '9.9.9.9',
  '208.67.222.222',
  '208.67.220.220',
]);

/** RFC 1918 private-use or 169.254/16 link-local IPv4: a capture host's own side. */
function isPrivate(ip: string): boolean {
  const a = tryParseIp(ip);
  if (!a || a.version !== 4) return false;
  const kind = classifyIp(a.words).kind;
  return kind === 'private' || kind === 'link-local';
}

/** Multicast (both families), IPv4 "this network" and loopback: peers that are no remote host. */
const NOISE_NETS = ['224.0.0.0/4', '0.0.0.0/8', '127.0.0.0/8', 'ff00::/8'].map(parseCidr);

function isNoise(ip: string): boolean {
  const a = tryParseIp(ip);
  if (!a) return true;
  // x.x.x.255 is the broadcast address of the /24 LANs these captures come from.
  return NOISE_NETS.some((c) => cidrContains(c, a.words)) || (a.version === 4 && (a.words[3] & 255) === 255);
}

interface Conversation {
  a: string;
  pa: number;
  b: string;
  pb: number;
  pktsAB: number;
  bytesAB: number;
  pktsBA: number;
  bytesBA: number;
  start: number;
  duration: number;
}

function readConversations(path: string): Conversation[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/^\ufeff/, '')
    .split('\n');
  const head = splitCsvLine(lines[0]).map((h) => h.replace(/[^A-Za-z]/g, '').toLowerCase());
  const col = (name: string): number => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`${path}: no '${name}' column in the header`);
    return i;
  };
  const [ia, ipa, ib, ipb, ipab, ibab, ipba, ibba, ist, idur] = [
    'addressa',
    'porta',
    'addressb',
    'portb',
    'packetsab',
    'bytesab',
    'packetsba',
    'bytesba',
    'relstart',
    'duration',
  ].map(col);
  const out: Conversation[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const f = splitCsvLine(lines[i].replace(/\r$/, ''));
    out.push({
      a: f[ia],
      pa: Number(f[ipa]),
      b: f[ib],
      pb: Number(f[ipb]),
      pktsAB: Number(f[ipab]),
      bytesAB: Number(f[ibab]),
      pktsBA: Number(f[ipba]),
      bytesBA: Number(f[ibba]),
      start: Number(f[ist]),
      duration: Number(f[idur]),
    });
  }
  return out;
}

export function loadUstcConversations(dir: string): AddressSample[] {
  const perRemote = new Map<string, { flows: CompactFlow[]; classes: Set<number>; family: string }>();
  const locals = new Set<string>();
  for (const [sub, y] of [
    ['Benign', 0],
    ['Malware', 1],
  ] as const) {
    const files = readdirSync(join(dir, sub))
      .filter((f) => f.endsWith('.csv'))
      .sort();
    for (const file of files) {
      const convs = readConversations(join(dir, sub, file));
      const proto = /_udp\.csv$/i.test(file) ? 'udp' : 'tcp';
      const degree = new Map<string, number>();
      for (const c of convs) {
        degree.set(c.a, (degree.get(c.a) ?? 0) + 1);
        degree.set(c.b, (degree.get(c.b) ?? 0) + 1);
      }
      const hub = (ip: string): boolean => (degree.get(ip) ?? 0) >= Math.max(20, 0.05 * convs.length);
      for (const c of convs) {
        let localIsA: boolean;
        const pa = isPrivate(c.a);
        const pb = isPrivate(c.b);
        if (pa !== pb) localIsA = pa;
        else if (hub(c.a) !== hub(c.b)) localIsA = hub(c.a);
        else localIsA = c.pa >= c.pb;
        const local = localIsA ? c.a : c.b;
        const remote = localIsA ? c.b : c.a;
        locals.add(local);
        if (isNoise(remote) || RESOLVERS.has(remote)) continue;
        const fromRemote = localIsA ? [c.pktsBA, c.bytesBA] : [c.pktsAB, c.bytesAB];
        const toRemote = localIsA ? [c.pktsAB, c.bytesAB] : [c.pktsBA, c.bytesBA];
        const flow: CompactFlow = {
          peer: local,
          port: localIsA ? c.pb : c.pa,
          peer_port: localIsA ? c.pa : c.pb,
          proto,
          pkts_out: fromRemote[0],
          pkts_in: toRemote[0],
          bytes_out: fromRemote[1],
          bytes_in: toRemote[1],
          start: c.start,
          duration: c.duration,
        };
        let e = perRemote.get(remote);
        if (!e) {
          e = { flows: [], classes: new Set(), family: basename(file, '.csv') };
          perRemote.set(remote, e);
        }
        e.flows.push(flow);
        e.classes.add(y);
      }
    }
  }
  const out: AddressSample[] = [];
  for (const [ip, e] of perRemote) {
    if (locals.has(ip) || e.classes.size !== 1) continue;
    out.push({ ip, flows: e.flows, y: [...e.classes][0], family: e.family });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

/**
 * Splits every address's flows (in time order) into windows of at most `size` flows, one sample each:
 * "what can a terminal tell from a few connections?", and it removes flow-count as a give-away.
 */
export function windowed(samples: AddressSample[], size: number, maxPerAddress = 20): AddressSample[] {
  const out: AddressSample[] = [];
  for (const s of samples) {
    const flows = [...s.flows].sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
    const windows = Math.ceil(flows.length / size);
    // Busy addresses (a C2 with 8,000 connections) would swamp the set: keep evenly spaced windows.
    const step = Math.max(1, windows / maxPerAddress);
    for (let w = 0; w < windows && out.length >= 0; w += step) {
      const i = Math.floor(w) * size;
      out.push({ ...s, flows: flows.slice(i, i + size) });
    }
  }
  return out;
}
