/**
 * RDP until its security layer starts: the client's X.224 Connection Request and the server's Connection Confirm
 * are read; when the server selected a protocol other than standard RDP security (TLS, CredSSP, RDSTLS …) the
 * bytes after the confirm are TLS in both directions, and the handshake is fingerprinted and its certificate read
 * like any other. The flow stays `app_proto: rdp`, as Suricata's RDP parser reads that TLS itself.
 */
import type { Direction } from '../../flow/index.js';
import { GO_ON, STOP, TLS_NEXT, type Decision, type FramedProtocol } from '../upgrade/index.js';
import { PROTOCOL_RDP, X224_CONNECTION_CONFIRM, selectedProtocol, tpktLength, x224Code } from './x224.js';

/** The TPKT header, the Connection Confirm's fixed part and its 8-byte negotiation response. */
const PREFIX = 24;
/** The negotiation is the first exchange: a few messages at most. */
const MAX_PLAINTEXT = 16 * 1024;

export class RdpNegotiation implements FramedProtocol {
  readonly prefix = PREFIX;
  readonly maxPlaintext = MAX_PLAINTEXT;
  readonly changeProto = false;

  frameLength(head: Buffer, n: number): number {
    return tpktLength(head, n);
  }

  message(dir: Direction, head: Buffer, n: number, total: number): Decision {
    // The client's request is followed by nothing until the server confirms.
    if (dir === 0) return GO_ON;
    if (x224Code(head, n) !== X224_CONNECTION_CONFIRM) return STOP;
    const p = selectedProtocol(head, n, total);
    return p > PROTOCOL_RDP ? TLS_NEXT : STOP;
  }
}
