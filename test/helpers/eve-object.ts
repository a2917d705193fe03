/**
 * EVE written by its one serialiser and read back as objects, for tests that look at fields: a member
 * (`"tls":{…}`) or a whole record, as the output would hold it.
 */
import { EveLineOut } from '../../src/output/eve/line-out.js';
import { raw, type EveBytesOut } from '../../src/output/eve/json-out.js';

/** The lines `write` puts into an output, each parsed. */
export function writtenRecords(write: (o: EveBytesOut) => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const o = new EveLineOut((l) => lines.push(l));
  write(o);
  if (o.pos > 0) o.endLine();
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** One member written by `write` (e.g. writeTlsEve), read back: the value under `key`. */
export function writtenMember(key: string, write: (o: EveBytesOut) => void): Record<string, unknown> {
  const [rec] = writtenRecords((o) => {
    raw(o, '{');
    write(o);
    raw(o, '}');
  });
  return rec[key] as Record<string, unknown>;
}
