/**
 * Log review in the pipeline: at each flow's end the flow sampler decides (the same deterministic per-flow choice
 * the NetFlow/IPFIX export makes), and sampled flows go to the review; its hits come out as alerts.
 */
import type { Inspector } from '../pipeline/index.js';
import type { FlowEndReason, FlowView } from '../flow/index.js';
import type { FlowSampler } from '../flow/index.js';
import type { ReviewAlert } from '../finding/index.js';
import type { LogReview } from './log-review.js';

export class LogReviewInspector implements Inspector {
  readonly name = 'log-review';
  sampled = 0;
  skipped = 0;

  constructor(
    readonly review: LogReview,
    private readonly sampler?: FlowSampler,
  ) {}

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number): ReviewAlert[] | undefined {
    const s = this.sampler?.sample(flow) ?? { sampled: true, rate: 1 };
    if (!s.sampled) {
      this.skipped++;
      return undefined;
    }
    this.sampled++;
    const hits = this.review.observe(flow, s.rate, tsUs);
    return hits.length > 0 ? hits.map((h) => h.alert) : undefined;
  }

  close(): Promise<void> {
    return this.review.close();
  }
}
