/**
 * Suricata's per-flow DNS transaction numbering (`tx_id`): each query opens a transaction; the response
 * with the same id closes it; a response nobody asked for opens its own. Open queries are bounded so a
 * flood of unanswered queries cannot grow a flow's memory.
 */
const MAX_OPEN_QUERIES = 256;

export class DnsTransactions {
  private next = 0;
  private readonly open = new Map<number, number>();

  forQuery(id: number): number {
    const tx = this.next++;
    if (this.open.size >= MAX_OPEN_QUERIES && !this.open.has(id)) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) this.open.delete(oldest);
    }
    this.open.set(id, tx);
    return tx;
  }

  forResponse(id: number): number {
    const tx = this.open.get(id);
    if (tx === undefined) return this.next++;
    this.open.delete(id);
    return tx;
  }
}
