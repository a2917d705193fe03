/**
 * EVE `http` object of an HTTP/2 stream, as Suricata 8 writes it: `version: "2"`, the header lists as decoded
 * (`request_headers` / `response_headers`, with HPACK table size updates and decoding errors in place), the
 * usual fields taken from them (`http_method`, `url`, `hostname`, `http_user_agent`, `length`, `status`), and
 * `http2: {stream_id, request: {settings, error_code, priority}, response: {…}}`.
 */
import {
  ERROR_NAMES,
  SETTING_NAMES,
  type HeaderEntry,
  type Http2Details,
  type Http2Side,
} from '../../proto/index.js';
import { MemberWriter, num, raw, str, type EveBytesOut } from './json-out.js';

export function writeHttp2Eve(o: EveBytesOut, h2: Http2Details): void {
  raw(o, '"http":{"version":"2"');
  const common: Record<string, string> = {};
  writeHeaders(o, 'request_headers', h2.request, common);
  writeHeaders(o, 'response_headers', h2.response, common);
  if (common[':method'] !== undefined) {
    raw(o, ',"http_method":');
    str(o, common[':method']);
  }
  if (common[':path'] !== undefined) {
    raw(o, ',"url":');
    str(o, common[':path']);
  }
  if (common.host !== undefined) {
    raw(o, ',"hostname":');
    str(o, common.host);
  }
  if (common['user-agent'] !== undefined) {
    raw(o, ',"http_user_agent":');
    str(o, common['user-agent']);
  }
  const length = decimal(common['content-length']);
  if (length !== undefined) {
    raw(o, ',"length":');
    num(o, length);
  }
  const status = decimal(common[':status']);
  if (status !== undefined) {
    raw(o, ',"status":');
    num(o, status);
  }
  raw(o, ',"http2":{"stream_id":');
  num(o, h2.streamId);
  raw(o, ',"request":{');
  writeSide(o, h2.request);
  raw(o, '},"response":{');
  writeSide(o, h2.response);
  raw(o, '}}}');
}

/** Header names whose (last) value Suricata copies into the common fields. */
const COMMON = new Set([':method', ':path', ':status', 'host', 'user-agent', 'content-length']);

function writeHeaders(o: EveBytesOut, key: string, side: Http2Side, common: Record<string, string>): void {
  if (!side.sawHeaders) return;
  raw(o, `,"${key}":[`);
  let first = true;
  for (const h of side.headers) {
    raw(o, first ? '{' : ',{');
    first = false;
    writeEntry(o, h, common);
    raw(o, '}');
  }
  raw(o, ']');
}

function writeEntry(o: EveBytesOut, h: HeaderEntry, common: Record<string, string>): void {
  if ('name' in h) {
    raw(o, '"name":');
    str(o, h.name);
    raw(o, ',"value":');
    str(o, h.value);
    const lower = h.name.toLowerCase();
    if (COMMON.has(lower)) common[lower] = h.value;
  } else if ('sizeUpdate' in h) {
    raw(o, '"table_size_update":');
    num(o, h.sizeUpdate);
  } else {
    raw(o, '"error":');
    str(o, h.error);
  }
}

function writeSide(o: EveBytesOut, s: Http2Side): void {
  const w = new MemberWriter(o);
  if (s.settings) {
    w.key('settings');
    raw(o, '[');
    s.settings.forEach((e, i) => {
      raw(o, i === 0 ? '{"settings_id":' : ',{"settings_id":');
      str(o, SETTING_NAMES[e.id] ?? String(e.id));
      raw(o, ',"settings_value":');
      num(o, e.value);
      raw(o, '}');
    });
    raw(o, ']');
  }
  if (s.errorCode !== undefined) {
    w.key('error_code');
    str(o, ERROR_NAMES[s.errorCode] ?? String(s.errorCode));
  }
  if (s.priority !== undefined) {
    w.key('priority');
    num(o, s.priority);
  }
  if (s.hasMultiple !== undefined) {
    w.key('has_multiple');
    str(o, s.hasMultiple);
  }
}

function decimal(v: string | undefined): number | undefined {
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}
