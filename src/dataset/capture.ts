/** One entry point for captures: classic pcap or pcapng, told apart by the magic number (not the name). */
import type { Pseudonymiser } from './pseudonymise.js';
import { pseudonymisePcap, PcapRewriteError } from './pcap.js';
import { pseudonymisePcapng } from './pcapng.js';

export function pseudonymiseCapture(
  input: Buffer,
  p: Pseudonymiser,
  opts: { keepPayload?: boolean } = {},
): Buffer {
  if (input.length >= 4 && input.readUInt32LE(0) === 0x0a0d0d0a) return pseudonymisePcapng(input, p, opts);
  if (input.length >= 4) {
    const m = input.readUInt32LE(0);
    if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(m)) return pseudonymisePcap(input, p, opts);
  }
  throw new PcapRewriteError('neither pcap nor pcapng: unknown magic number');
}
