/**
 * content and its modifiers (nocase, depth, offset, distance, within, startswith, endswith, fast_pattern, rawbytes)
 * and the legacy buffer modifiers (http_uri, http_method, http_header, http_user_agent, http_host, http_stat_code).
 */
import { RuleError, type BufferName } from '../rule.js';
import { decodeContent, intValue } from '../parse/options.js';
import { contentTransformProblem } from '../transforms.js';
import {
  addMatch,
  lastContent,
  moveLast,
  needValue,
  noValue,
  type BuildContext,
  type KeywordHandler,
} from './context.js';

/** A byte_extract variable named as a content modifier's value: its slot, else undefined. */
function variable(c: BuildContext, v: string | undefined, k: string): number | undefined {
  const t = (v ?? '').trim();
  if (!/^[A-Za-z_][\w.-]*$/.test(t)) return undefined;
  const slot = c.byteVars?.get(t);
  if (slot === undefined)
    throw new RuleError(`'${t}' is neither a number nor a byte_extract variable`, undefined, k);
  return slot;
}

/** offset/depth/distance/within: a number, or a variable (then the checks against the content wait for run time). */
function modifier(
  name: 'offset' | 'depth' | 'distance' | 'within',
  min: number,
  checkLength: boolean,
): KeywordHandler {
  return (c, v, k) => {
    const m = lastContent(c, k);
    const slot = variable(c, v, k);
    if (slot !== undefined) {
      (m.vars ??= {})[name] = slot;
      m[name] = 0;
      return;
    }
    const n = intValue(v, k, min);
    m[name] = n;
    if (checkLength && n < m.bytes.length)
      throw new RuleError(`${name} ${n} is shorter than the content (${m.bytes.length} bytes)`, undefined, k);
  };
}

function content(c: Parameters<KeywordHandler>[0], v: string | undefined, k: string): void {
  let raw = needValue(v, k).trim();
  let negated = false;
  if (raw.startsWith('!')) {
    negated = true;
    raw = raw.slice(1).trim();
  }
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) {
    throw new RuleError(`must be a double-quoted string, got ${raw}`, undefined, k);
  }
  const bytes = decodeContent(raw.slice(1, -1));
  const unmatchable = contentTransformProblem(c.buffer, bytes);
  if (unmatchable) throw new RuleError(unmatchable, undefined, k);
  addMatch(c, {
    kind: 'content',
    bytes,
    negated,
    nocase: false,
    startsWith: false,
    endsWith: false,
    fastPattern: false,
  });
}

const legacy =
  (to: BufferName): KeywordHandler =>
  (c, v, k) => {
    noValue(v, k);
    moveLast(c, to, k);
  };

export const PAYLOAD_KEYWORDS: Record<string, KeywordHandler> = {
  content,
  // Suricata 7+ reads the old filename:"x" as file.name; content:"x".
  filename: (c, v, k) => {
    content(c, v, k);
    moveLast(c, 'file.name', k);
  },
  // The old form of content + http_uri.
  uricontent: (c, v, k) => {
    content(c, v, k);
    moveLast(c, 'http.uri', k);
  },
  nocase: (c, v, k) => {
    noValue(v, k);
    lastContent(c, k).nocase = true;
  },
  rawbytes: (c, v, k) => {
    noValue(v, k);
    lastContent(c, k);
  },
  depth: modifier('depth', 1, true),
  offset: modifier('offset', 0, false),
  distance: modifier('distance', -Infinity, false),
  within: modifier('within', 1, true),
  startswith: (c, v, k) => {
    noValue(v, k);
    const m = lastContent(c, k);
    m.startsWith = true;
    m.offset = 0;
    m.depth = m.bytes.length;
  },
  endswith: (c, v, k) => {
    noValue(v, k);
    lastContent(c, k).endsWith = true;
  },
  fast_pattern: (c, _v, k) => {
    // "fast_pattern:only" and "fast_pattern:o,l" only tune which bytes the prefilter uses; any form selects it.
    lastContent(c, k).fastPattern = true;
  },
  http_uri: legacy('http.uri'),
  http_raw_uri: legacy('http.uri'),
  http_method: legacy('http.method'),
  http_header: legacy('http.header'),
  http_raw_header: legacy('http.header.raw'),
  http_user_agent: legacy('http.user_agent'),
  http_host: legacy('http.host'),
  http_raw_host: legacy('http.host'),
  http_stat_code: legacy('http.stat_code'),
  http_stat_msg: legacy('http.stat_msg'),
  http_client_body: legacy('http.request_body'),
  http_server_body: legacy('http.response_body'),
  http_cookie: legacy('http.cookie'),
  http_raw_cookie: legacy('http.cookie'),
  // A hint for the multi-pattern matcher; moat chooses its own prefilter patterns.
  prefilter: (_c, v, k) => noValue(v, k),
};
