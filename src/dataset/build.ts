/**
 * The training set (A-81…A-83): sessions the sandbox captured while a sample ran, labelled with its behaviour, and
 * honeypot sessions found in captures by their instance's address and ports, labelled by what they fetched; each
 * image desensitised and privacy-checked before it is written; optionally merged with USTC-TFC2016 (its 20 classes
 * keep their ids, behaviour classes follow). Written in the corpus layout with a manifest of hashes.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../framework/errors.js';
import { Pseudonymiser } from './pseudonymise.js';
import type { PrivacyFinding } from './privacy.js';
import { scrubImage } from './scrub.js';
import { sessionsOfCapture, type CapturedSession } from './sessions.js';
import {
  honeypotLabel,
  isMaliciousLabel,
  primaryLabel,
  type HoneypotInstanceInput,
  type SandboxRunInput,
} from './label.js';
import { idxImages, idxLabels } from './idx-write.js';
import { signManifest } from './manifest-sign.js';
import {
  codeVersion,
  DatasetPrivacyError,
  DATASET_FORMAT,
  IMAGES,
  LABELS,
  MANIFEST,
  type DatasetManifest,
} from './manifest.js';

export interface PublicSet {
  /** Where it came from (a folder), for the manifest. */
  source: string;
  n: number;
  width: number;
  bytes: Uint8Array;
  labels: Uint8Array;
  classNames: readonly string[];
  malicious: readonly number[];
}

export interface BuildOptions {
  out: string;
  /** Captures holding honeypot sessions (tcpdump on the honeypot's interface). */
  captures?: string[];
  instances?: HoneypotInstanceInput[];
  /** Sandbox runs: their captures' sessions take their labels; honeypot sessions that fetched them too. */
  sandbox?: SandboxRunInput[];
  /** USTC-TFC2016 (or another set in its layout) to merge in. */
  merge?: PublicSet;
  /** The pseudonymisation key (≥ 16 bytes); one per appliance keeps pseudonyms joinable across builds. */
  key: Buffer;
  width?: number;
  minBytes?: number;
  /** Ed25519 private key the manifest is signed with (`signingKey` loads and checks it before the build). */
  signKey?: KeyObject;
  /** Malicious sessions of the appliance's own, as captured (the registry's incidents, A-90). */
  onIncident?: (payload: Uint8Array, classId: number, className: string, source: string) => void;
}

export interface OwnSession {
  session: CapturedSession;
  className: string;
  source: string;
  known: { credentials: string[]; ips: string[] };
}

