/**
 * EVE `fileinfo` member of a file an HTTP transaction carried, in Suricata 8's shape: filename, gaps, state
 * (CLOSED / TRUNCATED), stored (moat stores no files), size and tx_id. The event also carries the transaction's
 * `http` object and `app_proto`, written by the caller.
 */
import type { HttpFile } from '../../proto/index.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

export function writeFileinfoEve(o: EveBytesOut, f: HttpFile, txId: number): void {
  raw(o, '"fileinfo":{"filename":');
  str(o, f.name);
  raw(o, f.gaps ? ',"gaps":true,"state":"' : ',"gaps":false,"state":"');
  raw(o, f.state);
  raw(o, '","stored":false,"size":');
  num(o, f.size);
  if (f.range) {
    raw(o, ',"start":');
    num(o, f.range.start);
    raw(o, ',"end":');
    num(o, f.range.end);
  }
  raw(o, ',"tx_id":');
  num(o, txId);
  raw(o, '}');
}
