/** DNS over UDP and TCP: the protocol definitions proto/'s registry lists for the flow layer. */
import type { AppContext, DatagramProtocolDef, StreamProtocolDef } from '../app-layer.js';
import { DnsDatagramParser } from './datagram-parser.js';
import { probeDnsDatagram, probeDnsStream } from './probe.js';
import { DnsStreamParser } from './stream-parser.js';
import { DnsDatagramFramer, DnsStreamFramer } from './framer.js';

export const dnsDatagramProtocol: DatagramProtocolDef = {
  proto: 'dns',
  probe: (_dir, buf, off, len, srcPort, dstPort, portHint) =>
    probeDnsDatagram(buf, off, len, srcPort, dstPort, portHint),
  create: (ctx: AppContext) => new DnsDatagramParser(ctx),
  framer: (ctx: AppContext) => new DnsDatagramFramer(ctx),
};

export const dnsStreamProtocol: StreamProtocolDef = {
  proto: 'dns',
  probe: (_dir, buf, off, len, srcPort, dstPort, portHint) =>
    probeDnsStream(buf, off, len, srcPort, dstPort, portHint),
  create: (ctx: AppContext) => new DnsStreamParser(ctx),
  framer: (ctx: AppContext) => new DnsStreamFramer(ctx),
};

export { parseDnsMessage } from './message.js';
export { DnsDatagramParser } from './datagram-parser.js';
export { DnsStreamParser } from './stream-parser.js';
export type { DnsAnswer, DnsMessage, DnsOption, DnsQuestion, DnsSoa, DnsSrv, DnsSshfp } from './types.js';
export { rrTypeName, rrTypeNumber } from './rr-types.js';
