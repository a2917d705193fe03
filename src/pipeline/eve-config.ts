/**
 * EVE logger options from a Suricata configuration: the `outputs: - eve-log: types:` list of a suricata.yaml (or a
 * file holding only such an `eve-log` entry or `types` list) — the alert payload options, the tls logger's `custom`
 * fields and the dns logger's `version`, `requests`/`responses`, `types`, `formats`. Entries moat has no use for
 * are ignored, as a shared suricata.yaml has many.
 */
import type { AlertOutputOptions, DnsLogOptions } from '../output/index.js';
import { OPT_IN_TYPES, type EveCustomFields } from './eve-events.js';
import type { HttpParseOptions } from '../proto/index.js';

export interface EveOptions {
  alert: AlertOutputOptions;
  custom: EveCustomFields;
  /** libhtp's settings from `app-layer.protocols.http.libhtp.default-config` (the decompression layer limit). */
  http?: HttpParseOptions;
}

/** Most content-coding layers undone when the configuration says "no limit" (0): each costs a decoding pass. */
export const MAX_DECODE_LAYERS = 64;

/** A setting at a dotted path, whether the document nests it or spells the path as one key. */
function setting(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (!cur || typeof cur !== 'object') return undefined;
    const o = cur as Record<string, unknown>;
    const rest = parts.slice(i).join('.');
    if (rest in o) return o[rest];
    cur = o[parts[i]];
  }
  return cur;
}

const LAYER_LIMIT_KEY = 'app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit';

/**
 * Suricata's `response-body-decompress-layer-limit` (2 by default): how many Content-Encoding layers are undone;
 * 0 means no limit (moat still stops at MAX_DECODE_LAYERS). Anything but a whole number is refused, named.
 */
export function decompressLayerLimit(value: unknown): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${LAYER_LIMIT_KEY}: expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return n === 0 ? MAX_DECODE_LAYERS : Math.min(n, MAX_DECODE_LAYERS);
}

/** libhtp settings of a suricata.yaml that change what moat's HTTP parser decodes; undefined when none is set. */
export function httpOptionsOf(doc: unknown): HttpParseOptions | undefined {
  const v = setting(doc, LAYER_LIMIT_KEY);
  return v === undefined || v === null ? undefined : { decode: { layerLimit: decompressLayerLimit(v) } };
}

const on = (v: unknown): boolean => v === true || v === 'yes' || v === 'true' || v === 'on';

/** The `types` lists of a parsed configuration document, wherever it keeps them. */
function typeLists(doc: unknown): unknown[][] {
  if (Array.isArray(doc)) return [doc];
  if (!doc || typeof doc !== 'object') return [];
  const d = doc as Record<string, unknown>;
  if (Array.isArray(d.types)) return [d.types];
  const eve = d['eve-log'] as { types?: unknown } | undefined;
  if (eve && Array.isArray(eve.types)) return [eve.types];
  const outputs = Array.isArray(d.outputs) ? (d.outputs as Array<Record<string, unknown> | null>) : [];
  return outputs
    .map((o) => (o?.['eve-log'] as { types?: unknown } | undefined)?.types)
    .filter((t): t is unknown[] => Array.isArray(t));
}

/** The `eve-log` entries of a parsed configuration document (a bare entry, or those under `outputs`). */
function eveLogs(doc: unknown): Array<Record<string, unknown>> {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const d = doc as Record<string, unknown>;
  const own = d['eve-log'];
  const outputs = Array.isArray(d.outputs) ? (d.outputs as Array<Record<string, unknown> | null>) : [];
  return [own, ...outputs.map((o) => o?.['eve-log'])].filter(
    (e): e is Record<string, unknown> => !!e && typeof e === 'object',
  );
}

/** The dns logger's options from its entry (`version`, `requests`/`responses` or v1's `query`/`answer` …). */
export function dnsOptions(d: Record<string, unknown> | null | undefined): DnsLogOptions {
  const out: DnsLogOptions = {};
  if (!d) return out;
  const flag = (v: unknown): boolean | undefined => (v === undefined || v === null ? undefined : on(v));
  if (Number(d.version) === 2) out.version = 2;
  const req = flag(d.requests ?? d.query);
  const resp = flag(d.responses ?? d.answer);
  if (req !== undefined) out.requests = req;
  if (resp !== undefined) out.responses = resp;
  if (Array.isArray(d.types)) out.types = d.types.map(String);
  if (Array.isArray(d.formats)) out.formats = d.formats.map(String);
  return out;
}

export function eveOptionsOf(doc: unknown): EveOptions {
  const cfg: EveOptions = { alert: {}, custom: {} };
  const http = httpOptionsOf(doc);
  if (http) cfg.http = http;
  const extra = new Set<string>();
  for (const types of typeLists(doc)) {
    for (const t of types) {
      // `- netflow`, or `- arp: {enabled: yes}` (an entry is on unless it says `enabled: no`).
      if (typeof t === 'string' && OPT_IN_TYPES.has(t)) extra.add(t);
      if (!t || typeof t !== 'object') continue;
      for (const [k, v] of Object.entries(t as Record<string, unknown>))
        if (OPT_IN_TYPES.has(k) && !(v && typeof v === 'object' && 'enabled' in v && !on(v.enabled)))
          extra.add(k);
      const entry = t as Record<string, Record<string, unknown> | null>;
      const a = entry.alert;
      if (a) {
        cfg.alert = {
          payload: on(a.payload),
          payloadPrintable: on(a['payload-printable']),
          packet: on(a.packet),
        };
        if (on(a['tagged-packets'])) cfg.alert.taggedPackets = true;
        const x = a.xff as Record<string, unknown> | undefined;
        if (x && on(x.enabled))
          cfg.alert.xff = {
            mode: x.mode === 'overwrite' ? 'overwrite' : 'extra-data',
            deployment: x.deployment === 'forward' ? 'forward' : 'reverse',
            header: typeof x.header === 'string' ? x.header : 'X-Forwarded-For',
          };
      }
      const custom = entry.tls?.custom;
      if (Array.isArray(custom)) cfg.custom.tls = custom.map(String);
      if ('dns' in entry) cfg.custom.dns = dnsOptions(entry.dns);
      const dump = entry.http?.['dump-all-headers'];
      if (dump === 'both' || dump === 'request' || dump === 'response') cfg.custom.httpDumpHeaders = dump;
    }
  }
  if (extra.size > 0) cfg.custom.extraTypes = [...extra];
  if (eveLogs(doc).some((e) => on(e['suricata-version']))) cfg.custom.suricataVersion = true;
  return cfg;
}
