/**
 * TCP option checks (RFC 9293 §3.2 and the options' own RFCs), raising Suricata's events: `tcp.opt_invalid_len`
 * for an option whose length its kind does not allow (or that runs past the header), `tcp.opt_duplicate` for a
 * second MSS, window scale, SACK-permitted, timestamp, SACK or Fast Open option. Numeric reads only; nothing
 * is kept, the options stay in the packet.
 */
import { setAnomaly, TCP_OPT_DUPLICATE, TCP_OPT_INVALID_LEN } from './anomalies.js';
import type { DecodedPacket } from './decoded-packet.js';

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WS = 3;
const OPT_SACKOK = 4;
const OPT_SACK = 5;
const OPT_TS = 8;
const OPT_MD5 = 19;
const OPT_AO = 29;
const OPT_TFO = 34;
const OPT_EXP1 = 253;
const OPT_EXP2 = 254;
/** RFC 7413's experimental option id for Fast Open carried in kinds 253/254. */
const TFO_EXP_MAGIC = 0xf989;

/** Bits of the options seen once already (for the duplicate check). */
const SEEN_MSS = 1;
const SEEN_WS = 2;
const SEEN_SACKOK = 4;
const SEEN_TS = 8;
const SEEN_SACK = 16;
const SEEN_TFO = 32;

/** Whether a length is allowed for the kind (kinds without a rule accept any length ≥ 2). */
function lengthOk(kind: number, len: number): boolean {
  switch (kind) {
    case OPT_MSS:
      return len === 4;
    case OPT_WS:
      return len === 3;
    case OPT_SACKOK:
      return len === 2;
    case OPT_TS:
      return len === 10;
    case OPT_SACK:
      // An empty SACK (length 2) is tolerated; otherwise 1–4 blocks of 8 bytes.
      return len === 2 || (len >= 10 && len <= 34 && (len - 2) % 8 === 0);
    case OPT_TFO:
      // A cookie request (2) or a cookie of 4–16 bytes, an even number.
      return len === 2 || (len >= 6 && len <= 18 && (len - 2) % 2 === 0);
    case OPT_EXP1:
    case OPT_EXP2:
      return len === 4 || len === 12;
    case OPT_MD5:
      return len === 18;
    case OPT_AO:
      return len >= 4;
    default:
      return true;
  }
}

function seenBit(kind: number): number {
  switch (kind) {
    case OPT_MSS:
      return SEEN_MSS;
    case OPT_WS:
      return SEEN_WS;
    case OPT_SACKOK:
      return SEEN_SACKOK;
    case OPT_TS:
      return SEEN_TS;
    case OPT_SACK:
      return SEEN_SACK;
    case OPT_TFO:
      return SEEN_TFO;
    default:
      return 0;
  }
}

/** Walks the options in [start, end) of `b` (the header is known to be within the captured bytes). */
export function checkTcpOptions(b: Buffer, start: number, end: number, pkt: DecodedPacket): void {
  let p = start;
  let seen = 0;
  while (p < end) {
    const kind = b[p];
    if (kind === OPT_EOL) return;
    if (kind === OPT_NOP) {
      p++;
      continue;
    }
    if (end - p < 2) return;
    const len = b[p + 1];
    if (len < 2 || len > end - p) {
      // The rest of the option space cannot be walked.
      setAnomaly(pkt, TCP_OPT_INVALID_LEN);
      return;
    }
    if (!lengthOk(kind, len)) setAnomaly(pkt, TCP_OPT_INVALID_LEN);
    else {
      let bit = seenBit(kind);
      // Fast Open in an experimental option (RFC 7413 §4.1.1) counts as Fast Open.
      if ((kind === OPT_EXP1 || kind === OPT_EXP2) && ((b[p + 2] << 8) | b[p + 3]) === TFO_EXP_MAGIC)
        bit = SEEN_TFO;
      if (bit !== 0) {
        if ((seen & bit) !== 0) setAnomaly(pkt, TCP_OPT_DUPLICATE);
        seen |= bit;
      }
    }
    p += len;
  }
}
