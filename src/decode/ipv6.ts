/**
 * IPv6 (RFC 8200) and its extension headers: hop-by-hop, routing, destination options, fragment, AH and
 * mobility are walked to the transport header; fragments go to the reassembler.
 */
import {
  IPV6_DATA_AFTER_NONE_HEADER,
  IPV6_DSTOPTS_ONLY_PADDING,
  IPV6_DSTOPTS_UNKNOWN_OPT,
  IPV6_EXTHDR_AH_RES_NOT_NULL,
  IPV6_EXTHDR_DUPL_AH,
  IPV6_EXTHDR_DUPL_DH,
  IPV6_EXTHDR_DUPL_FH,
  IPV6_EXTHDR_DUPL_HH,
  IPV6_EXTHDR_DUPL_RH,
  IPV6_EXTHDR_INVALID_OPTLEN,
  IPV6_FH_NON_ZERO_RES_FIELD,
  IPV6_HOPOPTS_ONLY_PADDING,
  IPV6_HOPOPTS_UNKNOWN_OPT,
  IPV6_RH_TYPE_0,
  IPV6_ZERO_LEN_PADN,
  IPV6_EXTHDR_USELESS_FH,
  IPV6_FRAG_INVALID_LENGTH,
  IPV6_PKT_TOO_SMALL,
  IPV6_TRUNC_EXTHDR,
  IPV6_TRUNC_PKT,
  IPV6_WRONG_IP_VER,
  setAnomaly,
} from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { FRAG_HELD } from './ip-reassembly.js';
import { nextForIpProto } from './ip-proto.js';
import { L_DONE, L_ERROR, L_HELD, L_IPV6 } from './layers.js';

const NH_HOPOPTS = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_NONE = 59;
const NH_DSTOPTS = 60;
const NH_MOBILITY = 135;
/**
 * Every extension header is at least 8 bytes, so a 64 KiB datagram holds at most this many: the walk is bounded by
 * the packet's length, as Suricata's is (it follows chains of thousands of headers to the transport header).
 */
const MAX_EXT_HEADERS = 8192;

/** Hop-by-hop / destination option types Suricata knows (RFC 8200, 2711, 2675, 6275). */
const OPT_PAD1 = 0x00;
const OPT_PADN = 0x01;
const OPT_RA = 0x05;
const OPT_JUMBO = 0xc2;
const OPT_HAO = 0xc9;

/**
 * The options of a hop-by-hop or destination options header (`optslen` bytes from `start`), raising Suricata's
 * events under its conditions (decode-ipv6.c): an option running past the header, a zero-length PadN, an option
 * it does not know, and a header holding nothing but padding. A Jumbo Payload option counts as neither padding
 * nor another option there.
 */
function scanOptions(b: Buffer, start: number, optslen: number, hop: boolean, pkt: DecodedPacket): void {
  let padding = 0;
  let other = 0;
  let off = 0;
  while (off < optslen) {
    const type = b[start + off];
    if (type === OPT_PAD1) {
      padding++;
      off++;
      continue;
    }
    if (off + 1 >= optslen) {
      setAnomaly(pkt, IPV6_EXTHDR_INVALID_OPTLEN);
      break;
    }
    const len = b[start + off + 1];
    // Suricata's bound: one byte short of the option's real end (type, length, data).
    if (off + 1 + len > optslen) {
      setAnomaly(pkt, IPV6_EXTHDR_INVALID_OPTLEN);
      break;
    }
    if (type === OPT_PADN) {
      padding++;
      if (len === 0) setAnomaly(pkt, IPV6_ZERO_LEN_PADN);
    } else if (type === OPT_RA || type === OPT_JUMBO || type === OPT_HAO) {
      const need = type === OPT_RA ? 2 : type === OPT_JUMBO ? 4 : 16;
      if (len < need) {
        setAnomaly(pkt, IPV6_EXTHDR_INVALID_OPTLEN);
        break;
      }
      if (type !== OPT_JUMBO) other++;
    } else {
      setAnomaly(pkt, hop ? IPV6_HOPOPTS_UNKNOWN_OPT : IPV6_DSTOPTS_UNKNOWN_OPT);
      other++;
    }
    off += len + 2;
  }
  if (padding > 0 && other === 0)
    setAnomaly(pkt, hop ? IPV6_HOPOPTS_ONLY_PADDING : IPV6_DSTOPTS_ONLY_PADDING);
}

