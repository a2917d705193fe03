/**
 * Events a message head's fields raise, with libhtp's names as Suricata logs them: several Content-Length fields
 * that disagree (or one that is no number), a request's Transfer-Encoding without the chunked coding, and a request's
 * Authorization scheme libhtp does not know (it knows Basic, Digest and Bearer).
 */
const KNOWN_AUTH = new Set(['basic', 'digest', 'bearer']);

/** Calls `raise(event, detail)` for each event the head's fields give. */
export function headFieldEvents(
  headers: ReadonlyArray<[string, string]>,
  isRequest: boolean,
  raise: (event: string, detail: string) => void,
): void {
  let firstCl: string | undefined;
  let clDiffers = false;
  let auth: string | undefined;
  let te: string | undefined;
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (name === 'content-length') {
      const n = v.trim();
      if (firstCl === undefined) firstCl = n;
      else if (!/^\d+$/.test(n) || !/^\d+$/.test(firstCl) || BigInt(n) !== BigInt(firstCl)) clDiffers = true;
    } else if (isRequest && name === 'transfer-encoding') te = te === undefined ? v : `${te}, ${v}`;
    else if (isRequest && name === 'authorization' && auth === undefined) auth = v;
  }
  if (clDiffers)
    raise(
      `DUPLICATE_CONTENT_LENGTH_FIELD_IN_${isRequest ? 'REQUEST' : 'RESPONSE'}`,
      'Content-Length fields with different values',
    );
  if (te !== undefined && !te.split(',').some((c) => c.trim().toLowerCase() === 'chunked'))
    raise(
      'INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST',
      `Transfer-Encoding ${JSON.stringify(te.slice(0, 40))} has no chunked coding`,
    );
  if (auth !== undefined) {
    const scheme = /^\s*(\S*)/.exec(auth)?.[1] ?? '';
    if (!KNOWN_AUTH.has(scheme.toLowerCase()))
      raise('REQUEST_AUTH_UNRECOGNIZED', `authorization scheme ${JSON.stringify(scheme.slice(0, 40))}`);
  }
}
