/**
 * Rules on packet header buffers (ipv4.hdr, tcp.hdr …): evaluated per packet beside the engine's payload
 * groups, and only when a rule set has such rules, so the common packet path does not pay for them.
 */
import type { DecodedPacket } from '../decode/index.js';
import type { FlowView } from '../flow/index.js';
import type { BufferName, Rule } from './rule.js';
import type { RuleMatcher, RuleMatch } from './rule-matcher.js';
import { matchBuffer } from './buffer-match.js';
import { endpointsMatch, flowOptionsMatch, packetTestsMatch, protoMatches } from './header-match.js';
import { headerBuffer, isHeaderBuffer, type HeaderBuffer } from './packet-buffers.js';
import { transformsOf } from './transforms.js';

export class HeaderRuleMatcher {
  private readonly rules: Rule[];

  constructor(private readonly engine: RuleMatcher) {
    this.rules = engine.rules.filter((r) => {
      const names = [...r.buffers.keys()];
      return names.some(isHeaderBuffer) && names.every((b) => b === 'payload' || isHeaderBuffer(b));
    });
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  private value(pkt: DecodedPacket, name: BufferName): Buffer | undefined {
    if (name === 'payload') return pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen);
    const [base] = name.split('|');
    let v = headerBuffer(pkt, base as HeaderBuffer);
    if (v !== undefined && name.includes('|')) for (const t of transformsOf(name)) v = t(v);
    return v;
  }

  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): RuleMatch[] | undefined {
    let out: RuleMatch[] | undefined;
    for (const r of this.rules) {
      if (!protoMatches(r, flow) || endpointsMatch(r, flow, dir) < 0) continue;
      if (!flowOptionsMatch(r, flow, dir) || !packetTestsMatch(r, pkt)) continue;
      let ok = true;
      for (const [name, ms] of r.buffers) {
        const v = this.value(pkt, name);
        if (v === undefined || !matchBuffer(ms, v)) {
          ok = false;
          break;
        }
      }
      if (!ok || !this.engine.finish(r, flow, dir, pkt.tsUs)) continue;
      (out ??= []).push({ rule: r, dir });
    }
    return out;
  }
}
