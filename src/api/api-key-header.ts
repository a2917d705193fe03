/**
 * How every moat HTTP API takes its key: `Authorization: Bearer KEY` (RFC 6750), the one convention. The
 * `x-api-key: KEY` header older clients of the TLS monitor send is still accepted.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const API_KEY_HELP = 'Authorization: Bearer KEY';

/** The key a request carries, or undefined. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim() || undefined;
  const legacy = headers['x-api-key'];
  return typeof legacy === 'string' && legacy !== '' ? legacy : undefined;
}
