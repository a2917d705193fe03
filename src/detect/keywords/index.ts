/** The keyword table: every option a rule may use, mapped to the handler that applies it. */
import type { KeywordHandler } from './context.js';
import { META_KEYWORDS } from './meta.js';
import { PAYLOAD_KEYWORDS } from './payload.js';
import {
  APP_LAYER_PROTOCOL,
  ABSENT,
  DNS_RRTYPE,
  LEGACY_TLS_KEYWORDS,
  STICKY_KEYWORDS,
  TLS_VERSION,
  TRANSFORM_KEYWORDS,
} from './sticky.js';
import { PCRE } from './pcre.js';
import { BYTE_KEYWORDS } from './bytes.js';
import { BYTE_MATH } from './byte-math.js';
import { APP_LAYER_EVENT, DECODE_EVENT, STREAM_EVENT } from './events.js';
import { HEADER_KEYWORDS } from './header.js';
import { STATE_KEYWORDS } from './state.js';
import { REPUTATION_KEYWORDS } from './reputation.js';
import { BASE64_KEYWORDS } from './base64.js';
import { CHECKSUM_KEYWORDS } from './checksum.js';
import { FRAME } from './frame.js';

export const KEYWORDS = new Map<string, KeywordHandler>(
  Object.entries({
    ...META_KEYWORDS,
    ...PAYLOAD_KEYWORDS,
    ...STICKY_KEYWORDS,
    ...TRANSFORM_KEYWORDS,
    ...LEGACY_TLS_KEYWORDS,
    'tls.version': TLS_VERSION,
    'dns.rrtype': DNS_RRTYPE,
    absent: ABSENT,
    'app-layer-protocol': APP_LAYER_PROTOCOL,
    pcre: PCRE,
    ...BYTE_KEYWORDS,
    byte_math: BYTE_MATH,
    'app-layer-event': APP_LAYER_EVENT,
    'decode-event': DECODE_EVENT,
    'stream-event': STREAM_EVENT,
    ...HEADER_KEYWORDS,
    ...STATE_KEYWORDS,
    ...REPUTATION_KEYWORDS,
    ...BASE64_KEYWORDS,
    ...CHECKSUM_KEYWORDS,
    frame: FRAME,
  }),
);
