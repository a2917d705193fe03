/**
 * A-2 for models (A-14: the vendor's model arrives with the rule bundle): the same signed envelope as a rule
 * bundle — manifest, base64 payload, Ed25519 signature — with the hash and version checkers of bundles, and a
 * format checker the caller gives (the model's own parser), in place of the rule syntax checker.
 */
import { createHash } from 'node:crypto';
import { compareVersions, countRecords, type Bundle } from './bundle.js';
import { BundleRejected, checkVendorSignature, parseBundle } from './checkers.js';

export interface ModelVerifyOptions {
  vendorKeys: string[];
  installedVersion?: string;
  /** The format checker: problems with the payload (empty = acceptable). */
  checkFormat: (text: string) => string[];
  now?: Date;
}

export function verifyModelPackage(
  text: string,
  o: ModelVerifyOptions,
): { bundle: Bundle; modelText: string } {
  const b = parseBundle(text);
  checkVendorSignature(b, o.vendorKeys);
  const bytes = Buffer.from(b.rules, 'base64');
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== b.manifest.sha256)
    throw new BundleRejected('hash', [
      `model SHA-256 ${sha} differs from the signed ${b.manifest.sha256}: tampered or truncated`,
    ]);
  if (Date.parse(b.manifest.date) > (o.now ?? new Date()).getTime() + 86_400_000)
    throw new BundleRejected('version', [`dated ${b.manifest.date}, in the future`]);
  if (o.installedVersion !== undefined && compareVersions(b.manifest.version, o.installedVersion) <= 0)
    throw new BundleRejected('version', [
      `version ${b.manifest.version} is not newer than the installed ${o.installedVersion}`,
    ]);
  const modelText = bytes.toString('utf8');
  if (countRecords(modelText) !== b.manifest.records)
    throw new BundleRejected('format', [
      `manifest declares ${b.manifest.records} records, the payload holds ${countRecords(modelText)}`,
    ]);
  const problems = o.checkFormat(modelText);
  if (problems.length > 0) throw new BundleRejected('format', problems);
  return { bundle: b, modelText };
}
