/**
 * Suricata's per-flow DNS transaction numbering (`tx_id`): every message, query or response, is its own
 * transaction, numbered from 0 in arrival order (Suricata 7 logs query tx_ids 0, 2, 4 for three exchanges
 * on one TCP connection; suricata-verify task-7018).
 */
export class DnsTransactions {
  private next = 0;

  forQuery(_id: number): number {
    return this.next++;
  }

  forResponse(_id: number): number {
    return this.next++;
  }
}
