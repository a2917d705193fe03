/**
 * the vendor's pre-built rule base and model, fetched from the configured vendor URL and installed only after
 * A-2 verified them (signature, hash, version, format, syntax). `GET {url}/rules/latest.json` is a signed rule
 * bundle; `GET {url}/models/latest.json` a signed model package whose payload is `{ model, metrics }`.
 */
import type { SqliteStore } from '../store/index.js';
import { BundleRejected, verifyModelPackage, type BundleStore } from '../verify/index.js';
import { IdentifyModel, ModelRegistry } from '../identify/index.js';

export interface VendorResult {
  bundle: { ok: true; version: string; records: number } | { ok: false; checker?: string; error: string };
  model:
    | { ok: true; version: number; vendorVersion: string; published: boolean }
    | { ok: false; checker?: string; error: string };
}

/** Gates a vendor model must pass here too (B-4): the vendor's held-out figures, checked, not trusted blindly. */
const VENDOR_GATES = { minPrecision: 0.9, minCoverage: 0.05 };

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const len = Number(res.headers.get('content-length') ?? 0);
  if (len > 64 << 20) throw new Error(`${url}: ${len} bytes is more than a bundle may be`);
  return res.text();
}

const failure = (e: unknown): { ok: false; checker?: string; error: string } =>
  e instanceof BundleRejected
    ? { ok: false, checker: e.checker, error: e.message }
    : { ok: false, error: e instanceof Error ? e.message : String(e) };

export async function fetchVendorContent(
  store: SqliteStore,
  bundles: BundleStore,
  vendorUrl: string,
  vendorKeys: string[],
): Promise<VendorResult> {
  const base = vendorUrl.replace(/\/+$/, '');
  let bundle: VendorResult['bundle'];
  try {
    const row = bundles.install(await fetchText(`${base}/rules/latest.json`), () => {});
    bundle = { ok: true, version: row.version, records: row.records };
  } catch (e) {
    bundle = failure(e);
  }
  let model: VendorResult['model'];
  try {
    const registry = new ModelRegistry(store);
    const installed = store.db
      .prepare("SELECT value FROM console_settings WHERE key = 'vendorModelVersion'")
      .get() as { value: string } | undefined;
    const { bundle: pkg, modelText } = verifyModelPackage(await fetchText(`${base}/models/latest.json`), {
      vendorKeys,
      installedVersion: installed ? (JSON.parse(installed.value) as string) : undefined,
      checkFormat: (text) => {
        try {
          const p = JSON.parse(text) as {
            model?: unknown;
            metrics?: { precision?: unknown; coverage?: unknown };
          };
          IdentifyModel.fromJson(JSON.stringify(p.model));
          if (typeof p.metrics?.precision !== 'number' || typeof p.metrics.coverage !== 'number')
            return ['metrics.precision and metrics.coverage must be numbers'];
          return [];
        } catch (e) {
          return [`model: ${e instanceof Error ? e.message : String(e)}`];
        }
      },
    });
    const p = JSON.parse(modelText) as { model: unknown; metrics: { precision: number; coverage: number } };
    const r = registry.submit(
      IdentifyModel.fromJson(JSON.stringify(p.model)),
      { ...p.metrics, source: `vendor ${pkg.manifest.name}@${pkg.manifest.version}` },
      VENDOR_GATES,
    );
    if (r.published) registry.activate(r.version, 'vendor');
    store.db
      .prepare("INSERT OR REPLACE INTO console_settings (key, value) VALUES ('vendorModelVersion', ?)")
      .run(JSON.stringify(pkg.manifest.version));
    model = { ok: true, version: r.version, vendorVersion: pkg.manifest.version, published: r.published };
  } catch (e) {
    model = failure(e);
  }
  return { bundle, model };
}
