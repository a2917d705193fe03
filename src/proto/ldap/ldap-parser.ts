/**
 * LDAP over TCP, followed for StartTLS: the client's ExtendedRequest 1.3.6.1.4.1.1466.20037 and the server's
 * success answer to that messageID hand both directions to TLS, and the flow becomes `app_proto: tls` with
 * `app_proto_orig: ldap`, as Suricata 8 logs the upgrade. Other operations are framed and skipped.
 */
import type { Direction } from '../../flow/index.js';
import { GO_ON, STOP, TLS_NEXT, type Decision, type FramedProtocol } from '../upgrade/index.js';
import {
  OP_EXTENDED_REQUEST,
  OP_EXTENDED_RESPONSE,
  START_TLS_OID,
  extendedRequestName,
  ldapFrameLength,
  ldapHeader,
  resultCode,
} from './ldap-message.js';

/** Enough of a message for its header and a StartTLS request name or a result code. */
const PREFIX = 64;
/** StartTLS comes first in a session that uses it: a session that has not asked after this much is left. */
const MAX_PLAINTEXT = 64 * 1024;

export class LdapStartTls implements FramedProtocol {
  readonly prefix = PREFIX;
  readonly maxPlaintext = MAX_PLAINTEXT;
  readonly changeProto = true;
  /** messageID of the StartTLS request awaiting its answer, -1 none. */
  private asked = -1;

  frameLength(head: Buffer, n: number): number {
    return ldapFrameLength(head, n);
  }

  message(dir: Direction, head: Buffer, n: number): Decision {
    const h = ldapHeader(head, n);
    if (h === null) return STOP;
    if (dir === 0) {
      if (h.op === OP_EXTENDED_REQUEST && extendedRequestName(head, n, h) === START_TLS_OID)
        this.asked = h.id;
      return GO_ON;
    }
    if (h.op !== OP_EXTENDED_RESPONSE || h.id !== this.asked) return GO_ON;
    this.asked = -1;
    return resultCode(head, n, h) === 0 ? TLS_NEXT : GO_ON;
  }
}
