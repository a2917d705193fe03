/** LDAP: detected from an LDAPMessage's BER shape; followed until StartTLS hands the connection to TLS. */
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../flow/index.js';
import type { StreamProtocolDef } from '../app-layer.js';
import { tlsProtocol } from '../tls/index.js';
import { FramedUpgradeParser } from '../upgrade/index.js';
import { isLdapOp, ldapHeader } from './ldap-message.js';
import { LdapStartTls } from './ldap-parser.js';

export const ldapProtocol: StreamProtocolDef = {
  proto: 'ldap',
  probe(dir, buf, off, len) {
    if (len < 1) return PROBE_NEED_MORE;
    if (buf[off] !== 0x30) return PROBE_NO;
    const n = Math.min(len, 16);
    const h = ldapHeader(buf.subarray(off, off + n), n);
    if (h === null) return len < 16 ? PROBE_NEED_MORE : PROBE_NO;
    return isLdapOp(dir, h.op) ? PROBE_MATCH : PROBE_NO;
  },
  create: (ctx) => new FramedUpgradeParser('ldap', ctx, new LdapStartTls(), tlsProtocol),
};

export { START_TLS_OID } from './ldap-message.js';
