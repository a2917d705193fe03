/**
 * EVE logger options from a Suricata configuration: the `outputs: - eve-log: types:` list of a suricata.yaml (or a
 * file holding only such an `eve-log` entry or `types` list) — the alert payload options, the tls logger's `custom`
 * fields and the dns logger's `version`, `requests`/`responses`, `types`, `formats`. Entries moat has no use for
 * are ignored, as a shared suricata.yaml has many.
 */
import type { AlertOutputOptions, DnsLogOptions } from '../output/index.js';
import { OPT_IN_TYPES, type EveCustomFields } from './eve-events.js';
import type { FileHashName, HttpParseOptions } from '../proto/index.js';

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

const LIBHTP = 'app-layer.protocols.http.libhtp.default-config';
export const REQUEST_BODY_LIMIT_KEY = `${LIBHTP}.request-body-limit`;
export const RESPONSE_BODY_LIMIT_KEY = `${LIBHTP}.response-body-limit`;
const BYTERANGE = 'app-layer.protocols.http.byterange';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1 << 20,
  mib: 1 << 20,
  gb: 1 << 30,
  gib: 1 << 30,
};

/** A Suricata size setting ("100kb", "4 KiB", "1mb", 4096) in bytes; anything else is refused, naming the key. */
export function sizeSetting(key: string, value: unknown): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined || (typeof value !== 'number' && typeof value !== 'string'))
    throw new Error(`${key}: expected a size such as 4096, 100kb or 1mb, got ${JSON.stringify(value)}`);
  return Math.floor(Number(m[1]) * unit);
}

const HASH_NAMES: readonly FileHashName[] = ['md5', 'sha1', 'sha256'];

/**
 * The digests Suricata adds to file events under this configuration: the eve-log `files` logger's `force-hash`
 * list, and sha256 when file-store is enabled (version 2 names stored files by it).
 */
export function fileHashesOf(doc: unknown): FileHashName[] {
  const want = new Set<FileHashName>();
  for (const types of typeLists(doc)) {
    for (const t of types) {
      const files = t && typeof t === 'object' ? (t as Record<string, unknown>).files : undefined;
      const fh =
        files && typeof files === 'object' ? (files as Record<string, unknown>)['force-hash'] : undefined;
      const list = Array.isArray(fh) ? fh : typeof fh === 'string' ? fh.split(/[\s,]+/) : [];
      for (const h of list) {
        const name = String(h).toLowerCase() as FileHashName;
        if (HASH_NAMES.includes(name)) want.add(name);
      }
    }
  }
  const outputs = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).outputs : undefined;
  if (Array.isArray(outputs))
    for (const o of outputs as Array<Record<string, unknown> | null>) {
      const fs = o?.['file-store'] as Record<string, unknown> | undefined;
      if (fs && on(fs.enabled)) want.add('sha256');
    }
  return HASH_NAMES.filter((h) => want.has(h));
}

/**
 * libhtp and file settings of a suricata.yaml that change what moat's HTTP parser decodes and follows as files;
 * undefined when none is set.
 */
export function httpOptionsOf(doc: unknown): HttpParseOptions | undefined {
  const out: HttpParseOptions = {};
  const v = setting(doc, LAYER_LIMIT_KEY);
  if (v !== undefined && v !== null) out.decode = { layerLimit: decompressLayerLimit(v) };
  const req = setting(doc, REQUEST_BODY_LIMIT_KEY);
  if (req !== undefined && req !== null) out.requestBodyLimit = sizeSetting(REQUEST_BODY_LIMIT_KEY, req);
  const resp = setting(doc, RESPONSE_BODY_LIMIT_KEY);
  if (resp !== undefined && resp !== null) out.responseBodyLimit = sizeSetting(RESPONSE_BODY_LIMIT_KEY, resp);
  const memcap = setting(doc, `${BYTERANGE}.memcap`);
  const timeout = setting(doc, `${BYTERANGE}.timeout`);
  if (memcap !== undefined && memcap !== null)
    out.byterange = { memcap: sizeSetting(`${BYTERANGE}.memcap`, memcap) };
  if (timeout !== undefined && timeout !== null) {
    const t = Number(timeout);
    if (!Number.isFinite(t) || t < 0)
      throw new Error(`${BYTERANGE}.timeout: expected seconds, got ${JSON.stringify(timeout)}`);
    out.byterange = { ...out.byterange, timeoutUs: t * 1e6 };
  }
  const hashes = fileHashesOf(doc);
  if (hashes.length > 0) out.fileHashes = hashes;
  // libhtp's second URL-decoding pass (and its double_encoded_uri event).
  if (on(setting(doc, `${LIBHTP}.double-decode-path`))) out.doubleDecodePath = true;
  if (on(setting(doc, `${LIBHTP}.double-decode-query`))) out.doubleDecodeQuery = true;
  return Object.keys(out).length > 0 ? out : undefined;
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
      // A bare `- tls` gives the logger no options: Suricata then leaves resumed sessions out.
      if (t === 'tls') cfg.custom.tlsSessionResumption = false;
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
      if (entry.tls && 'session-resumption' in entry.tls)
        cfg.custom.tlsSessionResumption = on(entry.tls['session-resumption']);
      const custom = entry.tls?.custom;
      if (Array.isArray(custom)) cfg.custom.tls = custom.map(String);
      if ('dns' in entry) cfg.custom.dns = dnsOptions(entry.dns);
      const dump = entry.http?.['dump-all-headers'];
      if (dump === 'both' || dump === 'request' || dump === 'response') cfg.custom.httpDumpHeaders = dump;
    }
  }
  if (extra.size > 0) cfg.custom.extraTypes = [...extra];
  if (eveLogs(doc).some((e) => on(e['suricata-version']))) cfg.custom.suricataVersion = true;
  if (eveLogs(doc).some((e) => on(e.ethernet))) cfg.custom.ethernet = true;
  return cfg;
}
