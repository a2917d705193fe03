/**
 * The allowed download scope: the DMZ may not reach out freely, so a URL is fetched only
 * when its resolved address falls in a configured prefix (and port, when given). Out-of-scope URLs
 * are recorded, never contacted. Entries: `ADDRESS[/LENGTH][:PORT]` — `127.0.0.1/32`, `10.0.0.0/8:8080`,
 * `::1/128`, `[2001:db8::1]:8080` (an IPv6 address takes a port after a length or in brackets).
 */
import { AddressError, cidrContains, parseCidr, tryParseIp, type Cidr } from '../address/index.js';

interface Prefix {
  net: Cidr;
  port?: number;
}

export class ScopeError extends Error {}

function parseEntry(e: string): Prefix {
  let addr: string;
  let rest: string;
  const bracketed = /^\[([^\]]*)\](.*)$/.exec(e);
  const slash = e.indexOf('/');
  if (bracketed) [, addr, rest] = bracketed;
  else if (slash >= 0) [addr, rest] = [e.slice(0, slash), e.slice(slash)];
  else if (e.includes('.') && e.indexOf(':') >= 0 && e.indexOf(':') === e.lastIndexOf(':'))
    // a.b.c.d:port — one colon after dotted IPv4 can only be a port.
    [addr, rest] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':'))];
  else [addr, rest] = [e, ''];
  const m = /^(?:\/(\d{1,3}))?(?::(\d{1,5}))?$/.exec(rest);
  if (!m) throw new ScopeError(`scope entry '${e}' is not ADDRESS[/LENGTH][:PORT]`);
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && !(port > 0 && port < 65536))
    throw new ScopeError(`bad port in scope entry '${e}'`);
  try {
    return { net: parseCidr(m[1] === undefined ? addr : `${addr}/${m[1]}`), port };
  } catch (err) {
    if (err instanceof AddressError) throw new ScopeError(`scope entry '${e}': ${err.reason}`);
    throw err;
  }
}

export class DownloadScope {
  private readonly prefixes: Prefix[];

  constructor(entries: readonly string[]) {
    this.prefixes = entries.map(parseEntry);
  }

  allows(ip: string, port: number): boolean {
    const a = tryParseIp(ip);
    if (!a) return false;
    return this.prefixes.some(
      (p) => cidrContains(p.net, a.words) && (p.port === undefined || p.port === port),
    );
  }
}