function matchInstance(
  s: CapturedSession,
  byTuple: Map<string, HoneypotInstanceInput>,
): HoneypotInstanceInput | undefined {
  return byTuple.get(`${s.src}|${s.sp}|${s.dp}`) ?? byTuple.get(`${s.dst}|${s.dp}|${s.sp}`);
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Finds and labels the appliance's own sessions; `unmatched` counts capture sessions no instance claims. */
export async function collectOwnSessions(
  o: BuildOptions,
): Promise<{ sessions: OwnSession[]; unmatched: number; ownCaptures: { read: number; missing: number } }> {
  const width = o.width ?? 784;
  const minBytes = o.minBytes ?? 16;
  const runs = new Map((o.sandbox ?? []).map((r) => [r.sha256, r]));
  const out: OwnSession[] = [];
  for (const r of o.sandbox ?? []) {
    if (!r.pcap) continue;
    const cls = primaryLabel(r.labels);
    for (const s of await sessionsOfCapture(r.pcap, width, minBytes))
      out.push({
        session: s,
        className: cls,
        source: `sandbox:${r.sha256}`,
        known: { credentials: [], ips: [] },
      });
  }
  const byTuple = new Map<string, HoneypotInstanceInput>();
  for (const i of o.instances ?? []) byTuple.set(`${i.peerIp}|${i.peerPort}|${i.localPort}`, i);
  let unmatched = 0;
  // A session found both in the honeypot's own capture and in a --pcap of the same interface is taken once.
  const seen = new Set<string>();
  const add = (s: CapturedSession, i: HoneypotInstanceInput): void => {
    const k = `${i.id}|${sha256(s.bytes)}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({
      session: s,
      className: honeypotLabel(i, runs),
      source: `honeypot:${i.id}`,
      known: {
        credentials: i.credentials.flatMap((c) => [c.user, c.password]),
        ips: [i.peerIp],
      },
    });
  };
  const own = { read: 0, missing: 0 };
  // The honeypot's own capture of each instance (honeypot/capture.ts): only that instance's connection counts.
  for (const i of o.instances ?? []) {
    const file = i.capture?.file;
    if (!file) continue;
    if (!existsSync(file)) {
      own.missing++;
      continue;
    }
    own.read++;
    const one = new Map([[`${i.peerIp}|${i.peerPort}|${i.localPort}`, i]]);
    for (const s of await sessionsOfCapture(file, width, minBytes)) if (matchInstance(s, one)) add(s, i);
  }
  for (const file of o.captures ?? [])
    for (const s of await sessionsOfCapture(file, width, minBytes)) {
      const i = matchInstance(s, byTuple);
      if (!i) {
        unmatched++;
        continue;
      }
      add(s, i);
    }
  return { sessions: out, unmatched, ownCaptures: own };
}

export async function buildDataset(o: BuildOptions): Promise<DatasetManifest> {
  const width = o.width ?? 784;
  if (o.merge && o.merge.width !== width)
    throw new InputError(`${o.merge.source}: sessions of ${o.merge.width} bytes, the dataset's are ${width}`);
  const { sessions, unmatched, ownCaptures } = await collectOwnSessions(o);
  const p = new Pseudonymiser(o.key);
  // Classes: the merged set's first, with their ids; behaviour classes after them in name order.
  const names: string[] = [...(o.merge?.classNames ?? [])];
  const malicious = new Set<number>(o.merge?.malicious ?? []);
  for (const c of [...new Set(sessions.map((s) => s.className))].sort())
    if (!names.includes(c)) {
      names.push(c);
      if (isMaliciousLabel(c)) malicious.add(names.length - 1);
    }
  if (names.length > 256) throw new InputError(`${names.length} classes: an idx1 label holds at most 256`);
  sessions.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const own = sessions.length;
  const n = own + (o.merge?.n ?? 0);
  if (n === 0)
    throw new InputError('no sessions: the inputs hold no session with payload that a label applies to');
  const bytes = new Uint8Array(n * width);
  const labels = new Uint8Array(n);
  const findings: Array<PrivacyFinding & { source: string }> = [];
  const sources: DatasetManifest['sources'] = [];
  sessions.forEach((s, row) => {
    const r = scrubImage(s.session.bytes, s.session.used, p, s.known);
    for (const f of r.findings) if (findings.length < 100) findings.push({ ...f, source: s.source });
    bytes.set(r.bytes, row * width);
    labels[row] = names.indexOf(s.className);
    const last = sources[sources.length - 1];
    if (last && last.ref === s.source) last.rows[1] = row + 1;
    else
      sources.push({
        kind: s.source.startsWith('sandbox:') ? 'sandbox' : 'honeypot',
        ref: s.source,
        rows: [row, row + 1],
        privacyChecked: true,
      });
  });
  if (findings.length > 0) throw new DatasetPrivacyError(findings);
  if (o.merge) {
    bytes.set(o.merge.bytes.subarray(0, o.merge.n * width), own * width);
    labels.set(o.merge.labels.subarray(0, o.merge.n), own);
    sources.push({ kind: 'public', ref: o.merge.source, rows: [own, n], privacyChecked: false });
  }
  if (o.onIncident)
    for (let row = 0; row < own; row++)
      if (malicious.has(labels[row]))
        o.onIncident(
          // Incidents stay on the appliance: the session as captured, so the live path's copy (honeypot) dedupes.
          sessions[row].session.bytes,
          labels[row],
          names[labels[row]],
          sessions[row].source,
        );
  const img = idxImages(bytes, n, width);
  const lab = idxLabels(labels);
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, IMAGES), img);
  writeFileSync(join(o.out, LABELS), lab);
  const counts = new Array<number>(names.length).fill(0);
  for (const l of labels) counts[l]++;
  const unsigned: DatasetManifest = {
    format: DATASET_FORMAT,
    createdAt: new Date().toISOString(),
    code: codeVersion(),
    width,
    sessions: n,
    classes: names.map((name, id) => ({ id, name, malicious: malicious.has(id), count: counts[id] })),
    sources,
    unmatchedSessions: unmatched,
    honeypotCaptures: ownCaptures,
    privacy: {
      checked: own,
      findings: 0,
      pseudonymKey: sha256(createHash('sha256').update('moat-dataset-key').update(o.key).digest()).slice(
        0,
        16,
      ),
      unchecked: n - own,
      pseudonyms: [...p.produced].sort(),
    },
    files: {
      [IMAGES]: { sha256: sha256(img), bytes: img.length },
      [LABELS]: { sha256: sha256(lab), bytes: lab.length },
    },
  };
  const manifest = o.signKey ? signManifest(unsigned, o.signKey) : unsigned;
  writeFileSync(join(o.out, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}
