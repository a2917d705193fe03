/**
 * A dataset's manifest (A-82): what the set holds (classes and their counts, where each row range came from), the
 * privacy check's result, the code that built it, and the SHA-256 of every file. `verifyDataset` refuses a folder
 * whose files do not hash as listed, whose counts disagree, or whose own rows hold personal data that is none of the
 * build's pseudonyms.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../framework/errors.js';
import { checkPrivacy, type PrivacyFinding } from './privacy.js';
import { checkManifestSignature, type ManifestSignature, type SignatureCheck } from './manifest-sign.js';

export const DATASET_FORMAT = 'moat-dataset/1';
export const IMAGES = 'images-idx3-ubyte.gz';
export const LABELS = 'labels-idx1-ubyte.gz';
export const MANIFEST = 'manifest.json';

export interface DatasetManifest {
  format: string;
  createdAt: string;
  code: { name: string; version: string; commit?: string };
  width: number;
  sessions: number;
  classes: Array<{ id: number; name: string; malicious: boolean; count: number }>;
  /** Row ranges [from, to) by origin; public sets are not privacy-checked (they are published already). */
  sources: Array<{
    kind: 'sandbox' | 'honeypot' | 'public';
    ref: string;
    rows: [number, number];
    privacyChecked: boolean;
  }>;
  /** Capture sessions no honeypot instance claimed (left out). */
  unmatchedSessions: number;
  /** The honeypot's own per-instance captures read, and those the store names but retention already deleted. */
  honeypotCaptures?: { read: number; missing: number };
  privacy: {
    checked: number;
    findings: number;
    /** A tag of the pseudonymisation key (a hash of a hash), so builds under one key can be told apart. */
    pseudonymKey: string;
    unchecked: number;
    /** The pseudonyms the build put in: the check tells them from real values by this list. */
    pseudonyms: string[];
  };
  files: Record<string, { sha256: string; bytes: number }>;
  /** Ed25519 over the rest of the manifest (manifest-sign.ts); absent when built without a signing key. */
  signature?: ManifestSignature;
}

/** The privacy check refused rows of a dataset: each finding names its source and row. */
export class DatasetPrivacyError extends InputError {
  constructor(readonly findings: Array<PrivacyFinding & { source: string; row?: number }>) {
    const f = findings[0];
    super(
      `privacy check refused the dataset: ${findings.length} finding(s), first ${f.kind} '${f.value}' in ${f.source}${f.row === undefined ? '' : ` (row ${f.row})`} at byte ${f.offset}`,
    );
  }
}

let version: DatasetManifest['code'] | undefined;

/** moat's version from package.json, and the git commit when the code runs from a checkout. */
export function codeVersion(): DatasetManifest['code'] {
  if (version) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  let pkg = { name: 'moat', version: 'unknown' };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    // an installed copy without package.json still builds; the version says so
  }
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    commit = undefined;
  }
  version = { name: pkg.name, version: pkg.version, commit };
  return version;
}

function readManifest(dir: string): DatasetManifest {
  const path = join(dir, MANIFEST);
  let m: DatasetManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as DatasetManifest;
  } catch (e) {
    throw new InputError(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (m?.format !== DATASET_FORMAT)
    throw new InputError(`${path}: format '${String(m?.format)}' is not ${DATASET_FORMAT}`);
  for (const k of [IMAGES, LABELS]) if (!m.files?.[k]) throw new InputError(`${path}: files.${k} is missing`);
  return m;
}

export interface VerifyResult {
  manifest: DatasetManifest;
  files: number;
  checkedRows: number;
  /** The key id that signed the manifest (undefined: unsigned, allowed). */
  signedBy?: string;
}

/**
 * Checks the manifest's signature first (it vouches for the hashes and the pseudonym list the checks below trust),
 * then every file's hash, the counts, and the privacy check on the appliance's own rows.
 */
export function verifyDataset(dir: string, sig: SignatureCheck): VerifyResult {
  const m = readManifest(dir);
  const signedBy = checkManifestSignature(m, sig, join(dir, MANIFEST));
  const data = new Map<string, Buffer>();
  for (const [name, want] of Object.entries(m.files)) {
    const path = join(dir, name);
    let b: Buffer;
    try {
      b = readFileSync(path);
    } catch {
      throw new InputError(`${path}: listed in the manifest, cannot be read`);
    }
    const got = createHash('sha256').update(b).digest('hex');
    if (got !== want.sha256 || b.length !== want.bytes)
      throw new InputError(
        `${path}: sha256 ${got} (${b.length} bytes), the manifest says ${want.sha256} (${want.bytes} bytes): the file was changed`,
      );
    data.set(name, b);
  }
  const img = gunzipSync(data.get(IMAGES)!);
  const lab = gunzipSync(data.get(LABELS)!);
  const n = img.readUInt32BE(4);
  const width = img.readUInt32BE(8) * img.readUInt32BE(12);
  if (n !== m.sessions || width !== m.width || lab.readUInt32BE(4) !== n)
    throw new InputError(
      `${join(dir, IMAGES)}: ${n} sessions of ${width} bytes, the manifest says ${m.sessions} of ${m.width}`,
    );
  const counts = new Array<number>(m.classes.length).fill(0);
  for (let i = 0; i < n; i++) {
    const l = lab[8 + i];
    if (l >= counts.length)
      throw new InputError(`${join(dir, LABELS)}: row ${i}: label ${l} is no class of the manifest`);
    counts[l]++;
  }
  for (const c of m.classes)
    if (counts[c.id] !== c.count)
      throw new InputError(
        `${join(dir, MANIFEST)}: class ${c.name}: ${counts[c.id]} sessions, listed ${c.count}`,
      );
  const pseudonyms = { produced: new Set(m.privacy.pseudonyms), originals: new Set<string>() };
  const findings: DatasetPrivacyError['findings'] = [];
  let checkedRows = 0;
  for (const s of m.sources) {
    if (!s.privacyChecked) continue;
    for (let row = s.rows[0]; row < s.rows[1] && row < n; row++) {
      checkedRows++;
      const at = 16 + row * width;
      const text = img.toString('latin1', at, at + width).replace(/\0+$/, '');
      for (const f of checkPrivacy(text, pseudonyms, 10)) findings.push({ ...f, source: s.ref, row });
    }
  }
  if (findings.length > 0) throw new DatasetPrivacyError(findings);
  return { manifest: m, files: data.size, checkedRows, signedBy };
}
