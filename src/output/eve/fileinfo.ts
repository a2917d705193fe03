/**
 * EVE `fileinfo` member of a file an HTTP transaction carried, in Suricata 8's shape: filename, gaps, state
 * (CLOSED / TRUNCATED), the md5/sha1/sha256 digests that were asked for, stored (moat stores no files), size,
 * start/end of a ranged response, and tx_id. The event also carries the transaction's
 * `http` object and `app_proto`, written by the caller.
 */
import type { HttpFile } from '../../proto/index.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

export function writeFileinfoEve(o: EveBytesOut, f: HttpFile, txId: number): void {
  raw(o, '"fileinfo":{"filename":');
  str(o, f.name);
  raw(o, f.gaps ? ',"gaps":true,"state":"' : ',"gaps":false,"state":"');
  raw(o, f.state);
  raw(o, '"');
  // Digests as Suricata orders them, when the configuration asks for them (force-hash, file-store).
  if (f.md5 !== undefined) {
    raw(o, ',"md5":"');
    raw(o, f.md5);
    raw(o, '"');
  }
  if (f.sha1 !== undefined) {
    raw(o, ',"sha1":"');
    raw(o, f.sha1);
    raw(o, '"');
  }
  if (f.sha256 !== undefined) {
    raw(o, ',"sha256":"');
    raw(o, f.sha256);
    raw(o, '"');
  }
  raw(o, ',"stored":false,"size":');
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