function readAddr(b: Buffer, off: number, words: Uint32Array): void {
  for (let i = 0; i < 4; i++) {
    const o = off + 4 * i;
    words[i] = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
}

export function decodeIpv6(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  if (avail < 40) return c.short(pkt, IPV6_PKT_TOO_SMALL);
  if (b[off] >> 4 !== 6) {
    setAnomaly(pkt, IPV6_WRONG_IP_VER);
    return L_ERROR;
  }
  let payloadLen = (b[off + 4] << 8) | b[off + 5];
  let nh = b[off + 6];
  // Payload length 0: a jumbogram (RFC 2675) or segmentation offload on the capturing host; use what is there.
  if (payloadLen === 0) payloadLen = avail - 40;
  // Cut short, and not by the capture's snap length: invalid at the IP layer, as Suricata has it.
  if (40 + payloadLen > avail && !c.capCut && !pkt.truncated) {
    setAnomaly(pkt, IPV6_TRUNC_PKT);
    return L_ERROR;
  }
  pkt.ipVersion = 6;
  pkt.ttl = b[off + 7];
  // A datagram rebuilt from fragments keeps the fragment id it was reassembled under.
  if (c.reassembled) c.reassembled = false;
  else pkt.ipId = 0;
  readAddr(b, off + 8, pkt.src);
  readAddr(b, off + 24, pkt.dst);
  pkt.buf = b;
  pkt.l3Off = off;
  pkt.proto = nh;
  pkt.srcPort = 0;
  pkt.dstPort = 0;
  pkt.tcpFlags = 0;
  pkt.icmpType = 0;
  pkt.icmpCode = 0;
  c.ipDepth = pkt.tunnelDepth;

  let dataEnd = off + 40 + payloadLen;
  if (dataEnd > c.end) {
    if (!c.capCut) setAnomaly(pkt, IPV6_TRUNC_PKT);
    pkt.truncated = true;
    dataEnd = c.end;
  }

  let p = off + 40;
  let sawFragment = false;
  // Headers seen, for Suricata's duplicate events: a second hop-by-hop, routing or AH header, a third destination
  // options header (two are allowed: before the routing header and before the upper layer).
  let hopSeen = false;
  let routingSeen = false;
  let ahSeen = false;
  let dstSeen = 0;
  for (let n = 0; n < MAX_EXT_HEADERS; n++) {
    // After an extension header, whatever comes next needs its first two bytes (Suricata: trunc_exthdr).
    if (n > 0 && nh !== NH_NONE && dataEnd - p < 2) return extTruncated(c, pkt, p, dataEnd, nh);
    if (nh === NH_HOPOPTS || nh === NH_ROUTING || nh === NH_DSTOPTS || nh === NH_MOBILITY || nh === NH_AH) {
      if (dataEnd - p < 2) return extTruncated(c, pkt, p, dataEnd, nh);
      // AH counts 4-byte words beyond the first two; a length of 0 still spans its 12-byte fixed part.
      const len = nh === NH_AH ? (b[p + 1] === 0 ? 12 : (b[p + 1] + 2) << 2) : (b[p + 1] + 1) << 3;
      if (dataEnd - p < len) return extTruncated(c, pkt, p, dataEnd, nh);
      if (nh === NH_HOPOPTS || nh === NH_DSTOPTS) {
        const hop = nh === NH_HOPOPTS;
        if (hop ? hopSeen : dstSeen >= 2) setAnomaly(pkt, hop ? IPV6_EXTHDR_DUPL_HH : IPV6_EXTHDR_DUPL_DH);
        else {
          if (hop) hopSeen = true;
          else dstSeen++;
          scanOptions(b, p + 2, len - 2, hop, pkt);
        }
      } else if (nh === NH_ROUTING) {
        if (routingSeen) setAnomaly(pkt, IPV6_EXTHDR_DUPL_RH);
        else {
          routingSeen = true;
          // Type 0 (source routing) is deprecated by RFC 5095.
          if (b[p + 2] === 0) setAnomaly(pkt, IPV6_RH_TYPE_0);
        }
      } else if (nh === NH_AH) {
        if (b[p + 2] !== 0 || b[p + 3] !== 0) setAnomaly(pkt, IPV6_EXTHDR_AH_RES_NOT_NULL);
        if (ahSeen) setAnomaly(pkt, IPV6_EXTHDR_DUPL_AH);
        ahSeen = true;
      }
      nh = b[p];
      p += len;
      continue;
    }
    if (nh === NH_FRAGMENT) {
      if (dataEnd - p < 8) return extTruncated(c, pkt, p, dataEnd, nh);
      const fragNh = b[p];
      // The fragment header's second byte is reserved.
      if (b[p + 1] !== 0) setAnomaly(pkt, IPV6_FH_NON_ZERO_RES_FIELD);
      if (sawFragment) {
        // A second fragment header says nothing the first did not: skipped, as Suricata does.
        setAnomaly(pkt, IPV6_EXTHDR_DUPL_FH);
        p += 8;
        nh = fragNh;
        continue;
      }
      sawFragment = true;
      const field = (b[p + 2] << 8) | b[p + 3];
      const fragOffset = field & 0xfff8;
      const more = (field & 1) !== 0;
      pkt.ipId = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      // Every fragment but the last carries a multiple of 8 bytes (RFC 8200 §4.5).
      if (more && (dataEnd - p - 8) % 8 !== 0) setAnomaly(pkt, IPV6_FRAG_INVALID_LENGTH);
      p += 8;
      nh = fragNh;
      // An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946), its header useless.
      if (fragOffset === 0 && !more) {
        setAnomaly(pkt, IPV6_EXTHDR_USELESS_FH);
        continue;
      }
      pkt.proto = fragNh;
      pkt.payloadOff = p;
      pkt.payloadLen = dataEnd - p;
      if (pkt.truncated) return L_DONE;
      const r = c.reassembler.addIpv6(b, off, p, dataEnd, fragOffset, more, fragNh, pkt, c.outIndex);
      if (r === FRAG_HELD) return L_HELD;
      if (r < 0) return L_ERROR;
      c.outIndex++;
      c.buf = c.reassembler.output;
      c.reassembled = true;
      c.off = 0;
      c.end = r;
      return L_IPV6;
    }
    break;
  }
  pkt.proto = nh;
  pkt.payloadOff = p;
  pkt.payloadLen = dataEnd - p;
  if (nh === NH_NONE) {
    if (dataEnd > p) setAnomaly(pkt, IPV6_DATA_AFTER_NONE_HEADER);
    return L_DONE;
  }
  c.off = p;
  c.end = dataEnd;
  c.l4Claim = off + 40 + payloadLen - p;
  return nextForIpProto(c, pkt, nh);
}

function extTruncated(c: DecodeCursor, pkt: DecodedPacket, p: number, dataEnd: number, nh: number): number {
  pkt.proto = nh;
  pkt.payloadOff = p;
  pkt.payloadLen = dataEnd - p;
  if (c.capCut || pkt.truncated) {
    pkt.truncated = true;
    return L_DONE;
  }
  setAnomaly(pkt, IPV6_TRUNC_EXTHDR);
  return L_ERROR;
}
