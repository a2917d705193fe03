/**
 * The decode loop's moving state: which bytes the next layer reads, and the outer layers saved when a tunnel
 * is entered. One cursor lives in each PacketDecoder; nothing here is allocated per packet.
 */
import { setAnomaly, TUNNEL_TOO_DEEP } from './anomalies.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_ERROR } from './layers.js';
import type { IpReassembler } from './ip-reassembly.js';

/** Tunnel layers decoded before the rest is left as the outer packet's payload. */
export const MAX_TUNNEL_DEPTH = 4;

/** Numbers saved per tunnel level (see saveOuter). */
const SAVED_NUMS = 22;

export class DecodeCursor {
  buf: Buffer = Buffer.alloc(0);
  /** The next layer's header starts at `off`; `end` is one past the last byte it may read (never past caplen). */
  off = 0;
  end = 0;
  /** The capture's snap length cut this packet (caplen < wirelen): running out of bytes is expected, not an anomaly. */
  capCut = false;
  /** Transport length the IP header announces (may exceed `end - off` when truncated). */
  l4Claim = 0;
  /** Ethertype or IP version handed to the next layer by a layer that only knows the type (GRE, Geneve, MPLS). */
  nextType = 0;
  /** VLAN tags seen in this packet (all Ethernet layers). */
  vlanTags = 0;
  /** The next IPv6 header is a datagram rebuilt from fragments (its fragment id stays in pkt.ipId). */
  reassembled = false;
  /** pkt.tunnelDepth at which the innermost IP header was decoded; -1 before any. */
  ipDepth = -1;
  /** pkt.tunnelDepth whose inner start was measured into pkt.outerLen (0: the frame itself). */
  innerDepth = 0;
  /** Next free reassembly output buffer (one per nesting level, so an inner datagram never overwrites its outer). */
  outIndex = 0;

  private readonly savedNums = new Float64Array(MAX_TUNNEL_DEPTH * SAVED_NUMS);
  private readonly savedAddr = new Uint32Array(MAX_TUNNEL_DEPTH * 8);
  private readonly savedBuf: Buffer[] = new Array<Buffer>(MAX_TUNNEL_DEPTH).fill(Buffer.alloc(0));

  constructor(readonly reassembler: IpReassembler) {}

  /** Bytes left for the current layer. */
  avail(): number {
    return this.end - this.off;
  }

  /**
   * A header needs more bytes than there are. When the capture cut the packet (or an outer layer already found
   * it truncated) that is truncation: stop with the fields decoded so far. Otherwise the packet itself is
   * malformed: record `anomaly` and stop with an error.
   */
  short(pkt: DecodedPacket, anomaly: string): number {
    if (this.capCut || pkt.truncated) {
      pkt.truncated = true;
      return L_DONE;
    }
    setAnomaly(pkt, anomaly);
    return L_ERROR;
  }

  /**
   * Entering a tunnel: remember the outer packet so it can stand as the result when the inner one is not IP
   * (ARP in VXLAN, a keepalive in GRE). Returns false when the nesting bound is reached.
   */
  enterTunnel(pkt: DecodedPacket): boolean {
    const d = pkt.tunnelDepth;
    if (d >= MAX_TUNNEL_DEPTH) {
      setAnomaly(pkt, TUNNEL_TOO_DEEP);
      return false;
    }
    const n = this.savedNums;
    const b = d * SAVED_NUMS;
    n[b] = pkt.ipVersion;
    n[b + 1] = pkt.ttl;
    n[b + 2] = pkt.ipId;
    n[b + 3] = pkt.proto;
    n[b + 4] = pkt.srcPort;
    n[b + 5] = pkt.dstPort;
    n[b + 6] = pkt.tcpFlags;
    n[b + 7] = pkt.tcpSeq;
    n[b + 8] = pkt.tcpAck;
    n[b + 9] = pkt.tcpWindow;
    n[b + 10] = pkt.icmpType;
    n[b + 11] = pkt.icmpCode;
    n[b + 12] = pkt.vlanCount;
    n[b + 13] = pkt.vlan[0];
    n[b + 14] = pkt.vlan[1];
    n[b + 15] = pkt.l3Off;
    n[b + 16] = pkt.payloadOff;
    n[b + 17] = pkt.payloadLen;
    n[b + 18] = this.ipDepth;
    n[b + 19] = pkt.vlan[2];
    n[b + 20] = pkt.outerLen;
    n[b + 21] = this.innerDepth;
    const a = this.savedAddr;
    const ab = d * 8;
    for (let i = 0; i < 4; i++) {
      a[ab + i] = pkt.src[i];
      a[ab + 4 + i] = pkt.dst[i];
    }
    this.savedBuf[d] = pkt.buf;
    if (d === 0) {
      pkt.tunnelIpVersion = pkt.ipVersion;
      pkt.tunnelProto = pkt.proto;
      pkt.tunnelSrc.set(pkt.src);
      pkt.tunnelDst.set(pkt.dst);
    }
    pkt.tunnelDepth = d + 1;
    return true;
  }

  /**
   * The first header inside the current tunnel starts at `off`: from here the flow counts the inner bytes. A
   * rebuilt (reassembled) outer datagram is no longer the frame: its inner bytes are what it holds.
   */
  markInner(pkt: DecodedPacket): void {
    this.innerDepth = pkt.tunnelDepth;
    const outer = this.buf === pkt.frameBuf ? this.off - pkt.frameOff : pkt.wireLen - (this.end - this.off);
    pkt.outerLen = outer < 0 ? 0 : outer > pkt.wireLen ? pkt.wireLen : outer;
  }

  /** The innermost tunnel held no IP packet: the packet is the one just outside it. */
  restoreOuter(pkt: DecodedPacket): void {
    const d = pkt.tunnelDepth - 1;
    if (d < 0) return;
    const n = this.savedNums;
    const b = d * SAVED_NUMS;
    pkt.ipVersion = n[b];
    pkt.ttl = n[b + 1];
    pkt.ipId = n[b + 2];
    pkt.proto = n[b + 3];
    pkt.srcPort = n[b + 4];
    pkt.dstPort = n[b + 5];
    pkt.tcpFlags = n[b + 6];
    pkt.tcpSeq = n[b + 7];
    pkt.tcpAck = n[b + 8];
    pkt.tcpWindow = n[b + 9];
    pkt.icmpType = n[b + 10];
    pkt.icmpCode = n[b + 11];
    pkt.vlanCount = n[b + 12];
    pkt.vlan[0] = n[b + 13];
    pkt.vlan[1] = n[b + 14];
    pkt.l3Off = n[b + 15];
    pkt.payloadOff = n[b + 16];
    pkt.payloadLen = n[b + 17];
    this.ipDepth = n[b + 18];
    pkt.vlan[2] = n[b + 19];
    pkt.outerLen = n[b + 20];
    this.innerDepth = n[b + 21];
    const a = this.savedAddr;
    const ab = d * 8;
    for (let i = 0; i < 4; i++) {
      pkt.src[i] = a[ab + i];
      pkt.dst[i] = a[ab + 4 + i];
    }
    pkt.buf = this.savedBuf[d];
    pkt.tunnelDepth = d;
  }
}
