/**
 * Live blocking (T-5) through the nftables driver: the verdict path only queues; the kernel update runs
 * asynchronously and failures are kept for the operator, so a slow `nft` never stalls packet processing.
 */
import type { NftablesDriver } from '../gateway/index.js';
import type { BlockSink } from './actions.js';
import type { HandshakeFeatures } from './features.js';

export class NftBlockSink implements BlockSink {
  readonly errors: string[] = [];
  blocked = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly nft: NftablesDriver,
    private readonly mode: 'destination' | 'flow' = 'flow',
    private readonly timeoutS = 600,
  ) {}

  block(f: HandshakeFeatures): boolean {
    const op =
      this.mode === 'destination'
        ? () => this.nft.blockDestination(f.dstIp, this.timeoutS)
        : () => this.nft.blockFlow(f.srcIp, f.dstIp, f.dstPort, this.timeoutS);
    this.pending = this.pending
      .then(op)
      .then(() => {
        this.blocked++;
      })
      .catch((err: unknown) => {
        if (this.errors.length < 100) this.errors.push(err instanceof Error ? err.message : String(err));
      });
    return true;
  }

  async drain(): Promise<void> {
    await this.pending;
  }
}
