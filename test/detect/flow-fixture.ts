/** A flow as the rule engine sees it, for tests: 10.0.0.5:51000 → 198.51.100.7:443 TCP, established; override what matters. */
import { parseIp } from '../../src/address/index.js';
import type { FlowView } from '../../src/flow/types.js';

export function testFlow(over: Partial<FlowView> & { srcIp?: string; dstIp?: string } = {}): FlowView {
  const { srcIp, dstIp, ...rest } = over;
  return {
    id: 1,
    ipVersion: 4,
    src: parseIp(srcIp ?? '10.0.0.5')!.words,
    dst: parseIp(dstIp ?? '198.51.100.7')!.words,
    srcPort: 51000,
    dstPort: 443,
    proto: 6,
    vlan: [],
    startUs: 0,
    lastUs: 0,
    pkts: [1, 1],
    bytes: [100, 100],
    state: 'established',
    appProto: 'unknown',
    tcpFlags: [0x1b, 0x1b],
    gapBytes: 0,
    communityId: () => '1:x',
    ...rest,
  };
}
