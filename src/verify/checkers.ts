/**
 * A-2's local verification component: four checkers run in order on a bundle before anything is imported — hash
 * (signature by a trusted vendor key and the rules' SHA-256), version (no downgrade unless forced, sane date,
 * encoding), file format (structure, types, record count, mergeable with the local base: no sid clashes), syntax
 * (every rule parsed). The first failing checker refuses the bundle, named with what it found.
 */
import { createHash, createPublicKey } from 'node:crypto';
import {
  bundleSchema,
  compareVersions,
  countRecords,
  keyId,
  verifySignature,
  type Bundle,
} from './bundle.js';
import { parseRules, type RuleLoadError } from '../detect/index.js';
import type { Rule } from '../detect/index.js';

export type Checker = 'format' | 'hash' | 'version' | 'syntax';

export class BundleRejected extends Error {
  constructor(
    readonly checker: Checker,
    readonly problems: string[],
  ) {
    super(`${checker} checker refused the bundle: ${problems.join('; ')}`);
    this.name = 'BundleRejected';
  }
}

export interface VerifyOptions {
  /** Trusted vendor public keys (PEM). */
  vendorKeys: string[];
  /** The version installed now, if any. */
  installedVersion?: string;
  /** Allow installing an older version. */
  allowDowngrade?: boolean;
  /** sid values of the local rule base that the bundle must not redefine. */
  localSids?: ReadonlySet<string>;
  now?: Date;
}

export interface Verified {
  bundle: Bundle;
  rulesText: string;
  rules: Rule[];
}

/** Parses the container; structural problems are the format checker's. */
export function parseBundle(text: string): Bundle {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BundleRejected('format', [
      `not a bundle (JSON): ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  const r = bundleSchema.safeParse(raw);
  if (!r.success) {
    throw new BundleRejected(
      'format',
      r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`),
    );
  }
  return r.data;
}

/** The first half of the hash checker, for every signed envelope (bundles, models): a trusted key signed it. */
export function checkVendorSignature(b: Bundle, vendorKeys: readonly string[]): void {
  const key = vendorKeys.find((pem) => keyId(createPublicKey(pem)) === b.manifest.keyId);
  if (!key)
    throw new BundleRejected('hash', [
      `signed by key ${b.manifest.keyId}, which is not a trusted vendor key`,
    ]);
  if (!verifySignature(b, key))
    throw new BundleRejected('hash', [
      'signature does not verify: the manifest was altered or not signed by the vendor',
    ]);
}

export function verifyBundle(text: string, o: VerifyOptions): Verified {
  const b = parseBundle(text);
  // Hash checker: a trusted key signed this manifest, and the rules are the bytes it describes.
  checkVendorSignature(b, o.vendorKeys);
  const bytes = Buffer.from(b.rules, 'base64');
  if (bytes.toString('base64') !== b.rules.replace(/\s+/g, ''))
    throw new BundleRejected('format', ['rules are not valid base64']);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== b.manifest.sha256)
    throw new BundleRejected('hash', [
      `rules SHA-256 ${sha} differs from the signed ${b.manifest.sha256}: tampered or truncated`,
    ]);

  // Version checker.
  const now = o.now ?? new Date();
  if (Date.parse(b.manifest.date) > now.getTime() + 86_400_000)
    throw new BundleRejected('version', [`dated ${b.manifest.date}, in the future`]);
  if (o.installedVersion !== undefined) {
    const c = compareVersions(b.manifest.version, o.installedVersion);
    if (c === 0) throw new BundleRejected('version', [`version ${b.manifest.version} is already installed`]);
    if (c < 0 && !o.allowDowngrade) {
      throw new BundleRejected('version', [
        `version ${b.manifest.version} is older than the installed ${o.installedVersion} (use --force to downgrade)`,
      ]);
    }
  }
  const rulesText = bytes.toString('utf8');
  if (Buffer.from(rulesText, 'utf8').compare(bytes) !== 0)
    throw new BundleRejected('version', ['rules are not valid UTF-8 as the manifest declares']);

  // Format checker: counts and mergeability.
  const records = countRecords(rulesText);
  if (records !== b.manifest.records)
    throw new BundleRejected('format', [
      `manifest declares ${b.manifest.records} records, the rules hold ${records}`,
    ]);

  // Syntax checker: every rule, one by one.
  const { rules, errors } = parseRules(rulesText, `${b.manifest.name}@${b.manifest.version}`);
  if (errors.length > 0)
    throw new BundleRejected(
      'syntax',
      errors.slice(0, 20).map((e: RuleLoadError) => `line ${e.line}: ${e.message}`),
    );
  const clashes = rules.filter((r) => o.localSids?.has(`${r.gid}:${r.sid}`)).map((r) => `sid ${r.sid}`);
  if (clashes.length > 0)
    throw new BundleRejected('format', [
      `cannot merge with the local rules: ${clashes.slice(0, 10).join(', ')} already defined locally`,
    ]);
  return { bundle: b, rulesText, rules };
}
