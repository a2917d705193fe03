/**
 * Trust anchors with the time and the store they belong to. A chain is legal when it reaches a root trusted *at the
 * time of the handshake* (live: now; a capture: the packet's time), so every anchor carries the period it was trusted
 * in: Mozilla roots from the dated history of the store (`roots-history/`: each root with the day it entered and
 * the day it left), Node's bundled roots (trusted now), operator CAs (always), and platform roots (Microsoft,
 * Apple …) from operator-supplied files, trusted only under policies that name their platform.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where an anchor comes from: 'mozilla', 'operator', or a platform's name ('microsoft', 'apple' …). */
export type AnchorStore = string;

export interface Anchor {
  cert: X509Certificate;
  store: AnchorStore;
  /** Trusted from this time (ms); undefined = since before any handshake we judge. */
  fromMs?: number;
  /** Trusted until (excluding) this time (ms); undefined = still trusted. */
  untilMs?: number;
}

export class AnchorError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'AnchorError';
  }
}

export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Certificates of one file (PEM bundle or one DER certificate). */
export function certificatesOfFile(file: string): X509Certificate[] {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new AnchorError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = raw.toString('latin1');
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----'))
      return splitPem(text).map((p) => new X509Certificate(p));
    return [new X509Certificate(raw)];
  } catch (err) {
    throw new AnchorError(
      file,
      `not a certificate (PEM or DER): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** A file, or every .pem/.crt/.cer/.der file of a directory (operator-supplied platform roots). */
export function certificatesOfPath(path: string): X509Certificate[] {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new AnchorError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!st.isDirectory()) return certificatesOfFile(path);
  const out: X509Certificate[] = [];
  for (const name of readdirSync(path).sort()) {
    if (/\.(pem|crt|cer|der)$/i.test(name)) out.push(...certificatesOfFile(join(path, name)));
  }
  if (out.length === 0) throw new AnchorError(path, 'no certificate files (.pem, .crt, .cer, .der) in it');
  return out;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The dated Mozilla store: `roots.tsv` (sha256 of each root's DER, first_in_bundle, removed_from_bundle) and
 * `roots-all.pem`. The earliest first_in_bundle date is the start of the record ("already there"), so those roots
 * are taken as trusted before it too.
 */
export function loadRootsHistory(dir: string): Anchor[] {
  // Read once per process: every monitor (one per capture in a batch, one per policy reload) shares the anchors.
  const hit = historyCache.get(dir);
  if (hit) return hit;
  const anchors = readRootsHistory(dir);
  historyCache.set(dir, anchors);
  return anchors;
}

const historyCache = new Map<string, Anchor[]>();

function readRootsHistory(dir: string): Anchor[] {
  const tsv = join(dir, 'roots.tsv');
  const pemFile = join(dir, 'roots-all.pem');
  let text: string;
  try {
    text = readFileSync(tsv, 'utf8');
  } catch (err) {
    throw new AnchorError(
      tsv,
      `cannot read the roots history (point trust.rootsHistory at the folder holding roots.tsv and roots-all.pem): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const byHash = new Map<string, X509Certificate>();
  for (const c of certificatesOfFile(pemFile))
    byHash.set(createHash('sha256').update(c.raw).digest('hex'), c);
  const lines = text.split('\n');
  const head = lines[0].trim().split('\t');
  const col = (name: string): number => {
    const i = head.indexOf(name);
    if (i < 0) throw new AnchorError(tsv, `line 1: no '${name}' column (columns: ${head.join(', ')})`);
    return i;
  };
  const [cHash, cFirst, cRemoved] = [col('sha256'), col('first_in_bundle'), col('removed_from_bundle')];
  const rows: Array<{ hash: string; first: string; removed: string; line: number }> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const f = line.split('\t');
    const hash = (f[cHash] ?? '').toLowerCase();
    const first = f[cFirst] ?? '';
    const removed = f[cRemoved] ?? '';
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw new AnchorError(tsv, `line ${i + 1}: sha256 '${hash}' is not 64 hex`);
    if (!DAY.test(first))
      throw new AnchorError(tsv, `line ${i + 1}: first_in_bundle '${first}' is not a date`);
    if (removed !== '' && !DAY.test(removed))
      throw new AnchorError(tsv, `line ${i + 1}: removed_from_bundle '${removed}' is not a date`);
    rows.push({ hash, first, removed, line: i + 1 });
  }
  if (rows.length === 0) throw new AnchorError(tsv, 'no roots listed');
  const start = rows.reduce((m, r) => (r.first < m ? r.first : m), rows[0].first);
  return rows.map((r) => {
    const cert = byHash.get(r.hash);
    if (!cert)
      throw new AnchorError(pemFile, `no certificate with sha256 ${r.hash} (roots.tsv line ${r.line})`);
    return {
      cert,
      store: 'mozilla',
      fromMs: r.first === start ? undefined : Date.parse(`${r.first}T00:00:00Z`),
      untilMs: r.removed === '' ? undefined : Date.parse(`${r.removed}T00:00:00Z`),
    };
  });
}

export function isActive(a: Anchor, nowMs: number): boolean {
  return (a.fromMs === undefined || nowMs >= a.fromMs) && (a.untilMs === undefined || nowMs < a.untilMs);
}

export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
