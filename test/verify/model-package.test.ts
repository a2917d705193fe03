import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BundleRejected, generateVendorKey, signBundle, verifyModelPackage } from '../../src/verify/index.js';

const key = generateVendorKey();
const payload = JSON.stringify({ model: { kind: 'tree' }, metrics: { precision: 0.97, coverage: 0.4 } });
const ok = (): string[] => [];

function rejected(fn: () => unknown, checker: string, pattern: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof BundleRejected && e.checker === checker && pattern.test(e.message),
  );
}

test('model package (A-2 for models): accepted as signed; tampering, unknown keys, downgrades and bad payloads refused', () => {
  const signed = signBundle(payload, {
    name: 'vendor-model',
    version: '2026.2.0',
    privatePem: key.privatePem,
  });
  const text = JSON.stringify(signed);
  const r = verifyModelPackage(text, { vendorKeys: [key.publicPem], checkFormat: ok });
  assert.equal(r.modelText, payload);
  assert.equal(r.bundle.manifest.version, '2026.2.0');

  const other = generateVendorKey();
  rejected(
    () => verifyModelPackage(text, { vendorKeys: [other.publicPem], checkFormat: ok }),
    'hash',
    /not a trusted vendor key/,
  );
  const swapped = { ...signed, rules: Buffer.from(payload.replace('0.97', '0.99')).toString('base64') };
  rejected(
    () => verifyModelPackage(JSON.stringify(swapped), { vendorKeys: [key.publicPem], checkFormat: ok }),
    'hash',
    /differs from the signed/,
  );
  const relabelled = { ...signed, manifest: { ...signed.manifest, version: '2027.1.0' } };
  rejected(
    () => verifyModelPackage(JSON.stringify(relabelled), { vendorKeys: [key.publicPem], checkFormat: ok }),
    'hash',
    /signature does not verify/,
  );
  rejected(
    () =>
      verifyModelPackage(text, {
        vendorKeys: [key.publicPem],
        installedVersion: '2026.2.0',
        checkFormat: ok,
      }),
    'version',
    /not newer than the installed 2026\.2\.0/,
  );
  rejected(
    () => verifyModelPackage(text, { vendorKeys: [key.publicPem], checkFormat: () => ['model: no tree'] }),
    'format',
    /model: no tree/,
  );
  rejected(
    () => verifyModelPackage('{"manifest":', { vendorKeys: [key.publicPem], checkFormat: ok }),
    'format',
    /not a bundle/,
  );
});
