/** The state a rule's options are applied to, in order: the rule so far, the active buffer, the last match. */
import type { Base64Match, BufferMatch, BufferName, ContentMatch, Rule } from '../rule.js';
import { RuleError } from '../rule.js';

export interface BuildContext {
  rule: Rule;
  /** The sticky buffer later content/pcre apply to ('payload' until one is named). */
  buffer: BufferName;
  /** The last match and its buffer. */
  last?: { match: BufferMatch; buffer: BufferName };
  /**
   * The last content of the current buffer and its buffer: what modifiers (nocase, depth, fast_pattern, http_uri …)
   * apply to. Suricata ties a modifier to the last content even when bsize, isdataat or pcre came between.
   */
  lastContent?: { match: ContentMatch; buffer: BufferName };
  /** After base64_data: the base64_decode whose decoded data later matches apply to. */
  base64?: Base64Match;
  /** byte_extract variables defined so far: name → slot. */
  byteVars?: Map<string, number>;
}

export type KeywordHandler = (ctx: BuildContext, value: string | undefined, name: string) => void;

export function addMatch(ctx: BuildContext, m: BufferMatch, buffer = ctx.buffer): void {
  if (ctx.base64 && buffer === ctx.buffer) {
    ctx.base64.data.push(m);
    ctx.last = { match: m, buffer };
    if (m.kind === 'content') ctx.lastContent = { match: m, buffer };
    return;
  }
  let list = ctx.rule.buffers.get(buffer);
  if (!list) {
    list = [];
    ctx.rule.buffers.set(buffer, list);
  }
  list.push(m);
  ctx.last = { match: m, buffer };
  if (m.kind === 'content') ctx.lastContent = { match: m, buffer };
}

export function lastContent(ctx: BuildContext, keyword: string): ContentMatch {
  const m = ctx.lastContent?.match;
  if (!m) throw new RuleError('needs a preceding content', undefined, keyword);
  return m;
}

/** Moves the last content to another buffer (legacy modifiers http_uri, http_method …). */
export function moveLast(ctx: BuildContext, to: BufferName, keyword: string): void {
  const m = lastContent(ctx, keyword);
  const from = ctx.lastContent?.buffer ?? 'payload';
  const list = ctx.rule.buffers.get(from);
  if (list) {
    const i = list.lastIndexOf(m);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) ctx.rule.buffers.delete(from);
  }
  addMatch(ctx, m, to);
}

export function noValue(value: string | undefined, keyword: string): void {
  if (value !== undefined && value !== '')
    throw new RuleError(`takes no value, got '${value}'`, undefined, keyword);
}

export function needValue(value: string | undefined, keyword: string): string {
  if (value === undefined || value === '') throw new RuleError('needs a value', undefined, keyword);
  return value;
}
