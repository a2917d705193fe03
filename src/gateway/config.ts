/**
 * Loading `gateway.yaml`: YAML, then the schema, then the rules between fields. Every problem found is reported,
 * each as `file:line: path: message`, so one run of `moat gateway check` shows everything to fix.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../framework/errors.js';
import { GatewayConfigSchema, type GatewayConfig } from './config-schema.js';
import { checkConfigRules, planOf, type ConfigIssue, type GatewayPlan } from './config-rules.js';

export class GatewayConfigError extends ConfigError {
  constructor(
    readonly file: string,
    /** Each problem with its path and, when the field is in the file, its line. */
    readonly issues: ReadonlyArray<ConfigIssue & { line?: number }>,
  ) {
    super(
      issues
        .map((i) => `${file}${i.line ? `:${i.line}` : ''}: ${i.path || '(top level)'}: ${i.message}`)
        .join('\n'),
    );
  }
}

type PathPart = string | number;

function pathText(parts: readonly PathPart[]): string {
  let s = '';
  for (const p of parts) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** `zones.lan.dhcp.from` / `portForwards[2].to` back into parts, to find the field's line. */
function pathParts(path: string): PathPart[] {
  const parts: PathPart[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}

/** Schema issues in the gateway's words: unknown keys one by one, a missing field called missing. */
function schemaIssues(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of error.issues) {
    const path = i.path.filter((p): p is PathPart => typeof p !== 'symbol');
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: pathText([...path, k]), message: 'unknown key' });
    } else if (i.code === 'invalid_type' && /received undefined/.test(i.message)) {
      out.push({ path: pathText(path), message: `missing (expected ${i.expected})` });
    } else out.push({ path: pathText(path), message: i.message });
  }
  return out;
}

/** A copy of `raw` without the keys the schema did not know. */
function withoutKeys(raw: unknown, error: z.ZodError): unknown {
  const copy = structuredClone(raw) as Record<string | number, unknown>;
  for (const i of error.issues) {
    if (i.code !== 'unrecognized_keys') continue;
    let node: unknown = copy;
    for (const p of i.path) node = (node as Record<PropertyKey, unknown>)?.[p];
    if (node && typeof node === 'object') for (const k of i.keys) delete (node as Record<string, unknown>)[k];
  }
  return copy;
}

export interface LoadedConfig {
  config: GatewayConfig;
  plan: GatewayPlan;
}

/** Parses and checks configuration text; `file` names it in errors. Throws GatewayConfigError with every issue. */
export function parseGatewayConfig(text: string, file: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new GatewayConfigError(
      file,
      doc.errors.map((e) => ({
        path: '',
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
        line: lines.linePos(e.pos[0]).line,
      })),
    );
  }
  const lineOf = (path: string): number | undefined => {
    const parts = pathParts(path);
    // The field itself, or the nearest enclosing one that is in the file (a missing key has no line).
    for (let n = parts.length; n > 0; n--) {
      const node = doc.getIn(parts.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const withLines = (issues: ConfigIssue[]) => issues.map((i) => ({ ...i, line: lineOf(i.path) }));

  const raw: unknown = doc.toJS() ?? {};
  const parsed = GatewayConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = schemaIssues(parsed.error);
    // Unknown keys alone do not stop the rules between fields from being checked: report those too.
    if (parsed.error.issues.every((i) => i.code === 'unrecognized_keys')) {
      const retry = GatewayConfigSchema.safeParse(withoutKeys(raw, parsed.error));
      if (retry.success) issues.push(...checkConfigRules(retry.data));
    }
    throw new GatewayConfigError(file, withLines(issues));
  }
  const ruleIssues = checkConfigRules(parsed.data);
  if (ruleIssues.length > 0) throw new GatewayConfigError(file, withLines(ruleIssues));
  return { config: parsed.data, plan: planOf(parsed.data) };
}

export function loadGatewayConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GatewayConfigError(file, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseGatewayConfig(text, file);
}
