/** Turns a typed value from MISP/STIX into a normalised indicator, or an error message. */
import { formatCidr, isHostCidr, tryParseCidr } from '../../address/index.js';
import type { IndicatorType } from './types.js';

export function normaliseIndicator(
  type: IndicatorType,
  value: string,
): { type: IndicatorType; value: string } | string {
  const v = value.trim();
  switch (type) {
    case 'ip':
    case 'cidr': {
      const p = tryParseCidr(v);
      if (!p) return `not an IP address or CIDR: '${v.slice(0, 60)}'`;
      const host = isHostCidr(p);
      return { type: host ? 'ip' : 'cidr', value: formatCidr(p) };
    }
    case 'sha1':
      return /^[0-9a-fA-F]{40}$/.test(v)
        ? { type, value: v.toLowerCase() }
        : `not a SHA-1: '${v.slice(0, 60)}'`;
    case 'ja3':
      return /^[0-9a-fA-F]{32}$/.test(v)
        ? { type, value: v.toLowerCase() }
        : `not a JA3 MD5: '${v.slice(0, 60)}'`;
    case 'domain':
      return /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9-]{1,63}\.?$/.test(v)
        ? { type, value: v.toLowerCase().replace(/\.$/, '') }
        : `not a domain name: '${v.slice(0, 60)}'`;
    case 'url':
      return /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v) ? { type, value: v } : `not a URL: '${v.slice(0, 60)}'`;
    case 'asn': {
      const m = /^(?:AS)?(\d{1,10})$/i.exec(v);
      return m && Number(m[1]) <= 4294967295
        ? { type, value: `AS${Number(m[1])}` }
        : `not an AS number: '${v}'`;
    }
  }
}

/** Line number (1-based) of a character offset, for JSON syntax errors. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function jsonSyntaxWhere(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  return m ? `line ${lineOfOffset(text, Number(m[1]))}` : 'line 1';
}
