/** RDP: detected from the client's X.224 Connection Request; followed into the TLS its negotiation selects. */
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO } from '../../flow/index.js';
import type { StreamProtocolDef } from '../app-layer.js';
import { tlsProtocol } from '../tls/index.js';
import { FramedUpgradeParser } from '../upgrade/index.js';
import { RdpNegotiation } from './rdp-parser.js';
import { isRdpConnectionRequest } from './x224.js';

export const rdpProtocol: StreamProtocolDef = {
  proto: 'rdp',
  probe(dir, buf, off, len) {
    if (dir !== 0) return PROBE_NO;
    const r = isRdpConnectionRequest(buf, off, len);
    return r === 1 ? PROBE_MATCH : r === 0 ? PROBE_NEED_MORE : PROBE_NO;
  },
  create: (ctx) => new FramedUpgradeParser('rdp', ctx, new RdpNegotiation(), tlsProtocol),
};
