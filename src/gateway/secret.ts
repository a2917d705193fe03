/** Secrets from the configuration (inline or a one-line file) and their constant-time comparison. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../framework/errors.js';

export function readSecret(o: { key?: string; keyFile?: string }, path: string): string | undefined {
  if (o.key !== undefined) return o.key;
  if (o.keyFile === undefined) return undefined;
  let s: string;
  try {
    s = readFileSync(o.keyFile, 'utf8').trim();
  } catch (e) {
    throw new ConfigError(`${path}.keyFile: ${(e as Error).message}`);
  }
  if (s.length < 12) throw new ConfigError(`${path}.keyFile: ${o.keyFile} holds fewer than 12 characters`);
  return s;
}

export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The secret a request carries: `Authorization: Bearer S`, or HTTP Basic with S as the password. */
export function secretOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
  if (bearer) return bearer[1].trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization);
  if (!basic) return undefined;
  const text = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : text.slice(colon + 1);
}
